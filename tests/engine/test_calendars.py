"""Working-day arithmetic (RULES.md §A) over the seed tables and small synthetic calendars."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from engine.calendars.schedule import Holiday, RegionYear
from engine.calendars.working_days import CalendarNotConfirmed, CalendarResult, Calendars
from engine.errors import ClueflowError

SEED = Path(__file__).parents[2] / "calendars"
D = date.fromisoformat


@pytest.fixture(scope="module")
def cal() -> Calendars:
    return Calendars.from_dir(SEED)


def region_year(region, year, holidays=(), makeups=(), confirmed=True, parent=None) -> RegionYear:
    return RegionYear(
        region=region,
        year=year,
        parent=parent,
        confirmed=confirmed,
        source="test",
        holidays=tuple(Holiday(name, D(a), D(b)) for name, a, b in holidays),
        makeup_workdays=frozenset(D(x) for x in makeups),
    )


# -- the worked examples of RULES.md §A and the brief ------------------------------------------


@pytest.mark.parametrize(
    "start, count, unit, roll, due",
    [
        ("2025-01-24", 15, "working_days", False, "2025-02-20"),
        ("2025-09-26", 15, "working_days", False, "2025-10-23"),
        ("2025-04-30", 10, "working_days", False, "2025-05-19"),
        ("2026-02-06", 5, "working_days", False, "2026-02-13"),
        ("2025-12-26", 5, "working_days", False, "2026-01-05"),
        ("2026-03-02", 30, "working_days", False, "2026-04-14"),
        ("2025-08-02", 60, "days", True, "2025-10-09"),
        ("2026-07-31", 60, "days", True, "2026-09-29"),
        ("2026-03-31", 3, "months", False, "2026-06-30"),
        ("2026-03-31", 6, "months", False, "2026-09-30"),
        ("2026-03-31", 2, "months", True, "2026-06-01"),
        ("2026-05-31", 3, "months", False, "2026-08-31"),
        ("2025-11-30", 3, "months", False, "2026-02-28"),
        ("2025-11-30", 6, "months", False, "2026-05-30"),
    ],
)
def test_worked_examples(cal, start, count, unit, roll, due):
    result = cal.add("CN", D(start), count, unit, roll)
    assert result.due == D(due)
    assert result.provisional is False
    assert result.warnings == ()


def test_national_year_not_confirmed_fails_closed(cal):
    with pytest.raises(CalendarNotConfirmed) as exc:
        cal.add("CN", D("2026-12-28"), 7, "working_days", False)
    assert str(exc.value) == "calendar CN 2027 not confirmed"
    assert (exc.value.region, exc.value.year) == ("CN", 2027)
    assert isinstance(exc.value, ClueflowError)


def test_national_year_missing_fails_for_a_region_too(cal):
    with pytest.raises(CalendarNotConfirmed, match="^calendar CN 2027 not confirmed$"):
        cal.add("CN-XJ", D("2026-12-28"), 7, "working_days", False)
    with pytest.raises(CalendarNotConfirmed, match="^calendar CN 2024 not confirmed$"):
        cal.day("CN", D("2024-12-31"))


def test_explanation_reads_like_the_rule(cal):
    result = cal.add("CN", D("2025-01-24"), 15, "working_days", False)
    assert result.explanation == (
        "自 2025-01-24（星期五）起算，起算日不计入",
        "跳过 春节 2025-01-28 至 2025-02-04",
        "2025-01-26（星期日）为调休上班日，计入",
        "2025-02-08（星期六）为调休上班日，计入",
        "第 15 个工作日为 2025-02-20（星期四）",
    )
    cn2025 = RegionYear.from_dict(json.loads((SEED / "cn-2025.json").read_text("utf-8")))
    assert result.calendar == f"CN 2025@{cn2025.version}"
    assert result.rolled_from is None
    assert (result.start, result.count, result.unit) == (D("2025-01-24"), 15, "working_days")


def test_roll_forward_records_where_it_rolled_from(cal):
    result = cal.add("CN", D("2025-08-02"), 60, "days", True)
    assert result.rolled_from == D("2025-10-01")
    assert "国庆节、中秋节" in result.explanation[-1]
    assert "2025-10-09" in result.explanation[-1]
    as_dict = result.to_dict()
    assert as_dict["due"] == "2025-10-09" and as_dict["rolled_from"] == "2025-10-01"
    assert json.loads(json.dumps(as_dict, ensure_ascii=False)) == as_dict


def test_without_roll_forward_a_rest_day_due_stays(cal):
    result = cal.add("CN", D("2025-08-02"), 60, "days", False)
    assert result.due == D("2025-10-01")
    assert result.rolled_from is None
    assert result.explanation[-1].endswith("不顺延")


def test_roll_forward_not_needed_on_a_working_day(cal):
    result = cal.add("CN", D("2026-03-31"), 3, "months", True)
    assert result.due == D("2026-06-30") and result.rolled_from is None


# -- more national cases ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, count, due",
    [
        ("2025-02-07", 1, "2025-02-08"),  # Saturday make-up workday counts
        ("2025-01-24", 1, "2025-01-26"),  # Sunday make-up workday counts
        ("2025-09-26", 1, "2025-09-28"),  # Sunday make-up before National Day
        ("2025-10-03", 1, "2025-10-09"),  # trigger inside the holiday
        ("2025-10-01", 5, "2025-10-14"),  # ... counting the Saturday make-up 10-11
        ("2025-03-02", 1, "2025-03-03"),  # Sunday trigger: the next working day is day 1
        ("2025-03-01", 1, "2025-03-03"),  # Saturday trigger
        ("2025-03-03", 1, "2025-03-04"),  # Monday trigger: day 1 is Tuesday
        ("2025-12-31", 1, "2026-01-04"),  # year-crossing through 元旦 2026-01-01..03 ...
        ("2025-12-31", 2, "2026-01-05"),  # ... where Sunday 01-04 is a make-up workday
        ("2026-02-13", 1, "2026-02-14"),  # Saturday make-up before Spring Festival
        ("2026-02-14", 1, "2026-02-24"),  # Spring Festival 02-15..02-23 skipped
        ("2026-02-24", 4, "2026-02-28"),  # Saturday make-up after it
        ("2025-05-30", 1, "2025-06-03"),  # 端午 2025-05-31..06-02
    ],
)
def test_working_days_more(cal, start, count, due):
    assert cal.add("CN", D(start), count, "working_days", False).due == D(due)


def test_count_zero(cal):
    assert cal.add("CN", D("2025-10-01"), 0, "working_days", False).due == D("2025-10-01")
    assert cal.add("CN", D("2026-03-02"), 0, "days", False).due == D("2026-03-02")
    assert cal.add("CN", D("2026-03-31"), 0, "months", False).due == D("2026-03-31")
    rolled = cal.add("CN", D("2025-10-01"), 0, "days", True)
    assert (rolled.due, rolled.rolled_from) == (D("2025-10-09"), D("2025-10-01"))


def test_count_zero_needs_no_calendar(cal):
    # No day is examined, so no year needs to be confirmed.
    result = cal.add("CN", D("2030-06-03"), 0, "working_days", False)
    assert result.due == D("2030-06-03") and result.calendar == ""


def test_days_and_months_without_roll_forward_need_no_calendar(cal):
    # Pure calendar arithmetic: a 6-month extension into 2027 is known before the 2027 notice.
    result = cal.add("CN", D("2026-09-30"), 6, "months", False)
    assert result.due == D("2027-03-30") and result.calendar == ""
    assert cal.add("CN", D("2026-12-01"), 60, "days", False).due == D("2027-01-30")


def test_roll_forward_into_unconfirmed_year_fails(cal):
    with pytest.raises(CalendarNotConfirmed, match="CN 2027"):
        cal.add("CN", D("2026-12-01"), 2, "months", True)


def test_roll_forward_scan_crossing_into_unconfirmed_year_fails():
    cals = Calendars([region_year("CN", 2026, holidays=[("测试", "2026-12-31", "2026-12-31")])])
    with pytest.raises(CalendarNotConfirmed, match="^calendar CN 2027 not confirmed$"):
        cals.add("CN", D("2026-12-01"), 30, "days", True)


def test_months_end_of_month_and_leap_years():
    cals = Calendars([region_year(y_region, y) for y_region, y in [("CN", 2023), ("CN", 2024)]])
    assert cals.add("CN", D("2024-01-31"), 1, "months", False).due == D("2024-02-29")
    assert cals.add("CN", D("2023-01-31"), 1, "months", False).due == D("2023-02-28")
    assert cals.add("CN", D("2023-02-28"), 12, "months", False).due == D("2024-02-28")
    assert cals.add("CN", D("2024-02-29"), 12, "months", False).due == D("2025-02-28")
    assert cals.add("CN", D("2023-03-31"), 11, "months", False).due == D("2024-02-29")
    assert cals.add("CN", D("2023-12-15"), 1, "months", False).due == D("2024-01-15")
    # 2024-02-29 + 1 month = 2024-03-29 (a Friday); +0 months keeps the day
    assert cals.add("CN", D("2024-02-29"), 1, "months", True).due == D("2024-03-29")
    # a month-end that is a Saturday rolls to Monday
    result = cals.add("CN", D("2024-01-31"), 7, "months", True)  # 2024-08-31 is a Saturday
    assert (result.due, result.rolled_from) == (D("2024-09-02"), D("2024-08-31"))
    assert "该月无 31 日" not in result.explanation[1]
    assert "该月无 31 日" in cals.add("CN", D("2024-01-31"), 1, "months", False).explanation[1]


def test_days_crossing_a_leap_day():
    cals = Calendars([region_year("CN", 2024)])
    assert cals.add("CN", D("2024-02-28"), 2, "days", False).due == D("2024-03-01")


# -- regions ----------------------------------------------------------------------------------


def test_xinjiang_2025_differs_across_gurban(cal):
    # 古尔邦节 2025-06-06..06-10 is a rest period in Xinjiang only.
    national = cal.add("CN", D("2025-06-05"), 3, "working_days", False)
    regional = cal.add("CN-XJ", D("2025-06-05"), 3, "working_days", False)
    assert national.due == D("2025-06-10")
    assert regional.due == D("2025-06-13")
    assert regional.provisional is False and regional.warnings == ()
    assert regional.calendar.startswith("CN-XJ 2025@") and ", CN 2025@" in regional.calendar
    assert "跳过 古尔邦节 2025-06-06 至 2025-06-10" in regional.explanation


def test_xinjiang_2025_rozi(cal):
    # 肉孜节 2025-03-29..03-31: Monday 03-31 is a rest day in Xinjiang only.
    assert cal.add("CN", D("2025-03-28"), 1, "working_days", False).due == D("2025-03-31")
    assert cal.add("CN-XJ", D("2025-03-28"), 1, "working_days", False).due == D("2025-04-01")
    # The national holidays still apply in Xinjiang.
    assert cal.add("CN-XJ", D("2025-01-24"), 15, "working_days", False).due == D("2025-02-20")


def test_xinjiang_2026_is_provisional_and_counts_the_known_festivals(cal):
    # The shipped CN-XJ 2026 is known in part (肉孜节 2026-03-20..22, 古尔邦节 2026-05-27..31).
    result = cal.add("CN-XJ", D("2026-03-02"), 30, "working_days", False)
    assert result.due == D("2026-04-15")  # 2026-03-20 (Friday) is 肉孜节; nationally 2026-04-14
    assert cal.add("CN", D("2026-03-02"), 30, "working_days", False).due == D("2026-04-14")
    assert result.provisional is True
    assert result.warnings == ("CN-XJ 2026 未确认，已计入已知的地方假日，结果为暂定",)
    assert result.calendar.startswith("CN-XJ 2026@") and "CN 2026@" in result.calendar
    assert "跳过 肉孜节 2026-03-20 至 2026-03-22" in result.explanation
    assert result.to_dict()["provisional"] is True


def test_xinjiang_across_the_year_is_provisional_from_2026(cal):
    result = cal.add("CN-XJ", D("2025-12-26"), 5, "working_days", False)
    assert result.due == D("2026-01-05")
    assert result.provisional is True
    labels = [part.split("@")[0] for part in result.calendar.split(", ")]
    assert labels == ["CN-XJ 2025", "CN 2025", "CN-XJ 2026", "CN 2026"]
    # ... but a computation that stays in 2025 is not.
    assert cal.add("CN-XJ", D("2025-12-01"), 5, "working_days", False).provisional is False


def test_an_unconfirmed_regional_year_counts_its_days_provisionally():
    cals = Calendars(
        [
            region_year("CN", 2026),
            region_year(
                "CN-XJ",
                2026,
                holidays=[("古尔邦节", "2026-05-26", "2026-05-28")],
                confirmed=False,
                parent="CN",
            ),
        ]
    )
    result = cals.add("CN-XJ", D("2026-05-25"), 1, "working_days", False)
    assert result.due == D("2026-05-29")
    assert result.provisional is True
    assert result.warnings == ("CN-XJ 2026 未确认，已计入已知的地方假日，结果为暂定",)


def test_unconfirmed_national_year_fails():
    cals = Calendars([region_year("CN", 2026), region_year("CN", 2027, confirmed=False)])
    with pytest.raises(CalendarNotConfirmed, match="^calendar CN 2027 not confirmed$"):
        cals.add("CN", D("2026-12-30"), 3, "working_days", False)


def test_layering_rules():
    cals = Calendars(
        [
            region_year(
                "CN", 2030, holidays=[("国庆节", "2030-10-01", "2030-10-07")], makeups=["2030-09-29"]
            ),
            region_year(
                "CN-XJ",
                2030,
                holidays=[("古尔邦节", "2030-09-29", "2030-09-29")],  # over a national make-up day
                makeups=["2030-06-01"],  # a regional make-up Saturday
            ),
        ],
        parents={"CN-XJ": "CN"},
    )
    assert cals.is_working_day("CN", D("2030-09-29")) is True
    assert cals.is_working_day("CN-XJ", D("2030-09-29")) is False  # a holiday in any layer wins
    assert cals.day("CN-XJ", D("2030-09-29")).reason == "法定节假日 古尔邦节"
    assert cals.is_working_day("CN", D("2030-06-01")) is False
    assert cals.is_working_day("CN-XJ", D("2030-06-01")) is True
    assert cals.day("CN-XJ", D("2030-06-01")).reason == "调休上班日"
    assert cals.is_working_day("CN-XJ", D("2030-10-02")) is False  # national holidays apply


def test_three_layers_warn_with_the_parent_name():
    cals = Calendars(
        [
            region_year("CN", 2030),
            region_year("CN-XJ", 2030, parent="CN"),
            region_year("CN-XJ-URC", 2031, parent="CN-XJ"),
        ]
    )
    day = cals.day("CN-XJ-URC", D("2030-03-04"))
    assert day.provisional is True
    assert day.warnings == ("CN-XJ-URC 2030 未确认，按CN-XJ 日历计算，结果为暂定",)
    assert [c.split("@")[0] for c in day.calendars] == ["CN-XJ 2030", "CN 2030"]


def test_spill_over_days_from_the_next_notice():
    # The 2031 notice puts 元旦 on 2030-12-31..2031-01-01.
    cals = Calendars(
        [region_year("CN", 2030), region_year("CN", 2031, holidays=[("元旦", "2030-12-31", "2031-01-01")])]
    )
    day = cals.day("CN", D("2030-12-31"))
    assert day.working is False and day.reason == "法定节假日 元旦"
    assert [c.split("@")[0] for c in day.calendars] == ["CN 2030", "CN 2031"]
    assert cals.add("CN", D("2030-12-30"), 1, "working_days", False).due == D("2031-01-02")


# -- day() ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "region, day, working, reason",
    [
        ("CN", "2025-01-29", False, "法定节假日 春节"),
        ("CN", "2025-02-08", True, "调休上班日"),
        ("CN", "2025-02-09", False, "周末"),
        ("CN", "2025-02-10", True, "工作日"),
        ("CN", "2025-06-06", True, "工作日"),
        ("CN-XJ", "2025-06-06", False, "法定节假日 古尔邦节"),
        ("CN-XJ", "2025-06-08", False, "法定节假日 古尔邦节"),
        ("CN", "2025-06-08", False, "周末"),
        ("CN", "2026-01-04", True, "调休上班日"),
    ],
)
def test_day(cal, region, day, working, reason):
    info = cal.day(region, D(day))
    assert (info.working, info.reason) == (working, reason)
    assert cal.is_working_day(region, D(day)) is working
    assert info.provisional is False
    assert info.calendars


def test_day_provisional(cal):
    info = cal.day("CN-XJ", D("2026-06-01"))
    assert info.working is True and info.provisional is True
    assert info.warnings == ("CN-XJ 2026 未确认，已计入已知的地方假日，结果为暂定",)


def test_brute_force_against_day_by_day(cal):
    # Every start in 2025 and 1..40 WD against a naive walk through day().
    for region in ("CN", "CN-XJ"):
        start = D("2025-01-01")
        while start.year == 2025 and start < D("2025-10-31"):
            d = start
            for count in range(1, 41):
                while True:
                    d += timedelta(days=1)
                    if cal.day(region, d).working:
                        break
                if count in (1, 2, 3, 5, 7, 10, 15, 30, 40):
                    assert cal.add(region, start, count, "working_days", False).due == d, (
                        region,
                        start,
                        count,
                    )
            start += timedelta(days=1)


# -- input checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("CN", D("2025-01-24"), -1, "working_days", False),
        ("CN", D("2025-01-24"), 1.5, "working_days", False),
        ("CN", D("2025-01-24"), True, "working_days", False),
        ("CN", D("2025-01-24"), "3", "days", False),
        ("CN", D("2025-01-24"), 3, "weeks", False),
        ("CN", D("2025-01-24"), 3, "WD", False),
        ("CN", "2025-01-24", 3, "days", False),
        ("CN", datetime(2025, 1, 24, 9), 3, "days", False),
        ("CN", D("2025-01-24"), 3, "days", "yes"),
        ("CN-ZZ", D("2025-01-24"), 3, "days", False),
        ("CN", D("2025-01-24"), 10**12, "days", False),
        ("CN", D("2025-01-24"), 10**8, "months", False),
    ],
)
def test_bad_arguments(cal, args):
    with pytest.raises(ClueflowError):
        cal.add(*args)


def test_huge_working_day_count_stops_at_the_unknown_year(cal):
    with pytest.raises(CalendarNotConfirmed, match="CN 2027"):
        cal.add("CN", D("2025-01-01"), 10**9, "working_days", False)


# -- tables -----------------------------------------------------------------------------------


def test_seed_round_trips(cal):
    for file in sorted(SEED.glob("*.json")):
        data = json.loads(file.read_text("utf-8"))
        ry = RegionYear.from_dict(data)
        assert ry.to_dict() == data
        assert RegionYear.from_dict(ry.to_dict()) == ry
        assert len(ry.version) == 8
    assert {f"{r.region} {r.year}" for r in cal.region_years()} == {
        "CN 2025",
        "CN 2026",
        "CN-XJ 2025",
        "CN-XJ 2026",
    }
    assert set(cal.regions()) == {"CN", "CN-XJ"}


def test_version_follows_content():
    a = region_year("CN", 2030, holidays=[("元旦", "2030-01-01", "2030-01-01")])
    b = region_year("CN", 2030, holidays=[("元旦", "2030-01-01", "2030-01-01")])
    c = region_year("CN", 2030, holidays=[("元旦", "2030-01-01", "2030-01-02")])
    d = region_year("CN", 2030, holidays=[("元旦", "2030-01-01", "2030-01-01")], confirmed=False)
    assert a.version == b.version
    assert len({a.version, c.version, d.version}) == 3


@pytest.mark.parametrize(
    "change, message",
    [
        ({"makeup_workdays": ["2025-03-03"]}, "not a Saturday or Sunday"),
        ({"holidays": [{"name": "x", "from": "2025-03-05", "to": "2025-03-04"}]}, "before it starts"),
        ({"holidays": [{"name": "x", "from": "2025-3-5", "to": "2025-03-05"}]}, "not a date"),
        ({"holidays": [{"name": "x", "from": "2028-03-05", "to": "2028-03-05"}]}, "outside the year"),
        (
            {
                "holidays": [{"name": "x", "from": "2025-03-08", "to": "2025-03-08"}],
                "makeup_workdays": ["2025-03-08"],
            },
            "both a holiday and a make-up workday",
        ),
        (
            {
                "holidays": [
                    {"name": "a", "from": "2025-03-03", "to": "2025-03-05"},
                    {"name": "b", "from": "2025-03-05", "to": "2025-03-06"},
                ]
            },
            "overlap",
        ),
        ({"confirmed": "yes"}, "confirmed"),
        ({"year": "2025"}, "year"),
        ({"colour": "red"}, "unknown keys"),
    ],
)
def test_bad_tables_are_refused(change, message):
    data = {
        "region": "CN",
        "year": 2025,
        "confirmed": True,
        "source": "",
        "holidays": [],
        "makeup_workdays": [],
    }
    data.update(change)
    with pytest.raises(ClueflowError, match=message):
        RegionYear.from_dict(data)


def test_calendars_refuse_inconsistent_sets():
    with pytest.raises(ClueflowError, match="twice"):
        Calendars([region_year("CN", 2030), region_year("CN", 2030)])
    with pytest.raises(ClueflowError, match="conflicts"):
        Calendars([region_year("CN-XJ", 2030, parent="CN")], parents={"CN-XJ": "CN-YY"})
    with pytest.raises(ClueflowError, match="cycle"):
        Calendars([], parents={"A": "B", "B": "A"})


def test_from_dir_checks_file_names(tmp_path):
    data = json.loads((SEED / "cn-2025.json").read_text("utf-8"))
    (tmp_path / "cn-2026.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    with pytest.raises(ClueflowError, match="cn-2025.json"):
        Calendars.from_dir(tmp_path)


def test_from_dir_new_year_without_code_change(tmp_path):
    # Staff enter the 2027 notice: the same computation now succeeds.
    for file in SEED.glob("*.json"):
        (tmp_path / file.name).write_bytes(file.read_bytes())
    (tmp_path / "cn-2027.json").write_text(
        json.dumps(
            {
                "region": "CN",
                "year": 2027,
                "confirmed": True,
                "source": "test",
                "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
                "makeup_workdays": [],
            }
        ),
        "utf-8",
    )
    result = Calendars.from_dir(tmp_path).add("CN", D("2026-12-28"), 7, "working_days", False)
    assert result.due == D("2027-01-07")
    assert isinstance(result, CalendarResult)


def test_thirty_working_days_is_fast(cal):
    start = D("2026-03-02")
    cal.add("CN-XJ", start, 30, "working_days", False)
    t0 = time.perf_counter()
    for _ in range(2000):
        cal.add("CN-XJ", start, 30, "working_days", False)
    per_call = (time.perf_counter() - t0) / 2000
    assert per_call < 500e-6, per_call


def test_a_missing_regional_year_falls_back_to_the_national_one():
    cals = Calendars(
        [region_year("CN", 2026), region_year("CN", 2027), region_year("CN-XJ", 2026, parent="CN")]
    )
    result = cals.add("CN-XJ", D("2027-03-01"), 1, "working_days", False)
    assert result.due == D("2027-03-02") and result.provisional is True
    assert result.warnings == ("CN-XJ 2027 未确认，按全国日历计算，结果为暂定",)
