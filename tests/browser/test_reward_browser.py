"""An Urumqi reward above 5,000 yuan carried in Chromium by the people whose job each step is: the case
officer starts it on the concluded report and proposes the amount, the bureau head records the
collective deliberation and approves, the officer sends the claim notice, records the delivery
receipt, refuses an agent who lacks papers and pays the agent who has them on day 59 of the window;
the three documents print and download as PDF. The report itself is concluded through the case-work
functions (the browser walk of a report is tests/browser/test_clerk_browser.py)."""

from __future__ import annotations

from sqlalchemy import select
from test_clerk_browser import fill_form, flash_messages, log_in, log_out, settled, shot
from test_clerk_browser import submit as submit_form

from webapp.extensions import db
from webapp.models import TaskEntry, User
from webapp.usecases import casework

REPORT = dict(
    registered_on="2026-03-02",
    received_on="2026-03-02",
    source_channel="phone",
    request_kind="report",
    fund_type="basic_medical",
    anonymous=False,
    reporter_kind="natural_person",
    reporter_name="张三",
    reporter_id_no="110101199001011237",
    reporter_phone="13800000000",
    subject_type="designated_medical_institution",
    reported_unit_name="乌鲁木齐某某医院",
    content="虚构诊疗项目套取医保基金",
    act_location="天山区",
    has_evidence=True,
    repeat_of="none",
    recorder="李四",
    recorded_on="2026-03-02",
)
WORK = [
    ("管辖审查", dict(jurisdiction="keep", jurisdiction_reason="行为发生在本区")),
    (
        "受理审查",
        dict(
            in_area=True,
            in_remit=True,
            has_subject=True,
            has_facts=True,
            has_evidence=True,
            repeat_of="none",
            new_facts=False,
            in_proceedings=False,
            other_authority=False,
            subject_extinct=False,
            accepted_on="2026-03-03",
            acceptance_opinion="符合受理条件",
        ),
    ),
    (
        "立案审批",
        dict(filed=True, filing_decided_on="2026-03-04", filing_no="LA-1", filing_opinion="同意立案"),
    ),
    ("告知是否立案", dict(notice_sent_on="2026-03-05", notice_method="phone", notice_text="已告知")),
    (
        "调查核实",
        dict(investigated_on="2026-03-20", investigation_record="现场检查", extension_requested=False),
    ),
    (
        "查结决定",
        dict(
            concluded_on="2026-04-01",
            findings="虚构诊疗项目属实",
            verified=True,
            fund_loss=True,
            match="full",
            verified_loss="120000",
            handling_result="追回基金并处罚款",
        ),
    ),
]


def _concluded_report(server, clock) -> tuple[int, str]:
    clock.set("2026-03-02")
    with server.app.app_context():
        registrar = db.session.execute(
            select(User).filter_by(username="wlmq-tianshan-registrar")
        ).scalar_one()
        officer = db.session.execute(
            select(User).filter_by(username="wlmq-tianshan-case-officer")
        ).scalar_one()
        case = casework.register_report(registrar, REPORT)
        for name, data in WORK:
            entry = db.session.execute(select(TaskEntry).filter_by(case_id=case.id, name=name)).scalar_one()
            casework.complete_task(officer, case, entry.task_id, data, None)
        ids = case.id, case.number
        db.session.remove()
    return ids


def submit(page) -> None:
    """Submit the task's form once its page has finished loading (a request cut off by leaving the
    page early would be reported as a failed request)."""
    page.wait_for_load_state("networkidle")
    submit_form(page)


def _task(page, name: str) -> None:
    """Open a task from the case page once the page has finished loading (its diagram, its icon)."""
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.locator("ul.tasks").get_by_role("link", name=name, exact=True).click()
    settled(page)


def test_an_urumqi_reward_above_5000_is_deliberated_notified_received_and_claimed_by_an_agent(
    clerk_page, clerk_server, clerk_clock
):
    page = clerk_page
    report_id, number = _concluded_report(clerk_server, clerk_clock)
    clerk_clock.set("2026-04-02")

    log_in(page, clerk_server, "wlmq-tianshan-case-officer")
    page.goto(f"{clerk_server.url}/cases/{report_id}")
    settled(page)
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.get_by_role("button", name="启动举报奖励").click()
    settled(page)
    assert "已启动举报奖励" in " ".join(flash_messages(page))
    reward_url = page.url
    assert f"{number}-JL1" in page.locator("h1").text_content()
    _task(page, "奖励条件审查")
    submit(page)
    assert "符合奖励条件" in page.locator("#reward").text_content()
    _task(page, "首位举报人核查")
    submit(page)
    _task(page, "拟定奖励金额")
    assert page.locator("[data-key='base_amount'] input").input_value() in ("120000", "120000.00")
    submit(page)
    reward = page.locator("#reward").text_content()
    assert "6,000.00" in reward and "须集体研究" in reward
    page.wait_for_load_state("networkidle")
    log_out(page)

    clerk_clock.set("2026-04-03")
    log_in(page, clerk_server, "wlmq-tianshan-bureau-head")
    page.goto(reward_url)
    settled(page)
    _task(page, "集体研究")
    fill_form(
        page,
        {
            "meeting_date": "2026-04-03",
            "participants": "局长、副局长、基金监管科科长",
            "minutes_ref": "天医保纪〔2026〕5号",
            "deliberation_conclusion": "同意奖励 6000 元",
        },
    )
    submit(page)
    _task(page, "负责人审批")
    fill_form(page, {"reward_approved": True, "approval_opinion": "同意"})
    submit(page)
    page.wait_for_load_state("networkidle")
    log_out(page)

    clerk_clock.set("2026-04-07")
    log_in(page, clerk_server, "wlmq-tianshan-case-officer")
    page.goto(reward_url)
    settled(page)
    _task(page, "发送领奖通知书")
    fill_form(page, {"delivery_method": "post", "contact_person": "王五", "contact_phone": "0991-1234567"})
    submit(page)
    clerk_clock.set("2026-04-10")
    page.wait_for_load_state("networkidle")
    page.reload()
    settled(page)
    _task(page, "登记送达回执")
    fill_form(page, {"notice_received_on": "2026-04-10", "receipt_method": "post", "receipt_signed": True})
    submit(page)
    assert "2026-06-09" in page.locator("main").text_content()  # 60 days from the receipt

    clerk_clock.set("2026-06-08")  # day 59 of the window
    page.wait_for_load_state("networkidle")
    page.reload()
    settled(page)
    _task(page, "举报人领取奖励")
    agent = {
        "claimant": "agent",
        "authorisation_provided": True,
        "both_ids_checked": True,
        "agent_name": "赵六",
        "agent_id_no": "650102199202023456",
    }
    fill_form(page, agent)
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.locator("form.formjs").get_by_role("button", name="提交").click()
    page.wait_for_load_state("load")
    error = page.locator("[data-key='claimant'] .field-error").text_content()
    assert "缺少：领奖通知书（URU 第十九条）" in error
    fill_form(page, {"notice_presented": True})
    submit(page)
    _task(page, "发放奖金")
    fill_form(
        page,
        {
            "payee_account": "6222 0000 1111 2222",
            "paying_officer": "钱七",
            "payment_reviewer": "孙八",
            "voucher_signed": True,
        },
    )
    submit(page)
    panel = page.locator("#reward")
    assert "已发放" in panel.text_content()
    shot(page, "reward-paid", full_page=True)

    for title, words in (
        ("审批表", "天医保纪〔2026〕5号"),
        ("领奖通知书", "人民币陆仟元整"),
        ("领取凭证", "赵六"),
    ):
        item = panel.locator("ul.docs li").filter(has_text=title)
        with page.expect_popup() as popup:
            item.get_by_role("link", name="打印（A4）").click()
        sheet = popup.value
        sheet.wait_for_load_state("load")
        assert words in sheet.locator("body").text_content(), title
        sheet.close()
        href = item.get_by_role("link", name="PDF").get_attribute("href")
        response = page.request.get(clerk_server.url + href)
        assert response.status == 200 and response.body().startswith(b"%PDF"), title
