"""A report the city bureau transfers to one of its districts becomes a case of that district
(CQH 第二十条; 5 working days, URU 第十五条); a transfer elsewhere creates no case."""

from datetime import datetime, timezone

import pytest

from webapp import create_app
from webapp.extensions import db
from webapp.models import Case, User
from webapp.usecases import casework

REGISTRATION = {
    "registered_on": "2026-03-02",
    "received_on": "2026-03-02",
    "source_channel": "letter",
    "request_kind": "report",
    "fund_type": "basic_medical",
    "reporter_kind": "natural_person",
    "reporter_name": "王五",
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


@pytest.mark.parametrize(
    "bureau, creates", [("渝中区医疗保障局", True), ("cq-yuzhong", True), ("重庆市卫生健康委员会", False)]
)
def test_a_transfer_to_a_district_opens_a_case_there(app, bureau, creates):
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
    others = db.session.query(Case).filter(Case.id != case.id).all()
    if not creates:
        assert others == []
        return
    [district_case] = others
    assert district_case.bureau.code == "cq-yuzhong" and district_case.received_on.isoformat() == "2026-03-02"
    assert district_case.reported_unit == "某某医院" and district_case.number != case.number
    district_tasks = [
        t.form_id for t in casework.inbox(user("cq-yuzhong-case-officer")) if t.case_id == district_case.id
    ]
    assert district_tasks == ["jurisdiction"]
