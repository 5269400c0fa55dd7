"""A recusal decided on the process's own task (CQH 第十八条) takes the recused officer off the case."""

from webapp import errors
from webapp.extensions import db
from webapp.models import Recusal, User
from webapp.store import visibility
from webapp.usecases import casework

REGISTRATION = {
    "registered_on": "2026-03-02",
    "received_on": "2026-03-02",
    "source_channel": "phone",
    "request_kind": "report",
    "fund_type": "basic_medical",
    "reporter_kind": "natural_person",
    "reporter_name": "张三",
    "reporter_id_no": "110101199001011237",
    "reporter_phone": "13800000000",
    "subject_type": "designated_pharmacy",
    "reported_unit_name": "某某大药房",
    "content": "串换药品",
    "act_location": "渝中区",
    "has_evidence": True,
    "repeat_of": "none",
    "recorder": "李四",
    "recorded_on": "2026-03-02",
}


def user(name):
    return db.session.query(User).filter_by(username=name).one()


def test_an_approved_recusal_removes_the_officer_from_the_case(tmp_path, seeded_databases):
    from webapp import create_app

    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": seeded_databases.sqlite_at(tmp_path / "r.sqlite")}
    )
    with app.test_request_context():
        case = casework.register_report(user("cq-yuzhong-registrar"), REGISTRATION)
        officer, head = user("cq-yuzhong-case-officer"), user("cq-yuzhong-division-head")
        assert casework.inbox(officer)
        casework.send_event(officer, case, "recusal_request", "申请回避")
        [task] = [t for t in casework.inbox(head) if t.form_id == "recusal_decision"]
        bad = {
            "recusal_requested_by": "staff",
            "recusal_staff": "不存在的人",
            "recusal_ground": "CQH-18-2",
            "recusal_approved": True,
            "recusal_decided_on": "2026-03-03",
            "recusal_opinion": "同意回避",
        }
        try:
            casework.complete_task(head, case, task.task_id, bad, None)
        except casework.ValidationError as exc:
            assert "recusal_staff" in exc.messages
        else:
            raise AssertionError("an unknown staff member was accepted")
        db.session.rollback()
        casework.complete_task(head, case, task.task_id, {**bad, "recusal_staff": officer.display_name}, None)
        assert db.session.query(Recusal).filter_by(case_id=case.id, user_id=officer.id).count() == 1
        assert casework.inbox(officer) == []
        try:
            visibility.case_for(officer, case.id)
        except errors.NotFound:
            pass
        else:
            raise AssertionError("a recused officer still sees the case")
