"""The rows kept in step with a case's workflow state: the case row (written under its optimistic
lock), its task index and inbox queue, and its timeline.

Written with SQLAlchemy Core rather than through the unit of work: completing a task touches a
handful of rows whose shape is known, and the ORM's flush bookkeeping cost more than the SQL
itself (issue 3's 15 ms / 2× bare SpiffWorkflow target). The ORM objects already in the session
stay truthful: the case row takes the written values as its committed state, and task-index rows
deleted here leave the session with the values they had, as a deleted ORM object would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping

from sqlalchemy import Date, Integer, String, and_, bindparam, delete, exists, insert, or_, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from webapp.extensions import db
from webapp.models import NO_DUE, Bureau, Case, CaseEvent, TaskEntry, TaskQueue, utcnow
from webapp.store import jurisdictions

CASES = Case.__table__
TASKS = TaskEntry.__table__
QUEUE = TaskQueue.__table__
EVENTS = CaseEvent.__table__

# What the task index rows of a case are read as: enough to check who may do a task (the names
# match TaskEntry's attributes) and to bring the index in step.
TASK_COLUMNS = (
    TASKS.c.id,
    TASKS.c.task_id,
    TASKS.c.element_id,
    TASKS.c.name,
    TASKS.c.form_id,
    TASKS.c.roles.label("roles_text"),
    TASKS.c.claimed_by_id,
    TASKS.c.deadline,
    TASKS.c.due,
)

# The statements, built once (building and cache-keying a statement costs more than running it
# on SQLite); the values come as parameters named after the columns.
_SELECT_TASKS = select(*TASK_COLUMNS).where(TASKS.c.case_id == bindparam("b_case_id"))
_UPDATE_CASE = update(CASES).where(
    CASES.c.id == bindparam("b_id"), CASES.c.lock_version == bindparam("b_version")
)
_UPDATE_DEADLINE = update(TASKS).where(TASKS.c.id == bindparam("b_id"))
# Deleting task-index rows deletes their inbox-queue rows: task_queue.task_entry_id is ON DELETE
# CASCADE (and the app turns SQLite's foreign keys on for every connection).
_UPDATE_QUEUE_DUE = update(QUEUE).where(QUEUE.c.task_entry_id == bindparam("b_id"))
_DELETE_TASKS = delete(TASKS).where(TASKS.c.id.in_(bindparam("b_ids", expanding=True)))
_INSERT_TASKS = insert(TASKS)
# A new task's inbox-queue rows find its index row by the task's id (unique), so the tasks of many
# cases go as one plain executemany: no RETURNING, whose multi-row form costs more than the rows.
_INSERT_QUEUE = insert(QUEUE).from_select(
    ["bureau_id", "role", "sort_due", "task_entry_id"],
    select(
        bindparam("bureau_id", type_=Integer),
        bindparam("role", type_=String),
        bindparam("sort_due", type_=Date),
        TASKS.c.id,
    ).where(TASKS.c.task_id == bindparam("b_task_id")),
)
_INSERT_EVENT = insert(EVENTS)


def visible_bureau_ids(bureau_id):
    """`Bureau.visible_bureau_ids` as a subquery on the bureau's id (a value or a bind parameter),
    so checking one case needs no bureau rows loaded: the bureau itself, and its districts when it
    is a city bureau."""
    own = aliased(Bureau)
    is_city = exists().where(own.id == bureau_id, own.level == "city")
    return select(Bureau.id).where(or_(Bureau.id == bureau_id, and_(Bureau.parent_id == bureau_id, is_city)))


def task_rows(case_id: int) -> dict[str, Any]:
    """The task-index rows of one case by task id (Core rows with TASK_COLUMNS)."""
    return {r.task_id: r for r in db.session.connection().execute(_SELECT_TASKS, {"b_case_id": case_id})}


def task_rows_many(case_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """`task_rows` of several cases in one query: case id → task id → row."""
    ids = sorted(set(case_ids))
    found: dict[int, dict[str, Any]] = {i: {} for i in ids}
    if ids:
        query = select(TASKS.c.case_id, *TASK_COLUMNS).where(TASKS.c.case_id.in_(ids))
        for r in db.session.connection().execute(query):
            found[r.case_id][r.task_id] = r
    return found


def changed_since_read(row: Case) -> bool:
    """Whether the stored case has moved on from the row the session holds (its lock_version)."""
    stored = (
        db.session.connection().execute(select(CASES.c.lock_version).where(CASES.c.id == row.id)).scalar()
    )
    return stored != row.lock_version


def write_cases(items: Iterable[tuple[Case, Mapping[str, Any]]]) -> None:
    """UPDATE each case row if nobody changed it since it was read (its lock_version), else raise
    StaleDataError as the ORM's version check would; the session's objects take the new values.
    Several rows go as one executemany (the drivers report the rows matched in all)."""
    items = list(items)
    now = utcnow()
    params = [
        {
            "b_id": row.id,
            "b_version": row.lock_version,
            **values,
            "lock_version": row.lock_version + 1,
            "updated_at": now,
        }
        for row, values in items
    ]
    groups: dict[
        tuple[str, ...], list[dict]
    ] = {}  # one statement per set of columns (a closing case sets more)
    for p in params:
        groups.setdefault(tuple(sorted(p)), []).append(p)
    for group in groups.values():
        result = db.session.connection().execute(_UPDATE_CASE, _one_or_many(group))
        if result.rowcount != len(group):
            raise StaleDataError(f"cases {[p['b_id'] for p in group]} were changed by someone else")
    for (row, _values), values in zip(items, params, strict=True):
        for key, value in values.items():
            if not key.startswith("b_"):
                set_committed_value(row, key, value)


@dataclass
class Synced:
    """What bringing a case's task index in step did: the forms of the tasks that left it, and the
    ready tasks (TaskInfo) that are new in it."""

    left: set[str]
    new: list


def sync_tasks_many(items: Iterable[tuple[Case, Iterable, Mapping[str, Any] | None]]) -> dict[int, Synced]:
    """Bring the task index and the inbox queue of each case in step with its ready tasks (TaskInfo):
    new tasks get a row (and one queue row per role), tasks still waiting keep theirs (and their
    claim) with the deadline refreshed, the rest are deleted. Each item is (case row, ready tasks,
    the case's `task_rows` or None to read them); the statements are shared by all the cases."""
    items = list(items)
    read = task_rows_many(row.id for row, _ready, existing in items if existing is None)
    conn = db.session.connection()
    done: dict[int, Synced] = {}
    deadlines, queue_dues, gone, new_by_case = [], [], [], []
    for row, ready, existing in items:
        existing = dict(read[row.id] if existing is None else existing)
        new = []
        for task in ready:
            kept = existing.pop(task.id, None)
            if kept is None:
                new.append(task)
            elif kept.deadline != task.deadline:
                due = _due(task)
                deadlines.append({"b_id": kept.id, "deadline": task.deadline, "due": due})
                if due != kept.due:  # a calendar change moved it, or gave a waiting deadline its date
                    queue_dues.append({"b_id": kept.id, "sort_due": due or NO_DUE})
        gone += [r.id for r in existing.values()]
        if new:
            new_by_case.append((row, new))
        done[row.id] = Synced(left={r.form_id for r in existing.values()}, new=new)
    if deadlines:
        conn.execute(_UPDATE_DEADLINE, _one_or_many(deadlines))
    if queue_dues:
        conn.execute(_UPDATE_QUEUE_DUE, _one_or_many(queue_dues))
    if gone:
        conn.execute(_DELETE_TASKS, {"b_ids": gone})
        _forget(gone)
    if new_by_case:
        _insert_tasks(conn, new_by_case)
    return done


def _insert_tasks(conn, new_by_case: list[tuple[Case, list]]) -> None:
    now = utcnow()
    dues = {t.id: _due(t) for _row, tasks in new_by_case for t in tasks}
    params = [
        dict(
            case_id=row.id,
            task_id=t.id,
            element_id=t.element_id,
            name=t.name,
            form_id=t.form_id,
            roles=",".join(t.roles),
            bureau_id=row.bureau_id,
            pack=row.pack,
            process_id=row.process_id,
            due=dues[t.id],
            deadline=t.deadline,
            claimed_by_id=None,
            created_at=now,
        )
        for row, tasks in new_by_case
        for t in tasks
    ]
    conn.execute(_INSERT_TASKS, _one_or_many(params))
    queue = [
        dict(bureau_id=bureau_id, role=role, sort_due=dues[t.id] or NO_DUE, b_task_id=t.id)
        for row, tasks in new_by_case
        for t in tasks
        for bureau_id in jurisdictions.task_bureaus(row, t.form_id)
        for role in t.roles
    ]
    if queue:
        conn.execute(_INSERT_QUEUE, _one_or_many(queue))


def _due(task) -> date | None:
    """The due date of a ready task's deadline (None: no deadline, or one waiting for a calendar)."""
    return date.fromisoformat(task.deadline["due"]) if task.deadline and task.deadline.get("due") else None


def _one_or_many(params: list[dict]) -> dict | list[dict]:
    return params[0] if len(params) == 1 else params


def _forget(entry_ids: list[int]) -> None:
    """Task-index (and queue) objects the session holds for deleted rows leave it unexpired, as the
    ORM's own delete would leave them: a view may still read the completed task's name."""
    gone = set(entry_ids)
    doomed = [
        obj
        for key, obj in list(db.session.identity_map.items())  # by identity: no attribute loads
        if (key[0] is TaskEntry and key[1][0] in gone) or (key[0] is TaskQueue and key[1][3] in gone)
    ]
    for obj in doomed:
        db.session.expunge(obj)


def add_event(case_id: int, user_id: int | None, kind: str, title: str, detail, at) -> None:
    """Append one timeline entry of a case."""
    add_events(
        [
            {
                "case_id": case_id,
                "user_id": user_id,
                "kind": kind,
                "title": title[:200],
                "detail": detail,
                "at": at,
            }
        ]
    )


def add_events(events: list[dict[str, Any]]) -> None:
    """Append timeline entries (dicts with case_id, user_id, kind, title, detail, at) in one statement."""
    if events:
        db.session.connection().execute(_INSERT_EVENT, _one_or_many(events))


__all__ = [
    "TASK_COLUMNS",
    "Synced",
    "visible_bureau_ids",
    "task_rows",
    "task_rows_many",
    "changed_since_read",
    "write_cases",
    "sync_tasks_many",
    "add_event",
    "add_events",
]
