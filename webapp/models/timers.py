"""What the timer worker keeps: failing timers awaiting retry, the reminders already sent, the
notifications shown on a user's inbox, and the district reports already opened per period.

Each table's unique key is what makes the worker's work happen exactly once: a reminder per task
and due date, a district report per bureau and period. A failing timer keeps one row per case,
deleted when the timer finally fires.
"""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint

from ..extensions import db
from . import TaskEntry, utcnow


class TimerFailure(db.Model):
    """A case whose due timer failed to fire: the error, the attempts so far, when to try again."""

    __tablename__ = "timer_failures"
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True,
                        autoincrement=False)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    error = db.Column(db.Text, nullable=False)
    first_failed_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    failed_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    retry_at = db.Column(db.DateTime(timezone=True), nullable=False, index=True)

    case = db.relationship("Case")


class DeadlineReminder(db.Model):
    """A reminder sent for one task's deadline (once per task and due date)."""

    __tablename__ = "deadline_reminders"
    __table_args__ = (UniqueConstraint("task_id", "due"),)
    id = db.Column(db.Integer, primary_key=True)
    task_id = db.Column(db.String(36), nullable=False)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    due = db.Column(db.Date, nullable=False)
    sent_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


class Notification(db.Model):
    """A message on one user's inbox: a reminder, an escalation, a report to make. Marked read."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id = db.Column(db.String(36))
    kind = db.Column(db.String(20), nullable=False)  # reminder / escalation / district_report
    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.String(400))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    read_at = db.Column(db.DateTime(timezone=True))

    case = db.relationship("Case")


class DistrictReport(db.Model):
    """The quarterly or annual report case opened for one district bureau and period (CQH 第三十一条)."""

    __tablename__ = "district_reports"
    __table_args__ = (UniqueConstraint("bureau_id", "period"),)
    id = db.Column(db.Integer, primary_key=True)
    bureau_id = db.Column(db.Integer, db.ForeignKey("bureaus.id"), nullable=False)
    period = db.Column(db.String(20), nullable=False)  # "2026-Q3", "2026-Y"
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


# The reminder scan reads the task index by due date across bureaus.
Index("ix_task_index_due", TaskEntry.due)
