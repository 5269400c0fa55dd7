"""Deadlines in the browser: a case officer finds the worker's reminder on the inbox and marks it read;
after the deadline the division head follows the 超期督办 link to the overdue board and finds the case
there with its working days overdue and its legal basis. Checked for console errors, uncaught
exceptions, failed requests and error responses on every page.
"""

from __future__ import annotations

from sqlalchemy import select
from test_clerk_browser import REGISTRATION, log_in, log_out, settled, shot

from webapp.extensions import db
from webapp.models import TaskEntry, User
from webapp.usecases import casework
from webapp.worker import ticks as worker


def _case_at_acceptance(app) -> None:
    """A report registered on 2026-03-02 and kept after the jurisdiction check (acceptance due 03-23)."""
    with app.test_request_context():
        registrar = db.session.execute(select(User).filter_by(username="cq-yuzhong-registrar")).scalar_one()
        officer = db.session.execute(select(User).filter_by(username="cq-yuzhong-case-officer")).scalar_one()
        case = casework.register_report(registrar, {**REGISTRATION, "reported_unit_name": "某某大药房"})
        [entry] = db.session.execute(select(TaskEntry).filter_by(case_id=case.id)).scalars()
        casework.complete_task(
            officer, case, entry.task_id, {"jurisdiction": "keep", "jurisdiction_reason": "本区"}, None
        )
        db.session.remove()


def _tick(app):
    with app.app_context():
        result = worker.tick()
        db.session.remove()
    return result


def test_a_reminder_on_the_inbox_and_the_overdue_board_in_the_browser(clerk_page, clerk_server, clerk_clock):
    page, app = clerk_page, clerk_server.app
    clerk_clock.set("2026-03-02")
    _case_at_acceptance(app)

    clerk_clock.set("2026-03-18")
    assert _tick(app).reminders == 1
    log_in(page, clerk_server, "cq-yuzhong-case-officer")
    notice = page.locator("section.notifications li[data-kind='reminder']")
    assert notice.count() == 1
    assert "2026-03-23 到期" in notice.text_content() and "剩 3 个工作日" in notice.text_content()
    shot(page, "deadlines-reminder")
    with page.expect_navigation():
        notice.get_by_role("button", name="标为已读").click()
    settled(page)
    assert page.locator("section.notifications").count() == 0
    assert page.get_by_role("link", name="超期督办").count() == 0  # the board is for heads
    log_out(page)

    clerk_clock.set("2026-03-24")
    assert _tick(app).escalations == 1
    log_in(page, clerk_server, "cq-yuzhong-division-head")
    assert "超期督办" in page.locator("section.notifications li[data-kind='escalation']").text_content()
    with page.expect_navigation():
        page.locator("nav.site-nav").get_by_role("link", name="超期督办").click()
    settled(page)
    row = page.locator("table.overdue-tasks tbody tr")
    assert row.count() == 1
    text = row.text_content()
    assert (
        "受理审查" in text
        and "逾期 1 个工作日" in text
        and "参照《乌鲁木齐市违法违规使用医疗保障基金举报奖励实施细则》第十四条第一款" in text
    )
    assert page.locator("table.overdue-counts tr[data-bureau='cq-yuzhong'] td").nth(1).text_content() == "1"
    shot(page, "deadlines-overdue-board")
    log_out(page)
