"""The outbox: notices to real-name reporters, and the messages the senders sent.

A notice is generated when its task becomes ready in a case (filing, non-acceptance, result, claim);
its text is rendered once from the pack's notice template and kept, so what the reporter received
can always be shown again. Delivery (date, method, receipt reference) is recorded on the row; the
state moves pending → delivered exactly once (a conditional update, so a double submit sends once).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import utcnow

if TYPE_CHECKING:
    from . import Case, User

KINDS = ("filing", "non_acceptance", "result", "claim")
CHANNELS = ("letter", "sms", "email")
STATES = ("pending", "sending", "delivered", "done_in_case")


class Notice(db.Model):
    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("case_id", "task_id"),
        Index("ix_notices_bureau_state_due", "bureau_id", "state", "due"),
    )
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    bureau_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("bureaus.id"))
    pack: Mapped[str] = mapped_column(db.String(40))
    kind: Mapped[str] = mapped_column(db.String(20))  # one of KINDS
    number: Mapped[str] = mapped_column(db.String(60), unique=True)
    task_id: Mapped[str] = mapped_column(db.String(36))  # the task of the case this notice is for
    element_id: Mapped[str] = mapped_column(db.String(80))
    channel: Mapped[str] = mapped_column(db.String(10))  # the channel the reporter chose (CHANNELS)
    title: Mapped[str] = mapped_column(db.String(200))
    body: Mapped[str] = mapped_column(db.Text)  # rendered once, when the notice was generated
    template: Mapped[str] = mapped_column(db.String(200))  # e.g. "notices/national/filing.txt"
    template_sha256: Mapped[str] = mapped_column(db.String(64))
    due: Mapped[Optional[date]] = mapped_column(db.Date)  # None: the rules set no deadline (CQH 第二十二条)
    # the task's explained deadline (rule, basis, count, unit, trigger, due)
    deadline: Mapped[Optional[dict[str, Any]]] = mapped_column(db.JSON)
    state: Mapped[str] = mapped_column(db.String(20), default="pending")  # one of STATES
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    delivered_on: Mapped[Optional[date]] = mapped_column(db.Date)
    delivery_method: Mapped[Optional[str]] = mapped_column(db.String(20))
    receipt_ref: Mapped[Optional[str]] = mapped_column(db.String(120))
    sent_at: Mapped[Optional[datetime]] = mapped_column(db.DateTime(timezone=True))
    sent_by_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))

    case: Mapped[Case] = db.relationship("Case")
    sent_by: Mapped[Optional[User]] = db.relationship("User")


class SentMessage(db.Model):
    """A message the log sender (the default) or another sender handed over: the outgoing log."""

    __tablename__ = "sent_messages"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("notices.id", ondelete="CASCADE"), index=True
    )
    sender: Mapped[str] = mapped_column(db.String(40))
    channel: Mapped[str] = mapped_column(db.String(10))
    recipient: Mapped[str] = mapped_column(db.String(200))
    subject: Mapped[str] = mapped_column(db.String(200))
    body: Mapped[str] = mapped_column(db.Text)
    reference: Mapped[str] = mapped_column(db.String(120))
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
