"""What happens to a reward after it is paid: a top-up when criminal liability is established later
(RULES §B.2, same approval rules), a clawback on the grounds of URU 第二十二条 tracked to recovery,
and the brief outcome a reporter may be told at payout (URU 第二十一条)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from engine.errors import ValidationError
from webapp import errors
from webapp.access import CASE_OFFICER_ROLE, REWARD_AFTER_PAYMENT_ROLES
from webapp.clock import local_today
from webapp.extensions import db
from webapp.models import Case, Clawback, Recovery, Reward, User
from webapp.store import casestore
from webapp.transaction import transaction
from webapp.usecases.rewards.process import open_reward_case, outbox_facts, report_data, reward_of_case

CLAWBACK_GROUNDS = {
    "URU-22-1": "以伪造材料、隐瞒事实等方式骗取举报奖励（URU 第二十二条第（一）项）",
    "URU-22-2": "结案后处理决定经行政复议、诉讼被撤销（URU 第二十二条第（二）项）",
    "URU-22-3": "发现其他不符合奖励条件的情形（URU 第二十二条第（三）项）",
}


def _amount(text: Any, key: str) -> Decimal:
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({key: [_("请填写金额（元），如 1200.00")]}) from None
    if value <= 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError({key: [_("金额须大于零，最多两位小数")]})
    return value


def start_top_up(user: User, reward_case: Case, basis: str, now=None) -> Case:
    """Open a top-up reward: the criminal band on the same verified loss, less what was paid (commits)."""
    reward = reward_of_case(reward_case)
    if CASE_OFFICER_ROLE not in user.roles:
        raise errors.Forbidden(_("只有承办人可以启动补发奖励"))
    if reward is None or reward.kind != "ordinary" or reward.status != "paid":
        raise errors.CaseworkError(_("只有已发放的普通奖励可以补发差额"))
    data = casestore.load(reward_case).running.data
    if data.get("criminal"):
        raise errors.CaseworkError(_("该奖励已按刑事案件标准计发，无需补发"))
    if any(
        r.kind == "top_up"
        for r in db.session.execute(select(Reward).filter_by(topup_of_id=reward.id)).scalars()
    ):
        raise errors.CaseworkError(_("该奖励已启动补发"))
    if not basis.strip():
        raise ValidationError(
            {"criminal_basis": [_("请写明移送司法机关、立案及追究刑事责任的依据（文书编号、日期）")]}
        )
    report = reward.report_case
    top = Reward(
        report_case_id=report.id,
        bureau_id=report.bureau_id,
        kind="top_up",
        topup_of_id=reward.id,
        reporter_key=reward.reporter_key,
        payee_name=reward.payee_name,
        payee_id_no=reward.payee_id_no,
        joint=reward.joint,
        co_reporters=reward.co_reporters,
        criminal_basis=basis.strip(),
        previously_paid=reward.paid_amount,
    )
    keep = (
        "concluded_on",
        "report_no",
        "reporter_name",
        "reporter_phone",
        "content",
        *_ELIGIBILITY,
        "joint_report",
        "joint_representative",
        "base_amount",
        "evidence_tier",
        "reporter_category",
    )
    start = {k: data.get(k) for k in keep}
    start.update(
        first_reporter_outcome="first",
        first_reporter_note=_("补发奖励：首位举报人已于原奖励中认定"),
        earlier_report_no="",
        criminal=True,
        decision_date=local_today(),
        eligibility_reviewed_on=local_today(),
        **outbox_facts(report_data(report)),
    )
    with transaction():
        return open_reward_case(user, report, top, start, now, "top_up")


_ELIGIBILITY = (
    "reporter_kind",
    "wants_reward",
    "identity_verified",
    "reachable",
    "reporter_is_staff",
    "self_report",
    "withdrawn_before_decision",
    "proceedings_before_report",
    "already_known",
    "has_evidence",
    "verified",
    "fund_loss",
    "match",
)


def open_clawback(user: User, reward_case: Case, ground: str, amount: Any, reason: str) -> Clawback:
    """Open the recovery of a paid reward on a ground of URU 第二十二条 (commits)."""
    reward = reward_of_case(reward_case)
    if not REWARD_AFTER_PAYMENT_ROLES & user.roles:
        raise errors.Forbidden(_("只有承办人或负责人可以追回奖励"))
    if reward is None or reward.status != "paid":
        raise errors.CaseworkError(_("只有已发放的奖励可以追回"))
    problems = {}
    if ground not in CLAWBACK_GROUNDS:
        problems["ground"] = [_("请选择追回的依据（URU 第二十二条）")]
    if not reason.strip():
        problems["reason"] = [_("请写明追回的事实和理由")]
    if problems:
        raise ValidationError(problems)
    value = _amount(amount, "amount")
    if value > reward.paid_amount:
        raise ValidationError(
            {"amount": [_("追回金额不能超过已发放的 %(a)s 元", a=f"{reward.paid_amount:,.2f}")]}
        )
    row = Clawback(
        reward_id=reward.id,
        ground=ground,
        amount=value,
        reason=reason.strip(),
        opened_on=local_today(),
        opened_by_id=user.id,
    )
    with transaction():
        db.session.add(row)
        casestore.add_event(
            reward_case,
            user,
            "clawback",
            f"追回奖励 {value:,.2f} 元：{CLAWBACK_GROUNDS[ground]}",
            {"ground": ground, "amount": str(value)},
        )
    return row


def record_recovery(
    user: User, reward_case: Case, clawback_id: int, amount: Any, recovered_on: str, reference: str
) -> Clawback:
    """Money received back on a clawback; the clawback is recovered when the sum is reached (commits)."""
    reward = reward_of_case(reward_case)
    if not REWARD_AFTER_PAYMENT_ROLES & user.roles:
        raise errors.Forbidden(_("只有承办人或负责人可以登记追回款"))
    row = db.session.get(Clawback, clawback_id)
    if row is None or reward is None or row.reward_id != reward.id:
        raise errors.NotFound(_("没有这项追回"))
    if row.status == "recovered":
        raise errors.CaseworkError(_("该项奖励已全部追回"))
    value = _amount(amount, "amount")
    try:
        when = date.fromisoformat(str(recovered_on))
    except ValueError:
        raise ValidationError({"recovered_on": [_("请填写日期，格式 YYYY-MM-DD")]}) from None
    if when > local_today():
        raise ValidationError({"recovered_on": [_("日期不能晚于今天")]})
    if not reference.strip():
        raise ValidationError({"reference": [_("请填写缴款凭证或收据编号")]})
    outstanding = row.amount - recovered(row)
    if value > outstanding:
        raise ValidationError({"amount": [_("超过尚未追回的 %(a)s 元", a=f"{outstanding:,.2f}")]})
    with transaction():
        row.recoveries.append(
            Recovery(amount=value, recovered_on=when, reference=reference.strip(), recorded_by_id=user.id)
        )
        if value == outstanding:
            row.status = "recovered"
        casestore.add_event(
            reward_case,
            user,
            "recovery",
            f"追回奖励款 {value:,.2f} 元（{reference.strip()}）",
            {"clawback": row.id, "amount": str(value)},
        )
    return row


def recovered(row: Clawback) -> Decimal:
    return sum((r.amount for r in row.recoveries), Decimal(0))


def reporter_brief(reward_case: Case) -> dict[str, Any]:
    """What the reporter may be told at payout (URU 第二十一条): their own matter only, briefly."""
    reward = reward_of_case(reward_case)
    report = reward.report_case
    data = report_data(report)
    return {
        "report_no": report.number,
        "received_on": report.received_on,
        "reported": data.get("reported_unit_name") or data.get("reported_person_name") or "",
        "reported_matter": data.get("content") or "",
        "verified": bool(data.get("verified")),
        "handled": bool(data.get("concluded_on")),
        "amount": reward.paid_amount if reward.paid_amount is not None else reward.amount,
        "payee": reward.payee_name,
    }
