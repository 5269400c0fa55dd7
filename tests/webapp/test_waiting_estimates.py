"""A deadline that reaches an unconfirmed national year (RULES §B.13): nothing fires on a guess, but
the inbox, the task and the case page show an estimate on weekends only, the task can still be done,
and from 1 November the calendar's editors and the administrators are told the next year is missing."""

from __future__ import annotations

from datetime import date

from clerk import ACCEPTABLE, ACCEPTANCE, JURISDICTION, KEEP, login, page, visible_text

from engine.calendars.estimates import estimate
from engine.rules import calendars_for


def test_the_estimate_counts_the_unconfirmed_year_as_weekends_only():
    cal = calendars_for()
    # 2026-12-15 + 15 working days: 12 left in December 2026, then 2027-01-01 (a Friday), 01-04, 01-05.
    assert estimate(cal, "CN", date(2026, 12, 15), 15, "working_days", False) == date(2027, 1, 5)
    assert estimate(cal, "CN-XJ", date(2026, 12, 15), 15, "working_days", False) == date(2027, 1, 5)
    # Within a confirmed year it is the due date itself.
    assert estimate(cal, "CN", date(2026, 3, 2), 15, "working_days", False) == date(2026, 3, 23)


def test_a_waiting_deadline_shows_its_estimate_and_its_task_can_be_done(clerk_app, clerk_clock):
    day = "2026-12-15"
    clerk_clock.set(day)
    case_id = login(clerk_app, "cq-yuzhong-registrar").register(
        registered_on=day, received_on=day, recorded_on=day
    )
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    officer.done(case_id, JURISDICTION, KEEP)
    inbox = page(officer.get("/"))
    [row] = [
        tr
        for tr in inbox.xpath("//table[contains(@class,'inbox')]/tbody/tr")
        if ACCEPTANCE in tr.text_content()
    ]
    shown = " ".join(row.text_content().split())
    assert "预计 2027-01-05" in shown and "等待 2027 年全国日历确认，按周末估算" in shown
    assert "预计 2027-01-05" in visible_text(officer.case_page(case_id))
    officer.done(case_id, ACCEPTANCE, {**ACCEPTABLE, "accepted_on": day})


def test_from_1_november_the_calendars_editors_are_told_the_next_national_year_is_missing(
    clerk_app, clerk_clock
):
    clerk_clock.set("2026-10-31")
    assert not page(login(clerk_app, "cq-policy-editor").get("/")).xpath("//*[@id='next-year-alert']")
    clerk_clock.set("2026-11-02")
    for name in ("cq-policy-editor", "cq-administrator", "wlmq-administrator"):
        alert = page(login(clerk_app, name).get("/")).xpath("//*[@id='next-year-alert']")
        assert alert and "2027 年全国节假日安排尚未确认" in alert[0].text_content(), name
    for name in ("cq-yuzhong-case-officer", "cq-auditor"):
        assert not page(login(clerk_app, name).get("/")).xpath("//*[@id='next-year-alert']"), name


def test_every_step_of_a_report_is_done_while_its_deadlines_wait_for_2027(clerk_app, clerk_clock):
    """RULES §B.13: a report received on 2026-12-21, when every deadline it meets reaches into the
    unconfirmed 2027: each task still completes, and each waiting deadline shows its estimate."""
    from clerk import (
        ARCHIVE,
        ARCHIVED,
        CLOSED,
        CLOSURE,
        CONCLUDED,
        CONCLUSION,
        FILED,
        FILING,
        FILING_NOTICE,
        INVESTIGATED,
        INVESTIGATION,
        NOTICE,
        RESULT_NOTICE,
    )

    day = "2026-12-21"
    clerk_clock.set(day)
    dates = dict(registered_on=day, received_on=day, recorded_on=day)
    case_id = login(clerk_app, "cq-yuzhong-registrar").register(**dates)
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    steps = [
        (JURISDICTION, KEEP),
        (ACCEPTANCE, {**ACCEPTABLE, "accepted_on": "2026-12-22"}),
        (FILING, {**FILED, "filing_decided_on": "2026-12-23"}),
        (FILING_NOTICE, {**NOTICE, "notice_sent_on": "2026-12-24"}),
        (INVESTIGATION, {**INVESTIGATED, "investigated_on": "2026-12-28"}),
        (CONCLUSION, {**CONCLUDED, "concluded_on": "2026-12-29"}),
        (RESULT_NOTICE, {**NOTICE, "notice_sent_on": "2026-12-30"}),
        (CLOSURE, {**CLOSED, "closed_on": "2026-12-30"}),
        (ARCHIVE, {**ARCHIVED, "archived_on": "2026-12-31"}),
    ]
    waited = []
    for name, data in steps:
        shown = visible_text(officer.case_page(case_id))
        if "等待 2027 年全国日历确认" in shown:
            waited.append(name)
            assert "预计 2027-" in shown, (name, shown[:2000])
        officer.done(case_id, name, data)
    assert "已办结" in visible_text(officer.case_page(case_id))
    # acceptance (15 WD), the investigation (30 WD) and the archive (5 WD) waited; each was done
    assert {ACCEPTANCE, INVESTIGATION, ARCHIVE} <= set(waited), waited
