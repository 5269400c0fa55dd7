"""What the timer worker keeps: failing timers awaiting retry, the reminders already sent, the
notifications shown on a user's inbox, and the district reports already opened per period.

Each table's unique key is what makes the worker's work happen exactly once: a reminder per task
and due date, a district report per bureau and period. A failing timer keeps one row per case,
deleted when the timer finally fires.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import TaskEntry, utcnow

if TYPE_CHECKING:
    from . import Case


class TimerFailure(db.Model):
    """A case whose due timer failed to fire: the error, the attempts so far, when to try again."""

    __tablename__ = "timer_failures"
    case_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    attempts: Mapped[int] = mapped_column(db.Integer, default=0)
    error: Mapped[str] = mapped_column(db.Text)
    first_failed_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    failed_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    retry_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), index=True)

    case: Mapped[Case] = db.relationship("Case")


class DeadlineReminder(db.Model):
    """A reminder sent for one task's deadline (once per task and due date)."""

    __tablename__ = "deadline_reminders"
    __table_args__ = (UniqueConstraint("task_id", "due"),)
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(db.String(36))
    case_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    due: Mapped[date] = mapped_column(db.Date)
    sent_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class Notification(db.Model):
    """A message on one user's inbox: a reminder, an escalation, a report to make. Marked read."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    case_id: Mapped[Optional[int]] = mapped_column(
        db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[Optional[str]] = mapped_column(db.String(36))
    kind: Mapped[str] = mapped_column(db.String(20))  # reminder / escalation / district_report
    title: Mapped[str] = mapped_column(db.String(200))
    body: Mapped[Optional[str]] = mapped_column(db.String(400))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[Optional[datetime]] = mapped_column(db.DateTime(timezone=True))

    case: Mapped[Optional[Case]] = db.relationship("Case")


class DistrictReport(db.Model):
    """The quarterly or annual report case opened for one district bureau and period (CQH 第三十一条)."""

    __tablename__ = "district_reports"
    __table_args__ = (UniqueConstraint("bureau_id", "period"),)
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("bureaus.id"))
    period: Mapped[str] = mapped_column(db.String(20))  # "2026-Q3", "2026-Y"
    case_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


# The reminder scan reads the task index by due date across bureaus.
Index("ix_task_index_due", TaskEntry.due)
