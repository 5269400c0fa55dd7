"""The outbox of notices to real-name reporters: generated when the notice task of a case becomes
ready, sent by a clerk by the channel the reporter chose, delivery recorded once.

Kinds: the filing notice (CQH 第十五条), the non-acceptance notice with reasons (URU 第十四条第二款),
the result notice (CQH 第二十二条; never after a withdrawal, CQH 第二十三条) and the claim notice
(URU 第十六条). Anonymous reporters are not notified. The due date is the notice task's own
deadline (deadline_rules filing_notice, non_acceptance_notice, claim_notice); the result notice has
none in the rules. Access follows the cases: a user sees the notices of the cases they may see;
contact details appear only on the notice itself, for those who may see the reporter.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case as sql_case
from sqlalchemy import select, update

from engine.runner import TaskNotReady
from webapp.access import NOTICE_SENDER_ROLES, OUTBOX_ROLES, can_see_reporter
from webapp.clock import LOCAL_ZONE, clock, local_today
from webapp.errors import CaseworkError, Forbidden, NotFound
from webapp.extensions import db
from webapp.models import Case, CaseEvent, Notice, User
from webapp.store import noticetexts, taskrules
from webapp.store.casestore import load
from webapp.store.outbox import (
    CONTACT_FIELD,
    DELIVERY_FORMS,
    KIND_BY_FORM,
    KIND_NAMES,
    LETTER_METHODS,
    contact_of,
    process_facts,
)
from webapp.store.visibility import visible_cases
from webapp.transaction import transaction
from webapp.usecases import senders


class AlreadySent(CaseworkError):
    """The notice was sent before (a second click, or a colleague): nothing was sent again."""


class InvalidDelivery(CaseworkError):
    """The delivery record is incomplete; messages per field, in Chinese."""

    def __init__(self, messages: dict[str, str]):
        super().__init__("；".join(messages.values()))
        self.messages = messages


def printed_document(user: User, notice: Notice) -> str | None:
    """The process's own printed document this notice is (the reward's numbered 领奖通知书: its kind of
    reward document), for those who may see the reporter; None when the outbox prints the letter itself."""
    if not can_see_reporter(user):
        return None
    hook = getattr(taskrules.rules_for(notice.case), "notice_document", None)
    return hook(notice.case, notice.kind) if hook else None


# -- what a user may see ---------------------------------------------------------------------------


def _require_outbox(user: User) -> None:
    if not OUTBOX_ROLES & user.roles:
        raise Forbidden(_("您的角色不能查看告知书"))


def _visible(user: User):
    cases = visible_cases(user).with_only_columns(Case.id)
    return select(Notice).where(
        Notice.bureau_id.in_(user.bureau.visible_bureau_ids()), Notice.case_id.in_(cases)
    )


def outbox(user: User, state: str = "pending", limit: int = 200) -> list[Notice]:
    """The notices of the user's bureaus: pending soonest due first (no deadline last), or all/delivered."""
    _require_outbox(user)
    query = _visible(user)
    if state in ("pending", "delivered"):
        query = query.where(Notice.state == state)
    no_due_last = sql_case((Notice.due.is_(None), 1), else_=0)
    query = query.order_by(no_due_last, Notice.due, Notice.id)
    return list(db.session.execute(query.limit(limit)).scalars())


def notice_for(user: User, notice_id: int) -> Notice:
    _require_outbox(user)
    notice = db.session.execute(_visible(user).where(Notice.id == notice_id)).scalar_one_or_none()
    if notice is None:
        raise NotFound(_("告知书不存在或您无权查看"))
    return notice


def reporter_facts(notice: Notice) -> dict[str, Any]:
    """The case's facts as its notice task saw them (the latest step may be a withdrawal's, without them)."""
    loaded = load(notice.case)
    try:
        return loaded.runner.task_data(loaded.running, notice.task_id)
    except TaskNotReady:
        return dict(loaded.running.data)


def addressee(notice: Notice) -> tuple[dict[str, Any], str]:
    """(the case's facts as the notice task saw them, with the addressee's contact in the 登记表's
    names; the addressee's name). The addressee is the reporter, or for a claim notice the payee — a
    joint report's representative, reached at the contact given for them (URU 第十八条)."""
    data = reporter_facts(notice)
    facts = process_facts(notice.case, notice.kind, data)
    name = facts.get("reporter_name") or data.get("reporter_name") or ""
    return {**data, **contact_of(facts)}, name


def shown(user: User, notice: Notice) -> dict[str, Any]:
    """The notice as this user may see it: the recipient's contact only for those who may see the reporter."""
    data, name = addressee(notice)
    allowed = can_see_reporter(user)
    title, body = notice.title, notice.body
    if not allowed:
        for secret in {name, data.get("reporter_name") or ""} - {""}:
            title, body = title.replace(secret, "（保密）"), body.replace(secret, "（保密）")
    if allowed:
        current_app.logger.info(
            "reporter contact of case %s shown to %s on notice %s",
            notice.case.number,
            user.username,
            notice.number,
        )
    return {
        "title": title,
        "paragraphs": noticetexts.paragraphs(body),
        "allowed": allowed,
        "reporter_name": name if allowed else "（保密）",
        "recipient": (data.get(CONTACT_FIELD[notice.channel]) or "") if allowed else "（保密）",
        "address": (data.get("reporter_address") or "") if allowed else "（保密）",
    }


def notice_for_task(case: Case, form_id: str, task_id: str) -> Notice | None:
    """The notice a task of the case is about: its own, or the claim notice whose delivery it records."""
    if form_id in DELIVERY_FORMS:
        query = (
            select(Notice)
            .filter_by(case_id=case.id, kind=DELIVERY_FORMS[form_id])
            .order_by(Notice.id.desc())
            .limit(1)
        )
    elif form_id in KIND_BY_FORM:
        query = select(Notice).filter_by(case_id=case.id, task_id=task_id)
    else:
        return None
    return db.session.execute(query).scalars().first()


def notices_of_case(case: Case) -> list[Notice]:
    return list(db.session.execute(select(Notice).filter_by(case_id=case.id).order_by(Notice.id)).scalars())


# -- sending ---------------------------------------------------------------------------------------


def deliver(
    user: User,
    notice_id: int,
    delivered_on: str | None = None,
    method: str | None = None,
    receipt_ref: str | None = None,
) -> Notice:
    """Send a notice and record its delivery, once: SMS and e-mail through the configured sender (its
    reference is the receipt), a letter by recording when and how it was delivered and its receipt."""
    notice = notice_for(user, notice_id)
    if not NOTICE_SENDER_ROLES & user.roles:
        raise Forbidden(_("只有承办人或登记员可以发送告知书"))
    if notice.state != "pending":
        raise AlreadySent(_("告知书 %(number)s 已发送，未重复发送", number=notice.number))
    electronic = notice.channel in ("sms", "email")
    if not electronic:
        on = _letter_delivery(notice, delivered_on, method, receipt_ref)
    with transaction():
        # Claim the row: of two submissions only one finds it pending (the other waits for the row lock on
        # PostgreSQL, the write lock on SQLite, and then finds it taken).
        claimed = db.session.execute(
            update(Notice)
            .where(Notice.id == notice.id, Notice.state == "pending")
            .values(state="sending")
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            raise AlreadySent(_("告知书 %(number)s 已发送，未重复发送", number=notice.number))
        now = clock()()
        if electronic:
            recipient = (addressee(notice)[0].get(CONTACT_FIELD[notice.channel]) or "").strip()
            if not recipient:
                raise CaseworkError(
                    _(
                        "登记表中没有举报人的%(what)s，无法按其选择的方式发送；请补充后再发送或改为书面告知",
                        what=_("手机号码") if notice.channel == "sms" else _("电子邮箱"),
                    )
                )
            try:
                reference = senders.configured().send(
                    senders.Message(notice.id, notice.channel, recipient, notice.title, notice.body)
                )
            except senders.SendFailed as exc:
                raise CaseworkError(_("发送失败，未作记录：%(reason)s", reason=str(exc))) from exc
            on, method, receipt_ref = local_today(), notice.channel, reference
        db.session.refresh(notice)
        notice.state, notice.delivered_on, notice.delivery_method = "delivered", on, method
        notice.receipt_ref, notice.sent_at, notice.sent_by_id = (
            (receipt_ref or "").strip()[:120],
            now,
            user.id,
        )
        db.session.add(
            CaseEvent(
                case_id=notice.case_id,
                user_id=user.id,
                kind="notice",
                at=now,
                detail={"number": notice.number, "method": method, "receipt": notice.receipt_ref},
                title=f"{KIND_NAMES[notice.kind]}已送达（{notice.number}，{on.isoformat()}）",
            )
        )
    return notice


def _letter_delivery(
    notice: Notice, delivered_on: str | None, method: str | None, receipt_ref: str | None
) -> date:
    problems: dict[str, str] = {}
    on = None
    try:
        on = date.fromisoformat((delivered_on or "").strip())
    except ValueError:
        problems["delivered_on"] = _("请填写送达日期（YYYY-MM-DD）")
    if on is not None and on > local_today():
        problems["delivered_on"] = _("送达日期不能晚于今天")
    elif on is not None and on < _local_date(notice.created_at):
        problems["delivered_on"] = _("送达日期不能早于告知书生成日期")
    if method not in LETTER_METHODS:
        problems["method"] = _("请选择送达方式")
    if not (receipt_ref or "").strip():
        problems["receipt_ref"] = _("请填写回执编号或挂号信号")
    if problems:
        raise InvalidDelivery(problems)
    return on


def _local_date(instant: datetime) -> date:
    """The Beijing date of a stored instant (SQLite gives it back without its zone: it is UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(LOCAL_ZONE).date()


def task_prefill(case: Case, form_id: str, task_id: str) -> dict[str, Any]:
    """Values for a notice task's form from its delivered notice, for the clerk to check and submit."""
    notice = notice_for_task(case, form_id, task_id)
    if notice is None or notice.state != "delivered":
        return {}
    on = notice.delivered_on.isoformat()
    if form_id in DELIVERY_FORMS:
        return {"notice_received_on": on, "receipt_method": _claim_method(notice)}
    if notice.kind == "claim":
        return {
            "claim_notice_no": notice.number,
            "claim_notice_issued_on": on,
            "delivery_method": _claim_method(notice),
        }
    method = {"sms": "sms", "email": "online"}.get(notice.channel) or (
        "in_person" if notice.delivery_method == "in_person" else "letter"
    )
    return {
        "notice_sent_on": on,
        "notice_method": method,
        "notice_text": f"{notice.title}（{notice.number}）\n{notice.body}",
    }


def _claim_method(notice: Notice) -> str:
    if notice.channel in ("sms", "email"):
        return "electronic"
    return "in_person" if notice.delivery_method == "in_person" else "post"
