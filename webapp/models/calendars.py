"""Working-day calendars in the database, and the deadlines that depend on them.

`CalendarYear` is one region's published schedule for one year (the State Council's for `CN`, a
regional notice for `CN-XJ`): its holiday periods, its make-up workdays, the source document, whether
it is confirmed, and who changed or confirmed it. Every change is a `CalendarChange`; the newest
change's id is the calendars' version stamp, and the change keeps the deadlines it moved
(`MovedDeadline`). `CaseDeadline` indexes the running deadlines of open cases (computed or waiting
for a calendar year), so a calendar change finds the cases it affects without loading them all.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import utcnow

if TYPE_CHECKING:
    from . import Case, User


class CalendarYear(db.Model):
    __tablename__ = "calendar_years"
    __table_args__ = (UniqueConstraint("region", "year"),)
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    region: Mapped[str] = mapped_column(db.String(20))
    year: Mapped[int] = mapped_column(db.Integer)
    parent: Mapped[Optional[str]] = mapped_column(db.String(20))  # e.g. CN for CN-XJ: the layer below
    confirmed: Mapped[bool] = mapped_column(db.Boolean, default=False)
    source: Mapped[str] = mapped_column(db.String(400), default="")  # e.g. 国办发明电〔2026〕xx号
    updated_by_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    confirmed_by_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(db.DateTime(timezone=True))

    periods: Mapped[list[HolidayPeriod]] = db.relationship(
        "HolidayPeriod",
        cascade="all, delete-orphan",
        order_by="HolidayPeriod.first_day",
        back_populates="calendar",
    )
    makeups: Mapped[list[MakeupWorkday]] = db.relationship(
        "MakeupWorkday", cascade="all, delete-orphan", order_by="MakeupWorkday.day", back_populates="calendar"
    )
    updated_by: Mapped[Optional[User]] = db.relationship("User", foreign_keys=[updated_by_id])
    confirmed_by: Mapped[Optional[User]] = db.relationship("User", foreign_keys=[confirmed_by_id])

    @property
    def label(self) -> str:
        return f"{self.region} {self.year}"


class HolidayPeriod(db.Model):
    """A statutory holiday: every day from first_day to last_day (inclusive) is a rest day."""

    __tablename__ = "holiday_periods"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("calendar_years.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(db.String(40))
    first_day: Mapped[date] = mapped_column(db.Date)
    last_day: Mapped[date] = mapped_column(db.Date)

    calendar: Mapped[CalendarYear] = db.relationship("CalendarYear", back_populates="periods")


class MakeupWorkday(db.Model):
    """A Saturday or Sunday worked in exchange for a holiday (调休上班日)."""

    __tablename__ = "makeup_workdays"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("calendar_years.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(db.Date)

    calendar: Mapped[CalendarYear] = db.relationship("CalendarYear", back_populates="makeups")


class CalendarChange(db.Model):
    """One change of one region's year; the newest id is the calendars' version stamp."""

    __tablename__ = "calendar_changes"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    region: Mapped[str] = mapped_column(db.String(20))
    year: Mapped[int] = mapped_column(db.Integer)
    action: Mapped[str] = mapped_column(db.String(40))  # seed, year.add, period.add, …, confirm
    summary: Mapped[str] = mapped_column(db.String(200))
    user_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    # when the affected deadlines were counted again
    recomputed_at: Mapped[Optional[datetime]] = mapped_column(db.DateTime(timezone=True))
    # While a worker or a request counts them again: until when it holds the recount (a lease it
    # renews batch by batch; once run out, e.g. the worker was killed, another may take it over).
    recount_until: Mapped[Optional[datetime]] = mapped_column(db.DateTime(timezone=True))
    moved_count: Mapped[int] = mapped_column(db.Integer, default=0)

    user: Mapped[Optional[User]] = db.relationship("User")


class MovedDeadline(db.Model):
    """A deadline of a case whose due date a calendar change moved (None: waiting for a calendar year)."""

    __tablename__ = "moved_deadlines"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    change_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("calendar_changes.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    element_id: Mapped[str] = mapped_column(db.String(80))
    task_name: Mapped[str] = mapped_column(db.String(120))
    rule: Mapped[Optional[str]] = mapped_column(db.String(60))
    old_due: Mapped[Optional[date]] = mapped_column(db.Date)
    new_due: Mapped[Optional[date]] = mapped_column(db.Date)
    # the new date, on an unconfirmed regional year
    provisional: Mapped[bool] = mapped_column(db.Boolean, default=False)

    case: Mapped[Case] = db.relationship("Case")


class CaseDeadline(db.Model):
    """One running deadline of an open case, kept in step with the case state on every change."""

    __tablename__ = "case_deadlines"
    __table_args__ = (
        Index("ix_case_deadlines_waiting", "waiting_year", "region"),
        Index("ix_case_deadlines_region_due", "region", "due"),
    )
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    element_id: Mapped[str] = mapped_column(db.String(80))
    name: Mapped[str] = mapped_column(db.String(120))
    rule: Mapped[Optional[str]] = mapped_column(db.String(60))
    basis: Mapped[Optional[str]] = mapped_column(db.String(120))
    region: Mapped[Optional[str]] = mapped_column(db.String(20))
    trigger: Mapped[Optional[date]] = mapped_column(db.Date)
    due: Mapped[Optional[date]] = mapped_column(db.Date)  # None while it waits for a calendar year
    waiting_region: Mapped[Optional[str]] = mapped_column(db.String(20))
    waiting_year: Mapped[Optional[int]] = mapped_column(db.Integer)
    provisional: Mapped[bool] = mapped_column(db.Boolean, default=False)

    case: Mapped[Case] = db.relationship("Case")
