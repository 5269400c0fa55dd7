"""The rows a task completion writes (webapp/caserows.py): the case row under its lock, the task index
and inbox queue in step with the ready tasks, the timeline — and nothing at all when someone else
got there first, whichever moment they got there."""

from __future__ import annotations

import pytest
from clerk import KEEP, REGISTRATION
from sqlalchemy import event, select

from webapp import errors
from webapp.extensions import db
from webapp.models import NO_DUE, Case, CaseEvent, TaskEntry, TaskQueue, User
from webapp.store import casestore, visibility
from webapp.usecases import casework

DONE_BY_OTHERS = "该任务已被他人办理完毕"
STALE = "此案件已被他人更新，请刷新页面后重新办理"
JURISDICTION = "Task_Jurisdiction"


def user(name: str) -> User:
    return db.session.execute(select(User).filter_by(username=name)).scalar_one()


def registered(app) -> tuple[int, str]:
    """A Yuzhong report waiting at 管辖审查: (case id, task id)."""
    with app.test_request_context():
        case = casework.register_report(user("cq-yuzhong-registrar"), dict(REGISTRATION))
        task_id = db.session.execute(
            select(TaskEntry.task_id).filter_by(case_id=case.id, element_id=JURISDICTION)
        ).scalar_one()
        case_id = case.id
        db.session.remove()
    return case_id, task_id


def stored(app, case_id: int) -> tuple:
    """Everything a completion may write for one case."""
    with app.app_context():
        row = db.session.get(Case, case_id)
        entries = db.session.execute(
            select(TaskEntry).filter_by(case_id=case_id).order_by(TaskEntry.id)
        ).scalars()
        tasks = tuple((t.task_id, t.element_id, t.roles_text, t.due, t.claimed_by_id) for t in entries)
        queue = tuple(
            db.session.execute(
                select(TaskQueue.bureau_id, TaskQueue.role, TaskQueue.sort_due, TaskEntry.task_id)
                .join(TaskEntry, TaskEntry.id == TaskQueue.task_entry_id)
                .where(TaskEntry.case_id == case_id)
                .order_by(TaskEntry.task_id, TaskQueue.role)
            ).all()
        )
        events = tuple(
            db.session.execute(
                select(CaseEvent.kind, CaseEvent.title).filter_by(case_id=case_id).order_by(CaseEvent.id)
            ).all()
        )
        result = (row.lock_version, row.state, row.current_step, row.updated_at, tasks, queue, events)
        db.session.remove()
    return result


def test_a_completion_brings_the_task_index_and_the_inbox_queue_in_step(clerk_app):
    case_id, task_id = registered(clerk_app)
    before = stored(clerk_app, case_id)
    with clerk_app.test_request_context():
        officer = user("cq-yuzhong-case-officer")
        case = visibility.case_for(officer, case_id)
        entry = visibility.task_for(officer, case, task_id)  # as the task page holds it
        casework.complete_task(officer, case, task_id, dict(KEEP), case.lock_version)
        assert entry.name == "管辖审查"  # the completed task's row is gone, the page can still name it
        runner = casestore.load(db.session.get(Case, case_id)).runner
        ready = runner.ready_tasks(casestore.load(db.session.get(Case, case_id)).running)
        db.session.remove()
    lock_version, _, current_step, updated_at, tasks, queue, events = stored(clerk_app, case_id)
    assert lock_version == before[0] + 1 and updated_at != before[3]
    assert current_step == "、".join(t.name for t in ready)
    assert [t[:3] for t in tasks] == [(t.id, t.element_id, ",".join(t.roles)) for t in ready]
    assert JURISDICTION not in [t[1] for t in tasks]
    with clerk_app.app_context():
        bureau_id = db.session.get(Case, case_id).bureau_id
    expected = sorted((bureau_id, role, (t[3] or NO_DUE), t[0]) for t in tasks for role in t[2].split(","))
    assert sorted(tuple(q) for q in queue) == expected
    assert events[-1] == ("task", "办理「管辖审查」：管辖结论 本局管辖")
    assert len(events) == len(before[6]) + 1
    with clerk_app.app_context():  # the completed task's queue rows went with its index row
        orphans = select(TaskQueue).where(TaskQueue.task_entry_id.not_in(select(TaskEntry.id)))
        assert db.session.execute(orphans).first() is None
        db.session.remove()


def test_a_task_completed_by_someone_after_the_case_was_read_is_refused_as_done_by_others(clerk_app):
    case_id, task_id = registered(clerk_app)
    with clerk_app.test_request_context():
        officer = user("cq-yuzhong-case-officer")
        case = visibility.case_for(officer, case_id)  # the officer's request has read the case row …
        with clerk_app.app_context():  # … when the head's request completes the task and commits
            head = user("cq-yuzhong-division-head")
            casework.complete_task(head, visibility.case_for(head, case_id), task_id, dict(KEEP), None)
            db.session.remove()
        after_head = stored(clerk_app, case_id)
        with pytest.raises(errors.Conflict, match=DONE_BY_OTHERS):
            casework.complete_task(officer, case, task_id, dict(KEEP), case.lock_version)
        db.session.remove()
    assert stored(clerk_app, case_id) == after_head


def test_a_case_changed_after_it_was_read_is_refused_and_nothing_is_written(clerk_app):
    case_id, task_id = registered(clerk_app)
    with clerk_app.test_request_context():
        officer = user("cq-yuzhong-case-officer")
        case = visibility.case_for(officer, case_id)
        with clerk_app.app_context():  # the reporter withdraws meanwhile: the case moves on, the task stays
            registrar = user("cq-yuzhong-registrar")
            casework.send_event(
                registrar, visibility.case_for(registrar, case_id), "withdrawal", "举报人撤回"
            )
            db.session.remove()
        after_withdrawal = stored(clerk_app, case_id)
        assert JURISDICTION in [t[1] for t in after_withdrawal[4]]
        with pytest.raises(errors.Conflict, match=STALE):  # no lock_version from a form: the row's own
            casework.complete_task(officer, case, task_id, dict(KEEP), None)
        db.session.remove()
    assert stored(clerk_app, case_id) == after_withdrawal


def test_a_completion_reads_and_writes_a_handful_of_statements(clerk_app):
    """The budget behind issue 3's speed target: one statement to read the case, nine to complete
    the task (its index rows, timeline entry, case row, index delete, index and queue inserts, and the
    case's running deadlines replaced: delete and insert; the outbox looks for a notice task)."""
    case_id, task_id = registered(clerk_app)
    statements: list[str] = []
    with clerk_app.test_request_context():
        officer = user("cq-yuzhong-case-officer")

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            case = visibility.case_for(officer, case_id)
            read = len(statements)
            casework.complete_task(officer, case, task_id, dict(KEEP), case.lock_version)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        db.session.remove()
    assert read == 1, statements
    assert len(statements) - read <= 9, statements[read:]
