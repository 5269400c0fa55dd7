"""Working-day calendars in the database, and the deadlines that depend on them.

`CalendarYear` is one region's published schedule for one year (the State Council's for `CN`, a
regional notice for `CN-XJ`): its holiday periods, its make-up workdays, the source document, whether
it is confirmed, and who changed or confirmed it. Every change is a `CalendarChange`; the newest
change's id is the calendars' version stamp, and the change keeps the deadlines it moved
(`MovedDeadline`). `CaseDeadline` indexes the running deadlines of open cases (computed or waiting
for a calendar year), so a calendar change finds the cases it affects without loading them all.
"""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint

from ..extensions import db
from . import utcnow


class CalendarYear(db.Model):
    __tablename__ = "calendar_years"
    __table_args__ = (UniqueConstraint("region", "year"),)
    id = db.Column(db.Integer, primary_key=True)
    region = db.Column(db.String(20), nullable=False)
    year = db.Column(db.Integer, nullable=False)
    parent = db.Column(db.String(20))  # e.g. CN for CN-XJ: the layer below
    confirmed = db.Column(db.Boolean, nullable=False, default=False)
    source = db.Column(db.String(400), nullable=False, default="")  # e.g. 国办发明电〔2026〕xx号
    updated_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    confirmed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    confirmed_at = db.Column(db.DateTime(timezone=True))

    periods = db.relationship("HolidayPeriod", cascade="all, delete-orphan", order_by="HolidayPeriod.first_day",
                              back_populates="calendar")
    makeups = db.relationship("MakeupWorkday", cascade="all, delete-orphan", order_by="MakeupWorkday.day",
                              back_populates="calendar")
    updated_by = db.relationship("User", foreign_keys=[updated_by_id])
    confirmed_by = db.relationship("User", foreign_keys=[confirmed_by_id])

    @property
    def label(self) -> str:
        return f"{self.region} {self.year}"


class HolidayPeriod(db.Model):
    """A statutory holiday: every day from first_day to last_day (inclusive) is a rest day."""

    __tablename__ = "holiday_periods"
    id = db.Column(db.Integer, primary_key=True)
    calendar_id = db.Column(db.Integer, db.ForeignKey("calendar_years.id", ondelete="CASCADE"), nullable=False,
                            index=True)
    name = db.Column(db.String(40), nullable=False)
    first_day = db.Column(db.Date, nullable=False)
    last_day = db.Column(db.Date, nullable=False)

    calendar = db.relationship("CalendarYear", back_populates="periods")


class MakeupWorkday(db.Model):
    """A Saturday or Sunday worked in exchange for a holiday (调休上班日)."""

    __tablename__ = "makeup_workdays"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)
    id = db.Column(db.Integer, primary_key=True)
    calendar_id = db.Column(db.Integer, db.ForeignKey("calendar_years.id", ondelete="CASCADE"), nullable=False,
                            index=True)
    day = db.Column(db.Date, nullable=False)

    calendar = db.relationship("CalendarYear", back_populates="makeups")


class CalendarChange(db.Model):
    """One change of one region's year; the newest id is the calendars' version stamp."""

    __tablename__ = "calendar_changes"
    id = db.Column(db.Integer, primary_key=True)
    region = db.Column(db.String(20), nullable=False)
    year = db.Column(db.Integer, nullable=False)
    action = db.Column(db.String(40), nullable=False)  # seed, year.add, period.add, …, confirm
    summary = db.Column(db.String(200), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    recomputed_at = db.Column(db.DateTime(timezone=True))  # when the affected deadlines were counted again
    # While a worker or a request counts them again: until when it holds the recount (a lease it
    # renews batch by batch; once run out, e.g. the worker was killed, another may take it over).
    recount_until = db.Column(db.DateTime(timezone=True))
    moved_count = db.Column(db.Integer, nullable=False, default=0)

    user = db.relationship("User")


class MovedDeadline(db.Model):
    """A deadline of a case whose due date a calendar change moved (None: waiting for a calendar year)."""

    __tablename__ = "moved_deadlines"
    id = db.Column(db.Integer, primary_key=True)
    change_id = db.Column(db.Integer, db.ForeignKey("calendar_changes.id", ondelete="CASCADE"), nullable=False,
                          index=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    element_id = db.Column(db.String(80), nullable=False)
    task_name = db.Column(db.String(120), nullable=False)
    rule = db.Column(db.String(60))
    old_due = db.Column(db.Date)
    new_due = db.Column(db.Date)
    provisional = db.Column(db.Boolean, nullable=False, default=False)  # the new date, on an unconfirmed regional year

    case = db.relationship("Case")


class CaseDeadline(db.Model):
    """One running deadline of an open case, kept in step with the case state on every change."""

    __tablename__ = "case_deadlines"
    __table_args__ = (Index("ix_case_deadlines_waiting", "waiting_year", "region"),
                      Index("ix_case_deadlines_region_due", "region", "due"))
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    element_id = db.Column(db.String(80), nullable=False)
    name = db.Column(db.String(120), nullable=False)
    rule = db.Column(db.String(60))
    basis = db.Column(db.String(120))
    region = db.Column(db.String(20))
    trigger = db.Column(db.Date)
    due = db.Column(db.Date)  # None while it waits for a calendar year
    waiting_region = db.Column(db.String(20))
    waiting_year = db.Column(db.Integer)
    provisional = db.Column(db.Boolean, nullable=False, default=False)

    case = db.relationship("Case")
