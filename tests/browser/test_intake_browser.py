"""Issue 13's first-hour problems, in Chromium: a real-name 登记表 with a wrong ID number is refused on
that field with everything typed kept, and a double click on 保存登记 registers one case; after the
reporter's withdrawal the case page still shows the report and no second withdrawal is offered; an
Urumqi deadline counts the known CN-XJ 2026 festival and is marked 暂定.
Screenshots go to /tmp/clerk-shots/intake-*.png.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "webapp"))  # the clerk helpers of the web tests

from clerk import JURISDICTION, KEEP, REGISTRATION, login  # noqa: E402
from pages import log_in, settled, shot  # noqa: E402

from webapp.extensions import db  # noqa: E402
from webapp.models import Case  # noqa: E402


def fill(page, data: dict) -> None:
    for key, value in data.items():
        holder = page.locator(f"form.formjs [data-key='{key}']")
        if holder.locator("input[type='radio']").count():
            holder.locator(f"input[type='radio'][value='{value}']").check()
        elif holder.locator("input[type='checkbox']").count():
            (
                holder.locator("input[type='checkbox']").check
                if value
                else holder.locator("input[type='checkbox']").uncheck
            )()
        elif holder.locator("select").count():
            holder.locator("select").select_option(str(value))
        else:
            holder.locator("input, textarea").first.fill(str(value))


def cases(server) -> int:
    with server.app.app_context():
        count = db.session.query(Case).count()
        db.session.remove()
        return count


def test_a_wrong_id_is_refused_on_its_field_a_double_click_registers_once_and_a_withdrawal_keeps_the_file(
    clerk_page, clerk_server, clerk_clock
):
    page, server = clerk_page, clerk_server
    clerk_clock.set("2026-03-02")
    log_in(page, server, "cq-yuzhong-registrar")
    page.goto(f"{server.url}/intake")
    settled(page)
    typed = {
        k: v for k, v in REGISTRATION.items() if k not in ("registered_on", "received_on", "recorded_on")
    }
    fill(page, {**typed, "reporter_id_no": "110101199001011234"})
    with page.expect_navigation():
        page.get_by_role("button", name="保存登记").click()
    settled(page)
    holder = page.locator("form.formjs [data-key='reporter_id_no']")
    assert "校验码" in holder.text_content() and holder.locator("input").input_value() == "110101199001011234"
    assert page.locator("form.formjs [data-key='content'] textarea").input_value() == REGISTRATION["content"]
    assert cases(server) == 0
    shot(page, "intake-01-wrong-id")

    holder.locator("input").fill("110101199001011237")
    # A double click sends the form twice: the browser drops the first request's page for the second.
    page.get_by_role("button", name="保存登记").dblclick()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    page.wait_for_load_state("load")
    page.problems[:] = [p for p in page.problems if not p.startswith("request failed: ")]
    settled(page)
    assert cases(server) == 1
    assert re.search(r"/cases/\d+$", page.url), page.url

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("#withdrawal-button").click()
    settled(page)
    assert page.locator("#withdrawal-button").count() == 0 and "已登记举报人撤回" in page.content()
    facts = page.locator("main").text_content()
    assert "张三" in facts and REGISTRATION["content"] in facts
    shot(page, "intake-02-withdrawn")


def test_an_urumqi_deadline_counts_the_known_rozi_festival_and_is_marked_provisional(
    clerk_page, clerk_server, clerk_clock
):
    page, server = clerk_page, clerk_server
    clerk_clock.set("2026-03-02")
    registrar = login(server.app, "wlmq-tianshan-registrar")
    case_id = registrar.register()
    login(server.app, "wlmq-tianshan-case-officer").done(case_id, JURISDICTION, KEEP)
    log_in(page, server, "wlmq-tianshan-case-officer")
    page.goto(f"{server.url}/cases/{case_id}")
    settled(page)
    row = page.locator("table tr", has_text="15 个工作日")
    assert row.count() == 1
    text = row.text_content()
    # 15 working days from 2026-03-02: nationally 03-23; 肉孜节 (03-20, a Friday) moves it to 03-24.
    assert "2026-03-24" in text and "暂定" in text and "CN-XJ 2026" in text, text
    shot(page, "intake-03-urumqi-provisional")


def test_a_chongqing_reward_s_signed_documents_and_its_claim_notice_cite_the_right_texts(
    clerk_page, clerk_server, clerk_clock, monkeypatch
):
    import rewarding

    page, server = clerk_page, clerk_server
    monkeypatch.setattr(rewarding, "DISTRICT", "cq-yuzhong")
    report_id = rewarding.concluded_report(server.app, clerk_clock, reported_unit_name="渝中某某医院")
    officer = login(server.app, "cq-yuzhong-case-officer")
    started = officer.post_with_token(f"/cases/{report_id}/reward", {}, from_page=f"/cases/{report_id}")
    assert started.status_code == 302, started.status_code
    reward_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    rewarding.to_claim(server.app, clerk_clock, reward_id, deliberate=False)
    log_in(page, server, "cq-yuzhong-case-officer")
    page.goto(f"{server.url}/rewards/{reward_id}/documents/approval_form")
    settled(page)
    approval = page.locator("body").text_content()
    assert "乌鲁木齐市医疗保障基金举报奖励办法" not in approval
    assert "本规则包默认值，参照《乌鲁木齐市违法违规使用医疗保障基金举报奖励实施细则》第十二条" in approval
    assert not re.search(r"版本 [0-9a-f]{8}", approval)
    shot(page, "intake-04-chongqing-approval-form")
    page.goto(f"{server.url}/rewards/{reward_id}/documents/claim_notice")
    settled(page)
    printed = page.locator("body").text_content()
    shot(page, "intake-05-chongqing-claim-notice-print")
    page.goto(f"{server.url}/outbox?state=all")
    settled(page)
    with page.expect_navigation():
        page.locator("table tbody tr", has_text="领奖").first.get_by_role("link").first.click()
    settled(page)
    shot(page, "intake-06-chongqing-claim-notice-outbox")
    paragraphs = page.locator("section.notice-text > p:not(.muted)").all_text_contents()
    assert len(paragraphs) >= 3
    for paragraph in paragraphs[1:]:  # after the salutation: the same words in print
        assert paragraph.strip() in printed, paragraph


def test_a_claim_whose_window_reaches_the_unconfirmed_2027_is_recorded_and_paid_in_the_browser(
    clerk_page, clerk_server, clerk_clock
):
    """Item 2 of issue 13: the claim notice received on 2026-12-02, its 60 days run into 2027; the
    claim task shows the estimate and the wait, and the claim and the payment go through."""
    import rewarding as r

    page, server = clerk_page, clerk_server
    report_id = r.concluded_report(server.app, clerk_clock)
    officer = login(server.app, f"{r.DISTRICT}-case-officer")
    head = login(server.app, f"{r.DISTRICT}-bureau-head")
    started = officer.post_with_token(f"/cases/{report_id}/reward", {}, from_page=f"/cases/{report_id}")
    reward_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    for name in (r.ELIGIBILITY, r.FIRST_CHECK, r.PROPOSAL):
        officer.done(reward_id, name, {})
    clerk_clock.set("2026-04-03")
    head.done(reward_id, r.DELIBERATION, r.DELIBERATED)
    clerk_clock.set("2026-04-06")
    head.done(reward_id, r.SIGN, r.APPROVED)
    clerk_clock.set("2026-12-01")
    officer.done(reward_id, r.CLAIM_NOTICE, {**r.NOTIFIED, "claim_notice_issued_on": "2026-12-01"})
    clerk_clock.set("2026-12-02")
    officer.done(reward_id, r.DELIVERY, {**r.RECEIVED, "notice_received_on": "2026-12-02"})

    clerk_clock.set("2026-12-10")
    log_in(page, server, f"{r.DISTRICT}-case-officer")
    page.goto(f"{server.url}/cases/{reward_id}")
    settled(page)
    task = page.locator("ul.tasks li", has_text=r.CLAIM)
    assert "预计 2027-" in task.text_content() and "等待 2027 年全国日历确认" in task.text_content()
    shot(page, "intake-07-claim-waiting")
    for name, data in (
        (r.CLAIM, {**r.BY_AGENT, "claimed_on": "2026-12-10"}),
        (r.PAYMENT, {**r.PAID, "paid_on": "2026-12-10"}),
    ):
        with page.expect_navigation():
            page.locator("ul.tasks").get_by_role("link", name=name, exact=True).click()
        settled(page)
        fill(page, data)
        with page.expect_navigation():
            page.locator("form.formjs").get_by_role("button", name="提交").click()
        settled(page)
        assert f"「{name}」已办理" in page.locator("main").text_content()
    assert "已办结" in page.locator("h1").text_content()
    assert r.reward_row(server.app, reward_id).status == "paid"
