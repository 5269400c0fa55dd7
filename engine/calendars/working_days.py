"""Working-day arithmetic over the layered holiday schedules (RULES.md §A); fail-closed.

`Calendars` layers a region over its parents: a day is a rest day when any layer makes it a holiday,
or when it is a Saturday/Sunday that no layer makes a make-up workday. The national (root) layer must
be confirmed for every year a computation looks at, or `CalendarNotConfirmed` is raised; a missing
regional layer falls back to its parent, an unconfirmed one counts what it knows: both provisional.
"""

from __future__ import annotations

import calendar as _stdcal
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from engine.errors import ClueflowError

from .schedule import RegionYear

UNITS = ("working_days", "days", "months")
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
REASON_WEEKEND = "周末"
REASON_MAKEUP = "调休上班日"
REASON_WORKDAY = "工作日"
_ONE_DAY = timedelta(days=1)


class CalendarNotConfirmed(ClueflowError):
    """A national year the computation needs is missing or not confirmed."""

    def __init__(self, region: str, year: int):
        super().__init__(f"calendar {region} {year} not confirmed")
        self.region = region
        self.year = year


def _weekday(d: date) -> str:
    return f"{d.isoformat()}（{WEEKDAYS[d.weekday()]}）"


@dataclass(frozen=True)
class DayInfo:
    """What one day is in one region, and which tables said so."""

    region: str
    date: date
    working: bool
    reason: str  # "周末" / "法定节假日 春节" / "调休上班日" / "工作日"
    provisional: bool
    calendars: tuple[str, ...]  # region-year labels consulted, e.g. ("CN-XJ 2025@ab12cd34", "CN 2025@…")
    warnings: tuple[str, ...] = ()
    holiday: str | None = None


@dataclass(frozen=True)
class CalendarResult:
    """A computed due date, with what was consulted and a clerk-readable explanation."""

    due: date
    provisional: bool
    unit: str
    count: int
    start: date
    rolled_from: date | None
    calendar: str
    warnings: tuple[str, ...]
    explanation: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "due": self.due.isoformat(),
            "provisional": self.provisional,
            "unit": self.unit,
            "count": self.count,
            "start": self.start.isoformat(),
            "rolled_from": self.rolled_from.isoformat() if self.rolled_from else None,
            "calendar": self.calendar,
            "warnings": list(self.warnings),
            "explanation": list(self.explanation),
        }


@dataclass(frozen=True)
class _Year:
    """One region's effective schedule for one year, all layers merged."""

    rest: frozenset[date]
    holidays: Mapping[date, str]
    makeups: frozenset[date]
    provisional: bool
    labels: tuple[str, ...]
    warnings: tuple[str, ...]


class Calendars:
    """Layered, immutable working-day calendars over a set of region-years."""

    def __init__(self, years: Iterable[RegionYear], parents: Mapping[str, str] | None = None):
        by_key: dict[tuple[str, int], RegionYear] = {}
        parent_of: dict[str, str] = dict(parents or {})
        for ry in years:
            if (ry.region, ry.year) in by_key:
                raise ClueflowError(f"calendar {ry.region} {ry.year} is given twice")
            by_key[(ry.region, ry.year)] = ry
            if ry.parent is not None:
                if parent_of.setdefault(ry.region, ry.parent) != ry.parent:
                    raise ClueflowError(
                        f"calendar {ry.region}: parent {ry.parent} conflicts with {parent_of[ry.region]}"
                    )
        regions = {r for r, _ in by_key} | set(parent_of) | set(parent_of.values())
        chains: dict[str, tuple[str, ...]] = {}
        for region in regions:
            chain = [region]
            while chain[-1] in parent_of:
                nxt = parent_of[chain[-1]]
                if nxt in chain:
                    raise ClueflowError(f"calendar regions form a cycle: {' → '.join(chain + [nxt])}")
                chain.append(nxt)
            chains[region] = tuple(chain)
        self._region_years = by_key
        self._chains = chains
        self._tables: dict[str, dict[int, _Year]] = {
            region: self._build_region(chain) for region, chain in chains.items()
        }

    @classmethod
    def from_dir(cls, path: str | os.PathLike[str], parents: Mapping[str, str] | None = None) -> Calendars:
        """Read every `<region>-<year>.json` in a folder."""
        years = []
        for file in sorted(Path(path).glob("*.json")):
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ClueflowError(f"{file.name}: cannot read calendar: {exc}") from exc
            ry = RegionYear.from_dict(data)
            expected = f"{ry.region}-{ry.year}".lower()
            if file.stem.lower() != expected:
                raise ClueflowError(f"{file.name}: holds {ry.region} {ry.year}; name it {expected}.json")
            years.append(ry)
        return cls(years, parents)

    # -- building -------------------------------------------------------------------------------

    def _build_region(self, chain: tuple[str, ...]) -> dict[int, _Year]:
        root = chain[-1]
        return {
            year: self._merged_year(chain, year)
            for (region, year), root_ry in self._region_years.items()
            if region == root and root_ry.confirmed
        }

    def _merged_year(self, chain: tuple[str, ...], year: int) -> _Year:
        """One year of a region, its layers (the region, then its parents) merged."""
        holidays: dict[date, str] = {}
        makeups: set[date] = set()
        labels: list[str] = []
        warnings: list[str] = []
        provisional = False
        for depth, layer in enumerate(chain):
            own = self._region_years.get((layer, year))
            if own is None:
                # Only a regional layer can be missing; the root was checked by the caller.
                provisional = True
                fallback = "全国日历" if depth + 1 == len(chain) - 1 else f"{chain[depth + 1]} 日历"
                warnings.append(f"{layer} {year} 未确认，按{fallback}计算，结果为暂定")
                continue
            if not own.confirmed:  # a regional year known in part: its days count, the result is provisional
                provisional = True
                warnings.append(f"{layer} {year} 未确认，已计入已知的地方假日，结果为暂定")
            self._add_layer(layer, year, own, holidays, makeups, labels)
        return _Year(
            rest=frozenset(_weekend_days(year, makeups) | set(holidays)),
            holidays=holidays,
            makeups=frozenset(makeups - set(holidays)),
            provisional=provisional,
            labels=tuple(labels),
            warnings=tuple(warnings),
        )

    def _add_layer(
        self,
        layer: str,
        year: int,
        own: RegionYear,
        holidays: dict[date, str],
        makeups: set[date],
        labels: list[str],
    ) -> None:
        """The days of `year` in one layer: its own notice, plus spill-over days from its neighbouring
        notices; the notices that gave any (its own always) are labelled."""
        for other_year in (year, year - 1, year + 1):
            ry = self._region_years.get((layer, other_year))
            if ry is None or (not ry.confirmed and ry is not own):
                continue
            used = ry is own
            for h in ry.holidays:
                for d in h.days():
                    if d.year == year:
                        holidays.setdefault(d, h.name)
                        used = True
            for d in ry.makeup_workdays:
                if d.year == year:
                    makeups.add(d)
                    used = True
            if used:
                labels.append(ry.label)

    # -- looking up -----------------------------------------------------------------------------

    def _table(self, region: str) -> dict[int, _Year]:
        if not isinstance(region, str) or region not in self._tables:
            raise ClueflowError(f"unknown calendar region {region!r}")
        return self._tables[region]

    def _year(self, region: str, table: dict[int, _Year], year: int) -> _Year:
        y = table.get(year)
        if y is None:
            raise CalendarNotConfirmed(self._chains[region][-1], year)
        return y

    def regions(self) -> tuple[str, ...]:
        return tuple(sorted(self._tables))

    def region_years(self) -> tuple[RegionYear, ...]:
        return tuple(self._region_years[k] for k in sorted(self._region_years))

    def day(self, region: str, d: date) -> DayInfo:
        """Whether `d` is a working day in `region`, and why."""
        d = _check_date(d, "date")
        y = self._year(region, self._table(region), d.year)
        holiday = y.holidays.get(d)
        if holiday is not None:
            reason = f"法定节假日 {holiday}"
        elif d in y.makeups:
            reason = REASON_MAKEUP
        elif d in y.rest:
            reason = REASON_WEEKEND
        else:
            reason = REASON_WORKDAY
        return DayInfo(
            region=region,
            date=d,
            working=d not in y.rest,
            reason=reason,
            provisional=y.provisional,
            calendars=y.labels,
            warnings=y.warnings,
            holiday=holiday,
        )

    def is_working_day(self, region: str, d: date) -> bool:
        d = _check_date(d, "date")
        return d not in self._year(region, self._table(region), d.year).rest

    # -- arithmetic -----------------------------------------------------------------------------

    def add(
        self, region: str, start: date, count: int, unit: str, roll_forward: bool = False
    ) -> CalendarResult:
        """The due date `count` units after `start` (start not counted), per RULES.md §A."""
        start = _check_date(start, "start")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ClueflowError(f"count must be a whole number ≥ 0, not {count!r}")
        if unit not in UNITS:
            raise ClueflowError(f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}")
        if not isinstance(roll_forward, bool):
            raise ClueflowError("roll_forward must be true or false")
        table = self._table(region)
        used: dict[int, _Year] = {}

        def year_of(d: date) -> _Year:
            y = used.get(d.year)
            if y is None:
                y = used[d.year] = self._year(region, table, d.year)
            return y

        explanation = [f"自 {_weekday(start)}起算，起算日不计入"]
        rolled_from = None
        if unit == "working_days":
            known = table.get(start.year)  # the start day itself is never examined
            if count and known is not None and start in known.rest:
                explanation.append("起算日为休息日，自其后第一个工作日起计")
            due = self._add_working_days(start, count, year_of, explanation)
        else:
            if unit == "days":
                try:
                    due = start + timedelta(days=count)
                except OverflowError as exc:
                    raise ClueflowError(f"{start} + {count} days is out of range") from exc
                explanation.append(f"第 {count} 日为 {_weekday(due)}")
            else:
                due = _add_months(start, count)
                note = "" if due.day == start.day else f"（该月无 {start.day} 日，取月末日）"
                explanation.append(f"{count} 个月后的对应日为 {_weekday(due)}{note}")
            if roll_forward:
                d = due
                while d in year_of(d).rest:
                    d += _ONE_DAY
                if d != due:
                    explanation.append(
                        f"期限末日 {due.isoformat()} 为{self._describe(year_of(due), due)}，"
                        f"顺延至下一个工作日 {_weekday(d)}"
                    )
                    rolled_from, due = due, d
                else:
                    explanation.append("期限末日为工作日，无需顺延")
            else:
                # Nothing depends on the calendar; describe the last day only when it is known.
                y = self._tables[region].get(due.year)
                if y is not None and due in y.rest:
                    explanation.append(f"期限末日为{self._describe(y, due)}，不顺延")
        labels: list[str] = []
        warnings: list[str] = []
        for year in sorted(used):
            labels.extend(used[year].labels)
            warnings.extend(w for w in used[year].warnings if w not in warnings)
        return CalendarResult(
            due=due,
            provisional=any(y.provisional for y in used.values()),
            unit=unit,
            count=count,
            start=start,
            rolled_from=rolled_from,
            calendar=", ".join(labels),
            warnings=tuple(warnings),
            explanation=tuple(explanation),
        )

    @staticmethod
    def _describe(y: _Year, d: date) -> str:
        name = y.holidays.get(d)
        return f"法定节假日（{name}）" if name else "休息日（周末）"

    @staticmethod
    def _add_working_days(
        start: date, count: int, year_of: Callable[[date], _Year], explanation: list[str]
    ) -> date:
        d = start
        n = 0
        skipped: list[tuple[str, date, date]] = []  # (name, first, last) runs of holiday days passed over
        counted_makeups: list[date] = []
        y: _Year | None = None  # the year of the day counted, looked up from the first day on
        while n < count:
            d += _ONE_DAY
            if y is None or (d.month == 1 and d.day == 1):
                y = year_of(d)
            if d in y.rest:
                name = y.holidays.get(d)
                if name is not None:
                    if skipped and skipped[-1][0] == name and skipped[-1][2] + _ONE_DAY == d:
                        skipped[-1] = (name, skipped[-1][1], d)
                    else:
                        skipped.append((name, d, d))
                continue
            n += 1
            if d in y.makeups:
                counted_makeups.append(d)
        for name, first, last in skipped:
            span = first.isoformat() if first == last else f"{first.isoformat()} 至 {last.isoformat()}"
            explanation.append(f"跳过 {name} {span}")
        for m in counted_makeups:
            explanation.append(f"{_weekday(m)}为调休上班日，计入")
        if count:
            explanation.append(f"第 {count} 个工作日为 {_weekday(d)}")
        else:
            explanation.append("期限为 0 个工作日，到期日即起算日")
        return d


def _weekend_days(year: int, makeups: set[date]) -> set[date]:
    """The Saturdays and Sundays of a year that are not make-up workdays."""
    rest: set[date] = set()
    d = date(year, 1, 1)
    # First Saturday of the year, then every weekend day.
    d += timedelta(days=(5 - d.weekday()) % 7)
    while d.year == year:
        for w in (d, d + _ONE_DAY):
            if w.year == year and w not in makeups:
                rest.add(w)
        d += timedelta(days=7)
    return rest


def _check_date(value: object, what: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ClueflowError(f"{what} must be a date, not {type(value).__name__}")
    return value


def _add_months(start: date, count: int) -> date:
    index = start.year * 12 + (start.month - 1) + count
    year, month = divmod(index, 12)
    if year > 9999:
        raise ClueflowError(f"{start} + {count} months is out of range")
    last = _stdcal.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))
