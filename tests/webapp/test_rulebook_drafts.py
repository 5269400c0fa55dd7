"""Policy staff change the rules: drafts, checks on every save, examples, four eyes, publication;
running cases keep their version, new cases start on the published one."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from clerk import login, page, visible_text
from rulebook_steps import (
    EIGHT_THOUSAND,
    FLOOR_500,
    URUMQI_AMOUNT,
    decide_on_case_version,
    draft_row,
    file_text,
    open_draft,
    publish_with_second_user,
    raise_urumqi_floor,
    save,
    step,
    update_red_examples,
)

from webapp.extensions import db
from webapp.models import AuditEntry, Case


def test_the_urumqi_floor_goes_from_500_to_600_under_four_eyes(clerk_app):
    editor, head, registrar = (
        login(clerk_app, u) for u in ("wlmq-policy-editor", "wlmq-bureau-head", "wlmq-tianshan-registrar")
    )
    before = registrar.register()

    draft_id = raise_urumqi_floor(clerk_app, editor)
    shown = editor.get(f"/rules/drafts/{draft_id}")
    red = page(shown).xpath("//table[contains(@class,'failed-examples')]/tbody/tr")
    assert any(
        '"base_amount"' not in r.text_content() and '"amount": 500' in r.text_content() for r in red
    ), [r.text_content() for r in red]
    # the 8,000-yuan case is red, so the draft cannot be submitted
    response = step(editor, draft_id, "submit", comment="乌医保规〔2026〕1号")
    assert draft_row(clerk_app, draft_id).status == "open"
    assert "未通过" in visible_text(editor.get(f"/rules/drafts/{draft_id}"))

    assert update_red_examples(clerk_app, editor, draft_id) >= 1
    assert draft_row(clerk_app, draft_id).failed_examples == 0
    # a submission needs the document it implements
    step(editor, draft_id, "submit", comment="  ")
    assert draft_row(clerk_app, draft_id).status == "open"
    response = step(editor, draft_id, "submit", comment="乌医保规〔2026〕1号")
    assert response.status_code == 302 and draft_row(clerk_app, draft_id).status == "submitted"
    # the author cannot approve their own change; a second person with the publishing role can
    assert step(editor, draft_id, "approve").status_code == 403
    assert step(editor, draft_id, "publish").status_code == 302
    assert draft_row(clerk_app, draft_id).status == "submitted"
    assert step(head, draft_id, "approve").status_code == 302
    assert step(head, draft_id, "publish").status_code == 302
    assert draft_row(clerk_app, draft_id).status == "published"

    after = registrar.register()
    assert decide_on_case_version(clerk_app, before, "reward_amount", EIGHT_THOUSAND)["amount"] == Decimal(
        500
    )
    assert decide_on_case_version(clerk_app, after, "reward_amount", EIGHT_THOUSAND)["amount"] == Decimal(600)
    with clerk_app.app_context():
        actions = [
            e.action for e in db.session.query(AuditEntry).filter_by(subject="urumqi").order_by(AuditEntry.id)
        ]
        published = db.session.query(AuditEntry).filter_by(action="pack.publish").one()
        assert published.comment == "乌医保规〔2026〕1号"
    assert actions[0] == "draft.open" and "draft.save" in actions
    assert actions[-3:] == ["draft.submit", "draft.approve", "pack.publish"]
    listed = visible_text(editor.get("/rules/packs/urumqi"))
    assert "乌医保规〔2026〕1号" in listed and "使用中" in listed


@pytest.mark.parametrize("cell", ["__import__('os')", "1 +"])
def test_a_hostile_or_broken_cell_is_refused_at_save_with_rule_and_column(clerk_app, cell):
    editor = login(clerk_app, "wlmq-policy-editor")
    draft_id = open_draft(editor, "urumqi")
    text = file_text(clerk_app, draft_id, URUMQI_AMOUNT)
    response = save(editor, draft_id, URUMQI_AMOUNT, text.replace(FLOOR_500, FLOOR_500.replace("500", cell)))
    body = response.json
    assert response.status_code == 200 and body["saved"] is True  # stored, so no work is lost …
    errors = [p for p in body["problems"] if p["severity"] == "error"]
    [problem] = errors
    assert problem["file"] == URUMQI_AMOUNT and problem["element"] == "reward_terms"
    assert problem["rule"] == "1 (Rule_reward_terms_1)" and problem["row"] == 1
    assert problem["column"] == "下限（元）" and "FEEL 语法错误" in problem["message"]
    # … but it blocks the way to publication
    step(editor, draft_id, "submit", comment="测试")
    assert draft_row(clerk_app, draft_id).status == "open" and draft_row(clerk_app, draft_id).errors == 1
    assert "FEEL 语法错误" in visible_text(editor.get(f"/rules/drafts/{draft_id}"))


def test_an_english_editor_gets_the_engine_s_own_words_for_a_problem(clerk_app):
    """The engine reports in English; a Chinese page gets its words in Chinese, an English one as they are."""
    editor = login(clerk_app, "wlmq-policy-editor")
    draft_id = open_draft(editor, "urumqi")
    broken = file_text(clerk_app, draft_id, URUMQI_AMOUNT).replace(FLOOR_500, FLOOR_500.replace("500", "1 +"))
    editor.get("/?lang=en")
    [problem] = [
        p for p in save(editor, draft_id, URUMQI_AMOUNT, broken).json["problems"] if p["severity"] == "error"
    ]
    assert problem["message"].startswith("FEEL syntax error in cell `1 +`"), problem["message"]
    assert problem["rule"] == "1 (Rule_reward_terms_1)"
    editor.get("/?lang=zh")
    [problem] = [
        p for p in save(editor, draft_id, URUMQI_AMOUNT, broken).json["problems"] if p["severity"] == "error"
    ]
    assert problem["message"].startswith("FEEL 语法错误：单元格 `1 +`"), problem["message"]


def test_text_that_cannot_be_parsed_is_not_stored_and_the_old_text_stays(clerk_app):
    editor = login(clerk_app, "wlmq-policy-editor")
    draft_id = open_draft(editor, "urumqi")
    before = file_text(clerk_app, draft_id, URUMQI_AMOUNT)
    for path, text in (
        (URUMQI_AMOUNT, "<definitions><decision"),
        ("forms/filing.form", "{not json"),
        (URUMQI_AMOUNT, '<!DOCTYPE x [<!ENTITY e "boom">]><definitions/>'),
    ):
        response = save(editor, draft_id, path, text)
        assert response.status_code == 200 and response.json["saved"] is False, response.json
        assert response.json["problems"][0]["message"]
    assert file_text(clerk_app, draft_id, URUMQI_AMOUNT) == before
    assert save(editor, draft_id, "../../etc/passwd", "x").json["saved"] is False
    # the page without JavaScript: the textarea posts the same save URL
    shown = editor.get(f"/rules/drafts/{draft_id}/files/{URUMQI_AMOUNT}")
    assert shown.status_code == 200 and page(shown).xpath("//textarea[@name='text']")
    response = editor.post(f"/rules/drafts/{draft_id}/files/{URUMQI_AMOUNT}", data={"text": "<broken"})
    assert response.status_code == 422 and "XML 格式错误" in visible_text(response)


def test_the_save_contract_answers_json_with_csrf(clerk_app_csrf):
    editor = login(clerk_app_csrf, "wlmq-policy-editor")
    shown = editor.get("/rules/packs/urumqi")
    token = page(shown).xpath("//input[@name='csrf_token']/@value")[0]
    response = editor.post("/rules/packs/urumqi/drafts", data={"csrf_token": token})
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    text = file_text(clerk_app_csrf, draft_id, URUMQI_AMOUNT)
    assert save(editor, draft_id, URUMQI_AMOUNT, text).status_code == 400  # no token, refused
    response = save(editor, draft_id, URUMQI_AMOUNT, text, headers={"X-CSRFToken": token})
    body = response.json
    assert response.status_code == 200 and body["saved"] is True
    assert body["version"] == draft_row(clerk_app_csrf, draft_id).version
    assert body["examples"]["failed"] == 0 and body["examples"]["passed"] > 100
    assert set(body["examples"]["results"][0]) >= {"decision", "case", "ok", "expected", "actual"}
    edit = editor.get(f"/rules/drafts/{draft_id}/files/{URUMQI_AMOUNT}")
    assert edit.status_code == 200
    # an editor that says which version it started from cannot overwrite a later save
    stale = editor.client.post(
        f"/rules/drafts/{draft_id}/files/{URUMQI_AMOUNT}",
        json={"text": text.replace("0.05", "0.06"), "version": "0000000000000000"},
        headers={"X-CSRFToken": token},
    )
    assert (
        stale.status_code == 200
        and stale.json["saved"] is False
        and "他人修改" in stale.json["problems"][0]["message"]
    )
    assert file_text(clerk_app_csrf, draft_id, URUMQI_AMOUNT) == text


def test_another_bureau_cannot_see_a_draft_and_districts_do_not_edit_rules(clerk_app):
    editor = login(clerk_app, "wlmq-policy-editor")
    draft_id = open_draft(editor, "urumqi")
    for username in ("cq-policy-editor", "cq-bureau-head", "cq-auditor"):
        other = login(clerk_app, username)
        for url in (
            f"/rules/drafts/{draft_id}",
            f"/rules/drafts/{draft_id}/files/{URUMQI_AMOUNT}",
            f"/rules/drafts/{draft_id}/examples/reward_amount",
            "/rules/packs/urumqi",
            "/rules/diff?pack=urumqi&to=draft:%d" % draft_id,
            "/rules/packs/urumqi/migration",
        ):
            assert other.get(url).status_code == 404, (username, url)
        assert step(other, draft_id, "approve").status_code == 404
    district = login(clerk_app, "wlmq-tianshan-policy-editor")
    assert district.get("/rules/").status_code == 403
    assert district.post("/rules/packs/urumqi/drafts").status_code == 403
    registrar = login(clerk_app, "wlmq-registrar")
    assert registrar.get("/rules/").status_code == 403
    assert "规则管理" not in visible_text(registrar.get("/"))
    assert "规则管理" in visible_text(editor.get("/"))


def test_an_older_version_can_be_published_again(clerk_app):
    editor, head, registrar = (
        login(clerk_app, u) for u in ("wlmq-policy-editor", "wlmq-bureau-head", "wlmq-tianshan-registrar")
    )
    with clerk_app.app_context():
        from webapp.store import packindex

        shipped = packindex.publication("urumqi").version
    draft_id = raise_urumqi_floor(clerk_app, editor)
    update_red_examples(clerk_app, editor, draft_id)
    publish_with_second_user(clerk_app, editor, head, draft_id)
    response = head.post("/rules/packs/urumqi/republish", data={"version": shipped, "comment": ""})
    with clerk_app.app_context():
        assert packindex.publication("urumqi").version != shipped  # a comment is required
    response = head.post(
        "/rules/packs/urumqi/republish", data={"version": shipped, "comment": "乌医保规〔2026〕2号 撤回"}
    )
    assert response.status_code == 302
    with clerk_app.app_context():
        assert packindex.publication("urumqi").version == shipped
    case = registrar.register()
    assert decide_on_case_version(clerk_app, case, "reward_amount", EIGHT_THOUSAND)["amount"] == Decimal(500)
    with clerk_app.app_context():
        assert db.session.get(Case, case).pack_version == shipped


def test_deleting_a_file_a_diagram_needs_is_an_error_and_files_can_be_added(clerk_app):
    editor = login(clerk_app, "wlmq-policy-editor")
    draft_id = open_draft(editor, "urumqi")
    response = editor.post(f"/rules/drafts/{draft_id}/delete-file", data={"path": "forms/archive.form"})
    assert response.status_code == 302
    row = draft_row(clerk_app, draft_id)
    assert "forms/archive.form" not in row.files and row.errors >= 1
    shown = visible_text(editor.get(f"/rules/drafts/{draft_id}"))
    assert "用户任务使用的表单“archive”在规则包中不存在" in shown
    # a new file: its page opens empty, and saving it adds it to the draft
    response = editor.get(f"/rules/drafts/{draft_id}/new-file?path=forms/archive.form")
    assert response.status_code == 302
    assert editor.get(response.headers["Location"]).status_code == 200
    assert editor.get(f"/rules/drafts/{draft_id}/new-file?path=../x").status_code == 302
    text = (Path(__file__).parents[2] / "forms/national/archive.form").read_text(encoding="utf-8")
    assert save(editor, draft_id, "forms/archive.form", text).json["saved"] is True
    assert draft_row(clerk_app, draft_id).errors == 0
