"""The district report periods of CQH 第三十一条 and the rest-day warning of RULES §B.5 (no database)."""

from __future__ import annotations

from datetime import date

from engine.packs import DEFAULT_ROOT
from engine.reporting import periods_open_on, rest_day_warning
from engine.rules import calendars_for


def test_a_quarter_opens_the_previous_quarters_report_for_its_first_month():
    assert [(p.key, p.rule, p.trigger, p.label) for p in periods_open_on(date(2026, 7, 1))] == [
        ("2026-Q2", "quarterly_report", date(2026, 7, 1), "2026年第二季度")
    ]
    assert [p.key for p in periods_open_on(date(2026, 7, 31))] == ["2026-Q2"]
    assert [p.key for p in periods_open_on(date(2026, 1, 15))] == ["2025-Q4"]
    assert periods_open_on(date(2026, 8, 1)) == [] and periods_open_on(date(2026, 3, 31)) == []


def test_december_opens_the_annual_summary():
    [annual] = periods_open_on(date(2026, 12, 1))
    assert (annual.key, annual.kind, annual.rule, annual.trigger) == (
        "2026-Y",
        "annual",
        "annual_report",
        date(2026, 12, 1),
    )


def test_a_due_date_on_a_rest_day_suggests_the_last_working_day_before_it():
    calendars = calendars_for(DEFAULT_ROOT)
    assert "2026-07-03" in rest_day_warning(calendars, "CN", date(2026, 7, 5))  # a Sunday
    assert "2026-09-30" in rest_day_warning(calendars, "CN", date(2026, 10, 5))  # National Day holidays
    assert rest_day_warning(calendars, "CN", date(2026, 1, 5)) is None  # a Monday
    assert rest_day_warning(calendars, "CN", date(2027, 1, 5)) is None  # 2027 not confirmed: no guess
