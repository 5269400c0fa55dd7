"""The case store: a case read and kept. `load` restores a case for the engine; `keep` writes its new
state back and brings every row that follows it in step — the case row (under its optimistic lock),
the running-deadline index, the task index and inbox queue, and the outbox when a notice task
appears or leaves; `add_event` writes the timeline. Which cases a user may reach is
webapp.store.visibility.

Nothing here commits: the use case that called it ends its transaction (webapp.transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from engine.runner import Case as RunningCase
from engine.runner import Runner, Snapshot
from webapp.clock import clock
from webapp.extensions import db
from webapp.models import Case, User
from webapp.store import caserows, deadline_index, outbox
from webapp.store.packversions import runner_for

INTAKE_PROCESS = "report_handling"
REGISTRATION_FORM = "registration"
RECUSAL_FORM = "recusal_decision"
TRANSFER_FORM = "transfer"


# -- a case read and kept --------------------------------------------------------------------------


@dataclass
class Loaded:
    row: Case
    runner: Runner
    running: RunningCase


def load(case: Case, now=None) -> Loaded:
    """The case restored for the engine, on its own pack version."""
    runner = runner_for(case.pack, case.pack_version, now)
    return Loaded(case, runner, runner.restore(case.state))


def keep(row: Case, runner: Runner, running: RunningCase, tasks=None, values=None):
    """Write the state back and rebuild the case's task index (and inbox queue) from its ready tasks.
    The case row is written before the task index, under its lock: a case someone else changed
    since it was read raises StaleDataError (the transaction turns it into a Conflict). `tasks`: the
    case's task-index rows when already read (caserows.task_rows); `values`: more columns of the case
    row to write with it. Returns (caserows.Synced, the engine's Snapshot)."""
    with db.session.no_autoflush:
        snapshot = runner.snapshot(running)
        synced = store_snapshots([(row, snapshot, tasks)], runner.clock(), {row.id: values or {}})[row.id]
        if touches_notices(synced.left, {t.form_id for t in snapshot.ready}):
            outbox.queue_notices(row, runner, running, snapshot.ready)
    return synced, snapshot


def store_snapshots(
    items: list[tuple[Case, Snapshot, Mapping[str, Any] | None]], now, more=None
) -> dict[int, caserows.Synced]:
    """Write snapshots to their case rows, running-deadline index and task index; `more`: further
    columns of some case rows, by case id."""
    rows = []
    for row, snapshot, _tasks in items:
        values = dict(
            state=snapshot.state,
            next_timer_at=snapshot.next_timer,
            current_step="、".join(t.name for t in snapshot.ready)[:120] or None,
        )
        if snapshot.completed:
            values.update(status="closed", closed_at=now, outcome=snapshot.outcome)
        values.update((more or {}).get(row.id) or {})
        rows.append((row, values))
    caserows.write_cases(rows)
    deadline_index.sync_many([(row, snapshot.deadlines) for row, snapshot, _tasks in items])
    return caserows.sync_tasks_many([(row, snapshot.ready, tasks) for row, snapshot, tasks in items])


def touches_notices(left_forms: set[str], ready_forms: set[str]) -> bool:
    """Whether a notice task appeared or left: the outbox follows them (CQH 15, 22; URU 14, 16)."""
    return bool(outbox.NOTICE_FORMS & (left_forms | ready_forms))


def copy_summary(row: Case, clean: Mapping[str, Any]) -> None:
    """The 登记表's facts the case row keeps for lists and searches."""
    row.received_on = clean.get("received_on")
    row.channel = clean.get("source_channel")
    row.anonymous = bool(clean.get("anonymous"))
    row.subject_type = clean.get("subject_type")
    row.reported_person = clean.get("reported_person_name") or None
    row.reported_unit = clean.get("reported_unit_name") or None
    row.summary = (clean.get("content") or "")[:200]


def add_event(row: Case, user: User | None, kind: str, title: str, detail) -> None:
    """An entry in the case's timeline, by a user (None: the system)."""
    caserows.add_event(row.id, user.id if user else None, kind, title, detail, clock()())


def jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    """Form data as the timeline stores it (dates and decimals as text)."""
    out = {}
    for key, value in data.items():
        if isinstance(value, (date, Decimal)):
            value = str(value)
        out[key] = value
    return out
