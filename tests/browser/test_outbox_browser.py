"""The outbox in Chromium: a case officer opens the 告知书 page, finds the filing notice of a real-name
report with its working days left, opens it, prints the A4 letter (Chinese text with the case's facts),
records the delivery by registered post, and finds the filing-notice task filled from that record.

The report is registered and carried to its filing decision through the app's own pages (the
Werkzeug test client of tests/webapp/clerk.py), then the browser takes over. Screenshots go to
/tmp/clerk-shots/outbox-*.png.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "webapp"))  # the clerk helpers of the web tests

from clerk import ACCEPTABLE, ACCEPTANCE, FILED, FILING, FILING_NOTICE, JURISDICTION, KEEP, login  # noqa: E402

PASSWORD = "demo12345"
SHOTS = Path("/tmp/clerk-shots")


def settled(page) -> None:
    page.wait_for_load_state("load")
    assert page.problems == [], f"{page.url}: {page.problems}"


def shot(page, name: str, **kwargs) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"outbox-{name}.png"), **kwargs)


def test_a_case_officer_prints_a_filing_notice_and_records_its_delivery(
    clerk_page, clerk_server, clerk_clock
):
    page, server = clerk_page, clerk_server
    clerk_clock.set("2026-03-02")
    registrar = login(server.app, "cq-yuzhong-registrar")
    officer = login(server.app, "cq-yuzhong-case-officer")
    case_id = registrar.register(
        notice_channel="letter",
        reporter_address="重庆市渝中区解放碑路 1 号",
        reported_unit_name="浏览器测试大药房",
    )
    for name, data in [(JURISDICTION, KEEP), (ACCEPTANCE, ACCEPTABLE), (FILING, FILED)]:
        officer.done(case_id, name, data)
    clerk_clock.set("2026-03-05")

    page.goto(f"{server.url}/login")
    settled(page)
    page.get_by_label("用户名").fill("cq-yuzhong-case-officer")
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    settled(page)
    with page.expect_navigation():
        page.locator(".site-nav").get_by_role("link", name="告知书").click()
    settled(page)
    assert page.locator("h1").text_content().strip() == "告知书发件箱"
    row = page.locator("table.outbox tbody tr").filter(has_text="是否立案告知")
    assert row.count() == 1
    text = re.sub(r"\s+", " ", row.text_content())
    assert "剩 4 个工作日" in text and "2026-03-11" in text and "待发送" in text and "CQH 第十五条" in text
    assert "张三" not in page.locator("main").text_content()  # no contact details in the list
    shot(page, "list", full_page=True)

    with page.expect_navigation():
        row.get_by_role("link", name="是否立案告知").click()
    settled(page)
    assert "立案告知书" in page.locator(".notice-text h2").text_content()
    assert "重庆市渝中区解放碑路 1 号" not in page.locator(".notice-text").text_content()
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="打印告知书（A4）").click()
    letter = opened.value
    letter.problems = []
    letter.on("console", lambda msg: msg.type == "error" and letter.problems.append(msg.text))
    letter.wait_for_load_state("load")
    body = re.sub(r"\s+", " ", letter.locator("body").text_content())
    assert "立案告知书" in body and "张三：" in body and "浏览器测试大药房" in body
    assert "2026年3月4日" in body and "渝中区医疗保障局" in body and "重庆市渝中区解放碑路 1 号" in body
    # Chinese glyphs are drawn by a CJK font, not as boxes: the title is as wide as its characters need.
    width = letter.locator("h1").evaluate(
        "h => { const r = document.createRange(); r.selectNodeContents(h); "
        "return r.getBoundingClientRect().width; }"
    )
    assert width > 5 * 20, width
    letter.emulate_media(media="print")
    assert letter.locator(".no-print").is_hidden()
    shot(letter, "letter", full_page=True)
    pdf = letter.pdf(format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 5000
    letter.close()

    form = page.locator("form.delivery-form")
    form.get_by_label("送达日期").fill("2026-03-05")
    form.get_by_label("送达方式").select_option("post")
    form.get_by_label("回执编号或挂号信号").fill("XA123456789CN")
    with page.expect_navigation():
        form.get_by_role("button", name="登记送达").click()
    settled(page)
    assert any("已送达并记录" in m for m in page.locator("main > p.alert").all_text_contents())
    assert page.locator(".notice-state").text_content().strip() == "已送达"
    assert page.locator(".receipt-ref").text_content().strip() == "XA123456789CN"
    assert page.locator("form.delivery-form").count() == 0  # nothing left to send
    shot(page, "delivered", full_page=True)

    with page.expect_navigation():
        page.locator(".crumbs").get_by_role("link", name=re.compile(r"^CQ-")).click()
    settled(page)
    with page.expect_navigation():
        page.locator("ul.tasks").get_by_role("link", name=FILING_NOTICE).click()
    settled(page)
    assert "已于 2026-03-05 送达" in page.locator(".task-notice").text_content()
    assert page.locator("form.formjs [data-key='notice_method'] select").input_value() == "letter"
    assert (
        page.locator("form.formjs [data-key='notice_text'] textarea").input_value().startswith("立案告知书")
    )
    shot(page, "task", full_page=True)
