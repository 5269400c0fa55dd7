"""The rules of a year's schedule (engine.calendars.checks), one problem code at a time: for a year being
edited (a period, a make-up workday) and for a published year (what RegionYear refuses)."""

from __future__ import annotations

from datetime import date

import pytest

from engine.calendars.checks import (
    TEXTS,
    CalendarProblem,
    makeup_problems,
    period_problems,
    reversed_period,
    year_problems,
)
from engine.calendars.schedule import Holiday, RegionYear
from engine.errors import ClueflowError

D = date.fromisoformat
SPRING = ("春节", D("2026-02-15"), D("2026-02-23"))
NATIONAL = ("国庆节", D("2026-10-01"), D("2026-10-07"))


def codes(problems: list[CalendarProblem]) -> list[str]:
    return [p.code for p in problems]


# -- a period in a year being edited ---------------------------------------------------------------


def test_a_period_that_ends_before_it_starts_is_that_problem_alone():
    [problem] = period_problems(2026, "测试", D("2026-02-20"), D("2026-02-16"), [SPRING], [D("2026-02-18")])
    assert problem == CalendarProblem(
        "period_reversed", "last_day", {"name": "测试", "first": "2026-02-20", "last": "2026-02-16"}
    )
    assert str(problem) == "holiday 测试: ends 2026-02-16 before it starts 2026-02-20"
    assert reversed_period("测试", D("2026-02-20"), D("2026-02-16")) == problem
    assert reversed_period("测试", D("2026-02-20"), D("2026-02-20")) is None


@pytest.mark.parametrize(
    "first, last, day",
    [
        ("2027-03-01", "2027-03-02", "2027-03-01"),  # the next year
        ("2025-03-01", "2025-03-02", "2025-03-01"),  # the year before
        ("2026-12-30", "2027-02-01", "2027-01-01"),  # past January
        ("2025-11-30", "2026-01-02", "2025-11-30"),  # from before December
        ("2025-12-30", "2025-12-31", "2025-12-30"),  # December only
    ],
)
def test_a_period_outside_the_year_is_that_problem_alone(first, last, day):
    [problem] = period_problems(2026, "测试", D(first), D(last), [SPRING], [D(day)])
    assert (problem.code, problem.field) == ("period_outside_year", "first_day")
    assert problem.values == {"name": "测试", "year": 2026, "day": day}


@pytest.mark.parametrize(
    "first, last", [("2025-12-31", "2026-01-02"), ("2026-12-31", "2027-01-03"), ("2026-01-01", "2026-12-31")]
)
def test_a_period_may_cross_the_new_year(first, last):
    assert period_problems(2026, "元旦", D(first), D(last)) == []


def test_a_period_overlapping_others_is_told_each_of_them_in_their_order():
    problems = period_problems(2026, "测试", D("2026-02-10"), D("2026-10-02"), [SPRING, NATIONAL])
    assert codes(problems) == ["period_overlap", "period_overlap"]
    assert {p.field for p in problems} == {"first_day"}
    assert [p.values for p in problems] == [
        {"day": "2026-02-15", "name": "春节", "first": "2026-02-15", "last": "2026-02-23"},
        {"day": "2026-10-01", "name": "国庆节", "first": "2026-10-01", "last": "2026-10-07"},
    ]
    assert str(problems[0]) == "holiday periods overlap on 2026-02-15"
    assert period_problems(2026, "测试", D("2026-02-24"), D("2026-02-24"), [SPRING, NATIONAL]) == []


def test_a_period_containing_make_up_workdays_is_told_each_after_the_overlaps():
    problems = period_problems(
        2026,
        "测试",
        D("2026-02-13"),
        D("2026-02-28"),
        [SPRING],
        [D("2026-02-14"), D("2026-02-28"), D("2026-03-07")],
    )
    assert codes(problems) == ["period_overlap", "period_contains_makeup", "period_contains_makeup"]
    assert [p.values for p in problems[1:]] == [{"day": "2026-02-14"}, {"day": "2026-02-28"}]
    assert str(problems[1]) == "2026-02-14 is both a holiday and a make-up workday"


# -- a make-up workday in a year being edited ------------------------------------------------------


def test_a_make_up_workday_outside_the_year():
    # The editor holds a year to its own days, a Saturday in the December before included.
    [problem] = makeup_problems(2026, D("2025-12-27"))
    assert problem == CalendarProblem("makeup_outside_year", "day", {"day": "2025-12-27", "year": 2026})
    assert str(problem) == "make-up workday 2025-12-27 is outside the year"


def test_a_make_up_workday_on_a_weekday():
    [problem] = makeup_problems(2026, D("2026-03-04"))
    assert problem == CalendarProblem("makeup_not_weekend", "day", {"day": "2026-03-04"})
    assert str(problem) == "make-up workday 2026-03-04 is not a Saturday or Sunday"


def test_a_make_up_workday_given_twice():
    [problem] = makeup_problems(2026, D("2026-02-14"), [SPRING], [D("2026-02-14")])
    assert problem == CalendarProblem("makeup_listed_twice", "day", {"day": "2026-02-14"})
    assert str(problem) == TEXTS["makeup_listed_twice"] == "a make-up workday is listed twice"


def test_a_make_up_workday_inside_a_holiday():
    [problem] = makeup_problems(2026, D("2026-10-03"), [SPRING, NATIONAL])
    assert problem == CalendarProblem("makeup_in_holiday", "day", {"day": "2026-10-03", "name": "国庆节"})
    assert str(problem) == "2026-10-03 is both a holiday and a make-up workday"


def test_a_make_up_workday_is_told_its_problems_in_order():
    assert codes(makeup_problems(2027, D("2026-10-01"), [NATIONAL], [D("2026-10-01")])) == [
        "makeup_outside_year",
        "makeup_not_weekend",
        "makeup_listed_twice",
        "makeup_in_holiday",
    ]
    assert makeup_problems(2026, D("2026-02-28"), [SPRING, NATIONAL], [D("2026-02-14")]) == []


# -- a published year ------------------------------------------------------------------------------


def test_a_published_year_may_reach_into_the_neighbouring_years_no_further():
    reach = [("元旦", D("2025-12-30"), D("2026-01-01")), ("x", D("2027-03-01"), D("2027-03-01"))]
    assert year_problems(2026, reach, [D("2025-12-27"), D("2027-01-02")]) == []
    problems = year_problems(2026, [("x", D("2027-12-30"), D("2028-01-02"))], [D("2024-12-28")])
    assert [(p.code, p.values["day"]) for p in problems] == [
        ("period_outside_year", "2028-01-01"),
        ("makeup_outside_year", "2024-12-28"),
    ]


def test_a_published_year_is_walked_period_by_period_then_make_up_day_by_day():
    periods = [
        ("b", D("2026-03-05"), D("2026-03-06")),
        ("a", D("2026-03-03"), D("2026-03-05")),
        ("c", D("2026-05-01"), D("2026-05-01")),
        ("d", D("2026-04-30"), D("2026-04-29")),
    ]
    problems = year_problems(2026, periods, [D("2026-05-01"), D("2026-03-04"), D("2026-03-07")])
    assert [(p.code, p.values.get("day"), p.values.get("name")) for p in problems] == [
        ("period_overlap", "2026-03-05", "a"),  # b meets a, which starts earlier
        ("period_reversed", None, "d"),
        ("makeup_not_weekend", "2026-03-04", None),
        ("makeup_in_holiday", "2026-03-04", "a"),
        ("makeup_not_weekend", "2026-05-01", None),
        ("makeup_in_holiday", "2026-05-01", "c"),
    ]


def test_a_period_running_out_of_reach_after_an_overlap_is_told_the_overlap_first():
    periods = [("a", D("2026-12-01"), D("2026-12-05")), ("b", D("2026-12-03"), D("2028-01-02"))]
    assert [(p.code, p.values["day"]) for p in year_problems(2026, periods, [])] == [
        ("period_overlap", "2026-12-03"),
        ("period_outside_year", "2028-01-01"),
    ]
    periods = [("a", D("2024-12-01"), D("2024-12-05")), ("b", D("2024-12-03"), D("2024-12-04"))]
    assert codes(year_problems(2026, periods, [])) == [
        "period_outside_year",
        "period_outside_year",
        "period_overlap",
    ]


def test_region_year_raises_the_first_problem_in_the_engine_words():
    def build(holidays=(), makeups=()):
        return RegionYear(
            region="CN",
            year=2026,
            parent=None,
            confirmed=True,
            source="s",
            holidays=tuple(Holiday(*h) for h in holidays),
            makeup_workdays=frozenset(makeups),
        )

    with pytest.raises(ClueflowError, match="^calendar CN 2026: holiday periods overlap on 2026-02-20$"):
        build([SPRING, ("测试", D("2026-02-20"), D("2026-02-25"))])
    with pytest.raises(
        ClueflowError, match="^calendar CN 2026: 2026-10-03 is both a holiday and a make-up workday$"
    ):
        build([NATIONAL], [D("2026-10-03")])
    with pytest.raises(ClueflowError, match="^holiday 测试: ends 2026-02-16 before it starts 2026-02-20$"):
        build([("测试", D("2026-02-20"), D("2026-02-16"))])
    assert build([("元旦", D("2025-12-31"), D("2026-01-02"))], [D("2025-12-27")]).year == 2026
