"""Bad input a clerk can give: a 登记表 with fields missing, a date typed the wrong way, a field the form
does not have, a post without its CSRF token, a deadline running into a year without a confirmed
calendar. Each gets a clear message in Chinese, and nothing is saved."""

from __future__ import annotations

import re

from clerk import (
    ACCEPTABLE,
    ACCEPTANCE,
    FILED,
    FILING,
    JURISDICTION,
    KEEP,
    REGISTRATION,
    Clerk,
    browser_form,
    field_errors,
    fill,
    flashes,
    login,
    page,
    visible_text,
)

from webapp.extensions import db
from webapp.models import Case, CaseCounter, CaseEvent, TaskEntry

MSG_REQUIRED = "此项为必填项"
MSG_DATE = "请输入日期（YYYY-MM-DD）"


def count(app, model, **filters) -> int:
    with app.app_context():
        return db.session.query(model).filter_by(**filters).count()


def snapshot(app, case_id: int) -> tuple:
    """What a refused post must leave untouched: the case row, its task index, its timeline."""
    with app.app_context():
        row = db.session.get(Case, case_id)
        tasks = sorted(
            (t.task_id, t.element_id, t.claimed_by_id)
            for t in db.session.query(TaskEntry).filter_by(case_id=case_id)
        )
        events = db.session.query(CaseEvent).filter_by(case_id=case_id).count()
        return row.lock_version, row.state, row.status, row.current_step, tuple(tasks), events


# -- the 登记表 --------------------------------------------------------------------------------------


def test_a_registration_with_required_fields_missing_is_shown_again_with_chinese_messages(clerk_app):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    data = {**REGISTRATION, "content": "", "act_location": "", "fund_type": "", "recorder": ""}
    response = registrar.submit_registration(data)
    assert response.status_code == 200
    errors = field_errors(response)
    for key in ("content", "act_location", "fund_type", "recorder"):
        assert errors.get(key) == [MSG_REQUIRED], (key, errors)
    assert "请更正标出的内容后再提交" in visible_text(response)
    # what was typed is still there
    _, fields = browser_form(response)
    assert fields.get("reported_unit_name") == REGISTRATION["reported_unit_name"]
    assert fields.get("reporter_name") == REGISTRATION["reporter_name"]
    assert count(clerk_app, Case) == 0
    assert count(clerk_app, CaseCounter) == 0, "a refused registration must not use up a case number"


def test_a_registration_of_nothing_names_every_required_field(clerk_app):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    _, fields = browser_form(registrar.open_intake())
    emptied = fill(fields, {key: "" for key in fields if key != "csrf_token"})
    response = registrar.post("/intake", data=emptied)
    assert response.status_code == 200
    errors = field_errors(response)
    for key in (
        "registered_on",
        "received_on",
        "source_channel",
        "request_kind",
        "fund_type",
        "reporter_kind",
        "subject_type",
        "content",
        "act_location",
        "repeat_of",
        "recorder",
        "recorded_on",
    ):
        assert errors.get(key) == [MSG_REQUIRED], (key, errors)
    assert count(clerk_app, Case) == 0


def test_a_registration_naming_neither_a_person_nor_a_unit_is_refused(clerk_app):
    """The 登记表 itself says: 被举报人或被举报单位、举报内容为必填项 (RULES F.1)."""
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    response = registrar.submit_registration(
        {**REGISTRATION, "reported_unit_name": "", "reported_person_name": ""}
    )
    assert response.status_code == 200, "registered a report against nobody"
    assert count(clerk_app, Case) == 0
    shown = visible_text(response)
    assert "被举报" in " ".join(sum(field_errors(response).values(), [])) or "被举报人或被举报单位" in shown


def test_a_date_typed_the_wrong_way_gets_the_date_message(clerk_app):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    response = registrar.submit_registration(
        {**REGISTRATION, "received_on": "2026/03/02", "recorded_on": "3月2日"}
    )
    assert response.status_code == 200
    errors = field_errors(response)
    assert errors.get("received_on") == [MSG_DATE], errors
    assert errors.get("recorded_on") == [MSG_DATE], errors
    assert count(clerk_app, Case) == 0


def test_a_field_the_registration_form_does_not_have_is_refused(clerk_app):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    response = registrar.submit_registration({**REGISTRATION, "approved_by_head": "true"})
    assert response.status_code == 200
    assert "approved_by_head" in visible_text(response) and "未知字段" in visible_text(response)
    assert count(clerk_app, Case) == 0


# -- task forms --------------------------------------------------------------------------------------


def test_a_field_the_task_form_does_not_have_is_refused_and_changes_nothing(clerk_app):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    case_id = registrar.register()
    officer.done(case_id, JURISDICTION, KEEP)
    officer.done(case_id, ACCEPTANCE, ACCEPTABLE)
    before = snapshot(clerk_app, case_id)
    response = officer.do(case_id, FILING, {**FILED, "approved_by_head": "true"})
    assert response.status_code == 200
    shown = visible_text(response)
    assert "approved_by_head" in shown and "未知字段：表单中没有此项" in shown, shown[:1500]
    assert snapshot(clerk_app, case_id) == before
    assert FILING in officer.task_links(case_id)


def test_a_task_with_a_wrong_date_is_shown_again_with_the_date_message(clerk_app):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    case_id = registrar.register()
    officer.done(case_id, JURISDICTION, KEEP)
    before = snapshot(clerk_app, case_id)
    response = officer.do(
        case_id, ACCEPTANCE, {**ACCEPTABLE, "accepted_on": "2026-02-30", "acceptance_opinion": ""}
    )
    assert response.status_code == 200
    errors = field_errors(response)
    assert errors.get("accepted_on") == [MSG_DATE], errors
    assert errors.get("acceptance_opinion") == [MSG_REQUIRED], errors
    assert snapshot(clerk_app, case_id) == before


def test_a_deadline_in_a_year_without_a_confirmed_calendar_is_explained_in_chinese(clerk_app, clerk_clock):
    """A report received just before New Year: the 15-WD acceptance opinion runs into a year whose national
    calendar is not yet published. The step goes on and the deadline waits for that calendar — said in
    Chinese where the due date would be, never guessed (RULES §A; issue 6 item 5)."""
    clerk_clock.set("2026-12-21")
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    case_id = registrar.register(
        registered_on="2026-12-21", received_on="2026-12-21", recorded_on="2026-12-21"
    )
    response = officer.done(case_id, JURISDICTION, KEEP)
    messages = " ".join(flashes(officer.get(response.headers["Location"])))
    assert not re.search(r"[A-Za-z]{4,}", messages), (
        f"the clerk is shown an untranslated engine message: {messages}"
    )
    case_page = visible_text(officer.case_page(case_id))
    assert "等待 2027 年全国日历确认" in case_page
    # No due date in 2027 is given as if it were known: only the estimate, said to be one (RULES §B.13).
    assert re.findall(r"\S{0,3}2027-\d\d-\d\d", case_page) and all(
        m.startswith("预计 ") for m in re.findall(r"\S{0,2} ?2027-\d\d-\d\d", case_page)
    ), case_page


# -- CSRF ------------------------------------------------------------------------------------------


def test_posts_without_the_csrf_token_are_refused(clerk_app_csrf):
    app = clerk_app_csrf
    anonymous = Clerk(app, "cq-yuzhong-registrar")
    response = anonymous.post("/login", data={"username": "cq-yuzhong-registrar", "password": "demo12345"})
    assert response.status_code == 400

    registrar = login(app, "cq-yuzhong-registrar")  # through the page, with its token
    officer = login(app, "cq-yuzhong-case-officer")
    _, fields = browser_form(registrar.open_intake())
    posted = fill(fields, REGISTRATION)
    posted.poplist("csrf_token")
    assert registrar.post("/intake", data=posted).status_code == 400
    assert count(app, Case) == 0

    case_id = registrar.register()  # the page's own token: accepted
    url = officer.task_url(case_id, JURISDICTION)
    before = snapshot(app, case_id)
    _, fields = browser_form(officer.get(url))
    posted = fill(fields, KEEP)
    posted.poplist("csrf_token")
    assert officer.post(url, data=posted).status_code == 400
    posted.add("csrf_token", "forged")
    assert officer.post(url, data=posted).status_code == 400
    for bare in (
        f"/cases/{case_id}/events/withdrawal",
        f"/cases/{case_id}/recusals",
        url + "/claim",
        url + "/release",
        "/logout",
    ):
        assert (
            officer.post(bare, data={"username": "cq-yuzhong-registrar", "reason": "x"}).status_code == 400
        ), bare
    assert snapshot(app, case_id) == before
    # and with the token the page gave, the same post goes through
    officer.done(case_id, JURISDICTION, KEEP)
    assert ACCEPTANCE in officer.task_links(case_id)


def test_the_refusal_of_a_missing_token_is_a_chinese_page(clerk_app_csrf):
    registrar = login(clerk_app_csrf, "cq-yuzhong-registrar")
    response = registrar.post("/intake", data={"content": "x"})
    assert response.status_code == 400
    assert "请求有误" in visible_text(response)
    assert page(response).xpath("//html")


def test_the_engine_s_field_messages_follow_the_page_s_language(clerk_app):
    """The form messages come from the engine in Chinese; an English page shows them in English,
    with their values filled in (a text over its length, a number with too many decimals)."""
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    registrar.get("/?lang=en")
    response = registrar.submit_registration({**REGISTRATION, "received_on": "2026/03/02", "recorder": ""})
    assert response.status_code == 200
    errors = field_errors(response)
    assert errors.get("received_on") == ["Enter a date (YYYY-MM-DD)"], errors
    assert errors.get("recorder") == ["This field is required"], errors
    assert MSG_DATE not in visible_text(response)
    response = registrar.submit_registration({**REGISTRATION, "content": "串" * 10_001})
    assert field_errors(response).get("content") == ["At most 10000 characters"], field_errors(response)
    registrar.get("/?lang=zh")
    response = registrar.submit_registration({**REGISTRATION, "received_on": "2026/03/02"})
    assert field_errors(response).get("received_on") == [MSG_DATE]
    assert count(clerk_app, Case) == 0
