"""The reward process's tasks, beyond their forms: what a task takes from the case and refuses to
change, what it checks before it completes (URU 第十二、十七至二十条), what it records after, and the
values its form opens with. Case work calls `check` before and `record` after completing a reward task.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from flask_babel import gettext as _

from engine.errors import ValidationError
from webapp.clock import local_today
from webapp.errors import CaseworkError
from webapp.extensions import db
from webapp.models import Case, TaskEntry, User
from webapp.usecases.rewards import documents
from webapp.usecases.rewards.process import (
    CASE_FACTS,
    REWARD_PROCESS,
    first_reporter,
    ground_words,
    missing_reward_message,
    report_data,
    reward_of_case,
)

PROCESS = REWARD_PROCESS  # the process these rules belong to (webapp.store.taskrules)

CLAIMANT_PAPERS = {  # URU 第十八、十九条: what a claim needs, by who claims
    "self": (("own_id_checked", "举报人本人有效身份证件"),),
    "agent": (
        ("authorisation_provided", "举报人书面委托书"),
        ("both_ids_checked", "委托人和受托人身份证件"),
        ("notice_presented", "领奖通知书"),
    ),
}
ENDS = {"reward_payment": "paid", "no_reward_notice": "not_rewarded", "reward_forfeiture": "forfeited"}


def check(user: User, case: Case, entry: TaskEntry, loaded, data: Mapping[str, Any]) -> None:
    """Refuse, field by field in Chinese, what the rules forbid on this task (nothing is saved)."""
    reward = reward_of_case(case)
    if reward is None:
        raise CaseworkError(missing_reward_message())
    form = loaded.runner.pack.forms[entry.form_id]
    try:
        clean = form.validate(data)
    except ValidationError:
        return  # the engine reports the form's own messages
    problems: dict[str, list[str]] = {}
    checker = _CHECKS.get(entry.form_id)
    if checker is not None:
        checker(reward, entry, loaded, loaded.running.data, clean, problems)
    if problems:
        raise ValidationError(problems)


# Each task's own checks: (reward, task, loaded case, case data, the form's clean values, problems).


def _check_eligibility(reward, entry, loaded, facts, clean, problems) -> None:
    for key in CASE_FACTS:
        if key in clean and clean[key] != facts.get(key):
            problems[key] = [_("此项取自举报案件（查结决定、登记表），不能在此更改")]


def _check_first_reporter(reward, entry, loaded, facts, clean, problems) -> None:
    computed = first_reporter(reward.report_case, report_data(reward.report_case))
    if clean.get("first_reporter_outcome") != computed.outcome:
        problems["first_reporter_outcome"] = [
            _(
                "按各渠道收到举报的先后，核查结果应为「%(o)s」：%(note)s",
                o=_OUTCOMES[computed.outcome],
                note=computed.note(),
            )
        ]
    if bool(clean.get("joint_report")) != reward.joint:
        problems["joint_report"] = [_("是否联名举报以启动奖励时的登记为准")]


def _check_proposal_task(reward, entry, loaded, facts, clean, problems) -> None:
    _check_proposal(reward, clean, problems)
    _check_in_force(loaded, clean, problems)


def _check_approval_sign(reward, entry, loaded, facts, clean, problems) -> None:
    _same_number(reward, "approval_form", clean.get("approval_form_no"), "approval_form_no", problems)
    if clean.get("funding_level") != reward.case.bureau.level:
        problems["funding_level"] = [
            _(
                "奖励资金列入发放奖励的医保部门同级预算（URU 第七条）：本局为%(l)s级",
                l=_LEVELS.get(reward.case.bureau.level, ""),
            )
        ]


def _check_claim_notice(reward, entry, loaded, facts, clean, problems) -> None:
    _same_number(reward, "claim_notice", clean.get("claim_notice_no"), "claim_notice_no", problems)
    _not_future(clean, "claim_notice_issued_on", problems)


def _check_delivery(reward, entry, loaded, facts, clean, problems) -> None:
    issued = facts.get("claim_notice_issued_on")
    if issued and clean["notice_received_on"] < issued:
        problems["notice_received_on"] = [_("收到日期不能早于通知书发出日期 %(d)s", d=issued)]
    _not_future(clean, "notice_received_on", problems)


def _check_claim_task(reward, entry, loaded, facts, clean, problems) -> None:
    _check_claim(entry, facts, clean, problems)


def _check_payment_task(reward, entry, loaded, facts, clean, problems) -> None:
    _check_payment(reward, clean, problems)


_CHECKS = {
    "reward_eligibility_review": _check_eligibility,
    "first_reporter_check": _check_first_reporter,
    "reward_proposal": _check_proposal_task,
    "reward_approval_sign": _check_approval_sign,
    "claim_notice": _check_claim_notice,
    "notice_delivery": _check_delivery,
    "reward_claim": _check_claim_task,
    "reward_payment": _check_payment_task,
}


def _check_proposal(reward, clean, problems) -> None:
    data = report_data(reward.report_case)
    verified = Decimal(str(data.get("verified_loss") or 0))
    if clean.get("base_amount") != verified:
        problems["base_amount"] = [
            _(
                "计奖金额为查结决定认定的举报事项基金损失（仅相符部分）%(a)s 元（URU 第十二条）",
                a=f"{verified:,.2f}",
            )
        ]
    if reward.kind == "top_up" and not clean.get("criminal"):
        problems["criminal"] = [_("补发奖励以依法追究刑事责任为前提（RULES §B.2）")]
    if reward.kind == "ordinary" and clean.get("criminal") and not data.get("criminal_transfer"):
        problems["criminal"] = [_("查结决定未记载移送司法机关，不能按刑事案件计奖（URU 第十二条第（二）项）")]


def _check_in_force(loaded, clean, problems) -> None:
    """The rate, floor and cap are those of the rules in force on the reward decision date (RULES §B.7)."""
    inputs = {
        k: clean.get(k)
        for k in ("base_amount", "criminal", "evidence_tier", "reporter_category", "decision_date")
    }
    if loaded.runner.pack.decide("reward_amount", inputs).get("in_force") is False:
        problems["decision_date"] = [
            _(
                "奖励决定日期 %(d)s 不在本规则包奖励规定的有效期内（RULES §B.7），不能按本规定计奖",
                d=clean.get("decision_date"),
            )
        ]


def _check_claim(entry, facts, clean, problems) -> None:
    missing = [label for key, label in CLAIMANT_PAPERS.get(clean.get("claimant"), ()) if not clean.get(key)]
    if clean.get("claimant") == "agent":
        for key, label in (("agent_name", "受托人姓名"), ("agent_id_no", "受托人身份证号码")):
            if not str(clean.get(key) or "").strip():
                missing.append(label)
    if missing:
        basis = "URU 第十九条" if clean.get("claimant") == "agent" else "URU 第十八条"
        problems["claimant"] = [_("不能领取，缺少：%(m)s（%(b)s）", m="、".join(missing), b=basis)]
    claimed = clean.get("claimed_on")
    received = facts.get("notice_received_on")
    due_text = (entry.deadline or {}).get("due")  # None while the window waits for a calendar year
    due = date.fromisoformat(due_text) if due_text else None
    if claimed and received and claimed < received:
        problems["claimed_on"] = [_("领取日期不能早于收到领奖通知书的日期 %(d)s", d=received)]
    elif claimed and due and (claimed > due or local_today() > due):
        problems["claimed_on"] = [_("领奖期限已于 %(d)s 届满，视为放弃奖励（URU 第十八条）", d=due)]
    _not_future(clean, "claimed_on", problems)


def _check_payment(reward, clean, problems) -> None:
    if clean.get("payment_method") != "treasury_transfer":
        problems["payment_method"] = [_("奖金通过国库集中支付以非现金方式发放（URU 第十二条）")]
    if not clean.get("voucher_signed"):
        problems["voucher_signed"] = [
            _("领取人须在奖金领取凭证上签名、捺手印并填写身份证号码（URU 第二十条）")
        ]
    if reward.amount is not None and clean.get("paid_amount") != reward.amount:
        problems["paid_amount"] = [_("发放金额应为批准的奖励金额 %(a)s 元", a=f"{reward.amount:,.2f}")]
    _same_number(reward, "voucher", clean.get("voucher_no"), "voucher_no", problems)
    _not_future(clean, "paid_on", problems)


def _same_number(reward, kind, number, key, problems) -> None:
    issued = documents.issued(reward, kind)
    if issued is not None and (number or "").strip() != issued.number:
        problems[key] = [_("编号由系统统一编制：%(n)s", n=issued.number)]


def _not_future(clean, key, problems) -> None:
    if clean.get(key) and clean[key] > local_today():
        problems[key] = [_("日期不能晚于今天")]


_OUTCOMES = {"first": "首位举报人", "not_first": "非首位举报人", "tie": "收到时间相同，报负责人认定"}
_LEVELS = {"city": "市", "district": "区（县）"}


def record(user: User, case: Case, entry: TaskEntry, loaded, clean: Mapping[str, Any]) -> None:
    """After a reward task completed: the reward's amount, status and documents follow (not committed)."""
    reward = reward_of_case(case)
    if reward is None:
        return  # check() refused the task already
    data = loaded.running.data
    form = entry.form_id
    if form == "reward_proposal" and data.get("amount") is not None:
        total = Decimal(str(data["amount"]))
        reward.amount = total - (reward.previously_paid or Decimal(0))
        documents.issue(reward, "approval_form", data)
    elif form in ("collective_deliberation", "reward_approval_sign"):
        documents.issue(reward, "approval_form", data)
        if form == "reward_approval_sign" and clean.get("reward_approved"):
            documents.issue(reward, "claim_notice", data)
    elif form in ("claim_notice", "notice_delivery"):
        documents.issue(reward, "claim_notice", data)
    elif form == "reward_claim":
        documents.issue(reward, "voucher", data)
    elif form == "reward_payment":
        reward.paid_amount, reward.paid_on = clean["paid_amount"], clean["paid_on"]
        documents.issue(reward, "voucher", data)
    if form in ENDS:
        reward.status = ENDS[form]


def after_timers(case: Case, fired: list[str]) -> None:
    """The claim window passed unclaimed: the reward is deemed waived (URU 第十八条)."""
    if "Event_ClaimWindowExpired" in fired:
        reward = reward_of_case(case)
        if reward is not None:
            reward.status = "forfeited"
            db.session.flush()


def form_values(case: Case, entry: TaskEntry, data: Mapping[str, Any]) -> dict[str, Any]:
    """What a reward task's form opens with: the case data, numbers issued, amounts and today's date."""
    reward = reward_of_case(case)
    values = dict(data)
    if reward is None:
        return values  # the case page says why nothing can be done (missing_reward_message())
    today = local_today()
    for key in (
        "approved_on",
        "claim_notice_issued_on",
        "claimed_on",
        "paid_on",
        "forfeited_on",
        "notice_sent_on",
        "meeting_date",
        "first_reporter_decided_on",
    ):
        values.setdefault(key, today)
    for kind, key in (
        ("approval_form", "approval_form_no"),
        ("claim_notice", "claim_notice_no"),
        ("voucher", "voucher_no"),
    ):
        issued = documents.issued(reward, kind)
        if issued is not None:
            values[key] = issued.number
    values.setdefault("funding_level", case.bureau.level)
    values.setdefault("payment_method", "treasury_transfer")
    if reward.amount is not None:
        values.setdefault("paid_amount", reward.amount)
    if entry.form_id == "no_reward_notice" and not values.get("notice_text"):
        values["notice_text"] = no_reward_reason(data)
    return values


def no_reward_reason(data: Mapping[str, Any]) -> str:
    """Why this reporter is not rewarded, with the article, for the notice to them."""
    if data.get("eligible") is False:
        return f"{data.get('reason') or ''}（{ground_words(data.get('ground'))}）"
    if data.get("first_reporter_outcome") == "not_first":
        return (
            "您举报的同一违法违规行为此前已有其他举报人举报，根据第十三条第（二）项，"
            "多人分别举报同一行为的，只奖励首位举报人。" + f"（{ground_words('URU-13-2')}）"
        )
    if data.get("reward_approved") is False:
        return "经审批，不予奖励。" + str(data.get("approval_opinion") or "")
    return ""


def notice_facts(case: Case, kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the outbox's claim notice takes from the numbered 领奖通知书 (number, payee, amount, window)."""
    reward = reward_of_case(case)
    if kind != "claim" or reward is None:
        return {}
    return documents.claim_notice_facts(reward, data)


def notice_document(case: Case, kind: str) -> str | None:
    """The reward document an outbox notice of this case is (the 领奖通知书), if issued."""
    reward = reward_of_case(case)
    if kind != "claim" or documents.issued(reward, "claim_notice") is None:
        return None
    return "claim_notice"
