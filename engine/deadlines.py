"""Deadlines: a rule of the pack's `deadline_rules` counted on the pack's calendar, explained.

Every computed deadline carries what an auditor needs to check it: the rule and its article, the
count and unit, the trigger date, the due date, the calendar region-years (with versions) used,
whether the result is provisional, and the counting steps in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Mapping

from .calendars.estimates import estimate
from .calendars.working_days import CalendarNotConfirmed, Calendars
from .errors import ClueflowError

UNITS = ("working_days", "days", "months")
UNIT_WORDS = {"working_days": "个工作日", "days": "日", "months": "个月"}


class UnknownDeadlineRule(ClueflowError):
    """The pack's deadline_rules table has no row for this rule."""


class DeadlineWaiting(CalendarNotConfirmed):
    """The deadline needs a national year that is not confirmed: it is known except for its due date.

    `pending` is the deadline as stored while it waits: rule, basis, count, unit, trigger, region,
    `due` None, `pending` True and `waiting_for` {"region", "year"} — never a guessed date.
    """

    def __init__(self, region: str, year: int, pending: dict[str, Any]):
        super().__init__(region, year)
        self.pending = pending


@dataclass(frozen=True)
class Deadline:
    """A due date and how it was reached."""

    rule: str
    basis: str
    count: int
    unit: str
    roll_forward: bool
    trigger: date
    due: date
    provisional: bool
    region: str
    calendar: str
    explanation: tuple[str, ...] = field(default_factory=tuple)
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        """E.g. "URU 第十四条：15 个工作日"."""
        return f"{self.basis}：{self.count} {UNIT_WORDS.get(self.unit, self.unit)}".strip("：")

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "basis": self.basis,
            "count": self.count,
            "unit": self.unit,
            "roll_forward": self.roll_forward,
            "trigger": self.trigger.isoformat(),
            "due": self.due.isoformat(),
            "provisional": self.provisional,
            "region": self.region,
            "calendar": self.calendar,
            "explanation": list(self.explanation),
            "warnings": list(self.warnings),
        }


def as_date(value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ClueflowError(f"{what} must be a date (YYYY-MM-DD), got {value!r}")


def compute_deadline(
    decide: Callable[[str, Mapping[str, Any]], dict[str, Any]],
    calendars: Calendars,
    region: str,
    rule: str,
    trigger: date | str,
) -> Deadline:
    """Look the rule up in `deadline_rules` (through `decide`) and count it on the calendar."""
    trigger = as_date(trigger, f"the trigger date of deadline '{rule}'")
    row = decide("deadline_rules", {"rule": rule})
    count, unit = row.get("count"), row.get("unit")
    if count is None or unit is None:
        raise UnknownDeadlineRule(f"deadline rule '{rule}' is not in the pack's deadline_rules")
    if unit not in UNITS:
        raise ClueflowError(f"deadline rule '{rule}' has unknown unit '{unit}'")
    roll_forward = bool(row.get("roll_forward"))
    try:
        result = calendars.add(region, trigger, int(count), unit, roll_forward)
    except CalendarNotConfirmed as exc:
        raise DeadlineWaiting(
            exc.region,
            exc.year,
            {
                "rule": rule,
                "basis": str(row.get("basis") or ""),
                "count": int(count),
                "unit": unit,
                "roll_forward": roll_forward,
                "trigger": trigger.isoformat(),
                "due": None,
                "provisional": False,
                "region": region,
                "calendar": "",
                "pending": True,
                "waiting_for": {"region": exc.region, "year": exc.year},
                "estimate": _estimate(calendars, region, trigger, int(count), unit, roll_forward),
                "explanation": [f"等待 {exc.region} {exc.year} 年日历确认，到期日暂不计算"],
                "warnings": [],
            },
        ) from exc
    return Deadline(
        rule=rule,
        basis=str(row.get("basis") or ""),
        count=int(count),
        unit=unit,
        roll_forward=roll_forward,
        trigger=trigger,
        due=result.due,
        provisional=result.provisional,
        region=region,
        calendar=result.calendar,
        explanation=tuple(result.explanation),
        warnings=tuple(result.warnings),
    )


def _estimate(
    calendars: Calendars, region: str, trigger: date, count: int, unit: str, roll_forward: bool
) -> str | None:
    """RULES §B.13's estimate of a waiting deadline, as ISO text (None when none can be made)."""
    found = estimate(calendars, region, trigger, count, unit, roll_forward)
    return found.isoformat() if found else None
