"""Helpers of the reward tests: a concluded Urumqi report, and a reward carried step by step as clerks
do it in the browser (through the real pages, forms and database)."""

from __future__ import annotations

from clerk import (
    ACCEPTABLE,
    ACCEPTANCE,
    CONCLUDED,
    CONCLUSION,
    FILED,
    FILING,
    FILING_NOTICE,
    INVESTIGATED,
    INVESTIGATION,
    JURISDICTION,
    KEEP,
    NOTICE,
    case_id_of,
    login,
    visible_text,
)
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Case, Reward

DISTRICT = "wlmq-tianshan"
ELIGIBILITY = "奖励条件审查"
FIRST_CHECK = "首位举报人核查"
TIE = "首位举报人认定"
PROPOSAL = "拟定奖励金额"
DELIBERATION = "集体研究"
SIGN = "负责人审批"
CLAIM_NOTICE = "发送领奖通知书"
DELIVERY = "登记送达回执"
CLAIM = "举报人领取奖励"
PAYMENT = "发放奖金"
NO_REWARD = "告知不予奖励"
FORFEITURE = "登记视为放弃"

DELIBERATED = dict(
    meeting_date="2026-04-03",
    participants="局长、副局长、基金监管科科长",
    minutes_ref="天医保纪〔2026〕5号",
    deliberation_conclusion="同意奖励 6000 元",
)
APPROVED = dict(reward_approved=True, approved_on="2026-04-06", approval_opinion="同意")
NOTIFIED = dict(
    claim_notice_issued_on="2026-04-07",
    delivery_method="post",
    contact_person="王五",
    contact_phone="0991-1234567",
)
RECEIVED = dict(notice_received_on="2026-04-10", receipt_method="post", receipt_signed=True)
BY_AGENT = dict(
    claimant="agent",
    authorisation_provided=True,
    both_ids_checked=True,
    notice_presented=True,
    agent_name="赵六",
    agent_id_no="650102199202023456",
)
PAID = dict(
    payee_account="6222 0000 1111 2222", paying_officer="钱七", payment_reviewer="孙八", voucher_signed=True
)


def concluded_report(app, clock, *, loss="120000", reporter=None, **registration) -> int:
    """An Urumqi (天山区) real-name report registered, accepted, investigated and concluded."""
    clock.set("2026-03-02")
    registrar = login(app, f"{DISTRICT}-registrar")
    officer = login(app, f"{DISTRICT}-case-officer")
    fields = {"reported_unit_name": "乌鲁木齐某某医院", **(reporter or {}), **registration}
    case_id = registrar.register(**fields)
    for name, data in [
        (JURISDICTION, KEEP),
        (ACCEPTANCE, ACCEPTABLE),
        (FILING, FILED),
        (FILING_NOTICE, NOTICE),
        (INVESTIGATION, INVESTIGATED),
        (CONCLUSION, {**CONCLUDED, "verified_loss": loss}),
    ]:
        officer.done(case_id, name, data)
    clock.set("2026-04-02")
    return case_id


def start_reward(officer, report_id: int, **form) -> int:
    """Press 启动举报奖励 on the report's case page; returns the reward case id."""
    response = officer.post(f"/cases/{report_id}/reward", data=form)
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    reward_id = case_id_of(location)
    assert reward_id != report_id, visible_text(officer.get(location, follow_redirects=True))[:600]
    return reward_id


def reward_row(app, case_id: int) -> Reward:
    with app.app_context():
        row = db.session.execute(select(Reward).filter_by(case_id=case_id)).scalar_one()
        db.session.expunge(row)
        return row


def case_row(app, case_id: int) -> Case:
    with app.app_context():
        row = db.session.get(Case, case_id)
        db.session.expunge(row)
        return row


def to_claim(app, clock, reward_id: int, *, deliberate=True) -> None:
    """From the eligibility review to a notice the reporter received on 2026-04-10."""
    officer = login(app, f"{DISTRICT}-case-officer")
    head = login(app, f"{DISTRICT}-bureau-head")
    officer.done(reward_id, ELIGIBILITY, {})
    officer.done(reward_id, FIRST_CHECK, {})
    officer.done(reward_id, PROPOSAL, {})
    if deliberate:
        clock.set("2026-04-03")
        head.done(reward_id, DELIBERATION, DELIBERATED)
    clock.set("2026-04-06")
    head.done(reward_id, SIGN, APPROVED)
    clock.set("2026-04-07")
    officer.done(reward_id, CLAIM_NOTICE, NOTIFIED)
    clock.set("2026-04-10")
    officer.done(reward_id, DELIVERY, RECEIVED)
