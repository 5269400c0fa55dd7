"""The timer worker (`clueflow worker`): each tick recounts the deadlines of calendar changes left to
it, fires the due timers of every case, sends the reminders before deadlines and opens the district
reports of a new period, by the app's clock. While another worker is still counting a calendar
change's deadlines again, a tick fires no timer: some due dates may still be the old ones.

Claiming a case: on PostgreSQL a batch of due cases is locked with `SELECT … FOR UPDATE SKIP
LOCKED`, so several workers share the work without waiting on each other; on SQLite the batch is
read inside `BEGIN IMMEDIATE`, which holds the database's single write lock, so a second worker
waits and then sees the first one's commits. Each batch is one transaction: a worker killed
mid-batch leaves nothing half-done (the transaction is rolled back and the cases are still due),
and a committed case no longer is (its next_timer_at moved on, its lock_version too), so nothing
fires twice.

The engine's part (restore, fire, snapshot) runs apart from the writes (firing; in forked processes
when many cases are due). The cases whose timers fired are then written together, a part of the
batch in one savepoint; a case that needs its own step (the reward process, a notice task) or whose
part could not be written goes through the one-case path in its own savepoint. A case whose timer
fails there is rolled back to its savepoint and gets a TimerFailure row: the error, the attempts,
and when to try again (back-off doubling from one minute to six hours). It is never dropped: it
stays due and administrators see it on the overdue board until it fires.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from webapp.clock import as_utc, clock
from webapp.errors import explain
from webapp.extensions import db
from webapp.models import Case, Recusal, TimerFailure
from webapp.store import caserows
from webapp.store import timers as timer_runs
from webapp.transaction import discard, transaction
from webapp.worker import firing

log = logging.getLogger("clueflow.worker")

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
DEFAULT_BATCH = 20
POOL_FROM = 100  # due cases from which a tick forks engine processes (when it may)
POOL_BATCH = (
    250  # cases claimed per transaction and engine process when it does (fewer pauses between batches)
)
DEFAULT_INTERVAL = 30.0
SWEEP_EVERY = 3600.0  # seconds between two looks for evidence files no case took up (evidence.sweep_orphans)
SQLITE_WAIT_MS = 60_000  # how long a worker waits for another one's batch on SQLite


@dataclass
class TickResult:
    """What one tick did."""

    cases: int = 0  # cases whose timers fired
    timers: int = 0  # timer events fired
    failed: int = 0  # cases whose timer failed (retried later)
    reminders: int = 0  # deadlines reminded
    escalations: int = 0  # overdue tasks opened for heads
    reports: int = 0  # district reports opened
    recounts: int = 0  # calendar changes whose deadlines were counted again
    swept: int = 0  # evidence files deleted that no case took up
    waited: bool = False  # no timer fired: another worker was counting a calendar change's deadlines again
    seconds: float = 0.0

    def __bool__(self) -> bool:
        return bool(
            self.cases
            or self.failed
            or self.reminders
            or self.reports
            or self.recounts
            or self.swept
            or self.waited
        )

    def summary(self) -> str:
        recounts = f", {self.recounts} calendar recount(s)" if self.recounts else ""
        swept = f", {self.swept} abandoned evidence file(s) deleted" if self.swept else ""
        waited = " (timers waited for another worker's calendar recount)" if self.waited else ""
        return (
            f"fired {self.timers} timer(s) on {self.cases} case(s){waited}, {self.failed} failed, "
            f"{self.escalations} escalation(s), {self.reminders} reminder(s), {self.reports} report(s)"
            f"{recounts}{swept} in {self.seconds:.3f} s"
        )


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failure: 1, 2, 4, … minutes, at most six hours."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def tick(
    batch: int = DEFAULT_BATCH, *, reminders: bool = True, reports: bool = True, processes: int = 1
) -> TickResult:
    """One round of the worker at the app's current time (inside an app context). With `processes`
    above one, the engine work of many due cases is shared among that many forked processes."""
    from webapp.usecases import district_reports, notifications

    started = time.perf_counter()
    now_fn = clock()
    result = TickResult()
    result.recounts = _recount_calendar_changes()  # first: timers then fire on the corrected deadlines
    if _recount_elsewhere():  # another worker is still correcting them: the timers wait for it
        result.waited = True
    else:
        fire_due(now_fn, batch, result, processes)
    if reminders:
        result.reminders = notifications.send_reminders(now_fn())
    if reports:
        result.reports = district_reports.open_due(now_fn)
    result.swept = _sweep_evidence()
    result.seconds = time.perf_counter() - started
    return result


def _sweep_evidence() -> int:
    """Once an hour per app: delete the evidence files of forms no case took up (evidence.sweep_orphans).
    A failure is logged; the files are looked at again in an hour."""
    from flask import current_app

    from webapp.store import evidence

    last = current_app.extensions.get("evidence_swept_at")
    if last is not None and time.monotonic() - last < SWEEP_EVERY:
        return 0
    current_app.extensions["evidence_swept_at"] = time.monotonic()
    try:
        return evidence.sweep_orphans(current_app.config["UPLOAD_FOLDER"])
    except Exception:  # noqa: BLE001 - the timers matter more than the sweep
        log.exception("sweeping abandoned evidence files failed (tried again in an hour)")
        discard()
        return 0


def _recount_elsewhere() -> bool:
    from webapp.usecases import recounts

    if recounts.recount_elsewhere():
        log.info("timers wait: a calendar change is being counted again by another worker")
        return True
    return False


def _recount_calendar_changes() -> int:
    """The deadlines of calendar changes left to the worker, counted again (deadline_index); a
    failure is logged and tried again next tick, and the timers still fire."""
    from webapp.usecases import recounts

    try:
        return recounts.recount_pending()
    except Exception:  # noqa: BLE001 - the timers of this tick go on
        log.exception("recounting deadlines after a calendar change failed (tried again next tick)")
        discard()
        return 0


def fire_due(now_fn, batch: int, result: TickResult, processes: int = 1) -> None:
    """Fire every case due by now, a batch per transaction, until none is left."""
    now = now_fn()
    staff: dict = {}  # the bureaus' users, read once per tick for the notifications
    stuck: set[int] = set()  # fired yet still due: left for the next tick rather than looping
    due, packs = _compile_due_versions(now)
    with firing.engine_pool(packs, now, processes if due >= POOL_FROM else 1) as engine:
        if engine.forked:
            batch = max(batch, POOL_BATCH * engine.processes)
        while _fire_batch(engine, now_fn, now, batch, stuck, staff, result):
            pass


def _fire_batch(engine, now_fn, now, batch: int, stuck: set[int], staff: dict, result: TickResult) -> bool:
    """Claim, fire and store one batch of due cases in one transaction; False when none was left."""
    with transaction():
        cases = _claim(now, batch, stuck)
        if not cases:
            return False
        ids = [c.id for c in cases]
        engine.submit(cases)
        if engine.forked:  # the forked processes go on with the next batch while this one is stored
            engine.submit(_peek(now, batch, stuck | set(ids)), ahead=True)
        failures = {
            f.case_id: f
            for f in db.session.execute(select(TimerFailure).where(TimerFailure.case_id.in_(ids))).scalars()
        }
        recused: dict[int, set[int]] = {i: set() for i in ids}
        for case_id, user_id in db.session.execute(
            select(Recusal.case_id, Recusal.user_id).where(Recusal.case_id.in_(ids))
        ):
            recused[case_id].add(user_id)
        context = _Batch(now_fn, now, result, staff, recused, dict(failures))
        for part, runs in engine.take(cases):
            _store_part(part, runs, context)
        for case in cases:
            if (
                case.next_timer_at is not None
                and as_utc(case.next_timer_at) <= now
                and case.id not in failures
            ):
                stuck.add(case.id)
    return True


@dataclass
class _Batch:
    """What the cases of one claimed batch share while they are stored."""

    now_fn: object
    now: datetime
    result: TickResult
    staff: dict
    recused: dict[int, set[int]]
    failures: dict[int, TimerFailure]


def _store_part(cases: list[Case], runs: dict, batch: _Batch) -> None:
    """Store a part of a batch whose engine work is done (`runs`: case id → TimerRun, None when it
    failed): the cases whose timers fired are written together in one savepoint; a case that needs
    its own step (timer_runs.stores_alone), failed in the engine, or sits in a part whose joint
    write failed goes through _fire_one, which records a failure with its error."""
    from webapp.usecases.notifications import add_notifications, escalations

    tasks = caserows.task_rows_many(c.id for c in cases)
    together, alone = [], []
    for case in cases:
        run = runs.get(case.id)
        if run is None or (run.fired and timer_runs.stores_alone(case, run, tasks[case.id])):
            alone.append(case)
        elif not run.fired:  # the stored instant was stale (e.g. a deadline moved): take the state's own
            case.next_timer_at = run.next_timer
            _forget_failure(case.id, batch)
        else:
            together.append((case, run, tasks[case.id]))
    if together:
        try:
            with db.session.begin_nested():
                stored = timer_runs.store_timer_runs(together, batch.now)
                add_notifications(
                    [
                        row
                        for case, _run, _tasks in together
                        for row in escalations(
                            case,
                            stored[case.id].opened,
                            stored[case.id].ready,
                            batch.now,
                            batch.staff,
                            batch.recused[case.id],
                        )
                    ]
                )
        except Exception:  # noqa: BLE001 - each case again on its own, so one bad case cannot hold the rest
            log.exception("timers of cases %s stored one by one", [c.id for c, _r, _t in together])
            for case, _run, _tasks in together:
                db.session.expire(case)
                alone.append(case)
        else:
            for case, _run, _tasks in together:
                _forget_failure(case.id, batch)
                _count(stored[case.id], batch.result)
    for case in alone:
        _fire_one(case, batch)


def _fire_one(case: Case, batch: _Batch) -> None:
    from webapp.usecases.notifications import add_notifications, escalations

    try:
        with db.session.begin_nested():
            fired = timer_runs.fire_due_timers(case, batch.now_fn)
            if fired:
                add_notifications(
                    escalations(
                        case, fired.opened, fired.ready, batch.now, batch.staff, batch.recused[case.id]
                    )
                )
            db.session.flush()
    except StaleDataError:
        return  # changed by someone else meanwhile: it is looked at again next tick
    except Exception as exc:  # noqa: BLE001 - any failure of one case is recorded, the others go on
        _record_failure(case.id, batch.failures.get(case.id), exc, batch.now)
        batch.result.failed += 1
        return
    _forget_failure(case.id, batch)
    if fired:
        _count(fired, batch.result)


def _count(fired: "timer_runs.TimersFired", result: TickResult) -> None:
    """A case whose timers fired: its timers, and the tasks they opened (each escalated)."""
    result.cases += 1
    result.timers += len(fired.fired)
    result.escalations += len(fired.opened)


def _forget_failure(case_id: int, batch: _Batch) -> None:
    failure = batch.failures.pop(case_id, None)
    if failure is not None:
        db.session.delete(failure)


def _compile_due_versions(now: datetime) -> tuple[int, dict]:
    """How many cases are due, and the compiled pack versions they run on, parsed before any lock is
    taken (parsing takes a while, and on SQLite the claim holds the only write lock)."""
    from webapp.store.packversions import compiled_version

    due = select(Case.pack, Case.pack_version, func.count()).where(
        Case.next_timer_at <= now, Case.status == "open"
    )
    rows = db.session.execute(due.group_by(Case.pack, Case.pack_version)).all()
    packs = {(pack, version): compiled_version(pack, version) for pack, version, _count in rows}
    discard()  # a read: nothing to keep
    return sum(count for _p, _v, count in rows), packs


def _due_query(now: datetime, *columns):
    """The open cases due by now that are not waiting for a retry, earliest first."""
    retry_later = select(TimerFailure.case_id).where(TimerFailure.retry_at > now)
    return (
        select(*columns)
        .where(Case.next_timer_at <= now, Case.status == "open", Case.id.not_in(retry_later))
        .order_by(Case.next_timer_at, Case.id)
    )


def _claim(now: datetime, batch: int, stuck: set[int]) -> list[Case]:
    """Lock up to `batch` due cases for this transaction (see the module's docstring)."""
    query = _due_query(now, Case).limit(batch).execution_options(populate_existing=True)
    if stuck:
        query = query.where(Case.id.not_in(sorted(stuck)))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Case)
    elif db.engine.dialect.name == "sqlite":
        connection = db.session.connection()
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")  # another worker's batch
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    return list(db.session.execute(query).scalars())


def _peek(now: datetime, batch: int, leave_out: set[int]) -> list:
    """The cases the next claim will most likely get, read without a lock (for the engine to fire
    ahead; see firing)."""
    query = _due_query(now, Case.id, Case.lock_version, Case.pack, Case.pack_version, Case.state).limit(batch)
    if leave_out:
        query = query.where(Case.id.not_in(sorted(leave_out)))
    return list(db.session.execute(query))


def _record_failure(case_id: int, failure: TimerFailure | None, exc: BaseException, now: datetime) -> None:
    error = f"{type(exc).__name__}: {explain(exc)}"[:2000]
    if failure is None:
        failure = TimerFailure(case_id=case_id, attempts=0, first_failed_at=now)
        db.session.add(failure)
    failure.attempts += 1
    failure.error = error
    failure.failed_at = now
    failure.retry_at = now + backoff(failure.attempts)
    log.warning(
        "timer of case %s failed (attempt %s, retry at %s): %s",
        case_id,
        failure.attempts,
        failure.retry_at.isoformat(),
        error,
    )
