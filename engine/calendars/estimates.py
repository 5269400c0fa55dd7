"""An estimate for a deadline that waits for a national year (RULES §B.13): counted as if the years
not yet confirmed had weekends only. Shown to clerks beside the wait, never used to fire a timer or
escalate; the real due date comes when the year is confirmed."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from .schedule import RegionYear
from .working_days import CalendarNotConfirmed, Calendars

ESTIMATE_SOURCE = "按周末估算（该年日历未确认）"


def estimate(
    calendars: Calendars, region: str, start: date, count: int, unit: str, roll_forward: bool
) -> date | None:
    """The due date with every unconfirmed year the count reaches taken as weekends only."""
    assumed: tuple[tuple[str, int], ...] = ()
    for _ in range(6):  # a count reaches a handful of years at most
        try:
            return _assuming(calendars, assumed).add(region, start, count, unit, roll_forward).due
        except CalendarNotConfirmed as exc:
            if (exc.region, exc.year) in assumed:
                return None
            assumed = (*assumed, (exc.region, exc.year))
    return None


@lru_cache(maxsize=16)
def _assuming(calendars: Calendars, assumed: tuple[tuple[str, int], ...]) -> Calendars:
    if not assumed:
        return calendars
    kept = [ry for ry in calendars.region_years() if (ry.region, ry.year) not in assumed]
    weekends = [
        RegionYear(
            region=region,
            year=year,
            parent=None,
            confirmed=True,
            source=ESTIMATE_SOURCE,
            holidays=(),
            makeup_workdays=frozenset(),
        )
        for region, year in assumed
    ]
    return Calendars([*kept, *weekends])
