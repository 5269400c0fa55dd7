"""What makes a year's schedule inconsistent: the one owner of the rules for holiday periods and
make-up workdays, for a published schedule (`RegionYear`) and for a year being edited alike.

A rule that is broken gives a `CalendarProblem`: a code, the field it concerns and the values it was
found with (dates as YYYY-MM-DD). `str(problem)` is the engine's own English text; an application
says it in its own words by looking up the code and formatting its template with the values, as
with `engine.errors.Message`. The fields are those of a stored period (`first_day`, `last_day`) and
of a make-up workday (`day`).

How far a year reaches differs between the two:

- a published notice may reach into the neighbouring years (元旦 spanning 12-31..01-02, a make-up
  Saturday in the December before), no further: `year_problems`;
- a year being edited holds its own days, apart from a holiday period that crosses the New Year
  from December or into January: `period_problems` and `makeup_problems`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

#: A holiday period as the checks see it: its name, first day and last day (inclusive).
Period = tuple[str, date, date]

#: Each problem's English text (a template over its values).
TEXTS: Mapping[str, str] = {
    "period_reversed": "holiday %(name)s: ends %(last)s before it starts %(first)s",
    "period_outside_year": "holiday %(name)s day %(day)s is outside the year",
    "period_overlap": "holiday periods overlap on %(day)s",
    "period_contains_makeup": "%(day)s is both a holiday and a make-up workday",
    "makeup_outside_year": "make-up workday %(day)s is outside the year",
    "makeup_not_weekend": "make-up workday %(day)s is not a Saturday or Sunday",
    "makeup_listed_twice": "a make-up workday is listed twice",
    "makeup_in_holiday": "%(day)s is both a holiday and a make-up workday",
}


@dataclass(frozen=True)
class CalendarProblem:
    """One rule a year's schedule breaks: its code (a key of `TEXTS`), the field it concerns and the
    values it was found with."""

    code: str
    field: str
    values: Mapping[str, str | int]

    @property
    def template(self) -> str:
        return TEXTS[self.code]

    def __str__(self) -> str:
        return self.template % self.values


# -- the rules -------------------------------------------------------------------------------------


def reversed_period(name: str, first: date, last: date) -> CalendarProblem | None:
    """A period that ends before it starts (the one rule that needs no year)."""
    if last >= first:
        return None
    return CalendarProblem(
        "period_reversed", "last_day", {"name": name, "first": str(first), "last": str(last)}
    )


def _first_day_outside(first: date, last: date, years: range) -> date | None:
    """The first day from `first` to `last` whose year is not one of `years`."""
    if first.year not in years:
        return first
    if last.year in years:
        return None
    return date(years.stop, 1, 1)


def _period_outside(year: int, name: str, day: date) -> CalendarProblem:
    return CalendarProblem("period_outside_year", "first_day", {"name": name, "year": year, "day": str(day)})


def _in_edited_year(first: date, last: date, year: int) -> bool:
    """Inside the year; a period may cross the new year from December or into January (元旦)."""
    if first.year == last.year == year:
        return True
    return (first.year == year - 1 and first.month == 12 and last.year == year) or (
        first.year == year and last.year == year + 1 and last.month == 1
    )


def _overlap(first: date, last: date, other: Period) -> CalendarProblem | None:
    name, other_first, other_last = other
    if not (first <= other_last and other_first <= last):
        return None
    return CalendarProblem(
        "period_overlap",
        "first_day",
        {
            "day": str(max(first, other_first)),
            "name": name,
            "first": str(other_first),
            "last": str(other_last),
        },
    )


def _contains_makeup(first: date, last: date, day: date) -> CalendarProblem | None:
    if not first <= day <= last:
        return None
    return CalendarProblem("period_contains_makeup", "first_day", {"day": str(day)})


def _makeup_outside(year: int, day: date, years: range) -> CalendarProblem | None:
    if day.year in years:
        return None
    return CalendarProblem("makeup_outside_year", "day", {"day": str(day), "year": year})


def _not_weekend(day: date) -> CalendarProblem | None:
    if day.weekday() >= 5:
        return None
    return CalendarProblem("makeup_not_weekend", "day", {"day": str(day)})


def _listed_twice(day: date, makeups: Collection[date]) -> CalendarProblem | None:
    if day not in makeups:
        return None
    return CalendarProblem("makeup_listed_twice", "day", {"day": str(day)})


def _in_holiday(day: date, periods: Iterable[Period]) -> CalendarProblem | None:
    inside = next((name for name, first, last in periods if first <= day <= last), None)
    if inside is None:
        return None
    return CalendarProblem("makeup_in_holiday", "day", {"day": str(day), "name": inside})


def _found(*problems: CalendarProblem | None) -> list[CalendarProblem]:
    return [p for p in problems if p is not None]


# -- a year being edited ---------------------------------------------------------------------------


def period_problems(
    year: int, name: str, first: date, last: date, others: Iterable[Period] = (), makeups: Iterable[date] = ()
) -> list[CalendarProblem]:
    """What is wrong with a holiday period added to (or changed in) a year being edited, beside its
    `others` and the year's make-up workdays. A period that ends before it starts, or lies outside the
    year, is that problem alone; else every other period it overlaps (in their order), then every
    make-up workday it contains."""
    reverse = reversed_period(name, first, last)
    if reverse is not None:
        return [reverse]
    if not _in_edited_year(first, last, year):
        outside = _first_day_outside(first, last, range(year, year + 1))
        return [_period_outside(year, name, outside or first)]
    return _found(*(_overlap(first, last, other) for other in others)) + _found(
        *(_contains_makeup(first, last, day) for day in makeups)
    )


def makeup_problems(
    year: int, day: date, periods: Iterable[Period] = (), makeups: Collection[date] = ()
) -> list[CalendarProblem]:
    """What is wrong with a make-up workday added to a year being edited, beside the year's holiday
    `periods` and its other `makeups`, in this order: outside the year, not a Saturday or Sunday,
    already a make-up workday, inside a holiday period."""
    return _found(
        _makeup_outside(year, day, range(year, year + 1)),
        _not_weekend(day),
        _listed_twice(day, makeups),
        _in_holiday(day, periods),
    )


# -- a published year ------------------------------------------------------------------------------


def year_problems(year: int, periods: Iterable[Period], makeups: Iterable[date]) -> list[CalendarProblem]:
    """Every problem of a published year's schedule, in the order a walk through it finds them: the
    periods by first (then last) day and each day by day, then the make-up workdays by date. Its days
    may reach into the neighbouring years, no further."""
    reach = range(year - 1, year + 2)
    ordered = sorted(periods, key=lambda p: (p[1], p[2]))
    problems: list[CalendarProblem] = []
    for index, (name, first, last) in enumerate(ordered):
        reverse = reversed_period(name, first, last)
        if reverse is not None:
            problems.append(reverse)
            continue
        outside = _first_day_outside(first, last, reach)
        found = [_period_outside(year, name, outside)] if outside is not None else []
        # An earlier period starts no later, so the two meet on this one's first day.
        found += _found(*(_overlap(first, last, other) for other in ordered[:index]))
        problems += sorted(found, key=lambda p: str(p.values["day"]))  # stable: outside first on a tie
    seen: set[date] = set()
    for day in sorted(makeups):
        problems += _found(
            _makeup_outside(year, day, reach),
            _not_weekend(day),
            _listed_twice(day, seen),
            _in_holiday(day, ordered),
        )
        seen.add(day)
    return problems
