"""Running cases and a new version, a new city from a copy, export and import, and the audit log."""

from __future__ import annotations

import io
import json
import zipfile

from clerk import JURISDICTION, KEEP, login, page, visible_text
from rulebook_steps import draft_row, file_text, open_draft, publish_with_second_user, save

from webapp.extensions import db
from webapp.models import AuditEntry, Case, CaseEvent, RulePack


def _case(app, case_id) -> Case:
    with app.app_context():
        row = db.session.get(Case, case_id)
        db.session.expunge(row)
        return row


def test_a_dry_run_lists_which_cases_can_move_and_applying_moves_the_chosen_ones(clerk_app):
    registrar, officer, editor, head = (
        login(clerk_app, u)
        for u in (
            "wlmq-tianshan-registrar",
            "wlmq-tianshan-case-officer",
            "wlmq-policy-editor",
            "wlmq-bureau-head",
        )
    )
    waiting = registrar.register()  # waits at 管辖审查
    further = registrar.register(reported_unit_name="另一家药房")
    officer.done(further, JURISDICTION, KEEP)  # now waits at 受理审查, whose form is about to change
    old_version = _case(clerk_app, waiting).pack_version

    draft_id = open_draft(editor, "urumqi")
    schema = json.loads(file_text(clerk_app, draft_id, "forms/acceptance_check.form"))
    schema["components"].append(
        {"type": "textfield", "key": "acceptance_extra", "label": "补充意见", "validate": {"required": True}}
    )
    assert save(editor, draft_id, "forms/acceptance_check.form", json.dumps(schema, ensure_ascii=False)).json[
        "saved"
    ]
    publish_with_second_user(clerk_app, editor, head, draft_id, comment="乌医保发〔2026〕9号")

    shown = editor.get("/rules/packs/urumqi/migration")
    rows = {
        tr.get("data-case"): tr
        for tr in page(shown).xpath("//table[contains(@class,'migration-table')]/tbody/tr")
    }
    numbers = {_case(clerk_app, c).number: c for c in (waiting, further)}
    assert set(rows) == set(numbers)
    by_id = {c: rows[_case(clerk_app, c).number] for c in (waiting, further)}
    assert by_id[waiting].get("class") == "movable"
    assert by_id[further].get("class") == "blocked" and "acceptance_check" in by_id[further].text_content()

    # all or none: a blocked case in the choice moves nothing
    editor.post("/rules/packs/urumqi/migration", data={"case": [str(waiting), str(further)]})
    assert _case(clerk_app, waiting).pack_version == old_version
    response = editor.post("/rules/packs/urumqi/migration", data={"case": [str(waiting)]})
    assert response.status_code == 302
    moved = _case(clerk_app, waiting)
    assert moved.pack_version != old_version and _case(clerk_app, further).pack_version == old_version
    with clerk_app.app_context():
        event = db.session.query(CaseEvent).filter_by(case_id=waiting, kind="migrated").one()
        assert event.detail == {"from": old_version, "to": moved.pack_version}
        assert db.session.query(AuditEntry).filter_by(action="case.migrate").count() == 1
    # the moved case goes on, on the new version: its next step has the new form's field
    officer.done(waiting, JURISDICTION, KEEP)
    task = officer.get(officer.task_url(waiting, "受理审查"))
    assert page(task).xpath("//*[@name='acceptance_extra']") or "acceptance_extra" in task.get_data(
        as_text=True
    )


def test_a_new_city_is_copied_published_and_runs_a_case(clerk_app):
    editor, head, admin, registrar = (
        login(clerk_app, u)
        for u in ("sc-policy-editor", "sc-bureau-head", "sc-administrator", "sc-jinjiang-registrar")
    )
    bad = editor.post(
        "/rules/copy",
        data={
            "parent": "sichuan",
            "name": "Mian Yang",
            "display_name": "",
            "calendar": "XX",
            "case_prefix": "SC",
        },
    )
    assert bad.status_code == 422
    reasons = [li.text_content() for li in page(bad).xpath("//ul[@class='problems']/li")]
    assert len(reasons) == 4, reasons
    response = editor.post(
        "/rules/copy",
        data={
            "parent": "sichuan",
            "name": "mianyang",
            "display_name": "绵阳市",
            "calendar": "CN",
            "case_prefix": "MY",
        },
    )
    assert response.status_code == 302, visible_text(response)[:500]
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert draft_row(clerk_app, draft_id).errors == 0 and draft_row(clerk_app, draft_id).failed_examples == 0
    # not published yet: nothing to move to, nothing to export, and no bureau can be put on it
    assert editor.get("/rules/packs/mianyang/migration").status_code == 302
    assert editor.get("/rules/packs/mianyang/export").status_code == 302
    admin.post("/rules/bureau", data={"pack": "mianyang"})
    with clerk_app.app_context():
        from webapp.models import Bureau

        assert db.session.query(Bureau).filter_by(code="sc").one().pack == "sichuan"
    publish_with_second_user(clerk_app, editor, head, draft_id, comment="绵医保发〔2026〕1号")
    # another city's staff do not see it
    assert login(clerk_app, "cq-policy-editor").get("/rules/packs/mianyang").status_code == 404
    assert registrar.post("/rules/bureau", data={"pack": "mianyang"}).status_code == 403
    assert admin.post("/rules/bureau", data={"pack": "mianyang"}).status_code == 302
    case_id = registrar.register()
    row = _case(clerk_app, case_id)
    assert row.pack == "mianyang" and row.number.startswith("MY-")
    assert "绵阳市" in visible_text(registrar.case_page(case_id))


def _zip(entries: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _import(person, data: bytes):
    return person.post(
        "/rules/import", data={"file": (io.BytesIO(data), "pack.zip")}, content_type="multipart/form-data"
    )


def test_a_pack_exported_as_a_zip_imports_again_and_broken_zips_are_refused(clerk_app):
    editor = login(clerk_app, "wlmq-policy-editor")
    response = editor.get("/rules/packs/urumqi/export")
    assert response.status_code == 200 and response.content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert "packs.toml" in names and "dmn/urumqi/reward_amount.dmn" in names
    assert "examples/urumqi/reward_amount.json" in names
    assert not any(n.startswith("bpmn/") for n in names)  # inherited unchanged from national
    toml = archive.read("packs.toml").decode()
    assert "[packs.urumqi]" in toml and 'parent = "national"' in toml and 'calendar = "CN-XJ"' in toml

    renamed = {"packs.toml": toml.replace("[packs.urumqi]", "[packs.urumqi_two]").replace('"WLMQ"', '"WQT"')}
    for name in names - {"packs.toml"}:
        kind, _, file = name.split("/")
        renamed[f"{kind}/urumqi_two/{file}"] = archive.read(name)
    response = _import(editor, _zip(renamed))
    assert response.status_code == 302, visible_text(response)[:800]
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with clerk_app.app_context():
        from webapp.store import packindex

        assert draft_row(clerk_app, draft_id).files == packindex.published_row("urumqi").files
        assert db.session.get(RulePack, "urumqi_two").calendar == "CN-XJ"

    with clerk_app.app_context():
        packs_before = db.session.query(RulePack).count()
    dmn = (
        archive.read("dmn/urumqi/reward_amount.dmn")
        .decode()
        .replace("<text>0.05</text>", "<text>1 +</text>", 1)
    )
    broken = {
        "not a zip": b"hello",
        "traversal": _zip({"packs.toml": toml.replace("urumqi", "evil"), "../evil.dmn": "x"}),
        "no index": _zip({"dmn/urumqi/x.dmn": "x"}),
        "feel error": _zip(
            {
                "packs.toml": toml.replace("[packs.urumqi]", "[packs.urumqi_bad]").replace('"WLMQ"', '"WQB"'),
                "dmn/urumqi_bad/reward_amount.dmn": dmn,
            }
        ),
        "two packs": _zip({"packs.toml": toml + toml.replace("urumqi", "other")}),
        "outside layout": _zip(
            {"packs.toml": toml.replace("[packs.urumqi]", "[packs.x1]"), "scripts/run.py": "x"}
        ),
    }
    for what, data in broken.items():
        response = _import(editor, data)
        assert response.status_code == 422, what
        assert page(response).xpath("//ul[contains(@class,'import-reasons')]/li"), what
    assert "FEEL" in visible_text(_import(editor, broken["feel error"]))
    chongqing = _zip({"packs.toml": toml.replace("[packs.urumqi]", "[packs.chongqing]")})
    assert _import(editor, chongqing).status_code == 403
    with clerk_app.app_context():
        assert db.session.query(RulePack).count() == packs_before


def test_the_auditor_reads_and_filters_the_log_of_their_bureau(clerk_app):
    editor = login(clerk_app, "wlmq-policy-editor")
    draft_id = open_draft(editor, "urumqi")
    text = file_text(clerk_app, draft_id, "dmn/reward_amount.dmn")
    save(editor, draft_id, "dmn/reward_amount.dmn", text)
    auditor = login(clerk_app, "wlmq-auditor")
    assert "审计日志" in visible_text(auditor.get("/"))

    def actions(query=""):
        response = auditor.get("/rules/audit" + query)
        assert response.status_code == 200
        return [
            tr.get("data-action")
            for tr in page(response).xpath("//table[contains(@class,'audit-table')]/tbody/tr")
            if tr.get("data-action")
        ]

    everything = actions()
    assert everything[:2] == ["draft.save", "draft.open"]
    assert "calendar.seed" in everything  # calendar changes are in the same log (the seed at first start)
    assert actions("?action=draft.save") == ["draft.save"]
    assert actions("?user=wlmq-policy-editor&pack=urumqi") == ["draft.save", "draft.open"]
    assert actions("?user=cq-policy-editor") == []
    assert actions("?from=2026-03-02&to=2026-03-02")[:2] == ["draft.save", "draft.open"]
    assert actions("?from=2026-03-03") == []
    other = login(clerk_app, "cq-auditor")
    assert other.get("/rules/audit").status_code == 200
    seen = {tr.get("data-action") for tr in page(other.get("/rules/audit")).xpath("//tr[@data-action]")}
    assert seen <= {"calendar.seed"}  # nothing of Urumqi's; the system's own entries are everyone's
    assert login(clerk_app, "wlmq-registrar").get("/rules/audit").status_code == 403
