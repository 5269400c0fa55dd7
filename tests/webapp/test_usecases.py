"""The clerk's use cases below HTTP: state is built by calling use cases, each step is one call, and a
refused step leaves nothing behind (webapp.transaction). SQLite, and PostgreSQL when TEST_DATABASE_URL
is set."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from clerk import KEEP, REGISTRATION

from engine.errors import ValidationError
from webapp import access
from webapp.errors import Conflict, Forbidden, NotFound
from webapp.extensions import db
from webapp.models import Case, CaseEvent, TaskEntry, User
from webapp.store import taskrules, visibility
from webapp.transaction import transaction
from webapp.usecases import casework


def user(name: str) -> User:
    return db.session.execute(sa.select(User).filter_by(username=name)).scalar_one()


def registered(app) -> int:
    """A 渝中区 report registered by its registrar, waiting for the 管辖审查."""
    with app.app_context():
        return casework.register_report(user("cq-yuzhong-registrar"), REGISTRATION).id


def jurisdiction_task(case: Case) -> TaskEntry:
    return db.session.execute(
        sa.select(TaskEntry).filter_by(case_id=case.id, form_id="jurisdiction")
    ).scalar_one()


def trail(case_id: int) -> tuple:
    """What a step would change: the case's lock version and state, its tasks and its timeline."""
    db.session.expire_all()
    row = db.session.get(Case, case_id)
    tasks = sorted(
        db.session.execute(
            sa.select(TaskEntry.task_id, TaskEntry.claimed_by_id).filter_by(case_id=case_id)
        ).all()
    )
    events = db.session.execute(
        sa.select(sa.func.count()).select_from(CaseEvent).filter_by(case_id=case_id)
    ).scalar()
    return row.lock_version, row.state, tuple(tasks), events


def test_a_registered_report_waits_in_the_case_officers_inbox(clerk_app):
    case_id = registered(clerk_app)
    with clerk_app.app_context():
        [task] = [t for t in casework.inbox(user("cq-yuzhong-case-officer")) if t.case_id == case_id]
        assert task.form_id == "jurisdiction"
        assert casework.inbox(user("cq-yubei-case-officer")) == []  # another district sees nothing


def test_only_a_registrar_registers_and_a_refusal_writes_no_case(clerk_app):
    with clerk_app.app_context():
        with pytest.raises(Forbidden):
            casework.register_report(user("cq-yuzhong-auditor"), REGISTRATION)
        assert db.session.execute(sa.select(sa.func.count()).select_from(Case)).scalar() == 0


def test_an_invalid_registration_is_refused_field_by_field_and_writes_no_case(clerk_app):
    with clerk_app.app_context():
        with pytest.raises(ValidationError) as refused:
            casework.register_report(
                user("cq-yuzhong-registrar"), {**REGISTRATION, "received_on": "2026-02-30"}
            )
        assert "received_on" in refused.value.messages
        assert db.session.execute(sa.select(sa.func.count()).select_from(Case)).scalar() == 0


def test_a_task_completed_moves_the_case_on_and_is_written_in_its_timeline(clerk_app):
    case_id = registered(clerk_app)
    with clerk_app.app_context():
        officer, case = user("cq-yuzhong-case-officer"), db.session.get(Case, case_id)
        before = trail(case_id)
        casework.complete_task(officer, case, jurisdiction_task(case).task_id, KEEP, case.lock_version)
        after = trail(case_id)
        assert after[0] == before[0] + 1 and after[3] == before[3] + 1
        assert {
            t.form_id for t in db.session.execute(sa.select(TaskEntry).filter_by(case_id=case_id)).scalars()
        } == {"acceptance_check"}


def test_invalid_task_data_is_refused_and_nothing_of_the_step_is_kept(clerk_app):
    case_id = registered(clerk_app)
    with clerk_app.app_context():
        officer, case = user("cq-yuzhong-case-officer"), db.session.get(Case, case_id)
        before = trail(case_id)
        with pytest.raises(ValidationError):
            casework.complete_task(
                officer, case, jurisdiction_task(case).task_id, {"jurisdiction": "nowhere"}, case.lock_version
            )
        assert trail(case_id) == before


def test_a_page_shown_before_a_colleagues_change_is_refused_as_a_conflict(clerk_app):
    case_id = registered(clerk_app)
    with clerk_app.app_context():
        officer, case = user("cq-yuzhong-case-officer"), db.session.get(Case, case_id)
        before = trail(case_id)
        with pytest.raises(Conflict):
            casework.complete_task(
                officer, case, jurisdiction_task(case).task_id, KEEP, case.lock_version - 1
            )
        assert trail(case_id) == before


def test_a_case_changed_underneath_the_step_is_a_conflict_and_the_step_is_rolled_back(clerk_app):
    """The row was read, then someone else wrote it (its lock version moved on) before this step saved."""
    case_id = registered(clerk_app)
    with clerk_app.app_context():
        officer, case = user("cq-yuzhong-case-officer"), db.session.get(Case, case_id)
        task_id = jurisdiction_task(case).task_id
        with db.engine.connect() as other:  # another request, on its own connection
            other.execute(
                sa.update(Case).where(Case.id == case_id).values(lock_version=Case.lock_version + 1)
            )
            other.commit()
        with pytest.raises(Conflict):
            casework.complete_task(officer, case, task_id, KEEP, None)
        db.session.expire_all()
        assert (
            db.session.execute(
                sa.select(sa.func.count()).select_from(CaseEvent).filter_by(case_id=case_id, kind="task")
            ).scalar()
            == 0
        )
        assert jurisdiction_task(db.session.get(Case, case_id)).task_id == task_id  # still waiting


def test_a_claimed_task_is_the_claimants_until_released(clerk_app):
    case_id = registered(clerk_app)
    with clerk_app.app_context():
        officer, head = user("cq-yuzhong-case-officer"), user("cq-yuzhong-division-head")
        colleague = User(
            username="cq-yuzhong-case-officer-2",
            display_name="渝中区承办人二",
            bureau=officer.bureau,
            password_hash="-",
        )
        colleague.roles = ["case_officer"]
        db.session.add(colleague)
        db.session.commit()
        case = db.session.get(Case, case_id)
        task_id = jurisdiction_task(case).task_id
        casework.claim(officer, case, task_id)
        with pytest.raises(Forbidden):
            visibility.task_for(colleague, case, task_id)
        assert all(t.case_id != case_id for t in casework.inbox(colleague))
        with pytest.raises(Forbidden):  # a head without the task's role cannot take it either
            casework.claim(head, case, task_id)
        casework.release(officer, case, task_id)
        assert visibility.task_for(colleague, case, task_id).claimed_by_id is None


def test_a_recused_officer_loses_the_case_and_the_head_alone_decides_it(clerk_app):
    case_id = registered(clerk_app)
    with clerk_app.app_context():
        officer, head, case = user("cq-yuzhong-case-officer"), user("cq-yuzhong-division-head"), None
        case = db.session.get(Case, case_id)
        with pytest.raises(Forbidden):
            casework.recuse(officer, case, officer.username, "自己申请")
        casework.recuse(head, case, officer.username, "与被举报人有利害关系（CQH 第十八条）")
        with pytest.raises(NotFound):
            visibility.case_for(officer, case_id)
        assert casework.inbox(officer) == []


def test_a_transaction_commits_its_block_or_nothing(clerk_app):
    with clerk_app.app_context():
        bureau = user("cq-yuzhong-registrar").bureau
        with transaction():
            db.session.add(User(username="kept", display_name="留下", bureau=bureau, password_hash="-"))
        with pytest.raises(RuntimeError), transaction():
            db.session.add(User(username="dropped", display_name="丢弃", bureau=bureau, password_hash="-"))
            db.session.flush()
            raise RuntimeError("the step failed half-way")
        names = set(
            db.session.execute(
                sa.select(User.username).where(User.username.in_(["kept", "dropped"]))
            ).scalars()
        )
        assert names == {"kept"}


def test_a_process_s_task_rules_are_found_by_its_process_and_no_other():
    class Rules:
        def check(self, *args): ...

    class Row:
        def __init__(self, process_id):
            self.process_id = process_id

    taskrules.register("test_process", Rules())
    try:
        assert isinstance(taskrules.rules_for(Row("test_process")), Rules)
        assert taskrules.rules_for(Row("another_process")) is None
    finally:
        taskrules.register("test_process", None)


def test_the_reporter_is_masked_for_those_who_do_not_handle_cases():
    class Person:
        def __init__(self, *roles):
            self.roles = set(roles)

    data = {"reporter_name": "张三", "reporter_phone": "13800000000", "content": "串换药品"}
    assert access.masked(Person("case_officer"), data) == data
    for role in ("auditor", "policy_editor", "administrator"):
        shown = access.masked(Person(role), data)
        assert (
            shown["reporter_name"] == shown["reporter_phone"] == "（保密）" and shown["content"] == "串换药品"
        )


def test_the_timeline_says_what_a_step_decided():
    from webapp.usecases.casework import decided_words

    jurisdiction = {
        "components": [
            {
                "key": "jurisdiction",
                "label": "管辖结论",
                "type": "radio",
                "values": [{"label": "本局管辖", "value": "keep"}, {"label": "移交", "value": "transfer"}],
            },
            {"key": "jurisdiction_reason", "label": "理由", "type": "textarea"},
        ]
    }
    assert (
        decided_words(jurisdiction, {"jurisdiction": "transfer", "jurisdiction_reason": "x"})
        == "：管辖结论 移交"
    )
    filing = {
        "components": [
            {"type": "group", "components": [{"key": "filed", "label": "决定立案", "type": "checkbox"}]}
        ]
    }
    assert decided_words(filing, {"filed": False}) == "：决定立案：否"
    assert decided_words(filing, {}) == "" and decided_words(None, {"filed": True}) == ""
