"""Jurisdiction in Chromium (CQH 第二十至二十一条): a 渝中区 case officer hands a report to 渝北区 through
the 管辖审查 and 移交 forms; 渝北区's officer finds it in the inbox with the same report and both
timelines name the other case. A city head takes another 渝中区 case over from its case page (the
button asks first). Screenshots go to /tmp/clerk-shots/transfer-*.png.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "webapp"))  # the clerk helpers of the web tests

from clerk import login  # noqa: E402
from pages import log_in, settled, shot  # noqa: E402


def submit(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="提交").click()
    settled(page)


def test_a_report_handed_to_another_district_arrives_there_and_a_city_head_takes_one_over(
    clerk_page, clerk_server, clerk_clock
):
    page, server = clerk_page, clerk_server
    clerk_clock.set("2026-03-02")
    registrar = login(server.app, "cq-yuzhong-registrar")
    case_id = registrar.register(reported_unit_name="渝北某某诊所", act_location="渝北区")
    other_id = registrar.register(reported_unit_name="跨区某某医院")

    log_in(page, server, "cq-yuzhong-case-officer")
    page.goto(f"{server.url}/cases/{case_id}")
    settled(page)
    with page.expect_navigation():
        page.locator("ul.tasks").get_by_role("link", name="管辖审查").click()
    settled(page)
    page.locator("input[name='jurisdiction'][value='transfer']").check()
    page.locator("input[name='competent_bureau']").fill("渝北区医保局")  # not the bureau's full name
    page.locator("textarea[name='jurisdiction_reason']").fill("行为发生在渝北区")
    submit(page)
    message = page.locator(".field-error, .error, [role='alert']").all_text_contents()
    assert any("渝北区医疗保障局" in m for m in message), message
    assert page.locator("textarea[name='jurisdiction_reason']").input_value() == "行为发生在渝北区"
    shot(page, "transfer-01-receiver-refused")
    page.locator("input[name='competent_bureau']").fill("渝北区医疗保障局")
    submit(page)
    with page.expect_navigation():
        page.locator("ul.tasks").get_by_role("link", name="移交有管辖权的区县").click()
    settled(page)
    assert page.locator("input[name='competent_bureau']").input_value() == "渝北区医疗保障局"
    page.locator("input[name='materials_sent']").check()
    submit(page)
    assert "已办结" in page.locator("h1").text_content()
    sent = page.locator(".timeline").text_content()
    assert "已移交渝北区医疗保障局，新编号" in sent
    shot(page, "transfer-02-sent")

    log_in(page, server, "cq-yubei-case-officer")
    row = page.locator("table.inbox tbody tr", has_text="渝北某某诊所")
    assert row.count() == 1 and "管辖审查" in row.text_content()
    with page.expect_navigation():
        row.locator("td").nth(3).get_by_role("link").click()
    settled(page)
    received = page.locator(".timeline").text_content()
    assert "接收渝中区医疗保障局移交的举报（原编号" in received
    shot(page, "transfer-03-received")

    log_in(page, server, "cq-yuzhong-division-head")
    page.goto(f"{server.url}/cases/{other_id}")
    settled(page)
    assert page.locator("#take-over").count() == 0
    log_in(page, server, "cq-division-head")
    page.goto(f"{server.url}/cases/{other_id}")
    settled(page)
    page.locator("#take-over input[name='reason']").fill("涉及多个区县，市局直接办理")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("#take-over").get_by_role("button", name="市局提级办理").click()
    settled(page)
    assert "重庆市医疗保障局" in page.locator(".lead").text_content()
    assert "已提级办理" in page.locator(".flash, .alert").first.text_content()
    shot(page, "transfer-04-taken-over")
