"""What the 登记表 and the task forms refuse, and what they no longer lose (RULES §B.14–§B.15):
a real-name report names the reporter with a valid identity document and a way to reach them; no
report is dated in the future; a fund loss has its amount; amounts may be written 120,000; a text
that is too long is a field message with the form kept; a stale page keeps what the clerk typed."""

from __future__ import annotations

import pytest
from clerk import (
    ACCEPTABLE,
    ACCEPTANCE,
    CONCLUDED,
    CONCLUSION,
    FILED,
    FILING,
    FILING_NOTICE,
    INVESTIGATED,
    INVESTIGATION,
    JURISDICTION,
    KEEP,
    NOTICE,
    REGISTRATION,
    browser_form,
    field_errors,
    fill,
    login,
    page,
    visible_text,
)

from webapp.extensions import db
from webapp.models import Case
from webapp.usecases.intake import resident_id_valid


def registration_refused(app, **overrides) -> dict[str, list[str]]:
    response = login(app, "cq-yuzhong-registrar").submit_registration({**REGISTRATION, **overrides})
    assert response.status_code == 200, response.headers.get("Location")
    with app.app_context():
        assert db.session.query(Case).count() == 0
    return field_errors(response)


def test_the_gb11643_check_character():
    assert resident_id_valid("110101199001011237")
    assert resident_id_valid("11010519491231002X") and resident_id_valid("11010519491231002x")
    assert not resident_id_valid("110101199001011234")  # one digit off
    assert not resident_id_valid("11010119900101123")  # 17 characters


def test_a_real_name_report_needs_a_name_an_identity_document_and_a_way_to_reach_the_reporter(clerk_app):
    errors = registration_refused(
        clerk_app,
        reporter_name="",
        reporter_id_no="",
        reporter_phone="",
        reporter_address="",
        reporter_email="",
    )
    assert "实名举报须填写举报人姓名" in errors["reporter_name"][0]
    assert "身份证件号码" in errors["reporter_id_no"][0]
    assert "至少留下一种联系方式" in errors["reporter_phone"][0]


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("reporter_id_no", "110101199001011234", "校验码"),
        ("reporter_id_no", "1101011990", "校验码"),
        ("reporter_id_no", "@@", "证件号码格式不正确"),
        ("reporter_phone", "12345", "联系电话格式不正确"),
        ("reporter_email", "zhang.example.com", "电子邮箱格式不正确"),
        ("received_on", "2026-03-03", "不能晚于今天"),
        ("registered_on", "2027-01-04", "不能晚于今天"),
    ],
)
def test_a_malformed_identity_or_contact_or_a_future_date_is_refused_and_what_was_typed_is_kept(
    clerk_app, field, value, words
):
    response = login(clerk_app, "cq-yuzhong-registrar").submit_registration({**REGISTRATION, field: value})
    assert response.status_code == 200
    assert words in " ".join(field_errors(response)[field])
    _action, fields = browser_form(response)
    assert fields.get(field) == value and fields.get("content") == REGISTRATION["content"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"reporter_id_no": "E12345678"},  # a passport
        {"reporter_phone": "023-63891234"},  # a landline
        {"reporter_phone": "", "reporter_email": "zhang@example.com"},
        {"anonymous": True, "reporter_name": "", "reporter_id_no": "", "reporter_phone": ""},
    ],
    ids=["passport", "landline", "email-only", "anonymous"],
)
def test_other_documents_and_contacts_and_anonymous_reports_are_accepted(clerk_app, overrides):
    login(clerk_app, "cq-yuzhong-registrar").register(**overrides)


def _to_conclusion(app):
    case_id = login(app, "cq-yuzhong-registrar").register()
    officer = login(app, "cq-yuzhong-case-officer")
    officer.done(case_id, JURISDICTION, KEEP)
    officer.done(case_id, ACCEPTANCE, ACCEPTABLE)
    officer.done(case_id, FILING, FILED)
    officer.done(case_id, FILING_NOTICE, NOTICE)
    officer.done(case_id, INVESTIGATION, INVESTIGATED)
    return case_id, officer


def test_a_fund_loss_needs_its_verified_amount_and_amounts_may_be_grouped_by_thousands(clerk_app):
    case_id, officer = _to_conclusion(clerk_app)
    response = officer.do(case_id, CONCLUSION, {**CONCLUDED, "verified_loss": ""})
    assert response.status_code == 200
    assert "损失金额" in field_errors(response)["verified_loss"][0]
    response = officer.do(case_id, CONCLUSION, {**CONCLUDED, "verified_loss": "0"})
    assert "大于 0" in field_errors(response)["verified_loss"][0]
    officer.done(case_id, CONCLUSION, {**CONCLUDED, "verified_loss": "120,000"})
    with clerk_app.app_context():
        from webapp.store import casestore

        data = casestore.load(db.session.get(Case, case_id)).running.data
        assert str(data["verified_loss"]) == "120000"


def test_a_text_too_long_gets_the_fields_message_and_the_form_is_kept(clerk_app):
    content = "挂床住院" * 150_000  # 600,000 characters: past the old 500 KB form limit too
    response = login(clerk_app, "cq-yuzhong-registrar").submit_registration(
        {**REGISTRATION, "content": content}
    )
    assert response.status_code == 200
    assert "不能超过" in field_errors(response)["content"][0]
    _action, fields = browser_form(response)
    assert fields.get("reported_unit_name") == REGISTRATION["reported_unit_name"]


def test_a_stale_page_keeps_what_was_typed_and_says_what_changed(clerk_app):
    case_id = login(clerk_app, "cq-yuzhong-registrar").register()
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    url = officer.task_url(case_id, JURISDICTION)
    _action, stale = browser_form(officer.get(url))  # the page as first shown
    # Meanwhile a colleague records the reporter's withdrawal on the case.
    colleague = login(clerk_app, "cq-yuzhong-registrar")
    colleague.post(f"/cases/{case_id}/events/withdrawal")
    typed = {**KEEP, "jurisdiction_reason": "行为发生在本区（我打了很长一段话）"}
    response = officer.post(url, data=fill(stale, typed))
    assert response.status_code == 200, response.headers.get("Location")
    shown = page(response)
    _action, again = browser_form(response)
    assert again.get("jurisdiction_reason") == typed["jurisdiction_reason"]
    assert "撤回" in " ".join(shown.xpath("//*[@id='changed-meanwhile']//li//text()"))
    # Sent again from the re-shown page, it goes through.
    response = officer.post(url, data=again)
    assert response.status_code == 302, visible_text(response)[:800]


def test_a_task_opened_from_the_inbox_returns_to_the_inbox_with_todays_date_filled_in(clerk_app):
    case_id = login(clerk_app, "cq-yuzhong-registrar").register()
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    officer.done(case_id, JURISDICTION, KEEP)
    [row] = [r for r in officer.inbox() if r["name"] == ACCEPTANCE]
    assert "back=inbox" in row["url"]
    _action, fields = browser_form(officer.get(row["url"]))
    assert fields.get("accepted_on") == "2026-03-02"  # the clerk's today
    response = officer.post(row["url"], data=fill(fields, ACCEPTABLE))
    assert response.status_code == 302 and response.headers["Location"].endswith("/")


def test_a_notice_task_does_not_open_with_an_earlier_notices_text(clerk_app):
    from clerk import RESULT_NOTICE

    case_id, officer = _to_conclusion(clerk_app)
    officer.done(case_id, CONCLUSION, CONCLUDED)
    _action, fields = browser_form(officer.get(officer.task_url(case_id, RESULT_NOTICE)))
    assert fields.get("notice_text", "") == "" and fields.get("notice_method", "") == ""
