"""Several reports of one act (URU 第十三条), top-ups (RULES §B.2), clawbacks (URU 第二十二条), what the
reporter is told (URU 第二十一条), and who may see and do what — through the clerk's pages."""

from __future__ import annotations

from decimal import Decimal

from clerk import field_errors, flashes, login, visible_text
from rewarding import (
    BY_AGENT,
    CLAIM,
    DISTRICT,
    ELIGIBILITY,
    FIRST_CHECK,
    NO_REWARD,
    PAID,
    PAYMENT,
    PROPOSAL,
    TIE,
    case_row,
    concluded_report,
    reward_row,
    start_reward,
    to_claim,
)

OTHER = {"reporter_name": "李四", "reporter_id_no": "650102198805051119", "reporter_phone": "13900000000"}


def _pay(app, clock, reward_id, *, deliberate=True):
    officer = login(app, f"{DISTRICT}-case-officer")
    to_claim(app, clock, reward_id, deliberate=deliberate)
    clock.set("2026-04-20")
    officer.done(reward_id, CLAIM, {"claimant": "self", "own_id_checked": True, "claimed_on": "2026-04-20"})
    officer.done(reward_id, PAYMENT, {**PAID, "paid_on": "2026-04-20"})


def test_two_reporters_of_one_act_only_the_earlier_is_paid_and_the_later_is_told_why(clerk_app, clerk_clock):
    earlier = concluded_report(clerk_app, clerk_clock, received_on="2026-03-01")
    later = concluded_report(clerk_app, clerk_clock, reporter=OTHER, received_on="2026-03-02")
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    late_reward = start_reward(officer, later, same_act=str(earlier))
    officer.done(late_reward, ELIGIBILITY, {})
    wrong = officer.do(late_reward, FIRST_CHECK, {"first_reporter_outcome": "first"})
    assert "核查结果应为「非首位举报人」" in field_errors(wrong)["first_reporter_outcome"][0]
    officer.done(late_reward, FIRST_CHECK, {})
    notice = officer.get(officer.task_url(late_reward, NO_REWARD))
    assert "只奖励首位举报人" in visible_text(notice) and "第十三条第（二）项" in visible_text(notice)
    officer.done(late_reward, NO_REWARD, {"notice_method": "letter", "notice_sent_on": "2026-04-02"})
    assert reward_row(clerk_app, late_reward).status == "not_rewarded"

    early_reward = start_reward(officer, earlier)
    _pay(clerk_app, clerk_clock, early_reward)
    assert reward_row(clerk_app, early_reward).status == "paid"


def test_reports_received_the_same_day_are_a_tie_for_the_head(clerk_app, clerk_clock):
    first = concluded_report(clerk_app, clerk_clock)
    second = concluded_report(clerk_app, clerk_clock, reporter=OTHER)
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    head = login(clerk_app, f"{DISTRICT}-division-head")
    reward_id = start_reward(officer, second, same_act=str(first))
    officer.done(reward_id, ELIGIBILITY, {})
    officer.done(reward_id, FIRST_CHECK, {})
    assert TIE in head.task_links(reward_id)
    head.done(
        reward_id,
        TIE,
        {
            "first_reporter_outcome": "first",
            "first_reporter_decided_on": "2026-04-02",
            "first_reporter_reason": "电话记录显示本举报先到",
        },
    )
    assert PROPOSAL in officer.task_links(reward_id)


def test_the_same_reporters_repeated_reports_of_one_act_are_rewarded_once(clerk_app, clerk_clock):
    first = concluded_report(clerk_app, clerk_clock, source_channel="phone")
    again = concluded_report(clerk_app, clerk_clock, source_channel="letter")
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    start_reward(officer, first)
    response = officer.post(f"/cases/{again}/reward", data={"same_act": str(first)}, follow_redirects=True)
    assert any("只奖励一次（URU 第十三条第一项）" in f for f in flashes(response)), flashes(response)


def test_a_joint_report_of_three_is_one_reward_paid_to_their_representative(clerk_app, clerk_clock):
    report = concluded_report(clerk_app, clerk_clock, loss="50000")
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    reward_id = start_reward(
        officer,
        report,
        joint="1",
        co_name=["王二", "赵三"],
        co_id_no=["650102199101011111", "650102199202022222"],
        representative="王二",
        co_phone=["13700000001", ""],
        co_address=["", ""],
    )
    reward = reward_row(clerk_app, reward_id)
    assert (reward.joint, reward.payee_name, reward.payee_id_no) == (True, "王二", "650102199101011111")
    again = officer.post(f"/cases/{report}/reward", data={}, follow_redirects=True)
    assert any("已启动举报奖励" in f for f in flashes(again))
    _pay(clerk_app, clerk_clock, reward_id, deliberate=False)  # 2,500 yuan: no deliberation
    reward = reward_row(clerk_app, reward_id)
    assert (reward.status, reward.paid_amount) == ("paid", Decimal("2500.00"))
    voucher = officer.get(f"/rewards/{reward_id}/documents/voucher").get_data(as_text=True)
    assert "王二" in voucher and "人民币贰仟伍佰元整" in voucher
    approval = visible_text(officer.get(f"/rewards/{reward_id}/documents/approval_form"))
    assert (
        "推选代表：王二（身份证号码 650102199101011111；联系电话 13700000001；联系地址 未填写）" in approval
    )


def test_a_joint_report_needs_a_representative_among_the_reporters(clerk_app, clerk_clock):
    report = concluded_report(clerk_app, clerk_clock)
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    response = officer.post(
        f"/cases/{report}/reward",
        data={"joint": "1", "co_name": ["王二"], "co_id_no": [""], "representative": "别人"},
        follow_redirects=True,
    )
    assert any("推选一名代表" in f for f in flashes(response))


def test_eligibility_inputs_come_from_the_case_and_a_withdrawn_report_is_not_rewarded(clerk_app, clerk_clock):
    report = concluded_report(clerk_app, clerk_clock)
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    reward_id = start_reward(officer, report)
    changed = officer.do(reward_id, ELIGIBILITY, {"verified": False, "match": "partial"})
    assert set(field_errors(changed)) == {"verified", "match"}
    officer.done(reward_id, ELIGIBILITY, {"reporter_is_staff": True})
    notice = visible_text(officer.get(officer.task_url(reward_id, NO_REWARD)))
    assert "URU-10-1" in notice and "第十条第（一）项" in notice


def test_the_amount_is_on_the_verified_loss_of_the_reported_matter(clerk_app, clerk_clock):
    report = concluded_report(clerk_app, clerk_clock, loss="8000")
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    reward_id = start_reward(officer, report)
    officer.done(reward_id, ELIGIBILITY, {})
    officer.done(reward_id, FIRST_CHECK, {})
    more = officer.do(reward_id, PROPOSAL, {"base_amount": "9000"})
    assert "8,000.00" in field_errors(more)["base_amount"][0]
    criminal = officer.do(reward_id, PROPOSAL, {"criminal": True})
    assert "未记载移送司法机关" in field_errors(criminal)["criminal"][0]
    officer.done(reward_id, PROPOSAL, {})
    assert reward_row(clerk_app, reward_id).amount == Decimal(
        "500.00"
    )  # 5% of 8,000 = 400, raised to the floor
    head = login(clerk_app, f"{DISTRICT}-bureau-head")
    assert "负责人审批" in head.task_links(reward_id)  # 500 yuan: no deliberation
    city_budget = head.do(
        reward_id,
        "负责人审批",
        {"reward_approved": True, "approval_opinion": "同意", "funding_level": "city"},
    )
    assert (
        "URU 第七条" in field_errors(city_budget)["funding_level"][0]
    )  # a district pays from its own budget


def test_a_claim_by_the_reporter_needs_their_own_id_and_payment_is_non_cash_with_the_voucher_signed(
    clerk_app, clerk_clock
):
    report = concluded_report(clerk_app, clerk_clock)
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    reward_id = start_reward(officer, report)
    to_claim(clerk_app, clerk_clock, reward_id)
    clerk_clock.set("2026-04-20")
    bare = officer.do(reward_id, CLAIM, {"claimant": "self", "claimed_on": "2026-04-20"})
    assert field_errors(bare)["claimant"] == ["不能领取，缺少：举报人本人有效身份证件（URU 第十八条）"]
    agent = officer.do(reward_id, CLAIM, {"claimant": "agent", "claimed_on": "2026-04-20"})
    assert (
        "书面委托书、委托人和受托人身份证件、领奖通知书、受托人姓名、受托人身份证号码"
        in field_errors(agent)["claimant"][0]
    )
    officer.done(reward_id, CLAIM, {**BY_AGENT, "claimed_on": "2026-04-20"})
    unsigned = officer.do(
        reward_id, PAYMENT, {**PAID, "voucher_signed": False, "paid_amount": "5000", "paid_on": "2026-04-20"}
    )
    assert set(field_errors(unsigned)) >= {"voucher_signed", "paid_amount"}


def test_a_top_up_when_criminal_liability_follows_and_a_clawback_tracked_to_recovery(clerk_app, clerk_clock):
    report = concluded_report(clerk_app, clerk_clock, loss="50000")
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    reward_id = start_reward(officer, report)
    _pay(clerk_app, clerk_clock, reward_id, deliberate=False)  # 2,500 ordinary
    clerk_clock.set("2026-05-06")
    response = officer.post(
        f"/rewards/{reward_id}/top-up", data={"criminal_basis": "公安立案 2026-04-28，检察院起诉"}
    )
    top_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    officer.done(top_id, ELIGIBILITY, {})
    officer.done(top_id, FIRST_CHECK, {})
    officer.done(top_id, PROPOSAL, {"criminal": True})
    top = reward_row(clerk_app, top_id)
    # criminal band: 10% of 50,000 = 5,000, less the 2,500 paid; exactly 5,000 needs no deliberation
    assert (top.kind, top.previously_paid, top.amount) == ("top_up", Decimal("2500.00"), Decimal("2500.00"))
    assert "负责人审批" in login(clerk_app, f"{DISTRICT}-bureau-head").task_links(top_id)

    head = login(clerk_app, f"{DISTRICT}-division-head")
    head.post(
        f"/rewards/{reward_id}/clawbacks",
        data={"ground": "URU-22-1", "amount": "2500", "reason": "证据系伪造"},
    )
    with clerk_app.app_context():
        from webapp.extensions import db
        from webapp.models import Clawback

        clawback_id = db.session.query(Clawback).one().id
    url = f"/rewards/{reward_id}/clawbacks/{clawback_id}/recoveries"
    head.post(url, data={"amount": "1000", "recovered_on": "2026-05-06", "reference": "SK-1"})
    too_much = head.post(
        url, data={"amount": "2000", "recovered_on": "2026-05-06", "reference": "SK-2"}, follow_redirects=True
    )
    assert any("超过尚未追回的 1,500.00 元" in f for f in flashes(too_much))
    head.post(url, data={"amount": "1500", "recovered_on": "2026-05-06", "reference": "SK-2"})
    page = visible_text(head.case_page(reward_id))
    assert "已全部追回" in page and "伪造材料" in page


def test_the_reporter_is_told_only_about_their_own_matter(clerk_app, clerk_clock):
    report = concluded_report(clerk_app, clerk_clock, loss="50000")
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    reward_id = start_reward(officer, report)
    _pay(clerk_app, clerk_clock, reward_id, deliberate=False)
    brief = visible_text(officer.get(f"/rewards/{reward_id}/reporter-brief"))
    assert "乌鲁木齐某某医院" in brief and "2,500.00" in brief and "举报事项属实" in brief
    for secret in (
        "串换属实",
        "追回基金并处罚款",
        "LA-1",
        "现场检查",
        "13800000000",
    ):  # findings, decision, file
        assert secret not in brief


def test_other_bureaus_and_other_roles_cannot_reach_a_reward(clerk_app, clerk_clock):
    report = concluded_report(clerk_app, clerk_clock)
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    registrar = login(clerk_app, f"{DISTRICT}-registrar")
    refused = registrar.post(f"/cases/{report}/reward", data={}, follow_redirects=True)
    assert any("只有承办人可以启动举报奖励" in f for f in flashes(refused))
    reward_id = start_reward(officer, report)
    to_claim(clerk_app, clerk_clock, reward_id)
    outsider = login(clerk_app, "wlmq-saybagh-case-officer")
    for url in (
        f"/cases/{reward_id}",
        f"/rewards/{reward_id}/documents/approval_form",
        f"/rewards/{reward_id}/documents/claim_notice/pdf",
        f"/rewards/{reward_id}/reporter-brief",
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/cases/{report}/reward", data={}).status_code == 404
    auditor = login(clerk_app, f"{DISTRICT}-auditor")
    assert auditor.get(f"/rewards/{reward_id}/documents/approval_form").status_code == 403
    city = login(clerk_app, "wlmq-case-officer")  # the city sees its districts' rewards
    assert city.get(f"/rewards/{reward_id}/documents/approval_form").status_code == 200
    assert case_row(clerk_app, reward_id).bureau_id == case_row(clerk_app, report).bureau_id


def test_the_amount_follows_the_rules_in_force_on_the_reward_decision_date(clerk_app, clerk_clock):
    report = concluded_report(clerk_app, clerk_clock, loss="30000")
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    reward_id = start_reward(officer, report)
    officer.done(reward_id, ELIGIBILITY, {})
    officer.done(reward_id, FIRST_CHECK, {})
    before = officer.do(
        reward_id, PROPOSAL, {"decision_date": "2026-03-24"}
    )  # the Urumqi rules start 2026-03-25
    assert "不在本规则包奖励规定的有效期内" in field_errors(before)["decision_date"][0]
    officer.done(reward_id, PROPOSAL, {"decision_date": "2026-03-25"})
    assert reward_row(clerk_app, reward_id).amount == Decimal("1500.00")
