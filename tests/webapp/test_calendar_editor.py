"""Calendars kept in the database and edited in the browser: seeding, the editor's checks, who may edit,
deadlines waiting for a national year, and the deadlines a confirmed or edited year moves."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from clerk import ACCEPTANCE, JURISDICTION, KEEP, flashes, login, page, visible_text
from sqlalchemy import select

from engine.calendars import RegionYear
from webapp.extensions import db
from webapp.models import AuditEntry, CaseEvent, HolidayPeriod, MovedDeadline
from webapp.store import calendaring

SEED = Path(__file__).parents[2] / "calendars"
EDITOR = "cq-policy-editor"  # Chongqing's city policy editor: the CN calendar is theirs to edit
# TEST DATA, not the State Council's notice: a plausible 2027 national schedule.
TEST_2027_PERIODS = [("元旦", "2027-01-01", "2027-01-03"), ("春节", "2027-02-06", "2027-02-14")]
TEST_2027_SOURCE = "测试数据（非官方）：国办发明电〔2026〕xx号"


def edit(clerk, region: str, year: int, form: str, **fields):
    return clerk.post(f"/calendars/{region}/{year}", data={"form": form, **fields})


def field_messages(response) -> list[str]:
    return [s.text_content().strip() for s in page(response).xpath("//span[contains(@class,'field-error')]")]


def register_on(app, clock, day: str) -> int:
    clock.set(day)
    return login(app, "cq-yuzhong-registrar").register(registered_on=day, received_on=day, recorded_on=day)


def audit_actions(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (e.action, e.subject)
            for e in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        ]


# -- seeding ---------------------------------------------------------------------------------------


def test_the_seeded_calendars_equal_the_json_files(clerk_app):
    login(clerk_app, EDITOR)  # the first request seeds
    files = [
        RegionYear.from_dict(json.loads(p.read_text(encoding="utf-8"))) for p in sorted(SEED.glob("*.json"))
    ]
    with clerk_app.app_context():
        stored = calendaring.region_years()
        assert sorted(ry.to_dict()["region"] + str(ry.year) for ry in stored) == sorted(
            ry.region + str(ry.year) for ry in files
        )
        by_key = {(ry.region, ry.year): ry for ry in stored}
        for ry in files:
            assert by_key[(ry.region, ry.year)].to_dict() == ry.to_dict()
            assert by_key[(ry.region, ry.year)].version == ry.version
        assert calendaring.seed() == []  # seeding again adds nothing
    assert ("calendar.seed", "CN 2026") in audit_actions(clerk_app)


# -- the editor's checks ---------------------------------------------------------------------------


def test_the_editor_refuses_bad_input_in_chinese_and_saves_nothing(clerk_app):
    editor = login(clerk_app, EDITOR)
    with clerk_app.app_context():
        before = db.session.query(HolidayPeriod).count()
    cases = [
        (dict(form="period-new", name="测试", first_day="2026-02-20", last_day="2026-02-25"), "与「春节」"),
        (
            dict(form="period-new", name="测试", first_day="2027-03-01", last_day="2027-03-02"),
            "日期须在 2026 年内",
        ),
        (
            dict(form="period-new", name="测试", first_day="2026-03-05", last_day="2026-03-02"),
            "结束日期不能早于开始日期",
        ),
        (dict(form="period-new", name="", first_day="2026-03-02", last_day="2026-03-02"), "请填写节假日名称"),
        (
            dict(form="period-new", name="测试", first_day="2026-3-2", last_day="2026-03-02"),
            "日期格式应为 YYYY-MM-DD",
        ),
        (
            dict(form="period-new", name="测试", first_day="2026-02-13", last_day="2026-02-14"),
            "假期不能包含调休上班日 2026-02-14",
        ),
        (dict(form="makeup", day="2026-10-03"), "在假期「国庆节」内"),
        (dict(form="makeup", day="2026-03-04"), "调休上班日应为星期六或星期日"),
        (dict(form="makeup", day="2025-03-01"), "日期须在 2026 年内"),
        (dict(form="source", source=""), "已确认的日历必须注明依据文件"),
    ]
    for data, message in cases:
        response = editor.post("/calendars/CN/2026", data=data)
        assert response.status_code == 200, (data, response.status_code)
        assert any(message in m for m in field_messages(response)), (data, field_messages(response))
        if data.get("name"):  # what was typed is still in the form
            assert page(response).xpath(f"//input[@name='name'][@value='{data['name']}']")
    # Confirming needs a source document.
    assert editor.post("/calendars/years", data={"region": "CN", "year": "2027"}).status_code == 302
    response = edit(editor, "CN", 2027, "confirm")
    assert any("确认前请填写依据文件" in m for m in field_messages(response))
    assert editor.post("/calendars/years", data={"region": "CN", "year": "2027"}).status_code == 302
    assert any("已存在" in f for f in flashes(editor.get("/calendars/")))
    with clerk_app.app_context():
        assert db.session.query(HolidayPeriod).count() == before
        assert calendaring.year_row("CN", 2027).confirmed is False


def test_only_the_regions_own_policy_staff_may_edit(clerk_app):
    urumqi = login(clerk_app, "wlmq-policy-editor")
    response = urumqi.get("/calendars/CN/2026")
    assert response.status_code == 200 and "春节" in visible_text(response)
    assert not page(response).xpath("//form[@id='new-period']")  # read only
    english = visible_text(urumqi.get("/calendars/CN/2026?lang=en"))
    assert "CN 2026 calendar" in english and "Statutory holidays" in english
    urumqi.get("/calendars/?lang=zh")
    data = dict(name="测试", first_day="2026-03-10", last_day="2026-03-10")
    assert edit(urumqi, "CN", 2026, "period-new", **data).status_code == 403
    assert urumqi.post("/calendars/years", data={"region": "CN", "year": "2027"}).status_code == 403
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    assert edit(officer, "CN", 2026, "period-new", **data).status_code == 403
    chongqing = login(clerk_app, EDITOR)
    assert edit(chongqing, "CN-XJ", 2025, "makeup", day="2025-03-01").status_code == 403
    assert (
        edit(
            urumqi, "CN-XJ", 2025, "period-new", name="测试", first_day="2025-04-01", last_day="2025-04-01"
        ).status_code
        == 302
    )  # Urumqi's own region
    with clerk_app.app_context():
        assert not db.session.query(HolidayPeriod).filter_by(name="测试", first_day=date(2026, 3, 10)).count()
    assert chongqing.get("/calendars/XX/2026").status_code == 404


# -- deadlines and calendar changes ----------------------------------------------------------------


def test_a_case_waits_for_the_2027_calendar_and_confirming_it_gives_the_due_date(clerk_app, clerk_clock):
    case_id = register_on(clerk_app, clerk_clock, "2026-12-15")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    officer.done(case_id, JURISDICTION, KEEP)
    # 2026-12-15 + 15 working days reaches into 2027: the step went on, the deadline waits.
    case_page = visible_text(officer.case_page(case_id))
    assert "等待 2027 年全国日历确认" in case_page
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert "等待 2027 年全国日历确认" in row["due"] + " " + visible_text(officer.get("/"))
    assert row["left"] == "—"
    admin = login(clerk_app, "cq-administrator")
    alert = page(admin.get("/")).xpath("//div[contains(@class,'calendar-alert')]")
    assert alert and "等待 2027 年全国日历确认" in alert[0].text_content()
    number = page(admin.get(f"/cases/{case_id}")).xpath("//h1")[0].text_content().split()[0]
    assert number in alert[0].text_content()

    editor = login(clerk_app, EDITOR)
    assert editor.post("/calendars/years", data={"region": "CN", "year": "2027"}).status_code == 302
    for name, first, last in TEST_2027_PERIODS:
        assert (
            edit(editor, "CN", 2027, "period-new", name=name, first_day=first, last_day=last).status_code
            == 302
        )
    assert edit(editor, "CN", 2027, "makeup", day="2027-02-20").status_code == 302
    # Still unconfirmed: nothing is counted on it yet.
    assert "等待 2027 年全国日历确认" in visible_text(officer.case_page(case_id))
    assert edit(editor, "CN", 2027, "source", source=TEST_2027_SOURCE).status_code == 302
    response = edit(editor, "CN", 2027, "confirm")
    assert response.status_code == 302 and "/calendars/changes/" in response.headers["Location"]
    moved = editor.get(response.headers["Location"])
    rows = [
        [c.text_content().strip() for c in tr.xpath("./td")]
        for tr in page(moved).xpath("//table[contains(@class,'moved')]/tbody/tr")
    ]
    # Dec 16–31 are 12 working days; 元旦 1–3 January skipped; 4, 5, 6 January.
    assert [number, "提出是否立案调查的意见", "待定（等待日历确认）", "2027-01-06"] in rows, rows

    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert row["due"] == "2027-01-06" and row["left"] == "剩 15 个工作日"
    case_page = visible_text(officer.case_page(case_id))
    assert "等待 2027 年全国日历确认" not in case_page and "2027-01-06" in case_page
    assert "日历变更（CN 2027）" in case_page
    assert not page(admin.get("/")).xpath("//div[contains(@class,'calendar-alert')]")
    actions = audit_actions(clerk_app)
    for action in (
        "calendar.year.add",
        "calendar.period.add",
        "calendar.makeup.add",
        "calendar.source",
        "calendar.confirm",
    ):
        assert (action, "CN 2027") in actions, action
    with clerk_app.app_context():
        [moved_row] = db.session.execute(select(MovedDeadline)).scalars().all()
        assert moved_row.case_id == case_id and moved_row.old_due is None
        assert db.session.execute(
            select(CaseEvent).filter_by(case_id=case_id, kind="deadline_moved")
        ).scalar_one()


def test_editing_a_2026_holiday_moves_a_running_deadline(clerk_app, clerk_clock):
    case_id = register_on(clerk_app, clerk_clock, "2026-03-02")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    officer.done(case_id, JURISDICTION, KEEP)
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert row["due"] == "2026-03-23"  # 2026-03-02 + 15 working days
    editor = login(clerk_app, EDITOR)
    response = edit(
        editor, "CN", 2026, "period-new", name="测试调整", first_day="2026-03-10", last_day="2026-03-10"
    )
    assert response.status_code == 302 and "/calendars/changes/" in response.headers["Location"]
    assert "2026-03-24" in visible_text(editor.get(response.headers["Location"]))
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert row["due"] == "2026-03-24"
    # Taking the day out again moves it back.
    with clerk_app.app_context():
        period = db.session.query(HolidayPeriod).filter_by(name="测试调整").one()
        period_id = period.id
    assert edit(editor, "CN", 2026, f"period-{period_id}", delete="1").status_code == 302
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert row["due"] == "2026-03-23"
    assert ("calendar.period.delete", "CN 2026") in audit_actions(clerk_app)


def test_a_provisional_deadline_is_marked_on_every_page(clerk_app, clerk_clock):
    clerk_clock.set("2026-04-01")
    case_id = login(clerk_app, "wlmq-tianshan-registrar").register(
        registered_on="2026-04-01", received_on="2026-04-01", recorded_on="2026-04-01"
    )
    officer = login(clerk_app, "wlmq-tianshan-case-officer")
    officer.done(case_id, JURISDICTION, KEEP)
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert row["due"] == "2026-04-23"
    # CN-XJ 2026 is not confirmed: its known festivals are counted, and the result is marked provisional.
    inbox = page(officer.get("/"))
    assert inbox.xpath("//table[contains(@class,'inbox')]//span[contains(@class,'tag-provisional')]")
    case = officer.case_page(case_id)
    assert page(case).xpath("//span[contains(@class,'tag-provisional')]")
    task = officer.get(row["url"])
    assert page(task).xpath("//span[contains(@class,'tag-provisional')]")


def _xinjiang_case_and_an_unconfirmed_rest_day(app, clock):
    """A 天山区 report at its acceptance check (received 2026-04-01), and the shipped CN-XJ 2026 (known
    in part, not confirmed) given a rest day on 04-10; returns (case id, case officer, Urumqi policy editor)."""
    clock.set("2026-04-01")
    case_id = login(app, "wlmq-tianshan-registrar").register(
        registered_on="2026-04-01", received_on="2026-04-01", recorded_on="2026-04-01"
    )
    officer = login(app, "wlmq-tianshan-case-officer")
    officer.done(case_id, JURISDICTION, KEEP)
    editor = login(app, "wlmq-policy-editor")
    # TEST DATA: a regional rest day, not the region's notice.
    assert (
        edit(
            editor,
            "CN-XJ",
            2026,
            "period-new",
            name="测试假日",
            first_day="2026-04-10",
            last_day="2026-04-10",
        ).status_code
        == 302
    )
    return case_id, officer, editor


def test_confirming_a_regional_year_recounts_its_provisional_deadlines(clerk_app, clerk_clock):
    case_id, officer, editor = _xinjiang_case_and_an_unconfirmed_rest_day(clerk_app, clerk_clock)
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert row["due"] == "2026-04-24"  # unconfirmed: the rest day counts already, provisionally
    inbox = page(officer.get("/"))
    assert inbox.xpath("//table[contains(@class,'inbox')]//span[contains(@class,'tag-provisional')]")
    assert edit(editor, "CN-XJ", 2026, "source", source="测试数据（非官方）").status_code == 302
    edit(editor, "CN-XJ", 2026, "confirm")
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert row["due"] == "2026-04-24"
    inbox = page(officer.get("/"))
    assert not inbox.xpath("//table[contains(@class,'inbox')]//span[contains(@class,'tag-provisional')]")
    shown = page(officer.case_page(case_id))
    assert "CN-XJ 2026" in shown.text_content() and shown.xpath("//td[starts-with(@title, 'CN-XJ 2026@')]")


def test_a_recount_cut_short_is_finished_from_the_change_page(clerk_app, clerk_clock):
    from webapp.models import CalendarChange, CalendarYear

    case_id = register_on(clerk_app, clerk_clock, "2026-12-15")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    officer.done(case_id, JURISDICTION, KEEP)
    # The year confirmed and the change recorded, and the server stopped before the recount.
    with clerk_app.app_context():
        row = CalendarYear(region="CN", year=2027, confirmed=True, source=TEST_2027_SOURCE)
        row.periods = [
            HolidayPeriod(name=n, first_day=date.fromisoformat(a), last_day=date.fromisoformat(b))
            for n, a, b in TEST_2027_PERIODS
        ]
        change = CalendarChange(region="CN", year=2027, action="confirm", summary="确认 CN 2027 年度日历")
        db.session.add_all([row, change])
        db.session.commit()
        change_id = change.id
    assert (
        login(clerk_app, "wlmq-policy-editor").post(f"/calendars/changes/{change_id}/recount").status_code
        == 403
    )
    editor = login(clerk_app, EDITOR)
    assert "尚未全部重新计算" in visible_text(editor.get(f"/calendars/changes/{change_id}"))
    response = editor.post(f"/calendars/changes/{change_id}/recount")
    assert response.status_code == 302
    moved = visible_text(editor.get(response.headers["Location"]))
    assert "2027-01-06" in moved and "尚未全部重新计算" not in moved
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert row["due"] == "2027-01-06"
    assert ("calendar.recount", "CN 2027") in audit_actions(clerk_app)


def test_a_change_affecting_many_cases_is_recounted_by_the_timer_worker(clerk_app, clerk_clock):
    """Beyond CLUEFLOW_INLINE_RECOUNT affected cases the edit returns at once and the worker's next
    tick counts the deadlines again (before it fires any timer), once."""
    from webapp.worker import ticks as worker

    case_id, officer, editor = _xinjiang_case_and_an_unconfirmed_rest_day(clerk_app, clerk_clock)
    clerk_app.config["CLUEFLOW_INLINE_RECOUNT"] = 0  # every case is "many" from here
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert row["due"] == "2026-04-24"  # the unconfirmed rest day was counted at once
    assert edit(editor, "CN-XJ", 2026, "source", source="测试数据（非官方）").status_code == 302
    response = edit(editor, "CN-XJ", 2026, "confirm")
    assert "定时任务会在后台完成" in visible_text(editor.get(response.headers["Location"]))
    # A period added to the confirmed year is left to the worker too, and the editor is told so.
    response = edit(
        editor, "CN-XJ", 2026, "period-new", name="测试假日二", first_day="2026-04-13", last_day="2026-04-13"
    )
    assert "由定时任务在后台重新计算" in " ".join(flashes(editor.get(response.headers["Location"])))
    change_page = response.headers["Location"]
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert row["due"] == "2026-04-24"  # not counted again yet

    with clerk_app.app_context():
        first = worker.tick()
        second = worker.tick()
        db.session.remove()
    assert (first.recounts, second.recounts) == (3, 0)  # the source, the confirmation, the rest day
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert row["due"] == "2026-04-27"  # 15 working days from 04-01 without 04-10 and 04-13
    moved = visible_text(editor.get(change_page))
    assert "定时任务会在后台完成" not in moved
    with clerk_app.app_context():
        assert (
            db.session.execute(select(CaseEvent).filter_by(case_id=case_id, kind="deadline_moved"))
            .scalars()
            .all()
        )
        db.session.remove()


def test_a_recount_another_worker_holds_is_left_to_it_until_its_lease_runs_out(clerk_app, clerk_clock):
    """Two workers do not count the same change: while one holds it (its lease) the other's tick and
    the recount button leave it alone — and that tick fires no timer, which might still be due by
    the old calendar. A worker killed in the middle leaves a lease that runs out; the next tick takes
    the change over, and the timers fire on the corrected deadlines."""
    from datetime import timedelta

    from webapp.models import CalendarChange
    from webapp.usecases import recounts
    from webapp.worker import ticks as worker

    _case_id, officer, editor = _xinjiang_case_and_an_unconfirmed_rest_day(clerk_app, clerk_clock)
    clerk_app.config["CLUEFLOW_INLINE_RECOUNT"] = 0
    # TEST DATA: a second regional rest day, 04-13, moves the deadline 04-24 → 04-27.
    change_page = edit(
        editor, "CN-XJ", 2026, "period-new", name="测试假日二", first_day="2026-04-13", last_day="2026-04-13"
    ).headers["Location"]
    clerk_clock.set("2026-04-25")  # past the acceptance deadline as first counted (04-24), not as corrected
    with clerk_app.app_context():
        change = db.session.execute(
            select(CalendarChange)
            .filter_by(region="CN-XJ", action="period.add")
            .order_by(CalendarChange.id.desc())
            .limit(1)
        ).scalar_one()
        change_id = change.id
        change.recount_until = clerk_clock.now + recounts.RECOUNT_LEASE  # as a worker that began it
        db.session.commit()
        result = worker.tick()
        assert (result.recounts, result.waited, result.cases) == (0, True, 0)
        db.session.remove()
    response = editor.post(f"/calendars/changes/{change_id}/recount")
    assert "后台正在重新计算" in " ".join(flashes(editor.get(response.headers["Location"])))
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert row["due"] == "2026-04-24"  # nobody counted it again meanwhile

    clerk_clock.set(clerk_clock.now + recounts.RECOUNT_LEASE + timedelta(minutes=1))  # that worker died
    with clerk_app.app_context():
        result = worker.tick()
        assert (result.recounts, result.waited, result.cases) == (1, False, 0)  # due 04-27: not overdue yet
        change = db.session.get(CalendarChange, change_id)
        assert change.recomputed_at is not None and change.recount_until is None
        db.session.remove()
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert row["due"] == "2026-04-27"
    assert "定时任务会在后台完成" not in visible_text(editor.get(change_page))
    clerk_clock.set("2026-04-28")
    with clerk_app.app_context():
        assert worker.tick().cases == 1  # now it is overdue
        db.session.remove()


def test_a_recount_that_fails_gives_its_change_up_at_once(clerk_app, clerk_clock, monkeypatch):
    """A recount that breaks off (here: the database refusing a statement) does not keep the change
    held for the lease's ten minutes: the next tick tries again."""
    from sqlalchemy.exc import OperationalError

    from webapp.models import CalendarChange
    from webapp.usecases import recounts
    from webapp.worker import ticks as worker

    _case_id, _officer, editor = _xinjiang_case_and_an_unconfirmed_rest_day(clerk_app, clerk_clock)
    clerk_app.config["CLUEFLOW_INLINE_RECOUNT"] = 0
    assert edit(editor, "CN-XJ", 2026, "source", source="测试数据（非官方）").status_code == 302
    assert edit(editor, "CN-XJ", 2026, "confirm").status_code == 302

    def refused(change, case_ids):
        raise OperationalError("UPDATE cases …", {}, Exception("server closed the connection"))

    monkeypatch.setattr(recounts, "_recompute", refused)
    with clerk_app.app_context():
        assert worker.tick().recounts == 0  # logged; the timers still fired
        change = db.session.execute(
            select(CalendarChange).filter_by(region="CN-XJ", action="confirm")
        ).scalar_one()
        assert change.recomputed_at is None and change.recount_until is None
        db.session.remove()
    monkeypatch.undo()
    with clerk_app.app_context():
        assert worker.tick().recounts == 2  # the source and the confirmation
        db.session.remove()
