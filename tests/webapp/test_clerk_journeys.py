"""Reports carried through the clerk's pages by the people whose job each step is, from the 登记表 to
the archive (CQH; URU 14–16): the case ends closed, the timeline names who did each step, and every
deadline on the case page gives its rule, article, unit, trigger and due date."""

from __future__ import annotations

import re

import pytest
from clerk import (
    ACCEPTABLE,
    ACCEPTANCE,
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
    JURISDICTION,
    KEEP,
    NON_ACCEPTANCE_NOTICE,
    NOTICE,
    REDIRECT_NOTICE,
    REDIRECTED,
    RESULT_NOTICE,
    login,
    page,
    visible_text,
)

from webapp.extensions import db
from webapp.models import Case, TaskEntry

UNITS = ("个工作日", "日", "个月")


def case_row(app, case_id: int) -> Case:
    with app.app_context():
        row = db.session.get(Case, case_id)
        db.session.expunge_all()
        return row


def timeline(response) -> list[str]:
    return [
        re.sub(r"\s+", " ", li.text_content()).strip()
        for li in page(response).xpath("//ol[@class='timeline']/li")
    ]


def deadline_rows(response) -> list[dict]:
    """The 期限 table of the case page, one dict per row."""
    tables = page(response).xpath("//section[h2='期限']//table")
    if not tables:
        return []
    heads = [th.text_content().strip() for th in tables[0].xpath(".//thead//th")]
    return [
        dict(
            zip(
                heads,
                (re.sub(r"\s+", " ", td.text_content()).strip() for td in tr.xpath("./td")),
                strict=False,
            )
        )
        for tr in tables[0].xpath(".//tbody/tr")
    ]


def assert_deadlines_explained(response) -> list[dict]:
    """Every deadline row names its rule (事项), legal basis with article, count with unit, trigger, due date."""
    rows = deadline_rows(response)
    for row in rows:
        assert row["事项"], row
        assert re.search(r"第.+条", row["依据"]), f"no article in the legal basis: {row}"
        assert re.match(r"^\d+ ", row["期限"]) and any(u in row["期限"] for u in UNITS), (
            f"no count/unit: {row}"
        )
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["起算日"]), f"no trigger date: {row}"
        assert re.match(r"\d{4}-\d{2}-\d{2}", row["到期日"]), f"no due date: {row}"
    return rows


def carry_to_archive(app, prefix: str, *, district: str) -> int:
    """A real-name report of `district`, registered and worked through every step to the archive."""
    registrar = login(app, f"{district}-registrar")
    officer = login(app, f"{district}-case-officer")
    case_id = registrar.register(reported_unit_name=f"{prefix}某某大药房")
    row = case_row(app, case_id)
    assert row.number.startswith(prefix + "-") and row.status == "open"

    steps = [
        (JURISDICTION, KEEP),
        (ACCEPTANCE, ACCEPTABLE),
        (FILING, FILED),
        (FILING_NOTICE, NOTICE),
        (INVESTIGATION, INVESTIGATED),
        (CONCLUSION, CONCLUDED),
        (RESULT_NOTICE, NOTICE),
        (CLOSURE, CLOSED),
        (ARCHIVE, ARCHIVED),
    ]
    seen_deadlines = set()
    for name, data in steps:
        shown = officer.case_page(case_id)
        for deadline in assert_deadlines_explained(shown):
            seen_deadlines.add(deadline["事项"])
        officer.done(case_id, name, data)

    shown = officer.case_page(case_id)
    assert shown.status_code == 200
    assert "已办结" in visible_text(shown) and "案件已办结" in visible_text(shown)
    row = case_row(app, case_id)
    assert row.status == "closed" and row.closed_at is not None
    with app.app_context():
        assert db.session.query(TaskEntry).filter_by(case_id=case_id).count() == 0

    # the timeline: the registration by the registrar, then each step by the case officer, in order
    lines = timeline(shown)
    registrar_name, officer_name = (
        _display_name(app, f"{district}-registrar"),
        _display_name(app, f"{district}-case-officer"),
    )
    assert registrar_name in lines[0] and "登记举报" in lines[0] and row.number in lines[0], lines
    worked = [line for line in lines if "办理「" in line]
    assert [re.search(r"「(.+?)」", line).group(1) for line in worked] == [name for name, _ in steps], lines
    assert all(officer_name in line for line in worked), lines
    assert all(re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} ", line) for line in lines), lines
    # deadlines were shown along the way (acceptance opinion, filing notice, investigation, archive)
    assert len(seen_deadlines) >= 3, seen_deadlines
    return case_id


def _display_name(app, username: str) -> str:
    from webapp.models import User

    with app.app_context():
        return db.session.query(User).filter_by(username=username).one().display_name


def test_a_chongqing_report_goes_from_intake_to_archive(clerk_app):
    carry_to_archive(clerk_app, "CQ", district="cq-yuzhong")


def test_an_urumqi_report_goes_from_intake_to_archive(clerk_app):
    carry_to_archive(clerk_app, "WLMQ", district="wlmq-tianshan")


def test_the_deadlines_on_the_case_page_give_rule_article_unit_trigger_and_due_date(clerk_app):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    case_id = registrar.register()
    officer.done(case_id, JURISDICTION, KEEP)
    rows = assert_deadlines_explained(officer.case_page(case_id))
    assert rows, "the acceptance opinion runs against a deadline (CQH 第十二条: 15 个工作日)"
    assert any("15 个工作日" in r["期限"] for r in rows), rows
    officer.done(case_id, ACCEPTANCE, ACCEPTABLE)
    officer.done(case_id, FILING, FILED)
    rows = assert_deadlines_explained(officer.case_page(case_id))
    assert any("5 个工作日" in r["期限"] for r in rows), rows  # the filing notice
    officer.done(case_id, FILING_NOTICE, NOTICE)
    rows = assert_deadlines_explained(officer.case_page(case_id))
    assert any("30 个工作日" in r["期限"] for r in rows), rows  # the investigation
    # the task page repeats its own deadline with its basis and trigger
    task_page = officer.get(officer.task_url(case_id, INVESTIGATION))
    lead = visible_text(task_page)
    assert re.search(r"期限 \d{4}-\d{2}-\d{2} .*第.+条：30 个工作日，自 \d{4}-\d{2}-\d{2} 起算", lead), lead[
        :800
    ]


def test_a_real_name_report_without_evidence_is_not_accepted_and_the_reporter_is_told(clerk_app):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    case_id = registrar.register(has_evidence=False, reported_unit_name="无证据大药房")
    officer.done(case_id, JURISDICTION, KEEP)
    officer.done(case_id, ACCEPTANCE, {**ACCEPTABLE, "has_evidence": False})
    shown = officer.case_page(case_id)
    assert list(officer.task_links(case_id)) == [NON_ACCEPTANCE_NOTICE]
    assert "不予受理理由" in visible_text(shown) and "CQH-12-5" in visible_text(shown)
    rows = assert_deadlines_explained(shown)
    assert rows, "the non-acceptance notice runs against a deadline"
    officer.done(case_id, NON_ACCEPTANCE_NOTICE, NOTICE)
    officer.done(case_id, CLOSURE, CLOSED)
    officer.done(case_id, ARCHIVE, ARCHIVED)
    row = case_row(clerk_app, case_id)
    assert row.status == "closed"
    lines = timeline(officer.case_page(case_id))
    assert any("办理「告知不予受理」" in line for line in lines), lines
    assert not any(FILING in line for line in lines), lines


def test_a_consultation_is_answered_with_the_redirect_notice(clerk_app):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    case_id = registrar.register(request_kind="consultation", reported_unit_name="咨询事项")
    assert list(officer.task_links(case_id)) == [REDIRECT_NOTICE]
    officer.done(case_id, REDIRECT_NOTICE, REDIRECTED)
    row = case_row(clerk_app, case_id)
    assert row.status == "closed" and row.outcome == "End_Redirected"
    lines = timeline(officer.case_page(case_id))
    assert any("办理「告知通过其他渠道反映」" in line for line in lines), lines
    assert not any(JURISDICTION in line for line in lines), lines


@pytest.mark.parametrize("username", ["cq-yuzhong-registrar"])
def test_the_registration_sheet_prints_what_was_registered(clerk_app, username):
    registrar = login(clerk_app, username)
    case_id = registrar.register(reported_unit_name="打印大药房")
    sheet = registrar.get(f"/cases/{case_id}/registration")
    assert sheet.status_code == 200
    body = visible_text(sheet)
    assert "举报线索登记表" in body and "打印大药房" in body and case_row(clerk_app, case_id).number in body
    assert "☑网络" in body and "☑定点药店" in body
