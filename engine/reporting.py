"""The district reports of CQH 第三十一条: which report period opens on a given day, and the
warning when its due date is a rest day (RULES §B.5).

- Quarterly: at the start of each quarter a district reports the previous quarter, by the 5th of
  the quarter's first month (deadline rule `quarterly_report`: 4 days from the 1st, not rolled).
- Annual: the year's summary before 31 December (rule `annual_report`: 30 days from 1 December),
  opened when December starts.

A period opens for its whole first month, so a worker that was down on the 1st still opens it later
in the month; the caller keeps one report per district and period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .calendars.working_days import Calendars
from .errors import ClueflowError

QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


@dataclass(frozen=True)
class ReportPeriod:
    """One report a district owes: its period key, the deadline rule and its trigger date."""

    key: str  # "2026-Q3" (reported in October 2026), "2026-Y" (the 2026 annual summary)
    kind: str  # "quarterly" / "annual"
    label: str  # "2026年第三季度"
    rule: str
    trigger: date


def periods_open_on(day: date) -> list[ReportPeriod]:
    """The report periods whose reporting month `day` falls in (none most of the year)."""
    periods = []
    if day.month in (1, 4, 7, 10):
        quarter = (day.month - 1) // 3  # the previous quarter: 0 means the last one of last year
        year = day.year if quarter else day.year - 1
        quarter = quarter or 4
        periods.append(
            ReportPeriod(
                f"{year}-Q{quarter}",
                "quarterly",
                f"{year}年{QUARTER_NAMES[quarter]}",
                "quarterly_report",
                date(day.year, day.month, 1),
            )
        )
    if day.month == 12:
        periods.append(
            ReportPeriod(f"{day.year}-Y", "annual", f"{day.year}年度", "annual_report", date(day.year, 12, 1))
        )
    return periods


def rest_day_warning(calendars: Calendars, region: str, due: date) -> str | None:
    """When the due date is a rest day, a warning naming the last working day before it (RULES §B.5);
    None when it is a working day or the year's calendar is not known."""
    try:
        if calendars.is_working_day(region, due):
            return None
        day = due - timedelta(days=1)
        while not calendars.is_working_day(region, day):
            day -= timedelta(days=1)
    except ClueflowError:
        return None
    return f"报送期限 {due.isoformat()} 为休息日，建议于前一个工作日 {day.isoformat()} 前报送"
