"""The outbox's rows kept in step with a case: a notice for every newly ready notice task of a
real-name reporter's case, worded by the case's pack version (CQH 第十五、二十二条, URU 第十四、十六条),
and a pending notice whose task was completed in the case without it marked so. Called by the case
store whenever a notice task appears or leaves; sending and delivering are webapp.usecases.notices'.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from flask import current_app
from sqlalchemy import select

from webapp.clock import local_today
from webapp.extensions import db
from webapp.models import Case, CaseEvent, Notice
from webapp.store import noticetexts, taskrules
from webapp.store.packversions import packs_root
from webapp.translation import N_

KIND_BY_FORM = {
    "filing_notice": "filing",
    "non_acceptance_notice": "non_acceptance",
    "result_notice": "result",
    "claim_notice": "claim",
}
KIND_NAMES = {
    "filing": N_("是否立案告知"),
    "non_acceptance": N_("不予受理告知"),
    "result": N_("处理结果告知"),
    "claim": N_("领奖通知"),
}
KIND_BASIS = {
    "filing": "CQH 第十五条",
    "non_acceptance": "URU 第十四条第二款",
    "result": "CQH 第二十二条",
    "claim": "URU 第十六条",
}
KIND_CODES = {"filing": "LA", "non_acceptance": "BSL", "result": "JG", "claim": "LJ"}
CHANNEL_NAMES = {"letter": N_("书面（信件）"), "sms": N_("短信"), "email": N_("电子邮件")}
CONTACT_FIELD = {"letter": "reporter_address", "sms": "reporter_phone", "email": "reporter_email"}
LETTER_METHODS = {"post": N_("邮寄（挂号信）"), "in_person": N_("当面送达")}
STATE_NAMES = {
    "pending": N_("待发送"),
    "sending": N_("发送中"),
    "delivered": N_("已送达"),
    "done_in_case": N_("已在案件中办理"),
}
# Task forms that record the delivery of a claim notice (filled from the notice once delivered).
DELIVERY_FORMS = {"notice_delivery": "claim"}
NOTICE_FORMS = frozenset(KIND_BY_FORM)  # the forms of the tasks a notice belongs to


# -- generation (called by store.cases.keep whenever a case's ready tasks are rebuilt) ------------


def queue_notices(row: Case, runner, running, ready) -> list[Notice]:
    """Put a notice in the outbox for every newly ready notice task of a real-name reporter's case;
    a pending notice whose task was completed in the case without it is marked so."""
    data = running.data
    existing = {n.task_id: n for n in db.session.execute(select(Notice).filter_by(case_id=row.id)).scalars()}
    ready_ids = {t.id for t in ready}
    for notice in existing.values():
        if notice.state == "pending" and notice.task_id not in ready_ids:
            notice.state = "done_in_case"
    if data.get("anonymous"):
        return []  # anonymous reporters are not notified (CQH 第十条, 第十五条)
    created = []
    for task in ready:
        kind = KIND_BY_FORM.get(task.form_id)
        if kind is None or task.id in existing:
            continue
        if kind == "result" and data.get("withdrawn"):
            continue  # withdrawn before the decision: the result is not told (CQH 第二十三条)
        notice = _generate(row, runner, data, task, kind, existing)
        if notice is not None:
            created.append(notice)
            existing[task.id] = notice
    return created


def _generate(row: Case, runner, data: Mapping[str, Any], task, kind: str, existing) -> Notice | None:
    same_kind = sum(1 for n in existing.values() if n.kind == kind)
    facts = process_facts(row, kind, data)
    number = facts.pop("number", None) or f"{row.number}-{KIND_CODES[kind]}"
    if same_kind or any(n.number == number for n in existing.values()):
        number = f"{number}-{same_kind + 1}"
    channel = reporter_channel(data, contact_of(facts) or None)
    try:
        text = noticetexts.render(
            packs_root(),
            row.pack,
            kind,
            notice_context(row, runner, data, number, facts),
            version=(row.pack_version, runner.pack.pack.files),
        )
    except (noticetexts.TemplateMissing, noticetexts.TemplateBroken) as exc:
        # The case goes on; the clerk notifies by hand and the rule administrators fix the template.
        current_app.logger.error("notice %s of case %s not generated: %s", kind, row.number, exc)
        db.session.add(
            CaseEvent(
                case_id=row.id,
                kind="notice",
                title=f"告知书未能生成（模板问题：{exc}）"[:200],
                at=runner.clock(),
            )
        )
        return None
    notice = Notice(
        case_id=row.id,
        bureau_id=row.bureau_id,
        pack=row.pack,
        kind=kind,
        number=number,
        task_id=task.id,
        element_id=task.element_id,
        channel=channel,
        title=text.title,
        body=text.body,
        template=text.template,
        template_sha256=text.sha256,
        due=date.fromisoformat(task.deadline["due"]) if task.deadline else None,
        deadline=task.deadline,
        state="pending",
        created_at=runner.clock(),
    )
    db.session.add(notice)
    db.session.add(
        CaseEvent(
            case_id=row.id,
            kind="notice",
            at=runner.clock(),
            detail={"number": number},
            title=f"{KIND_NAMES[kind]}已生成，待发送（{number}）",
        )
    )
    return notice


def reporter_channel(data: Mapping[str, Any], other: Mapping[str, Any] | None = None) -> str:
    """The channel the reporter chose on the 登记表 (a letter when none was chosen). A notice to
    someone else (`other`: their contact, e.g. a joint report's representative) goes that way if
    they can be reached so, else by letter if there is an address, else by text message."""
    chosen = data.get("notice_channel")
    chosen = chosen if chosen in CONTACT_FIELD else "letter"
    if other is None or other.get(CONTACT_FIELD[chosen]):
        return chosen
    return next((c for c in ("letter", "sms") if other.get(CONTACT_FIELD[c])), chosen)


def process_facts(row: Case, kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the case's process holds that the notice must repeat as is: for the claim notice, the reward's
    numbered 领奖通知书 (its number, payee, amount payable and claim window), so the two never differ."""
    hook = getattr(taskrules.rules_for(row), "notice_facts", None)
    if hook is None:
        return {}
    # an empty contact is kept: the addressee is not reachable that way (not the reporter's instead)
    return {
        k: v for k, v in hook(row, kind, data).items() if v not in (None, "") or k in CONTACT_FIELD.values()
    }


def contact_of(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The contact of the process's facts (someone other than the reporter), in the 登记表's names."""
    return {k: v for k, v in facts.items() if k in CONTACT_FIELD.values()}


def notice_context(
    row: Case, runner, data: Mapping[str, Any], number: str, facts: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What a notice template may use: the case's data and the facts every notice needs."""
    context = {k: v for k, v in data.items() if isinstance(k, str) and k.isidentifier()}
    context.update(
        case_number=data.get("registration_no") or row.number,
        bureau=row.bureau.name,
        notice_no=number,
        issued_on=local_today(),
        reporter_name=data.get("reporter_name") or "举报人",
        reported=row.reported_unit
        or row.reported_person
        or data.get("reported_unit_name")
        or data.get("reported_person_name")
        or "被举报对象",
        claim_window=claim_window(runner),
    )
    context.update(facts or {})
    return context


def claim_window(runner) -> str:
    """The claim window of the case's pack in words (deadline_rules claim_window): 60日, 2个月."""
    try:
        rule = runner.pack.decide("deadline_rules", {"rule": "claim_window"})
    except Exception:  # noqa: BLE001 - a pack without the rule still gets its notice, worded without it
        return ""
    units = {"days": "日", "months": "个月", "working_days": "个工作日"}
    return f"{rule.get('count')}{units.get(rule.get('unit'), '')}"
