"""`clueflow worker` as separate processes on one database: two workers share 10,000 due cases and fire
each exactly once; a worker killed (SIGKILL) in the middle of a tick and started again loses and
repeats nothing. PostgreSQL (TEST_DATABASE_URL) for both, as the issue asks; SQLite for the pair.

The cases are copies of one real report at its acceptance check (bench/timers.py), due 2026-03-24;
the workers run with a fixed clock (--now) on the day after.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.once_per_session import POSTGRES_URL, clerk_app_on, dispose_app

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # `bench` is run as `python -m bench`, not installed

from bench.timers import FIRE_AT, clone_due_cases  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Case, CaseEvent, TaskEntry  # noqa: E402

NOW = "2026-03-24T09:00:00+08:00"
CLUEFLOW = str(Path(sys.executable).parent / "clueflow")

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="TEST_DATABASE_URL not set")


@pytest.fixture
def pg_app(tmp_path, seeded_databases):
    app, cleanup = clerk_app_on("postgresql", tmp_path, False, seeded_databases)
    yield app
    dispose_app(app, cleanup)


@pytest.fixture
def sqlite_app(tmp_path, seeded_databases):
    app, cleanup = clerk_app_on("sqlite", tmp_path, False, seeded_databases)
    yield app
    dispose_app(app, cleanup)


def _database_url(app) -> str:
    """The app's database as DATABASE_URL for a worker process (with the test's PostgreSQL schema)."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options")
    if options:
        uri += "?options=" + options.replace("=", "%3D").replace(" ", "%20")
    return uri


def _worker(app, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(app),
        "SECRET_KEY": "worker-test",
        "CLUEFLOW_PACKS_ROOT": app.config["CLUEFLOW_PACKS_ROOT"],
    }
    return subprocess.Popen(
        [CLUEFLOW, "worker", "--now", NOW, *args],
        env=env,
        cwd=str(ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _fired_per_case(app) -> dict[int, int]:
    with app.app_context():
        rows = dict(
            db.session.execute(
                select(CaseEvent.case_id, func.count())
                .where(CaseEvent.kind == "timer")
                .group_by(CaseEvent.case_id)
            ).all()
        )
        db.session.remove()
    return rows


def _fired_total(app) -> int:
    with app.app_context():
        total = db.session.execute(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "timer")
        ).scalar()
        db.session.remove()
    return total


def _still_due(app) -> set[int]:
    with app.app_context():
        rows = set(
            db.session.execute(
                select(Case.id).where(Case.next_timer_at.is_not(None), Case.next_timer_at <= FIRE_AT)
            ).scalars()
        )
        db.session.remove()
    return rows


def _overdue_tasks(app) -> int:
    with app.app_context():
        count = db.session.execute(
            select(func.count())
            .select_from(TaskEntry)
            .where(TaskEntry.element_id == "Task_AcceptanceOverdue")
        ).scalar()
        db.session.remove()
    return count


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting for its parent to reap it does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _fired_by(output: str) -> int:
    return sum(int(n) for n in re.findall(r"fired (\d+) timer", output))


def _two_workers_fire_each_case_once(app, count: int, both_work: bool) -> None:
    ids = clone_due_cases(app, count)
    cases = set(ids) | _still_due(app)  # the copies and the template they were made from
    workers = [_worker(app, "--once", "--batch", "20") for _ in range(2)]
    outputs = [w.communicate(timeout=1800)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    fired = _fired_per_case(app)
    assert set(fired) == cases and set(fired.values()) == {1}
    assert _overdue_tasks(app) == len(cases)
    assert _still_due(app) == set()
    assert sum(_fired_by(o) for o in outputs) == len(cases)  # what the workers say they fired adds up
    if both_work:  # SKIP LOCKED: neither waits for the other (SQLite's one write lock is not fair)
        assert all(_fired_by(o) > 0 for o in outputs), outputs


@needs_postgres
def test_two_workers_on_postgresql_fire_each_of_10000_due_cases_exactly_once(pg_app):
    _two_workers_fire_each_case_once(pg_app, 10_000, both_work=True)


def test_two_workers_on_sqlite_fire_each_due_case_exactly_once(sqlite_app):
    _two_workers_fire_each_case_once(sqlite_app, 600, both_work=False)


@needs_postgres
def test_a_worker_killed_mid_tick_loses_and_repeats_nothing(pg_app):
    ids = clone_due_cases(pg_app, 3000)
    cases = set(ids) | _still_due(pg_app)
    worker = _worker(pg_app, "--batch", "5", "--interval", "60")
    try:
        deadline = time.monotonic() + 600
        while _fired_total(pg_app) < 20:  # some batches committed, most of the tick still ahead
            assert worker.poll() is None and time.monotonic() < deadline, worker.stdout.read()
            time.sleep(0.05)
        engines = _children(worker.pid)  # the engine processes the tick forked
        assert engines, "the tick shares its engine work among forked processes"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in engines):  # they end with it: nothing keeps running orphaned
            assert time.monotonic() < deadline, [pid for pid in engines if _alive(pid)]
            time.sleep(0.05)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.stdout.close()
    fired = _fired_per_case(pg_app)
    assert 20 <= len(fired) < len(cases)  # killed in the middle of the tick
    assert set(fired.values()) == {1}
    # What was committed is whole: each fired case moved on and has its overdue task; the rest is still due.
    assert _overdue_tasks(pg_app) == len(fired)
    assert _still_due(pg_app) == cases - set(fired)

    again = _worker(pg_app, "--once")
    output = again.communicate(timeout=1800)[0]
    assert again.returncode == 0, output
    fired = _fired_per_case(pg_app)
    assert set(fired) == cases and set(fired.values()) == {1}
    assert _overdue_tasks(pg_app) == len(cases)
    assert _still_due(pg_app) == set()
