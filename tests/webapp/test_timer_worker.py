"""The timer worker on the clerk's app (SQLite, and PostgreSQL when TEST_DATABASE_URL is set): with the
clock moved forward, a case left alone is reminded, escalated and put on the overdue board at the
right working days; a failing timer is retried with back-off and shown; district reports open once.

The acceptance check of a report received Monday 2026-03-02 is due 2026-03-23 (15 WD, URU 第十四条
第一款): the reminder goes out 3 WD before, on 2026-03-18; the timer fires at 00:00 on 2026-03-24.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from clerk import ACCEPTANCE, JURISDICTION, KEEP, login, visible_text
from sqlalchemy import func, select

from webapp.clock import as_utc
from webapp.extensions import db
from webapp.models import Case, CaseEvent, DistrictReport, Notification, TaskEntry, TimerFailure, User
from webapp.worker import ticks as worker


@pytest.fixture(autouse=True, params=[1, 2], ids=["one-process", "forked-engine"])
def processes(request, monkeypatch):
    """Every test twice: the engine work in the worker's own process, and shared among two forked
    processes (from the first due case on, rather than from POOL_FROM)."""
    monkeypatch.setattr(worker, "POOL_FROM", 1)
    monkeypatch.setattr(worker, "POOL_BATCH", 3)
    global PROCESSES
    PROCESSES = request.param
    return request.param


PROCESSES = 1


def _tick(app):
    with app.app_context():
        try:
            return worker.tick(processes=PROCESSES)
        finally:
            db.session.remove()


def _notifications(app, username, kind=None):
    with app.app_context():
        user = db.session.execute(select(User).filter_by(username=username)).scalar_one()
        query = select(Notification).where(Notification.user_id == user.id)
        if kind:
            query = query.where(Notification.kind == kind)
        rows = [
            (n.kind, n.title, n.body, n.read_at)
            for n in db.session.execute(query.order_by(Notification.id)).scalars()
        ]
        db.session.remove()
        return rows


def _case_at_acceptance(app, clock):
    clock.set("2026-03-02")
    case_id = login(app, "cq-yuzhong-registrar").register()
    login(app, "cq-yuzhong-case-officer").done(case_id, JURISDICTION, KEEP)
    return case_id


def test_a_case_left_alone_is_reminded_escalated_and_put_on_the_overdue_board(clerk_app, clerk_clock):
    case_id = _case_at_acceptance(clerk_app, clerk_clock)
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert (
        row["due"] == "2026-03-23"
        and "参照《乌鲁木齐市违法违规使用医疗保障基金举报奖励实施细则》第十四条第一款" in row["basis"]
    )
    with clerk_app.app_context():  # the deadline as stored in the task index: everything an auditor checks
        [entry] = db.session.execute(select(TaskEntry).filter_by(case_id=case_id)).scalars()
        stored = entry.deadline
        db.session.remove()
    assert {k: stored[k] for k in ("rule", "basis", "count", "unit", "trigger", "due", "provisional")} == {
        "rule": "acceptance_opinion",
        "basis": "URU 第十四条第一款",
        "count": 15,
        "unit": "working_days",
        "trigger": "2026-03-02",
        "due": "2026-03-23",
        "provisional": False,
    }
    assert stored["calendar"].startswith("CN 2026@")  # the calendar year and its version

    clerk_clock.set("2026-03-17")  # 4 WD before: nothing yet
    assert _tick(clerk_app).reminders == 0
    assert _notifications(clerk_app, "cq-yuzhong-case-officer") == []

    clerk_clock.set("2026-03-18")  # 3 WD before: reminded, once
    assert _tick(clerk_app).reminders == 1
    assert _tick(clerk_app).reminders == 0
    [(kind, title, body, read)] = _notifications(clerk_app, "cq-yuzhong-case-officer")
    assert kind == "reminder" and "2026-03-23 到期" in title and "剩 3 个工作日" in body and read is None
    assert "参照《乌鲁木齐市违法违规使用医疗保障基金举报奖励实施细则》第十四条第一款：15 个工作日" in body
    assert _notifications(clerk_app, "cq-yubei-case-officer") == []  # another district is not told
    page = visible_text(officer.get("/"))
    assert "期限提醒" in page and "剩 3 个工作日" in page

    clerk_clock.set("2026-03-23")  # the due day itself: still in time
    result = _tick(clerk_app)
    assert (result.timers, result.escalations) == (0, 0)
    head = login(clerk_app, "cq-yuzhong-division-head")
    assert "受理审查" not in visible_text(head.get("/overdue"))

    clerk_clock.set("2026-03-24")  # the day after: the timer fires, the head gets the 督办 task
    result = _tick(clerk_app)
    assert (result.cases, result.timers, result.escalations) == (1, 1, 1)
    assert _tick(clerk_app).timers == 0
    assert [r["name"] for r in head.inbox()] == ["受理超期督办"]
    [(kind, title, body, _)] = _notifications(clerk_app, "cq-yuzhong-division-head", "escalation")
    assert "受理超期督办" in title and "「受理审查」2026-03-23 到期" in body
    board = head.get("/overdue")
    assert board.status_code == 200
    text = visible_text(board)
    assert (
        "受理审查" in text
        and "逾期 1 个工作日" in text
        and "参照《乌鲁木齐市违法违规使用医疗保障基金举报奖励实施细则》第十四条第一款：15 个工作日" in text
    )
    with clerk_app.app_context():
        [entry] = db.session.execute(
            select(TaskEntry).filter_by(case_id=case_id, form_id="acceptance_check")
        ).scalars()
        assert entry.deadline["rule"] == "acceptance_opinion"  # a passed deadline is still explained
        events = (
            db.session.execute(select(CaseEvent.title).filter_by(case_id=case_id, kind="timer"))
            .scalars()
            .all()
        )
        assert events == ["期限届满：Event_AcceptanceDue"]
        db.session.remove()

    clerk_clock.set("2026-03-26")  # three working days late; the city sees its district's count
    city = login(clerk_app, "cq-division-head")
    text = visible_text(city.get("/overdue"))
    assert "逾期 3 个工作日" in text
    counts = {
        tr.get("data-bureau"): [td.text_content() for td in tr.xpath("./td")]
        for tr in __import__("lxml.html")
        .html.fromstring(city.get("/overdue").get_data(as_text=True))
        .xpath("//table[contains(@class,'overdue-counts')]/tbody/tr")
    }
    assert counts["cq-yuzhong"][1:] == ["1", "1", "1"] and counts["cq-yubei"][1:] == ["0", "0", "0"]
    # another city's head and a case officer do not see it
    assert "受理审查" not in visible_text(login(clerk_app, "wlmq-division-head").get("/overdue"))
    assert officer.get("/overdue").status_code == 403

    # the reminder is marked read from the inbox and leaves it
    response = officer.post_with_token(_read_url(officer), {})
    assert response.status_code == 302
    assert "期限提醒" not in visible_text(officer.get("/"))
    assert _notifications(clerk_app, "cq-yuzhong-case-officer")[0][3] is not None


def _read_url(clerk) -> str:
    from clerk import page

    [action] = page(clerk.get("/")).xpath("//li[@data-kind='reminder']//form/@action")
    return action


def test_a_failing_timer_is_retried_with_back_off_and_shown_to_administrators(clerk_app, clerk_clock):
    case_id = _case_at_acceptance(clerk_app, clerk_clock)
    with clerk_app.app_context():  # a stored state the engine cannot read: the timer cannot fire
        case = db.session.get(Case, case_id)
        good_state = case.state
        case.state = good_state.replace('"', "'", 5)
        db.session.commit()
        db.session.remove()
    clerk_clock.set("2026-03-24")
    result = _tick(clerk_app)
    assert (result.failed, result.timers) == (1, 0)
    with clerk_app.app_context():
        failure = db.session.get(TimerFailure, case_id)
        assert failure.attempts == 1 and as_utc(failure.retry_at) - clerk_clock.now == timedelta(minutes=1)
        db.session.remove()
    assert _tick(clerk_app).failed == 0  # waiting for its retry time: not tried again yet
    clerk_clock.set(clerk_clock.now + timedelta(minutes=1))
    assert _tick(clerk_app).failed == 1
    with clerk_app.app_context():
        failure = db.session.get(TimerFailure, case_id)
        assert failure.attempts == 2 and as_utc(failure.retry_at) - clerk_clock.now == timedelta(minutes=2)
        db.session.remove()
    admin = login(clerk_app, "cq-yuzhong-administrator")
    text = visible_text(admin.get("/overdue"))
    assert "定时任务故障" in text and "2" in text
    assert "定时任务故障" not in visible_text(login(clerk_app, "cq-yuzhong-division-head").get("/overdue"))

    with clerk_app.app_context():  # repaired: the next retry fires it and clears the failure
        case = db.session.get(Case, case_id)
        case.state = good_state
        db.session.commit()
        db.session.remove()
    clerk_clock.set(clerk_clock.now + timedelta(minutes=2))
    result = _tick(clerk_app)
    assert (result.failed, result.timers) == (0, 1)
    with clerk_app.app_context():
        assert db.session.get(TimerFailure, case_id) is None
        db.session.remove()
    assert "所有定时任务均已按时触发" in visible_text(admin.get("/overdue"))


def test_district_reports_open_once_per_district_and_quarter_with_the_rest_day_warning(
    clerk_app, clerk_clock
):
    clerk_clock.set("2026-06-30")
    assert _tick(clerk_app).reports == 0  # not a reporting month
    clerk_clock.set("2026-07-01")
    assert _tick(clerk_app).reports == 2  # Chongqing's two districts; other packs have no CQH 31
    assert _tick(clerk_app).reports == 0
    with clerk_app.app_context():
        rows = db.session.execute(
            select(DistrictReport.period, func.count()).group_by(DistrictReport.period)
        ).all()
        assert rows == [("2026-Q2", 2)]
        case = db.session.execute(select(Case).filter_by(number="CQ-BS-2026-Q2-cq-yuzhong")).scalar_one()
        assert "2026-07-05" in case.summary and "2026-07-03" in case.summary  # the 5th is a Sunday
        [entry] = db.session.execute(select(TaskEntry).filter_by(case_id=case.id)).scalars()
        assert entry.due.isoformat() == "2026-07-05" and entry.deadline["basis"] == "CQH 第三十一条"
        case_id = case.id
        db.session.remove()
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    [row] = officer.inbox()
    assert row["name"] == "报送举报处理情况" and row["due"] == "2026-07-05"
    assert any(
        k == "district_report" and "2026-07-03" in b
        for k, _, b, _ in _notifications(clerk_app, "cq-yuzhong-case-officer")
    )
    clerk_clock.set("2026-07-06")  # late: still opened only once, and the head is asked to follow it up
    result = _tick(clerk_app)
    assert (result.reports, result.escalations) == (0, 2)
    assert [r["name"] for r in login(clerk_app, "cq-yuzhong-division-head").inbox()] == [
        "报送举报处理情况",
        "报送超期督办",
    ]
    officer.done(
        case_id,
        "报送举报处理情况",
        dict(
            report_period_label="2026年第二季度",
            reported_on="2026-07-03",
            reports_received="12",
            cases_filed="5",
            cases_closed="4",
            report_summary="按期报送",
            reported_by="渝中区承办人",
        ),
    )
    assert officer.case_page(case_id).status_code == 200
    assert (
        login(clerk_app, "cq-yubei-case-officer").case_page(case_id).status_code == 404
    )  # another district's
    clerk_clock.set("2026-10-01")
    assert _tick(clerk_app).reports == 2
    clerk_clock.set("2026-12-01")
    assert _tick(clerk_app).reports == 2  # the annual summary, due 12-31
    with clerk_app.app_context():
        periods = sorted(db.session.execute(select(DistrictReport.period).distinct()).scalars())
        assert periods == ["2026-Q2", "2026-Q3", "2026-Y"]
        db.session.remove()


def test_a_stale_next_timer_instant_is_corrected_not_fired(clerk_app, clerk_clock):
    case_id = _case_at_acceptance(clerk_app, clerk_clock)
    with clerk_app.app_context():
        case = db.session.get(Case, case_id)
        real = as_utc(case.next_timer_at)
        case.next_timer_at = real - timedelta(days=5)
        db.session.commit()
        db.session.remove()
    clerk_clock.set("2026-03-20")
    result = _tick(clerk_app)
    assert (result.timers, result.failed) == (0, 0)
    with clerk_app.app_context():
        assert as_utc(db.session.get(Case, case_id).next_timer_at) == real
        db.session.remove()


def test_a_case_fired_ahead_is_fired_again_when_it_changed_before_its_claim(
    clerk_app, clerk_clock, processes
):
    """The engine fires the next batch ahead from rows read without a lock; a case whose state changed
    in between (its lock_version moved on) is fired again from the state claimed, never from the old."""
    from types import SimpleNamespace

    from webapp.store.packversions import compiled_version
    from webapp.worker import firing

    case_id = _case_at_acceptance(clerk_app, clerk_clock)
    clerk_clock.set("2026-03-24")
    with clerk_app.app_context():
        case = db.session.get(Case, case_id)
        packs = {(case.pack, case.pack_version): compiled_version(case.pack, case.pack_version)}
        claimed = SimpleNamespace(
            id=case.id,
            lock_version=case.lock_version,
            pack=case.pack,
            pack_version=case.pack_version,
            state=case.state,
        )
        read_ahead = SimpleNamespace(
            **{**vars(claimed), "lock_version": case.lock_version - 1, "state": "{}"}
        )
        db.session.remove()
    with firing.engine_pool(packs, clerk_clock.now, processes) as engine:
        engine.submit([read_ahead], ahead=True)  # an older state: its engine work fails
        engine.submit([claimed])
        [(cases, runs)] = list(engine.take([claimed]))
        assert engine.forked == (processes > 1)
    assert cases == [claimed] and runs[case_id].fired == ("Event_AcceptanceDue",)
