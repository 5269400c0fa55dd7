"""Jurisdiction in every direction (CQH 第十九至二十一条, CQF 第二十三条): a report handed from the
city to a district, from a district to the city or to another district, taken over by the city, or
designated by the city after a dispute both districts negotiate, arrives as a case of the receiving
bureau with the same 登记表, evidence and deadlines; both timelines name the other case."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine.errors import ValidationError
from webapp import create_app
from webapp.errors import Forbidden, NotFound
from webapp.extensions import db
from webapp.models import Attachment, Case, CaseEvent, User
from webapp.store import evidence, visibility
from webapp.usecases import casework, jurisdiction

REGISTRATION = {
    "registered_on": "2026-03-02",
    "received_on": "2026-03-02",
    "source_channel": "letter",
    "request_kind": "report",
    "fund_type": "basic_medical",
    "reporter_kind": "natural_person",
    "reporter_name": "王五",
    "reporter_id_no": "110101199001011237",
    "reporter_phone": "13800000000",
    "subject_type": "designated_medical_institution",
    "reported_unit_name": "某某医院",
    "content": "挂床住院",
    "act_location": "渝中区",
    "has_evidence": True,
    "repeat_of": "none",
    "recorder": "李四",
    "recorded_on": "2026-03-02",
}


def user(name):
    return db.session.query(User).filter_by(username=name).one()


@pytest.fixture
def app(tmp_path, seeded_databases):
    def clock():
        return datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": seeded_databases.sqlite_at(tmp_path / "t.sqlite"),
            "CLUEFLOW_CLOCK": clock,
        }
    )
    with app.test_request_context():
        yield app


def work(username, case, form_id, data):
    [task] = [t for t in casework.inbox(user(username)) if t.case_id == case.id and t.form_id == form_id]
    casework.complete_task(user(username), case, task.task_id, data, None)


@pytest.mark.parametrize("bureau", ["渝中区医疗保障局", "cq-yuzhong"])
def test_a_transfer_to_a_district_opens_a_case_there(app, bureau):
    case = casework.register_report(user("cq-registrar"), REGISTRATION)
    work(
        "cq-case-officer",
        case,
        "jurisdiction",
        {"jurisdiction": "transfer", "competent_bureau": bureau, "jurisdiction_reason": "行为发生地在渝中区"},
    )
    [task] = [t for t in casework.inbox(user("cq-case-officer")) if t.case_id == case.id]
    assert (
        task.form_id == "transfer"
        and task.deadline["rule"] == "transfer"
        and task.deadline["due"] == "2026-03-09"
    )
    work(
        "cq-case-officer",
        case,
        "transfer",
        {"competent_bureau": bureau, "transferred_on": "2026-03-03", "materials_sent": True},
    )
    assert case.status == "closed"
    [district_case] = db.session.query(Case).filter(Case.id != case.id).all()
    assert district_case.bureau.code == "cq-yuzhong" and district_case.received_on.isoformat() == "2026-03-02"
    assert district_case.reported_unit == "某某医院" and district_case.number != case.number
    district_tasks = [
        t.form_id for t in casework.inbox(user("cq-yuzhong-case-officer")) if t.case_id == district_case.id
    ]
    assert district_tasks == ["jurisdiction"]


def events(case):
    return [
        (e.kind, e.title)
        for e in db.session.execute(
            select(CaseEvent).filter_by(case_id=case.id).order_by(CaseEvent.id)
        ).scalars()
    ]


def hand(case, officer, receiver):
    work(
        officer,
        case,
        "jurisdiction",
        {"jurisdiction": "transfer", "competent_bureau": receiver, "jurisdiction_reason": "不属本局"},
    )
    work(
        officer,
        case,
        "transfer",
        {"competent_bureau": receiver, "transferred_on": "2026-03-03", "materials_sent": True},
    )
    [new] = (
        db.session.query(Case)
        .filter(Case.id != case.id, Case.received_on == case.received_on)
        .order_by(Case.id.desc())
        .limit(1)
        .all()
    )
    return new


@pytest.mark.parametrize(
    "registrar, officer, receiver, code, receiving_officer",
    [
        ("cq-yuzhong-registrar", "cq-yuzhong-case-officer", "重庆市医疗保障局", "cq", "cq-case-officer"),
        (
            "cq-yuzhong-registrar",
            "cq-yuzhong-case-officer",
            "渝北区医疗保障局",
            "cq-yubei",
            "cq-yubei-case-officer",
        ),
    ],
    ids=["district-to-city", "district-to-district"],
)
def test_a_district_hands_a_report_to_the_city_or_another_district(
    app, tmp_path, registrar, officer, receiver, code, receiving_officer
):
    stored, refused = evidence.receive([_Upload("票据.pdf", b"%PDF-1.4 evidence")], tmp_path)
    assert refused == []
    case = casework.register_report(user(registrar), REGISTRATION, evidence=stored)
    db.session.commit()
    new = hand(case, officer, receiver)
    assert case.status == "closed" and new.bureau.code == code and new.status == "open"
    assert new.reported_unit == "某某医院" and new.received_on == case.received_on
    [attachment] = db.session.execute(select(Attachment).filter_by(case_id=new.id)).scalars()
    assert attachment.filename == "票据.pdf"
    [task] = [t for t in casework.inbox(user(receiving_officer)) if t.case_id == new.id]
    assert task.form_id == "jurisdiction"
    assert any(kind == "transferred" and new.number in title for kind, title in events(case))
    assert [kind for kind, _title in events(new)].count("received") == 1
    assert any(kind == "received" and case.number in title for kind, title in events(new))
    assert new.channel == "transferred"
    # The sender no longer holds the report; the receiving district sees it, the sender does not.
    with pytest.raises(NotFound):
        visibility.case_for(user(officer), new.id)
    assert visibility.case_for(user(receiving_officer), new.id) is new


def test_a_receiver_outside_the_citys_medical_security_bureaus_is_refused_and_nothing_closes(app):
    case = casework.register_report(user("cq-yuzhong-registrar"), REGISTRATION)
    with pytest.raises(ValidationError) as refused:
        work(
            "cq-yuzhong-case-officer",
            case,
            "jurisdiction",
            {
                "jurisdiction": "transfer",
                "competent_bureau": "重庆市卫生健康委员会",
                "jurisdiction_reason": "x",
            },
        )
    assert "重庆市医疗保障局" in refused.value.messages["competent_bureau"][0]
    assert "渝北区医疗保障局" in refused.value.messages["competent_bureau"][0]
    for other_city in ("乌鲁木齐市医疗保障局", "wlmq-tianshan"):
        with pytest.raises(ValidationError):
            work(
                "cq-yuzhong-case-officer",
                case,
                "jurisdiction",
                {"jurisdiction": "transfer", "competent_bureau": other_city, "jurisdiction_reason": "x"},
            )
    db.session.rollback()
    assert case.status == "open" and db.session.query(Case).count() == 1


def test_the_citys_heads_take_a_districts_case_over_and_no_one_else_may(app):
    case = casework.register_report(user("cq-yuzhong-registrar"), REGISTRATION)
    for name in (
        "cq-yuzhong-division-head",
        "cq-yuzhong-bureau-head",
        "cq-case-officer",
        "cq-auditor",
        "cq-yubei-bureau-head",
    ):
        assert not jurisdiction.may_take_over(user(name), case)
        with pytest.raises(Forbidden):
            jurisdiction.take_over(user(name), case, "重大案件")
    assert jurisdiction.may_take_over(user("cq-division-head"), case)
    new = jurisdiction.take_over(user("cq-division-head"), case, "涉及多个区县的重大案件")
    db.session.expire_all()
    assert case.status == "closed" and case.outcome == "taken_over"
    assert new.bureau.code == "cq" and new.reported_unit == "某某医院"
    assert casework.inbox(user("cq-yuzhong-case-officer")) == [] or all(
        t.case_id != case.id for t in casework.inbox(user("cq-yuzhong-case-officer"))
    )
    assert [t.form_id for t in casework.inbox(user("cq-case-officer")) if t.case_id == new.id] == [
        "jurisdiction"
    ]
    assert any(kind == "taken_over" and new.number in title for kind, title in events(case))
    assert any(
        kind == "received" and "提级" in title and "涉及多个区县" in title for kind, title in events(new)
    )
    from webapp.store import casestore

    kept = casestore.load(case).running.data  # the district's closed case keeps its 登记表
    assert kept["reporter_name"] == "王五" and kept["content"] == "挂床住院"
    with pytest.raises(Forbidden):  # a closed case is not taken over again
        jurisdiction.take_over(user("cq-division-head"), case, "再次")


def test_a_dispute_is_negotiated_by_both_districts_and_designated_by_the_citys_heads_only(app):
    case = casework.register_report(user("cq-yuzhong-registrar"), REGISTRATION)
    with pytest.raises(NotFound):
        visibility.case_for(user("cq-yubei-case-officer"), case.id)
    with pytest.raises(ValidationError):  # the other party of a dispute is a district of the same city
        work(
            "cq-yuzhong-case-officer",
            case,
            "jurisdiction",
            {
                "jurisdiction": "dispute",
                "competent_bureau": "重庆市医疗保障局",
                "dispute_arose_on": "2026-03-03",
                "jurisdiction_reason": "x",
            },
        )
    db.session.rollback()
    work(
        "cq-yuzhong-case-officer",
        case,
        "jurisdiction",
        {
            "jurisdiction": "dispute",
            "competent_bureau": "渝北区医疗保障局",
            "dispute_arose_on": "2026-03-03",
            "jurisdiction_reason": "行为跨两区",
        },
    )
    # Both districts see the case and the negotiation; CQH 21's seven working days run.
    assert visibility.case_for(user("cq-yubei-case-officer"), case.id) is case
    for name in ("cq-yuzhong-case-officer", "cq-yubei-case-officer"):
        [task] = [t for t in casework.inbox(user(name)) if t.case_id == case.id]
        assert task.form_id == "jurisdiction_negotiation" and task.deadline["due"] == "2026-03-12"
    work(
        "cq-yubei-case-officer",
        case,
        "jurisdiction_negotiation",
        {
            "jurisdiction": "unresolved",
            "negotiated_on": "2026-03-05",
            "negotiation_record": "双方均认为对方管辖",
        },
    )
    # 市局指定管辖: in the city heads' inbox only; a district head may not do it.
    assert not [t for t in casework.inbox(user("cq-yuzhong-division-head")) if t.case_id == case.id]
    [designation] = [t for t in casework.inbox(user("cq-division-head")) if t.case_id == case.id]
    assert designation.form_id == "city_designation"
    decision = {
        "jurisdiction": "transfer",
        "competent_bureau": "渝北区医疗保障局",
        "designated_on": "2026-03-06",
        "designation_reason": "行为主要发生在渝北区",
    }
    with pytest.raises(Forbidden):
        casework.complete_task(user("cq-yuzhong-division-head"), case, designation.task_id, decision, None)
    casework.complete_task(user("cq-division-head"), case, designation.task_id, decision, None)
    assert case.partner_bureau_id is None
    with pytest.raises(NotFound):  # the dispute is over: the other district no longer sees this case
        visibility.case_for(user("cq-yubei-case-officer"), case.id)
    work(
        "cq-yuzhong-case-officer",
        case,
        "transfer",
        {"competent_bureau": "渝北区医疗保障局", "transferred_on": "2026-03-09", "materials_sent": True},
    )
    [new] = db.session.query(Case).filter(Case.id != case.id).all()
    assert new.bureau.code == "cq-yubei" and case.status == "closed"


def test_a_provider_contracted_by_the_city_agency_is_the_citys(app):
    case = casework.register_report(
        user("cq-yuzhong-registrar"), {**REGISTRATION, "agreement_agency": "city"}
    )
    [task] = [t for t in casework.inbox(user("cq-yuzhong-case-officer")) if t.case_id == case.id]
    values = casework.form_values(case, task, casework_data(case))
    assert values["jurisdiction"] == "transfer" and values["competent_bureau"] == "重庆市医疗保障局"
    with pytest.raises(ValidationError) as refused:
        work(
            "cq-yuzhong-case-officer",
            case,
            "jurisdiction",
            {"jurisdiction": "keep", "jurisdiction_reason": "本区"},
        )
    assert "CQF 第二十三条第二款" in refused.value.messages["jurisdiction"][0]
    db.session.rollback()
    new = hand(case, "cq-yuzhong-case-officer", "重庆市医疗保障局")
    assert new.bureau.code == "cq"
    # At the city the same provider is kept: the rule is the districts'.
    work(
        "cq-case-officer",
        new,
        "jurisdiction",
        {"jurisdiction": "keep", "jurisdiction_reason": "市经办机构签约"},
    )


def casework_data(case):
    from webapp.store import casestore

    return casestore.load(case).running.data


class _Upload:
    def __init__(self, filename, data):
        import io

        self.filename, self.stream = filename, io.BytesIO(data)


def test_the_timeline_links_the_other_case_only_for_whoever_may_open_it(app):
    case = casework.register_report(user("cq-yuzhong-registrar"), REGISTRATION)
    new = hand(case, "cq-yuzhong-case-officer", "渝北区医疗保障局")
    received = db.session.execute(select(CaseEvent).filter_by(case_id=new.id)).scalars().all()
    sent = db.session.execute(select(CaseEvent).filter_by(case_id=case.id)).scalars().all()
    assert jurisdiction.visible_links(user("cq-yubei-case-officer"), received) == {}
    assert jurisdiction.visible_links(user("cq-yuzhong-case-officer"), sent) == {}
    assert set(jurisdiction.visible_links(user("cq-case-officer"), received).values()) == {case.id}
    assert set(jurisdiction.visible_links(user("cq-case-officer"), sent).values()) == {new.id}
