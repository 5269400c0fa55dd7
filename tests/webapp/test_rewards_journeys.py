"""A reward carried through the clerk's pages on a real database: the Urumqi case of the issue
(120,000 yuan verified → 6,000 yuan, collective deliberation, three documents, a claim by an agent on
day 59 of the window → paid; on day 61 → forfeited), and what the pages refuse on the way."""

from __future__ import annotations

from decimal import Decimal

from clerk import field_errors, login, visible_text
from rewarding import (
    APPROVED,
    BY_AGENT,
    CLAIM,
    CLAIM_NOTICE,
    DELIBERATED,
    DELIBERATION,
    DELIVERY,
    DISTRICT,
    ELIGIBILITY,
    FIRST_CHECK,
    FORFEITURE,
    NOTIFIED,
    PAID,
    PAYMENT,
    PROPOSAL,
    RECEIVED,
    SIGN,
    case_row,
    concluded_report,
    reward_row,
    start_reward,
    to_claim,
)
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Case, TaskEntry
from webapp.store import timers as timer_runs


def test_urumqi_120000_verified_is_paid_6000_after_deliberation_to_an_agent_on_day_59(
    clerk_app, clerk_clock, tmp_path
):
    report_id = concluded_report(clerk_app, clerk_clock)
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    reward_id = start_reward(officer, report_id)
    row = case_row(clerk_app, reward_id)
    report = case_row(clerk_app, report_id)
    assert (row.process_id, row.bureau_id, row.pack, row.pack_version) == (
        "reward",
        report.bureau_id,
        "urumqi",
        report.pack_version,
    )
    to_claim(clerk_app, clerk_clock, reward_id)
    reward = reward_row(clerk_app, reward_id)
    assert reward.amount == Decimal("6000.00")

    # day 59 of the window (notice received 2026-04-10; day 60 = 2026-06-09)
    clerk_clock.set("2026-06-08")
    missing = officer.do(
        reward_id,
        CLAIM,
        {**BY_AGENT, "authorisation_provided": False, "notice_presented": False, "claimed_on": "2026-06-08"},
    )
    assert missing.status_code == 200
    assert field_errors(missing)["claimant"] == [
        "不能领取，缺少：举报人书面委托书、领奖通知书（URU 第十九条）"
    ]
    officer.done(reward_id, CLAIM, {**BY_AGENT, "claimed_on": "2026-06-08"})
    officer.done(reward_id, PAYMENT, {**PAID, "paid_on": "2026-06-08"})
    reward = reward_row(clerk_app, reward_id)
    assert (reward.status, reward.paid_amount) == ("paid", Decimal("6000.00"))
    page = visible_text(officer.case_page(reward_id))
    assert "已发放" in page and "6,000.00" in page
    docs = officer.get(f"/rewards/{reward_id}/documents/approval_form")
    assert "人民币陆仟元整" in docs.get_data(as_text=True) and "天医保纪〔2026〕5号" in docs.get_data(
        as_text=True
    )
    for kind in ("approval_form", "claim_notice", "voucher"):
        pdf = officer.get(f"/rewards/{reward_id}/documents/{kind}/pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF"), kind
        (tmp_path / f"{kind}.pdf").write_bytes(pdf.data)  # kept for a look (pdftoppm) after the run


def test_the_same_case_claimed_on_day_61_is_forfeited(clerk_app, clerk_clock):
    report_id = concluded_report(clerk_app, clerk_clock)
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    reward_id = start_reward(officer, report_id)
    to_claim(clerk_app, clerk_clock, reward_id)
    clerk_clock.set("2026-06-10")  # day 61
    refused = officer.do(reward_id, CLAIM, {**BY_AGENT, "claimed_on": "2026-06-10"})
    assert field_errors(refused)["claimed_on"] == [
        "领奖期限已于 2026-06-09 届满，视为放弃奖励（URU 第十八条）"
    ]
    with clerk_app.app_context():
        fired = timer_runs.fire_due_timers(db.session.get(Case, reward_id))
        db.session.commit()
    assert fired.fired == ["Event_ClaimWindowExpired"]
    assert reward_row(clerk_app, reward_id).status == "forfeited"
    page = visible_text(officer.case_page(reward_id))
    assert "视为放弃奖励" in page and CLAIM not in officer.task_links(reward_id)
    officer.done(reward_id, FORFEITURE, {"forfeited_on": "2026-06-10"})
    assert case_row(clerk_app, reward_id).outcome == "End_Forfeited"


def _deadlines(officer, case_id) -> dict[str, str]:
    from clerk import page as parsed

    rows = parsed(officer.case_page(case_id)).xpath("//table[contains(@class,'table')]/tbody/tr")
    return {
        r.xpath("./td")[0].text_content().strip(): r.xpath("./td")[4].text_content().split()[0] for r in rows
    }


def test_the_claim_notice_is_due_10_working_days_after_conclusion_and_the_window_runs_from_receipt(
    clerk_app, clerk_clock
):
    from rewarding import (
        APPROVED,
        DELIBERATED,
        DELIVERY,
        ELIGIBILITY,
        FIRST_CHECK,
        NOTIFIED,
        PROPOSAL,
        RECEIVED,
    )

    report_id = concluded_report(clerk_app, clerk_clock)  # concluded 2026-04-01
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    head = login(clerk_app, f"{DISTRICT}-bureau-head")
    reward_id = start_reward(officer, report_id)
    for name in (ELIGIBILITY, FIRST_CHECK, PROPOSAL):
        officer.done(reward_id, name, {})
    head.done(reward_id, "集体研究", {**DELIBERATED, "meeting_date": "2026-04-02"})
    head.done(reward_id, "负责人审批", {**APPROVED, "approved_on": "2026-04-02"})
    assert _deadlines(officer, reward_id)["通知举报人领奖"] == "2026-04-16"  # 10 WD after 2026-04-01, URU 16
    clerk_clock.set("2026-04-07")
    officer.done(reward_id, "发送领奖通知书", NOTIFIED)
    assert "举报人领取奖金" not in _deadlines(officer, reward_id)  # the window waits for the receipt
    clerk_clock.set("2026-04-10")
    officer.done(reward_id, DELIVERY, RECEIVED)
    assert (
        _deadlines(officer, reward_id)["举报人领取奖金"] == "2026-06-09"
    )  # 60 days from the receipt, URU 18


def test_a_claim_whose_window_reaches_an_unconfirmed_year_is_recorded_and_paid(clerk_app, clerk_clock):
    """A claim notice received in December: the 60 days run into 2027, whose national calendar is not
    confirmed, so the window's end waits (RULES §B.13). The claim is still recorded and paid."""
    report_id = concluded_report(clerk_app, clerk_clock)
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    head = login(clerk_app, f"{DISTRICT}-bureau-head")
    reward_id = start_reward(officer, report_id)
    officer.done(reward_id, ELIGIBILITY, {})
    officer.done(reward_id, FIRST_CHECK, {})
    officer.done(reward_id, PROPOSAL, {})
    clerk_clock.set("2026-04-03")
    head.done(reward_id, DELIBERATION, DELIBERATED)
    clerk_clock.set("2026-04-06")
    head.done(reward_id, SIGN, APPROVED)
    clerk_clock.set("2026-12-01")
    officer.done(reward_id, CLAIM_NOTICE, {**NOTIFIED, "claim_notice_issued_on": "2026-12-01"})
    clerk_clock.set("2026-12-02")
    officer.done(reward_id, DELIVERY, {**RECEIVED, "notice_received_on": "2026-12-02"})
    with clerk_app.app_context():
        [claim] = db.session.execute(select(TaskEntry).filter_by(case_id=reward_id, name=CLAIM)).scalars()
        assert claim.deadline["due"] is None, claim.deadline
    clerk_clock.set("2026-12-10")
    officer.done(reward_id, CLAIM, {**BY_AGENT, "claimed_on": "2026-12-10"})
    officer.done(reward_id, PAYMENT, {**PAID, "paid_on": "2026-12-10"})
    assert reward_row(clerk_app, reward_id).status == "paid"
