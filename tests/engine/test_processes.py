"""The national processes walked path by path: every gateway branch, every timer, the events.

Each step saves the case to JSON and restores it first, as the application does between requests.
The processes are the shipped ones (`bpmn/national/`), run on the shipped decisions and calendars.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from engine.packs import DEFAULT_ROOT, load_pack
from engine.rules import calendars_for, compiled
from engine.runner import FixedClock, Runner
from engine.specs import compile_pack

# Another packs folder can be walked with the same tests (e.g. a pack under review).
ROOT = Path(os.environ.get("CLUEFLOW_PACKS_ROOT") or DEFAULT_ROOT)
START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # Monday 2026-03-02, 09:00 in Beijing


class Walk:
    """One case of one process, driven step by step with a save/restore before every step."""

    def __init__(self, pack: str, process_id: str, data: dict | None = None):
        self.clock = FixedClock(START)
        # A pack compiled for this walk alone: see test_a_message_to_one_case_leaves_other_cases_alone.
        self.runner = Runner(compile_pack(load_pack(pack, ROOT), calendars_for(ROOT)), clock=self.clock)
        self.case = self.runner.start(process_id, data or {})
        self.roundtrip()

    def roundtrip(self):
        self.case = self.runner.restore(json.loads(json.dumps(self.runner.save(self.case))))

    def ready(self) -> list[str]:
        self.roundtrip()
        return sorted(t.element_id for t in self.runner.ready_tasks(self.case))

    def do(self, element_id: str, data: dict, **overrides):
        self.roundtrip()
        tasks = [t for t in self.runner.ready_tasks(self.case) if t.element_id == element_id]
        assert len(tasks) == 1, f"{element_id} not ready; ready: {self.ready()}"
        self.runner.complete(self.case, tasks[0].id, {**data, **overrides})
        self.roundtrip()
        return self

    def send(self, message: str):
        self.roundtrip()
        self.runner.send(self.case, message, {})
        self.roundtrip()
        return self

    def deadline(self, element_id: str) -> dict:
        rows = [r for r in self.runner.deadlines(self.case) if r["element_id"] == element_id]
        assert len(rows) == 1, f"no pending timer {element_id}: {self.runner.deadlines(self.case)}"
        return rows[0]

    def fire(self, element_id: str, rule: str | None = None):
        """Move the clock to the timer's due instant and fire it."""
        self.roundtrip()
        row = self.deadline(element_id)
        if rule is not None:
            assert row.get("rule") == rule, row
        due = datetime.fromisoformat(row["fires_at"])
        self.clock.now = max(self.clock.now, due)
        fired = self.runner.fire_timers(self.case)
        assert element_id in fired, fired
        self.roundtrip()
        return self

    def reached(self) -> list[str]:
        return self.case.reached()

    @property
    def data(self) -> dict:
        return self.case.data

    def ends(self) -> set[str]:
        return {e for e in self.reached() if e.startswith("End_")}


# -- form data ----------------------------------------------------------------------------------

REGISTRATION = dict(
    registration_no="GJ-2026-0001",
    registered_on="2026-03-02",
    received_on="2026-03-02",
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
    in_proceedings=False,
    subject_extinct=False,
    recorder="李四",
    recorded_on="2026-03-02",
)
ACCEPTABLE = dict(
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
)
KEEP = dict(jurisdiction="keep", jurisdiction_reason="行为发生在本区")
FILED = dict(filed=True, filing_decided_on="2026-03-04", filing_no="LA-1", filing_opinion="同意立案")
NOTICE = dict(notice_sent_on="2026-03-05", notice_method="phone", notice_text="已告知")
INVESTIGATED = dict(investigated_on="2026-03-20", investigation_record="现场检查", extension_requested=False)
CONCLUDED = dict(
    concluded_on="2026-04-01",
    findings="串换属实",
    verified=True,
    fund_loss=True,
    match="full",
    verified_loss=12000,
    handling_result="追回基金并处罚款",
)
CLOSED = dict(closed_on="2026-04-10", closure_summary="办结")
ARCHIVED = dict(archived_on="2026-04-13", archive_no="DA-1", materials_complete=True)
REVIEWED = dict(reviewed_on="2026-06-01", review_opinion="督促办理")


def registered(**overrides) -> Walk:
    walk = Walk("national", "report_handling")
    assert walk.ready() == ["Task_Register"]
    return walk.do("Task_Register", REGISTRATION, **overrides)


def accepted(anonymous=False) -> Walk:
    walk = registered(anonymous=anonymous)
    walk.do("Task_Jurisdiction", KEEP).do("Task_AcceptanceCheck", ACCEPTABLE)
    assert walk.data["accepted"] is True and walk.data["ground"] == ""
    return walk


def investigating(anonymous=False) -> Walk:
    walk = accepted(anonymous)
    walk.do("Task_Filing", FILED)
    if not anonymous:
        walk.do("Task_FilingNotice", NOTICE)
    assert walk.ready() == ["Task_Investigation"]
    return walk


def close_and_archive(walk: Walk):
    walk.do("Task_Closure", CLOSED).do("Task_Archive", ARCHIVED)
    assert walk.case.completed, walk.ready()
    assert "End_Archived" in walk.ends()


# -- report handling: triage and jurisdiction ---------------------------------------------------


@pytest.mark.parametrize("kind", ["consultation", "information_request", "reconsideration", "petition"])
def test_a_request_that_is_not_a_report_is_redirected(kind):
    walk = registered(request_kind=kind)
    assert walk.data["handle_as_report"] is False and walk.data["redirect_to"]
    assert walk.ready() == ["Task_RedirectNotice"]
    walk.do("Task_RedirectNotice", dict(redirect_channel="12345 热线", redirect_notified_on="2026-03-03"))
    assert walk.case.completed and walk.ends() == {"End_Redirected"}
    assert "Task_Jurisdiction" not in walk.reached()


def test_a_report_for_another_district_is_transferred():
    walk = registered().do(
        "Task_Jurisdiction",
        dict(
            jurisdiction="transfer", competent_bureau="渝中区医保局", jurisdiction_reason="行为发生在渝中区"
        ),
    )
    assert walk.ready() == ["Task_Transfer"]
    assert walk.deadline("Event_TransferDue")["rule"] == "transfer"
    walk.do(
        "Task_Transfer",
        dict(transferred_on="2026-03-04", competent_bureau="渝中区医保局", materials_sent=True),
    )
    assert walk.case.completed and walk.ends() == {"End_Transferred"}
    assert "Task_AcceptanceCheck" not in walk.reached()


def test_a_late_transfer_is_escalated_and_still_completed():
    walk = registered().do("Task_Jurisdiction", dict(jurisdiction="transfer", jurisdiction_reason="他区"))
    row = walk.deadline("Event_TransferDue")
    assert row["due"] == "2026-03-09"  # 5 WD from Monday 2026-03-02
    walk.fire("Event_TransferDue", "transfer")
    assert walk.ready() == ["Task_Transfer", "Task_TransferOverdue"]
    walk.do("Task_TransferOverdue", REVIEWED)
    assert not walk.case.completed
    walk.do("Task_Transfer", dict(transferred_on="2026-03-11", competent_bureau="渝中区医保局"))
    assert walk.case.completed and walk.ends() == {"End_TransferOverdue", "End_Transferred"}


def test_a_dispute_settled_by_negotiation_keeps_the_case():
    walk = registered().do(
        "Task_Jurisdiction",
        dict(jurisdiction="dispute", dispute_arose_on="2026-03-03", jurisdiction_reason="两区均有行为"),
    )
    assert walk.ready() == ["Task_Negotiation"]
    assert walk.deadline("Event_NegotiationTimeout")["rule"] == "jurisdiction_dispute"
    walk.do(
        "Task_Negotiation",
        dict(jurisdiction="keep", negotiated_on="2026-03-05", negotiation_record="协商一致"),
    )
    assert walk.ready() == ["Task_AcceptanceCheck"]


def test_a_dispute_settled_by_negotiation_can_transfer():
    walk = registered().do(
        "Task_Jurisdiction",
        dict(jurisdiction="dispute", dispute_arose_on="2026-03-03", jurisdiction_reason="争议"),
    )
    walk.do(
        "Task_Negotiation",
        dict(jurisdiction="transfer", negotiated_on="2026-03-05", negotiation_record="移交"),
    )
    assert walk.ready() == ["Task_Transfer"]


def test_a_failed_negotiation_goes_to_the_city_which_may_keep_it():
    walk = registered().do(
        "Task_Jurisdiction",
        dict(jurisdiction="dispute", dispute_arose_on="2026-03-03", jurisdiction_reason="争议"),
    )
    walk.do(
        "Task_Negotiation",
        dict(jurisdiction="unresolved", negotiated_on="2026-03-09", negotiation_record="未果"),
    )
    assert walk.ready() == ["Task_CityDesignation"]
    walk.do(
        "Task_CityDesignation", dict(jurisdiction="keep", competent_bureau="本局", designated_on="2026-03-10")
    )
    assert walk.ready() == ["Task_AcceptanceCheck"]


def test_a_negotiation_that_runs_out_of_time_goes_to_the_city():
    walk = registered().do(
        "Task_Jurisdiction",
        dict(jurisdiction="dispute", dispute_arose_on="2026-03-03", jurisdiction_reason="争议"),
    )
    assert walk.deadline("Event_NegotiationTimeout")["due"] == "2026-03-12"  # 7 WD from 03-03
    walk.fire("Event_NegotiationTimeout", "jurisdiction_dispute")
    assert walk.ready() == ["Task_CityDesignation"]  # the negotiation was interrupted
    walk.do(
        "Task_CityDesignation",
        dict(jurisdiction="transfer", competent_bureau="江北区医保局", designated_on="2026-03-13"),
    )
    # the 5 WD for the transfer ran out on 03-09: the transfer starts overdue
    assert walk.ready() == ["Task_Transfer", "Task_TransferOverdue"]


def test_a_district_may_ask_the_city_to_decide():
    walk = registered().do(
        "Task_Jurisdiction", dict(jurisdiction="city_designation", jurisdiction_reason="请示")
    )
    assert walk.ready() == ["Task_CityDesignation"]
    walk.do(
        "Task_CityDesignation",
        dict(jurisdiction="transfer", competent_bureau="江北区医保局", designated_on="2026-03-04"),
    )
    walk.do("Task_Transfer", dict(transferred_on="2026-03-05", competent_bureau="江北区医保局"))
    assert walk.ends() == {"End_Transferred"}


# -- report handling: acceptance ----------------------------------------------------------------


def test_the_acceptance_opinion_deadline_escalates():
    walk = registered().do("Task_Jurisdiction", KEEP)
    assert walk.deadline("Event_AcceptanceDue")["due"] == "2026-03-23"  # 15 WD from 03-02
    walk.fire("Event_AcceptanceDue", "acceptance_opinion")
    assert walk.ready() == ["Task_AcceptanceCheck", "Task_AcceptanceOverdue"]
    walk.do("Task_AcceptanceOverdue", REVIEWED).do("Task_AcceptanceCheck", ACCEPTABLE)
    assert walk.ready() == ["Task_Filing"]
    assert "End_AcceptanceOverdue" in walk.ends()


def test_a_real_name_reporter_is_told_why_a_report_is_not_accepted():
    walk = registered().do("Task_Jurisdiction", KEEP).do("Task_AcceptanceCheck", ACCEPTABLE, in_area=False)
    assert walk.data["accepted"] is False and walk.data["ground"] == "CQH-12-1" and walk.data["reason"]
    assert walk.ready() == ["Task_NonAcceptanceNotice"]
    assert walk.deadline("Event_NonAcceptanceNoticeDue")["rule"] == "non_acceptance_notice"
    walk.do("Task_NonAcceptanceNotice", NOTICE)
    close_and_archive(walk)
    assert "Task_Filing" not in walk.reached()


def test_a_late_non_acceptance_notice_escalates():
    walk = registered().do("Task_Jurisdiction", KEEP).do("Task_AcceptanceCheck", ACCEPTABLE, has_facts=False)
    walk.fire("Event_NonAcceptanceNoticeDue", "non_acceptance_notice")
    assert walk.ready() == ["Task_NonAcceptanceNotice", "Task_NonAcceptanceNoticeOverdue"]
    walk.do("Task_NonAcceptanceNoticeOverdue", REVIEWED).do("Task_NonAcceptanceNotice", NOTICE)
    close_and_archive(walk)
    assert walk.ends() == {"End_NonAcceptanceNoticeOverdue", "End_Archived"}


def test_an_anonymous_report_without_evidence_is_not_accepted_and_nobody_is_told():
    walk = registered(anonymous=True, has_evidence=False).do("Task_Jurisdiction", KEEP)
    walk.do("Task_AcceptanceCheck", ACCEPTABLE, has_evidence=False)
    assert walk.data["accepted"] is False and walk.data["ground"] == "CQH-13-5"
    assert walk.ready() == ["Task_Closure"]
    close_and_archive(walk)
    assert "Task_NonAcceptanceNotice" not in walk.reached()


# -- report handling: filing, investigation, conclusion -----------------------------------------


def test_the_full_real_name_path_tells_the_reporter_twice_and_archives():
    walk = accepted()
    walk.do("Task_Filing", FILED)
    assert walk.ready() == ["Task_FilingNotice"]
    assert walk.deadline("Event_FilingNoticeDue")["due"] == "2026-03-11"  # 5 WD from 03-04
    walk.do("Task_FilingNotice", NOTICE)
    assert walk.deadline("Event_InvestigationDue")["due"] == "2026-04-15"  # 30 WD from 03-03 (Qingming)
    walk.do("Task_Investigation", INVESTIGATED).do("Task_Conclusion", CONCLUDED)
    assert walk.ready() == ["Task_ResultNotice"]
    walk.do("Task_ResultNotice", NOTICE)
    walk.do("Task_Closure", CLOSED)
    assert walk.deadline("Event_ArchiveDue")["rule"] == "archive"
    walk.do("Task_Archive", ARCHIVED)
    assert walk.case.completed and walk.ends() == {"End_Archived"}
    data = walk.data
    assert data["verified"] is True and data["match"] == "full" and data["verified_loss"] == Decimal("12000")
    assert data["concluded_on"].isoformat() == "2026-04-01" and data["archive_no"] == "DA-1"
    order = walk.reached()
    assert (
        order.index("Task_FilingNotice")
        < order.index("Task_Investigation")
        < order.index("Task_ResultNotice")
    )


def test_an_anonymous_accepted_report_is_handled_without_notices():
    walk = investigating(anonymous=True)
    walk.do("Task_Investigation", INVESTIGATED).do("Task_Conclusion", CONCLUDED)
    assert walk.ready() == ["Task_Closure"]
    close_and_archive(walk)
    assert not {"Task_FilingNotice", "Task_ResultNotice"} & set(walk.reached())


def test_a_report_not_filed_is_closed_after_the_filing_notice():
    walk = accepted().do("Task_Filing", FILED, filed=False)
    walk.do("Task_FilingNotice", NOTICE)
    assert walk.ready() == ["Task_Closure"]
    close_and_archive(walk)
    assert "Task_Investigation" not in walk.reached()


def test_a_late_filing_notice_escalates():
    walk = accepted().do("Task_Filing", FILED)
    walk.fire("Event_FilingNoticeDue", "filing_notice")
    assert walk.ready() == ["Task_FilingNotice", "Task_FilingNoticeOverdue"]
    walk.do("Task_FilingNoticeOverdue", REVIEWED).do("Task_FilingNotice", NOTICE)
    assert walk.ready() == ["Task_Investigation"]


def test_an_overdue_investigation_escalates():
    walk = investigating()
    walk.fire("Event_InvestigationDue", "investigation")
    assert walk.ready() == ["Task_Investigation", "Task_InvestigationOverdue"]
    walk.do("Task_InvestigationOverdue", REVIEWED).do("Task_Investigation", INVESTIGATED)
    assert walk.ready() == ["Task_Conclusion"]


def test_an_extension_approved_by_the_head_runs_to_three_months():
    walk = investigating().do(
        "Task_Investigation", INVESTIGATED, extension_requested=True, extension_reason="复杂"
    )
    assert walk.ready() == ["Task_ExtensionApproval"]
    walk.do(
        "Task_ExtensionApproval",
        dict(extension_approved=True, extension_decided_on="2026-04-10", extension_opinion="同意"),
    )
    assert walk.ready() == ["Task_InvestigationExtended"]
    assert walk.deadline("Event_ExtendedDue")["due"] == "2026-06-03"  # 3 months from 03-03
    walk.fire("Event_ExtendedDue", "investigation_extended")
    walk.do("Task_ExtendedOverdue", REVIEWED)
    walk.do("Task_InvestigationExtended", INVESTIGATED)
    assert walk.ready() == ["Task_Conclusion"]
    assert "End_ExtendedOverdue" in walk.ends()


def test_an_extension_refused_goes_to_the_conclusion():
    walk = investigating().do("Task_Investigation", INVESTIGATED, extension_requested=True)
    walk.do(
        "Task_ExtensionApproval",
        dict(extension_approved=False, extension_decided_on="2026-04-10", extension_opinion="不同意"),
    )
    assert walk.ready() == ["Task_Conclusion"]


def test_a_major_case_is_extended_to_six_months_by_collective_decision():
    walk = investigating().do("Task_Investigation", INVESTIGATED, extension_requested=True)
    walk.do(
        "Task_ExtensionApproval",
        dict(extension_approved=True, extension_decided_on="2026-04-10", extension_opinion="同意"),
    )
    walk.do("Task_InvestigationExtended", INVESTIGATED, extension_requested=True)
    assert walk.ready() == ["Task_CollectiveExtension"]
    walk.do(
        "Task_CollectiveExtension",
        dict(
            meeting_date="2026-05-20",
            participants="局务会",
            minutes_ref="JY-3",
            major_extension_approved=True,
            deliberation_conclusion="延期",
        ),
    )
    assert walk.ready() == ["Task_InvestigationMajor"]
    assert walk.deadline("Event_MajorDue")["due"] == "2026-09-03"  # 6 months from 03-03
    walk.fire("Event_MajorDue", "investigation_extended_major")
    walk.do("Task_MajorOverdue", REVIEWED)
    walk.do("Task_InvestigationMajor", dict(investigated_on="2026-09-10", investigation_record="终结"))
    walk.do("Task_Conclusion", CONCLUDED, concluded_on="2026-09-11").do("Task_ResultNotice", NOTICE)
    walk.do("Task_Closure", CLOSED, closed_on="2026-09-14").do("Task_Archive", ARCHIVED)
    assert walk.case.completed and walk.ends() == {"End_MajorOverdue", "End_Archived"}


def test_a_collective_refusal_goes_to_the_conclusion():
    walk = investigating().do("Task_Investigation", INVESTIGATED, extension_requested=True)
    walk.do(
        "Task_ExtensionApproval",
        dict(extension_approved=True, extension_decided_on="2026-04-10", extension_opinion="同意"),
    )
    walk.do("Task_InvestigationExtended", INVESTIGATED, extension_requested=True)
    walk.do(
        "Task_CollectiveExtension",
        dict(
            meeting_date="2026-05-20",
            participants="局务会",
            minutes_ref="JY-3",
            major_extension_approved=False,
            deliberation_conclusion="不延期",
        ),
    )
    assert walk.ready() == ["Task_Conclusion"]


def test_the_second_extended_round_without_a_request_concludes():
    walk = investigating().do("Task_Investigation", INVESTIGATED, extension_requested=True)
    walk.do(
        "Task_ExtensionApproval",
        dict(extension_approved=True, extension_decided_on="2026-04-10", extension_opinion="同意"),
    )
    walk.do("Task_InvestigationExtended", INVESTIGATED)
    assert walk.ready() == ["Task_Conclusion"]


def test_a_late_archive_escalates():
    walk = investigating()
    walk.do("Task_Investigation", INVESTIGATED).do("Task_Conclusion", CONCLUDED).do(
        "Task_ResultNotice", NOTICE
    )
    walk.do("Task_Closure", CLOSED)
    assert walk.deadline("Event_ArchiveDue")["due"] == "2026-04-17"  # 5 WD from Friday 04-10
    walk.fire("Event_ArchiveDue", "archive")
    walk.do("Task_ArchiveOverdue", REVIEWED).do("Task_Archive", ARCHIVED)
    assert walk.case.completed and walk.ends() == {"End_ArchiveOverdue", "End_Archived"}


# -- report handling: withdrawal and recusal at any point ---------------------------------------


def test_a_withdrawal_after_filing_suppresses_the_result_notice_but_not_the_investigation():
    walk = investigating().send("withdrawal")
    assert walk.ready() == ["Task_Investigation", "Task_RecordWithdrawal"]
    walk.do("Task_RecordWithdrawal", dict(withdrawn=True, withdrawn_on="2026-03-10"))
    assert walk.case.workflow.data_objects["withdrawn"] is True
    walk.do("Task_Investigation", INVESTIGATED).do("Task_Conclusion", CONCLUDED)
    assert walk.ready() == ["Task_Closure"]
    close_and_archive(walk)
    assert "Task_ResultNotice" not in walk.reached()
    assert walk.ends() == {"End_WithdrawalRecorded", "End_Archived"}


def test_a_withdrawal_recorded_while_the_conclusion_is_pending_still_counts():
    walk = investigating().do("Task_Investigation", INVESTIGATED)
    walk.send("withdrawal").do("Task_RecordWithdrawal", dict(withdrawn=True, withdrawn_on="2026-03-30"))
    walk.do("Task_Conclusion", CONCLUDED)
    assert walk.ready() == ["Task_Closure"]


def test_a_withdrawal_at_intake_lets_the_handling_go_on():
    walk = (
        registered()
        .send("withdrawal")
        .do("Task_RecordWithdrawal", dict(withdrawn=True, withdrawn_on="2026-03-02"))
    )
    assert walk.ready() == ["Task_Jurisdiction"]


def test_recusal_can_be_requested_several_times_and_the_handling_goes_on():
    walk = investigating()
    walk.send("recusal_request").send("recusal_request")
    assert walk.ready() == ["Task_Investigation", "Task_RecusalDecision", "Task_RecusalDecision"]
    decision = dict(
        recusal_requested_by="reporter",
        recusal_staff="王五",
        recusal_ground="CQH-18-2",
        recusal_approved=True,
        replacement_staff="赵六",
        recusal_decided_on="2026-03-12",
        recusal_opinion="同意回避",
    )
    for _ in range(2):
        walk.roundtrip()
        task = next(t for t in walk.runner.ready_tasks(walk.case) if t.element_id == "Task_RecusalDecision")
        assert set(task.roles) == {"division_head", "bureau_head"}
        walk.runner.complete(walk.case, task.id, decision)
    assert walk.ready() == ["Task_Investigation"]
    walk.do("Task_Investigation", INVESTIGATED).do("Task_Conclusion", CONCLUDED).do(
        "Task_ResultNotice", NOTICE
    )
    close_and_archive(walk)
    assert "End_RecusalDecided" in walk.ends()


def test_tasks_name_their_forms_and_roles():
    walk = registered()
    (task,) = walk.runner.ready_tasks(walk.case)
    assert (task.element_id, task.form_id, task.roles) == (
        "Task_Jurisdiction",
        "jurisdiction",
        ("case_officer", "division_head"),
    )


# -- reward ---------------------------------------------------------------------------------------

CASE_FACTS = dict(
    registration_no="GJ-2026-0001",
    concluded_on="2026-04-01",
    verified=True,
    fund_loss=True,
    match="full",
    verified_loss=Decimal("100000"),
    anonymous=False,
)
ELIGIBLE = dict(
    reporter_kind="natural_person",
    has_evidence=True,
    already_known=False,
    verified=True,
    fund_loss=True,
    match="full",
    wants_reward=True,
    identity_verified=True,
    reachable=True,
    reporter_is_staff=False,
    self_report=False,
    withdrawn_before_decision=False,
    proceedings_before_report=False,
    eligibility_reviewed_on="2026-04-02",
)
FIRST = dict(first_reporter_outcome="first", first_reporter_note="最早收到")
PROPOSAL = dict(
    base_amount=100000,
    criminal=False,
    evidence_tier="basic",
    reporter_category="ordinary",
    decision_date="2026-04-03",
)
SIGNED = dict(
    approval_form_no="SP-1",
    reward_approved=True,
    funding_level="district",
    approved_on="2026-04-07",
    approval_opinion="同意",
)
CLAIM_NOTICE = dict(claim_notice_no="TZ-1", claim_notice_issued_on="2026-04-08", delivery_method="post")
DELIVERED = dict(notice_received_on="2026-04-10", receipt_method="post", receipt_signed=True)
CLAIMED = dict(claimant="self", own_id_checked=True, claimed_on="2026-04-20")
PAID = dict(
    payment_method="treasury_transfer",
    payee_account="6222...",
    paid_amount=2000,
    paid_on="2026-04-22",
    voucher_no="PZ-1",
    voucher_signed=True,
    paying_officer="甲",
    payment_reviewer="乙",
)
NO_REWARD = dict(notice_sent_on="2026-04-05", notice_method="phone", notice_text="不予奖励")


def reward(pack="national") -> Walk:
    walk = Walk(pack, "reward", dict(CASE_FACTS))
    assert walk.ready() == ["Task_EligibilityReview"]
    return walk


def approved(pack="national", **proposal) -> Walk:
    walk = reward(pack).do("Task_EligibilityReview", ELIGIBLE).do("Task_FirstReporterCheck", FIRST)
    walk.do("Task_RewardProposal", PROPOSAL, **proposal)
    return walk


def test_an_ineligible_reporter_is_told_there_is_no_reward():
    walk = reward().do("Task_EligibilityReview", ELIGIBLE, reporter_is_staff=True)
    assert walk.data["eligible"] is False and walk.data["ground"] == "URU-10-1"
    assert walk.ready() == ["Task_NoRewardNotice"]
    walk.do("Task_NoRewardNotice", NO_REWARD)
    assert walk.case.completed and walk.ends() == {"End_NoReward"}


def test_the_full_reward_path_computes_approves_notifies_and_pays():
    walk = approved()
    assert walk.data["amount"] == Decimal("2000.00") and walk.data["collective_deliberation"] is False
    assert walk.ready() == ["Task_ApprovalSign"]
    walk.do("Task_ApprovalSign", SIGNED)
    assert (
        walk.deadline("Event_ClaimNoticeDue")["due"] == "2026-04-16"
    )  # 10 WD from 04-01 (Qingming 04-04..06)
    walk.do("Task_ClaimNotice", CLAIM_NOTICE).do("Task_NoticeDelivery", DELIVERED)
    row = walk.deadline("Event_ClaimWindowExpired")
    assert row["rule"] == "claim_window" and row["due"] == "2026-06-10"  # 2 months from 04-10
    walk.do("Task_RewardClaim", CLAIMED).do("Task_RewardPayment", PAID)
    assert walk.case.completed and walk.ends() == {"End_Paid"}
    assert "Task_CollectiveDeliberation" not in walk.reached()
    assert walk.data["voucher_no"] == "PZ-1"


def test_above_the_urumqi_threshold_the_reward_is_deliberated_collectively():
    walk = approved("urumqi", base_amount=200000, decision_date="2026-04-03")
    assert walk.data["amount"] == Decimal("10000.00") and walk.data["collective_deliberation"] is True
    assert walk.ready() == ["Task_CollectiveDeliberation"]
    walk.do(
        "Task_CollectiveDeliberation",
        dict(
            meeting_date="2026-04-06",
            participants="局务会",
            minutes_ref="JY-1",
            deliberation_conclusion="同意奖励 10000 元",
        ),
    )
    walk.do("Task_ApprovalSign", SIGNED)
    assert walk.ready() == ["Task_ClaimNotice"]


def test_a_claim_by_an_agent_is_recorded():
    walk = approved().do("Task_ApprovalSign", SIGNED).do("Task_ClaimNotice", CLAIM_NOTICE)
    walk.do("Task_NoticeDelivery", DELIVERED)
    walk.do(
        "Task_RewardClaim",
        dict(
            claimant="agent",
            authorisation_provided=True,
            both_ids_checked=True,
            notice_presented=True,
            agent_name="钱七",
            agent_id_no="1101...",
            claimed_on="2026-05-01",
        ),
    )
    walk.do("Task_RewardPayment", PAID)
    assert walk.ends() == {"End_Paid"} and walk.data["claimant"] == "agent"


def test_a_reward_not_claimed_in_time_is_forfeited():
    walk = approved().do("Task_ApprovalSign", SIGNED).do("Task_ClaimNotice", CLAIM_NOTICE)
    walk.do("Task_NoticeDelivery", DELIVERED)
    walk.fire("Event_ClaimWindowExpired", "claim_window")
    assert walk.ready() == ["Task_RecordForfeiture"]  # the claim is no longer possible
    walk.do("Task_RecordForfeiture", dict(forfeited_on="2026-06-11"))
    assert walk.case.completed and walk.ends() == {"End_Forfeited"}
    assert "Task_RewardPayment" not in walk.reached()


def test_a_late_claim_notice_escalates():
    walk = approved().do("Task_ApprovalSign", SIGNED)
    walk.fire("Event_ClaimNoticeDue", "claim_notice")
    assert walk.ready() == ["Task_ClaimNotice", "Task_ClaimNoticeOverdue"]
    walk.do("Task_ClaimNoticeOverdue", REVIEWED).do("Task_ClaimNotice", CLAIM_NOTICE)
    assert walk.ready() == ["Task_NoticeDelivery"]


def test_a_refused_approval_ends_without_reward():
    walk = approved().do("Task_ApprovalSign", SIGNED, reward_approved=False, approval_opinion="不同意")
    assert walk.ready() == ["Task_NoRewardNotice"]
    walk.do("Task_NoRewardNotice", NO_REWARD)
    assert walk.ends() == {"End_NoReward"}


def test_a_later_reporter_gets_no_reward():
    walk = reward().do("Task_EligibilityReview", ELIGIBLE)
    walk.do(
        "Task_FirstReporterCheck", dict(first_reporter_outcome="not_first", first_reporter_note="他人在先")
    )
    assert walk.ready() == ["Task_NoRewardNotice"]


@pytest.mark.parametrize(
    "outcome, next_task", [("first", "Task_RewardProposal"), ("not_first", "Task_NoRewardNotice")]
)
def test_a_tie_is_decided_by_the_head(outcome, next_task):
    walk = reward().do("Task_EligibilityReview", ELIGIBLE)
    walk.do("Task_FirstReporterCheck", dict(first_reporter_outcome="tie", first_reporter_note="同时收到"))
    assert walk.ready() == ["Task_TieDecision"]
    walk.do(
        "Task_TieDecision",
        dict(
            first_reporter_outcome=outcome,
            first_reporter_decided_on="2026-04-03",
            first_reporter_reason="认定",
        ),
    )
    assert walk.ready() == [next_task]


# -- supervisor ------------------------------------------------------------------------------------

APPLICATION = dict(
    applicant_name="孙八",
    applicant_id_no="532901198001011234",
    birth_date="1980-01-01",
    application_date="2026-03-02",
    age=46,
    applicant_phone="13900000000",
    nomination="self",
    insured_in_city=True,
    full_capacity=True,
    works_at_designated_provider=False,
    works_at_procurement_supplier=False,
    relative_of_bureau_staff=False,
    willing=True,
)


def has_supervisor_process() -> bool:
    return "supervisor" in compiled("national", ROOT).processes


needs_supervisor = pytest.mark.skipif(
    not has_supervisor_process(), reason="supervisor.bpmn waits for the supervisor_term deadline rule"
)


def appointed() -> Walk:
    walk = Walk("national", "supervisor")
    walk.do("Task_Application", APPLICATION)
    assert walk.data["eligible"] is True
    walk.do("Task_Selection", dict(selected=True, selected_on="2026-03-10", selection_note="入选"))
    walk.do("Task_Appointment", dict(appointed_on="2026-03-16", certificate_no="DL-JD-001"))
    walk.do("Task_Publish", dict(published_on="2026-03-17", publication_channel="局门户网站"))
    assert walk.ready() == []
    return walk


@needs_supervisor
@pytest.mark.parametrize(
    "change",
    [
        dict(age=17),
        dict(age=61),
        dict(works_at_designated_provider=True),
        dict(relative_of_bureau_staff=True),
        dict(insured_in_city=False),
    ],
)
def test_an_ineligible_applicant_is_told(change):
    walk = Walk("national", "supervisor").do("Task_Application", APPLICATION, **change)
    assert walk.data["eligible"] is False and walk.data["ground"]
    walk.do("Task_RejectionNotice", NO_REWARD)
    assert walk.case.completed and walk.ends() == {"End_Rejected"}


@needs_supervisor
def test_an_applicant_not_selected_is_told():
    walk = Walk("national", "supervisor").do("Task_Application", APPLICATION)
    walk.do("Task_Selection", dict(selected=False, selected_on="2026-03-10", selection_note="名额已满"))
    walk.do("Task_RejectionNotice", NO_REWARD)
    assert walk.ends() == {"End_Rejected"}


@needs_supervisor
@pytest.mark.parametrize("renewal, end", [("renew", "End_Renewed"), ("end", "End_TermEnded")])
def test_at_the_end_of_the_term_the_bureau_decides_on_renewal(renewal, end):
    walk = appointed()
    assert walk.deadline("Event_TermExpired")["due"] == "2029-03-16"
    walk.fire("Event_TermExpired", "supervisor_term")
    walk.do(
        "Task_Renewal",
        dict(renewal=renewal, consent=renewal == "renew", age=49, renewal_decided_on="2029-03-10"),
    )
    assert walk.case.completed and walk.ends() == {end}


@needs_supervisor
def test_a_supervisor_can_be_dismissed_during_the_term():
    walk = appointed().send("termination")
    assert walk.ready() == ["Task_Termination"]
    assert walk.runner.deadlines(walk.case) == []  # the term timer was withdrawn
    walk.do(
        "Task_Termination",
        dict(termination_reason="DALI-11-3", terminated_on="2027-01-05", termination_note="申报资料虚假"),
    )
    assert walk.case.completed and walk.ends() == {"End_Terminated"}
    assert walk.data["termination_reason"] == "DALI-11-3"


# -- state ---------------------------------------------------------------------------------------


def test_saved_state_is_json_text():
    walk = registered()
    state = walk.runner.save(walk.case)
    assert isinstance(json.loads(state), dict)
    assert walk.runner.restore(state).data["received_on"].isoformat() == "2026-03-02"


# -- runner behaviour the processes rely on ------------------------------------------------------


def test_a_fired_timer_runs_at_once():
    walk = registered().do("Task_Jurisdiction", dict(jurisdiction="transfer", jurisdiction_reason="他区"))
    walk.clock.now = datetime.fromisoformat(walk.deadline("Event_TransferDue")["fires_at"])
    assert walk.runner.fire_timers(walk.case) == ["Event_TransferDue"]
    assert sorted(t.element_id for t in walk.runner.ready_tasks(walk.case)) == [
        "Task_Transfer",
        "Task_TransferOverdue",
    ]


def test_a_message_to_one_case_leaves_other_cases_alone():
    pack = compile_pack(load_pack("national", ROOT), calendars_for(ROOT))
    runner = Runner(pack, clock=FixedClock(START))
    first = runner.start("report_handling")
    runner.send(first, "recusal_request")
    second = runner.start("report_handling")
    (task,) = runner.ready_tasks(second)
    runner.complete(second, task.id, dict(REGISTRATION, request_kind="petition"))
    (task,) = runner.ready_tasks(second)
    runner.complete(second, task.id, dict(redirect_channel="信访渠道", redirect_notified_on="2026-03-03"))
    assert second.completed


def test_the_case_data_stays_the_registered_data_while_and_after_an_event_subprocess_runs():
    """A withdrawal or a recusal decision runs in an event subprocess whose own data starts empty; the
    case's data (what the case page and the printed 登记表 show) stays the registration's, with what the
    subprocess recorded on top."""
    walk = investigating()
    registered_data = dict(walk.case.data)
    assert registered_data["reporter_name"] and registered_data["content"]
    walk.send("withdrawal").do("Task_RecordWithdrawal", dict(withdrawn=True, withdrawn_on="2026-03-10"))
    data = walk.case.data
    assert {k: data.get(k) for k in ("reporter_name", "content")} == {
        k: registered_data[k] for k in ("reporter_name", "content")
    }
    assert str(data["withdrawn_on"]) == "2026-03-10"
    walk = investigating().send("recusal_request")
    task = next(t for t in walk.runner.ready_tasks(walk.case) if t.element_id == "Task_RecusalDecision")
    walk.runner.complete(
        walk.case,
        task.id,
        dict(
            recusal_requested_by="reporter",
            recusal_staff="王五",
            recusal_ground="CQH-18-2",
            recusal_approved=False,
            recusal_decided_on="2026-03-12",
            recusal_opinion="不予回避",
        ),
    )
    walk.roundtrip()
    assert walk.case.data["reporter_name"] == registered_data["reporter_name"]
    assert walk.case.data["content"] == registered_data["content"]


def test_a_case_ended_where_it_stands_keeps_its_data():
    """A report taken over by another bureau: the case is cancelled, reaches no end event, and its
    data (the case page and the printed 登记表 of the sending bureau) stays what it was."""
    walk = investigating()
    before = dict(walk.case.data)
    walk.runner.cancel(walk.case)
    assert walk.case.completed and walk.runner.ready_tasks(walk.case) == []
    walk.roundtrip()
    assert walk.case.completed and walk.runner.next_timer(walk.case) is None
    assert {k: walk.case.data.get(k) for k in ("reporter_name", "content", "received_on")} == {
        k: before[k] for k in ("reporter_name", "content", "received_on")
    }
