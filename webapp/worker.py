"""The timer worker (`clueflow worker`): each tick fires the due timers of every case, sends the
reminders before deadlines and opens the district reports of a new period, by the app's clock.

Claiming a case: on PostgreSQL a batch of due cases is locked with `SELECT … FOR UPDATE SKIP
LOCKED`, so several workers share the work without waiting on each other; on SQLite the batch is
read inside `BEGIN IMMEDIATE`, which holds the database's single write lock, so a second worker
waits and then sees the first one's commits. Each batch is one transaction and each case in it a
savepoint: a worker killed mid-batch leaves nothing half-done (the transaction is rolled back and
the cases are still due), and a committed case no longer is (its next_timer_at moved on, its
lock_version too), so nothing fires twice.

A case whose timer fails is rolled back to its savepoint and gets a TimerFailure row: the error,
the attempts, and when to try again (back-off doubling from one minute to six hours). It is never
dropped: it stays due and administrators see it on the overdue board until it fires.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from . import casework
from .clock import clock
from .extensions import db
from .models import Case, Recusal, TaskEntry, TimerFailure

log = logging.getLogger("clueflow.worker")

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
DEFAULT_BATCH = 20
DEFAULT_INTERVAL = 30.0
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
    seconds: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.cases or self.failed or self.reminders or self.reports)

    def summary(self) -> str:
        return (f"fired {self.timers} timer(s) on {self.cases} case(s), {self.failed} failed, "
                f"{self.escalations} escalation(s), {self.reminders} reminder(s), {self.reports} report(s) "
                f"in {self.seconds:.3f} s")


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failure: 1, 2, 4, … minutes, at most six hours."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def tick(batch: int = DEFAULT_BATCH, *, reminders: bool = True, reports: bool = True) -> TickResult:
    """One round of the worker at the app's current time (inside an app context)."""
    from . import district_reports, notifications

    started = time.perf_counter()
    now_fn = clock()
    result = TickResult()
    fire_due(now_fn, batch, result)
    if reminders:
        result.reminders = notifications.send_reminders(now_fn())
    if reports:
        result.reports = district_reports.open_due(now_fn)
    result.seconds = time.perf_counter() - started
    return result


def fire_due(now_fn, batch: int, result: TickResult) -> None:
    """Fire every case due by now, a batch per transaction, until none is left."""
    now = now_fn()
    staff: dict = {}  # the bureaus' users, read once per tick for the notifications
    stuck: set[int] = set()  # fired yet still due: left for the next tick rather than looping
    _compile_due_versions(now)
    while True:
        cases = _claim(now, batch, stuck)
        if not cases:
            db.session.rollback()
            return
        ids = [c.id for c in cases]
        failures = {f.case_id: f for f in db.session.execute(
            select(TimerFailure).where(TimerFailure.case_id.in_(ids))).scalars()}
        recused: dict[int, set[int]] = {i: set() for i in ids}
        for case_id, user_id in db.session.execute(select(Recusal.case_id, Recusal.user_id)
                                                   .where(Recusal.case_id.in_(ids))):
            recused[case_id].add(user_id)
        for case in cases:
            _fire_one(case, failures.get(case.id), now_fn, now, result, staff, recused[case.id])
            if case.next_timer_at is not None and _aware(case.next_timer_at) <= now and case.id not in failures:
                stuck.add(case.id)
        db.session.commit()


def _compile_due_versions(now: datetime) -> None:
    """Parse the pack versions of the due cases before any lock is taken: parsing takes a while, and
    on SQLite the claim holds the only write lock."""
    from .packversions import compiled_version

    versions = db.session.execute(select(Case.pack, Case.pack_version).where(Case.next_timer_at <= now,
                                                                             Case.status == "open").distinct()).all()
    for pack, version in versions:
        compiled_version(pack, version)
    db.session.rollback()


def _claim(now: datetime, batch: int, stuck: set[int]) -> list[Case]:
    """Lock up to `batch` due cases for this transaction (see the module's docstring)."""
    retry_later = select(TimerFailure.case_id).where(TimerFailure.retry_at > now)
    query = (select(Case).where(Case.next_timer_at <= now, Case.status == "open", Case.id.not_in(retry_later))
             .order_by(Case.next_timer_at, Case.id).limit(batch)
             .execution_options(populate_existing=True))
    if stuck:
        query = query.where(Case.id.not_in(sorted(stuck)))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Case)
    elif db.engine.dialect.name == "sqlite":
        connection = db.session.connection()
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")  # another worker's batch
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    return list(db.session.execute(query).scalars())


def _fire_one(case: Case, failure: TimerFailure | None, now_fn, now: datetime, result: TickResult,
              staff: dict, recused: set[int]) -> None:
    from .notifications import notify_escalation

    try:
        with db.session.begin_nested():
            before = set(db.session.execute(select(TaskEntry.task_id).where(TaskEntry.case_id == case.id)).scalars())
            fired = casework.fire_due_timers(case, now_fn)
            opened = [e for e in db.session.execute(select(TaskEntry).where(TaskEntry.case_id == case.id)).scalars()
                      if e.task_id not in before] if fired else []
            if not fired:  # the stored instant was stale (e.g. a deadline moved): take the state's own
                loaded = casework.load(case, now_fn)
                case.next_timer_at = loaded.runner.next_timer(loaded.running)
            db.session.flush()
    except StaleDataError:
        return  # changed by someone else meanwhile: it is looked at again next tick
    except Exception as exc:  # noqa: BLE001 - any failure of one case is recorded, the others go on
        _record_failure(case.id, failure, exc, now)
        result.failed += 1
        return
    if failure is not None:
        db.session.delete(failure)
    if fired:
        result.cases += 1
        result.timers += len(fired)
        result.escalations += notify_escalation(case, opened, now, staff, recused)


def _record_failure(case_id: int, failure: TimerFailure | None, exc: BaseException, now: datetime) -> None:
    error = f"{type(exc).__name__}: {casework.explain(exc)}"[:2000]
    if failure is None:
        failure = TimerFailure(case_id=case_id, attempts=0, first_failed_at=now)
        db.session.add(failure)
    failure.attempts += 1
    failure.error = error
    failure.failed_at = now
    failure.retry_at = now + backoff(failure.attempts)
    log.warning("timer of case %s failed (attempt %s, retry at %s): %s", case_id, failure.attempts,
                failure.retry_at.isoformat(), error)


def _aware(value: datetime) -> datetime:
    from datetime import timezone

    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def run(app, *, interval: float = DEFAULT_INTERVAL, once: bool = False, batch: int = DEFAULT_BATCH,
        stop: threading.Event | None = None, echo=None) -> TickResult | None:
    """The worker's loop: a tick, then a pause of `interval` seconds, until `stop` is set (or once).
    A tick that fails as a whole (the database away) is logged and tried again next round; the
    last tick's result is returned (None when it failed)."""
    stop = stop or threading.Event()
    result = None
    while not stop.is_set():
        with app.app_context():
            try:
                result = tick(batch)
            except Exception:  # noqa: BLE001 - the loop outlives a failing round
                log.exception("worker tick failed")
                db.session.rollback()
                result = None
            finally:
                db.session.remove()
        if echo and (result or once):
            echo(result.summary() if result is not None else "tick failed (see the log)")
        if once:
            return result
        stop.wait(interval)
    return result


def start_beside(app, interval: float = DEFAULT_INTERVAL) -> threading.Thread:
    """One worker in a daemon thread of the web server's process: it stops with the server."""
    thread = threading.Thread(target=run, args=(app,), kwargs={"interval": interval}, name="clueflow-worker",
                              daemon=True)
    thread.start()
    return thread
