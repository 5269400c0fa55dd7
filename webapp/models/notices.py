"""The outbox: notices to real-name reporters, and the messages the senders sent.

A notice is generated when its task becomes ready in a case (filing, non-acceptance, result, claim);
its text is rendered once from the pack's notice template and kept, so what the reporter received
can always be shown again. Delivery (date, method, receipt reference) is recorded on the row; the
state moves pending → delivered exactly once (a conditional update, so a double submit sends once).
"""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint

from ..extensions import db
from . import utcnow

KINDS = ("filing", "non_acceptance", "result", "claim")
CHANNELS = ("letter", "sms", "email")
STATES = ("pending", "sending", "delivered", "done_in_case")


class Notice(db.Model):
    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("case_id", "task_id"), Index("ix_notices_bureau_state_due", "bureau_id", "state", "due"))
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    bureau_id = db.Column(db.Integer, db.ForeignKey("bureaus.id"), nullable=False)
    pack = db.Column(db.String(40), nullable=False)
    kind = db.Column(db.String(20), nullable=False)  # one of KINDS
    number = db.Column(db.String(60), nullable=False, unique=True)
    task_id = db.Column(db.String(36), nullable=False)  # the task of the case this notice is for
    element_id = db.Column(db.String(80), nullable=False)
    channel = db.Column(db.String(10), nullable=False)  # the channel the reporter chose (CHANNELS)
    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False)  # rendered once, when the notice was generated
    template = db.Column(db.String(200), nullable=False)  # e.g. "notices/national/filing.txt"
    template_sha256 = db.Column(db.String(64), nullable=False)
    due = db.Column(db.Date)  # None: the rules set no deadline (CQH 第二十二条)
    deadline = db.Column(db.JSON)  # the task's explained deadline (rule, basis, count, unit, trigger, due)
    state = db.Column(db.String(20), nullable=False, default="pending")  # one of STATES
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    delivered_on = db.Column(db.Date)
    delivery_method = db.Column(db.String(20))
    receipt_ref = db.Column(db.String(120))
    sent_at = db.Column(db.DateTime(timezone=True))
    sent_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))

    case = db.relationship("Case")
    sent_by = db.relationship("User")


class SentMessage(db.Model):
    """A message the log sender (the default) or another sender handed over: the outgoing log."""

    __tablename__ = "sent_messages"
    id = db.Column(db.Integer, primary_key=True)
    notice_id = db.Column(db.Integer, db.ForeignKey("notices.id", ondelete="CASCADE"), nullable=False, index=True)
    sender = db.Column(db.String(40), nullable=False)
    channel = db.Column(db.String(10), nullable=False)
    recipient = db.Column(db.String(200), nullable=False)
    subject = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False)
    reference = db.Column(db.String(120), nullable=False)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
