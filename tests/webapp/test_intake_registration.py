"""The 登记表 rules at intake: a walk-in oral report without written material needs a second staff
member or a recorded reason (CQH 第十一条); case numbers run per pack and year (CQH 第十条); a report
naming the party of an earlier case is flagged before it is registered (CQH 第十三条第一、二项)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from clerk import login_client as login
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Case
from webapp.store.casestore import load
from webapp.usecases.intake import next_number, walk_in_problems

TODAY = date.today().isoformat()
YEAR = date.today().year
REGISTRATION = dict(
    registered_on=TODAY,
    received_on=TODAY,
    source_channel="web",
    request_kind="report",
    fund_type="basic_medical",
    reporter_kind="natural_person",
    reporter_name="张三",
    reporter_id_no="110101199001011237",
    reporter_phone="13800000000",
    subject_type="designated_pharmacy",
    reported_unit_name="某某大药房",
    content="串换药品，将保健品记入医保结算",
    act_location="渝中区",
    has_evidence="true",
    repeat_of="none",
    recorder="李四",
    recorded_on=TODAY,
)
WALK_IN = dict(source_channel="visit", second_staff="", single_staff_reason="")


@pytest.fixture
def app(intake_app):
    return intake_app


def post(client, **overrides):
    return client.post(
        "/intake", data={k: v for k, v in {**REGISTRATION, **overrides}.items() if v is not None}
    )


def case_id(response) -> int:
    assert response.status_code == 302, re.sub(r"\s+", " ", response.get_data(as_text=True))[-2500:]
    return int(re.search(r"/cases/(\d+)$", response.headers["Location"]).group(1))


def field_errors(response) -> dict[str, str]:
    """The message under each field of the re-shown form: {key: text}."""
    html = response.get_data(as_text=True)
    out = {}
    for key, body in re.findall(r'data-key="([^"]+)"(.*?)</(?:label|fieldset)>', html, re.S):
        messages = re.findall(r'class="field-error"[^>]*>([^<]*)<', body)
        if messages:
            out[key] = "；".join(messages)
    return out


def cases(app) -> list[Case]:
    with app.app_context():
        rows = db.session.execute(select(Case).order_by(Case.id)).scalars().all()
        db.session.expunge_all()
        return rows


# -- CQH 第十一条: walk-in oral reports ------------------------------------------------------------


def test_the_walk_in_rule_as_a_function():
    assert walk_in_problems({**REGISTRATION}) == {}
    assert set(walk_in_problems({**REGISTRATION, **WALK_IN})) == {"second_staff", "single_staff_reason"}
    assert walk_in_problems({**REGISTRATION, **WALK_IN, "written_material": True}) == {}
    assert walk_in_problems({**REGISTRATION, **WALK_IN, "second_staff": "王五"}) == {}
    assert walk_in_problems({**REGISTRATION, **WALK_IN, "single_staff_reason": "午间值班仅一人"}) == {}
    assert set(walk_in_problems({**REGISTRATION, **WALK_IN, "second_staff": " 李四 "})) == {"second_staff"}
    assert walk_in_problems({**REGISTRATION, **WALK_IN, "second_staff": "   "}) != {}


def test_a_walk_in_without_written_material_or_second_staff_is_shown_again_with_the_reason(app):
    client = login(app)
    response = post(client, **WALK_IN)
    assert response.status_code == 200
    errors = field_errors(response)
    assert "CQH 第十一条" in errors["second_staff"] and "CQH 第十一条" in errors["single_staff_reason"]
    page = response.get_data(as_text=True)
    assert "某某大药房" in page and "串换药品" in page  # nothing typed is lost
    assert cases(app) == []


def test_the_walk_in_message_comes_with_the_forms_own_messages(app):
    client = login(app)
    errors = field_errors(post(client, **WALK_IN, content=""))
    assert "second_staff" in errors and "content" in errors


def test_the_second_staff_member_cannot_be_the_recorder(app):
    errors = field_errors(post(login(app), **{**WALK_IN, "second_staff": "李四"}))
    assert "记录人以外" in errors["second_staff"]


@pytest.mark.parametrize(
    "extra",
    [
        {"second_staff": "王五"},
        {"single_staff_reason": "节假日值班，仅一名工作人员在岗"},
        {"written_material": "true"},
    ],
)
def test_a_walk_in_with_a_second_staff_member_or_a_reason_or_written_material_registers(app, extra):
    client = login(app)
    cid = case_id(post(client, **{**WALK_IN, **extra}))
    with app.app_context():
        row = db.session.get(Case, cid)
        data = load(row).running.data
        assert row.channel == "visit"
        for key, value in extra.items():
            assert data[key] == (True if value == "true" else value)


def test_the_rule_concerns_only_walk_ins(app):
    case_id(post(login(app), source_channel="phone", second_staff="", single_staff_reason=""))


def test_a_report_against_nobody_is_shown_again_on_both_reported_party_fields(app):
    response = post(login(app), reported_unit_name="", reported_person_name="  ")
    errors = field_errors(response)
    assert "被举报人或被举报单位至少填写一项" in errors["reported_person_name"]
    assert "被举报人或被举报单位至少填写一项" in errors["reported_unit_name"]
    assert cases(app) == []


# -- CQH 第十条: numbering ---------------------------------------------------------------------------


def test_case_numbers_are_consecutive_per_pack_and_year_and_distinct_across_packs(app):
    yuzhong, yubei, city = login(app), login(app, "cq-yubei-registrar"), login(app, "cq-registrar")
    tianshan = login(app, "wlmq-tianshan-registrar")
    order = [
        (yuzhong, "甲药房"),
        (yubei, "乙药房"),
        (tianshan, "丙药房"),
        (city, "丁药房"),
        (yuzhong, "戊药房"),
        (tianshan, "己药房"),
    ]
    for client, unit in order:
        case_id(post(client, reported_unit_name=unit, act_location="本区"))
    numbers = [c.number for c in cases(app)]
    # One numbering space per pack (CQH 第七条第二款: one city-wide system), whichever bureau registers.
    assert numbers == [
        f"CQ-{YEAR}-00001",
        f"CQ-{YEAR}-00002",
        f"WLMQ-{YEAR}-00001",
        f"CQ-{YEAR}-00003",
        f"CQ-{YEAR}-00004",
        f"WLMQ-{YEAR}-00002",
    ]
    assert len(set(numbers)) == len(numbers)
    with app.app_context():
        assert next_number("chongqing", YEAR + 1) == f"CQ-{YEAR + 1}-00001"  # a new year starts again at 1
        assert next_number("chongqing", YEAR + 1) == f"CQ-{YEAR + 1}-00002"
        assert next_number("chongqing", YEAR) == f"CQ-{YEAR}-00005"
        db.session.rollback()


def test_a_refused_registration_uses_no_number(app):
    client = login(app)
    assert post(client, **WALK_IN).status_code == 200
    assert post(client, content="").status_code == 200
    case_id(post(client))
    assert [c.number for c in cases(app)] == [f"CQ-{YEAR}-00001"]


# -- CQH 第十三条第一、二项: repeat reports --------------------------------------------------------


def test_a_report_naming_the_party_of_an_earlier_case_is_flagged_then_registered_on_resubmission(app):
    client = login(app)
    first = case_id(post(client))
    with app.app_context():
        number = db.session.get(Case, first).number
    response = post(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "可能重复" in page and number in page and "办理中" in page
    assert 'name="duplicates_seen" value="1"' in page
    assert len(cases(app)) == 1
    # The registrar has looked, marks the report as a repeat of the open case, and saves again.
    second = case_id(post(client, duplicates_seen="1", repeat_of="open", earlier_report_no=number))
    with app.app_context():
        data = load(db.session.get(Case, second)).running.data
        assert data["repeat_of"] == "open" and data["earlier_report_no"] == number
        assert "duplicates_seen" not in data


def test_a_closed_case_is_flagged_too_and_a_person_matches_as_well_as_a_unit(app):
    client = login(app)
    first = case_id(
        post(client, subject_type="individual", reported_unit_name=None, reported_person_name="赵六")
    )
    with app.app_context():
        db.session.get(Case, first).status = "closed"
        db.session.commit()
    page = post(
        client, subject_type="individual", reported_unit_name=None, reported_person_name="赵六"
    ).get_data(as_text=True)
    assert "可能重复" in page and "已办结" in page
    second = case_id(
        post(
            client,
            subject_type="individual",
            reported_unit_name=None,
            reported_person_name="赵六",
            duplicates_seen="1",
            repeat_of="closed",
        )
    )
    with app.app_context():
        assert load(db.session.get(Case, second)).running.data["repeat_of"] == "closed"


def test_another_bureaus_cases_are_not_revealed_as_duplicates(app):
    case_id(post(login(app)))
    response = post(login(app, "cq-yubei-registrar"))
    assert response.status_code == 302  # 渝北 cannot see 渝中's case, so nothing is shown or asked
