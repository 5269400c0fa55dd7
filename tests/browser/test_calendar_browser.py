"""The calendar editor in a real browser: Chongqing's policy editor adds the 2027 national year, types
its holiday periods and source document, confirms it, and sees the case that was waiting for it with its
new due date. No page logs an error or fails a request."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import User
from webapp.usecases import casework

PASSWORD = "demo12345"
SHOTS = Path("/tmp/calendar-shots")
# What the registrar and the officer entered (as in the clerk's browser test), received in December 2026.
DAY = "2026-12-15"
REGISTRATION = dict(
    registered_on=DAY,
    received_on=DAY,
    source_channel="web",
    request_kind="report",
    fund_type="basic_medical",
    anonymous=False,
    reporter_kind="natural_person",
    reporter_name="张三",
    reporter_id_no="110101199001011237",
    reporter_phone="13800000000",
    subject_type="designated_pharmacy",
    reported_unit_name="某某大药房",
    content="串换药品，将保健品记入医保结算",
    act_location="本区",
    agreement_agency="district",
    has_evidence=True,
    repeat_of="none",
    recorder="李四",
    recorded_on=DAY,
)
KEEP = dict(jurisdiction="keep", jurisdiction_reason="行为发生在本区")
# TEST DATA, not the State Council's notice: a plausible 2027 元旦 holiday.
TEST_2027_SOURCE = "测试数据（非官方）：国办发明电〔2026〕xx号"


def settled(page) -> None:
    page.wait_for_load_state("load")
    assert page.problems == [], f"{page.url}: {page.problems}"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def waiting_case(server, clock) -> str:
    """A Yuzhong case whose acceptance deadline (15 working days from 2026-12-15) needs 2027."""
    clock.set(DAY)
    with server.app.app_context():

        def user(name):
            return db.session.execute(select(User).filter_by(username=name)).scalar_one()

        case = casework.register_report(user("cq-yuzhong-registrar"), REGISTRATION)
        [entry] = db.session.execute(select(casework.TaskEntry).filter_by(case_id=case.id)).scalars().all()
        casework.complete_task(user("cq-yuzhong-case-officer"), case, entry.task_id, KEEP, None)
        number = case.number
        db.session.remove()
    return number


def test_a_policy_editor_confirms_2027_and_sees_the_moved_case(clerk_server, clerk_clock, clerk_page):
    page = clerk_page
    number = waiting_case(clerk_server, clerk_clock)
    page.goto(f"{clerk_server.url}/login")
    settled(page)
    page.get_by_label("用户名").fill("cq-policy-editor")
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    settled(page)

    with page.expect_navigation():
        page.get_by_role("link", name="工作日历").click()
    settled(page)
    assert number in page.locator("#waiting").text_content()  # waiting for the 2027 calendar
    shot(page, "1-calendars")
    cn = page.locator("section.calendar-region[data-region='CN']")
    cn.get_by_label("新增年度").fill("2027")
    with page.expect_navigation():
        cn.get_by_role("button", name="新增").click()
    settled(page)
    assert "CN 2027 年工作日历" in page.locator("h1").text_content()

    new = page.locator("#new-period")
    new.get_by_label("名称").fill("元旦")
    new.get_by_label("开始").fill("2027-01-01")
    new.get_by_label("结束").fill("2027-01-03")
    with page.expect_navigation():
        new.get_by_role("button", name="添加假期").click()
    settled(page)
    assert page.locator("tr.period[data-name='元旦']").count() == 1
    assert page.locator(".year-grid td.day-holiday").count() == 3
    shot(page, "2-year")

    page.locator("#source-form").get_by_label("文件名称与文号").fill(TEST_2027_SOURCE)
    with page.expect_navigation():
        page.locator("#source-form").get_by_role("button", name="保存").click()
    settled(page)
    with page.expect_navigation():
        page.get_by_role("button", name="确认 2027 年日历").click()
    settled(page)

    assert "日历变更调整的期限" in page.locator("h1").text_content()
    shot(page, "3-moved")
    row = page.locator("table.moved tbody tr", has_text=number)
    assert row.count() == 1
    text = row.text_content()
    # 12 working days left in December, 元旦 1–3 January skipped: due Wednesday 2027-01-06.
    assert "待定（等待日历确认）" in text and "2027-01-06" in text
    with page.expect_navigation():
        row.get_by_role("link", name=number).click()
    settled(page)
    assert "2027-01-06" in page.locator("td.due").first.text_content()
