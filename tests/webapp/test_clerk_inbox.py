"""The inbox, the clerk's home page: the tasks for my roles and bureau only, soonest deadline first, with
the working days left and the legal basis; the overdue filter; claiming and releasing a task."""

from __future__ import annotations

import pytest
from clerk import JURISDICTION, KEEP, login, task_id_of, visible_text

ACCEPTANCE = "受理审查"


@pytest.fixture
def inbox_cases(clerk_app, clerk_clock):
    """Four 渝中区 reports on Monday 2026-03-16: three past the 管辖审查 (received 03-09, 03-02, 03-16, so
    their 15-WD acceptance opinions fall due in a different order), one still waiting for it."""
    clerk_clock.set("2026-03-16")
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    ids = {}
    for received, unit in [("2026-03-09", "乙药房"), ("2026-03-02", "甲药房"), ("2026-03-16", "丙药房")]:
        case_id = registrar.register(
            received_on=received,
            registered_on="2026-03-16",
            recorded_on="2026-03-16",
            reported_unit_name=unit,
        )
        officer.done(case_id, JURISDICTION, KEEP)
        ids[unit] = case_id
    ids["丁医院"] = registrar.register(
        reported_unit_name="丁医院",
        subject_type="designated_medical_institution",
        received_on="2026-03-16",
        registered_on="2026-03-16",
        recorded_on="2026-03-16",
    )
    return ids


def units(rows) -> list[str]:
    return [row["name"] + ":" + row["unit"] for row in rows]


def with_units(clerk, query: str = "") -> list[dict]:
    rows = clerk.inbox(query)
    for row in rows:
        row["unit"] = next(
            u for u in ("甲药房", "乙药房", "丙药房", "丁医院", "") if u in visible_text_of(clerk, row)
        )
    return rows


def visible_text_of(clerk, row) -> str:
    page = clerk.get(row["case_url"])
    return visible_text(page)


def test_the_inbox_lists_my_tasks_soonest_due_first_with_working_days_left(clerk_app, inbox_cases):
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    rows = with_units(officer)
    assert units(rows) == [
        f"{ACCEPTANCE}:甲药房",
        f"{ACCEPTANCE}:乙药房",
        f"{ACCEPTANCE}:丙药房",
        f"{JURISDICTION}:丁医院",
    ]
    first = rows[0]
    assert first["due"] == "2026-03-23"  # 15 WD from Monday 03-02
    assert "5 个工作日" in first["left"] and "逾期" not in first["left"], first  # 03-17 … 03-23
    assert rows[1]["due"] == "2026-03-30" and "10 个工作日" in rows[1]["left"]
    assert "第" in first["basis"] and "15 个工作日" in first["basis"], first
    assert rows[-1]["left"] == "—" and rows[-1]["due"] == ""  # no deadline runs on the 管辖审查
    assert [r["due"] for r in rows[:3]] == sorted(r["due"] for r in rows[:3])


def test_the_overdue_filter_shows_only_what_is_past_its_deadline(clerk_app, clerk_clock, inbox_cases):
    clerk_clock.set("2026-03-25")  # no worker has run: the deadline passed, nobody escalated yet
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    rows = officer.inbox()
    assert "逾期 2 个工作日" in rows[0]["left"], rows[0]  # 03-24, 03-25
    overdue = with_units(officer, "overdue=1")
    assert units(overdue) == [f"{ACCEPTANCE}:甲药房"]
    assert "逾期" in overdue[0]["left"]


@pytest.mark.parametrize(
    "username",
    [
        "cq-yuzhong-registrar",
        "cq-yuzhong-auditor",
        "cq-yubei-case-officer",
        "wlmq-tianshan-case-officer",
        "wlmq-case-officer",
    ],
)
def test_nobody_else_has_these_tasks(clerk_app, inbox_cases, username):
    assert login(clerk_app, username).inbox() == []


def test_the_division_head_has_only_the_tasks_of_the_heads(clerk_app, inbox_cases):
    head = login(clerk_app, "cq-yuzhong-division-head")
    rows = with_units(head)
    assert units(rows) == [
        f"{JURISDICTION}:丁医院"
    ]  # 管辖审查 is the officer's and the head's; 受理审查 the officer's


def test_the_city_bureau_has_its_districts_tasks(clerk_app, inbox_cases):
    city = login(clerk_app, "cq-case-officer")
    assert len(city.inbox()) == 4


def test_a_claimed_task_leaves_the_others_inboxes_until_it_is_released(clerk_app, inbox_cases):
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    city = login(clerk_app, "cq-case-officer")
    first = officer.inbox()[0]
    task_id = task_id_of(first["url"])
    assert first["button"] == "认领", first

    assert officer.post(first["claim"][0]).status_code == 302
    mine = officer.inbox()[0]
    assert task_id_of(mine["url"]) == task_id and mine["button"].endswith("退回")
    assert all(task_id_of(r["url"]) != task_id for r in city.inbox())
    response = city.get(first["url"])
    assert response.status_code == 403 and "认领" in visible_text(response)
    assert city.post(first["url"], data={}).status_code == 403
    assert city.post(first["url"] + "/claim").status_code == 403
    shown = visible_text(officer.get(first["case_url"]))
    assert "认领" in shown  # the case page says who holds it

    assert officer.post(mine["claim"][0]).status_code == 302  # the 退回 form
    assert any(task_id_of(r["url"]) == task_id for r in city.inbox())
    assert officer.inbox()[0]["button"] == "认领"


def test_the_process_filter(clerk_app, inbox_cases):
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    assert len(officer.inbox("process=report_handling")) == 4
    assert officer.inbox("process=reward") == []
