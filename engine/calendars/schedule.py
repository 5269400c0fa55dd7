"""A published holiday schedule: one region's holiday periods and make-up workdays for one year, as in
`calendars/<region>-<year>.json`, checked on construction (`checks.year_problems`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from engine.errors import ClueflowError

from .checks import TEXTS, reversed_period, year_problems

_ONE_DAY = timedelta(days=1)


def _parse_date(value: object, what: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or len(value) != 10:
        raise ClueflowError(f"{what}: not a date (YYYY-MM-DD): {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ClueflowError(f"{what}: not a date (YYYY-MM-DD): {value!r}") from exc


@dataclass(frozen=True)
class Holiday:
    """One statutory holiday period; every day from `start` to `end` inclusive is a rest day."""

    name: str
    start: date
    end: date

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ClueflowError("holiday without a name")
        problem = reversed_period(self.name, self.start, self.end)
        if problem is not None:
            raise ClueflowError(str(problem))

    def days(self) -> Iterable[date]:
        d = self.start
        while d <= self.end:
            yield d
            d += _ONE_DAY


@dataclass(frozen=True)
class RegionYear:
    """One region's holiday schedule for one year, as in `calendars/<region>-<year>.json`."""

    region: str
    year: int
    parent: str | None
    confirmed: bool
    source: str
    holidays: tuple[Holiday, ...]
    makeup_workdays: frozenset[date]
    version: str = field(init=False, default="")

    def __post_init__(self) -> None:
        if not isinstance(self.region, str) or not self.region.strip():
            raise ClueflowError("calendar without a region")
        where = f"calendar {self.region} {self.year}"
        if not isinstance(self.year, int) or isinstance(self.year, bool) or not 1900 <= self.year <= 9998:
            raise ClueflowError(f"{where}: year must be an integer between 1900 and 9998")
        if not isinstance(self.confirmed, bool):
            raise ClueflowError(f"{where}: confirmed must be true or false")
        if self.parent is not None and (not isinstance(self.parent, str) or self.parent == self.region):
            raise ClueflowError(f"{where}: invalid parent {self.parent!r}")
        object.__setattr__(self, "holidays", tuple(sorted(self.holidays, key=lambda h: (h.start, h.end))))
        object.__setattr__(self, "makeup_workdays", frozenset(self.makeup_workdays))
        problems = year_problems(
            self.year, [(h.name, h.start, h.end) for h in self.holidays], self.makeup_workdays
        )
        if problems:
            raise ClueflowError(f"{where}: {problems[0]}")
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        object.__setattr__(self, "version", hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8])

    @property
    def label(self) -> str:
        return f"{self.region} {self.year}@{self.version}"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RegionYear:
        """Build from the JSON shape of `calendars/*.json`."""
        if not isinstance(d, Mapping):
            raise ClueflowError("calendar: expected a JSON object")
        unknown = set(d) - {"region", "year", "parent", "confirmed", "source", "holidays", "makeup_workdays"}
        where = f"calendar {d.get('region', '?')} {d.get('year', '?')}"
        if unknown:
            raise ClueflowError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}")
        for key in ("region", "year", "confirmed"):
            if key not in d:
                raise ClueflowError(f"{where}: missing {key!r}")
        holidays = []
        for h in d.get("holidays") or []:
            if not isinstance(h, Mapping) or set(h) != {"name", "from", "to"}:
                raise ClueflowError(f"{where}: each holiday needs exactly name, from, to")
            holidays.append(Holiday(h["name"], _parse_date(h["from"], where), _parse_date(h["to"], where)))
        makeups = [_parse_date(x, where) for x in d.get("makeup_workdays") or []]
        if len(set(makeups)) != len(makeups):
            raise ClueflowError(f"{where}: {TEXTS['makeup_listed_twice']}")
        return cls(
            region=d["region"],
            year=d["year"],
            parent=d.get("parent"),
            confirmed=d["confirmed"],
            source=d.get("source", ""),
            holidays=tuple(holidays),
            makeup_workdays=frozenset(makeups),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"region": self.region}
        if self.parent is not None:
            out["parent"] = self.parent
        out.update(
            year=self.year,
            confirmed=self.confirmed,
            source=self.source,
            holidays=[
                {"name": h.name, "from": h.start.isoformat(), "to": h.end.isoformat()} for h in self.holidays
            ],
            makeup_workdays=[d.isoformat() for d in sorted(self.makeup_workdays)],
        )
        return out
