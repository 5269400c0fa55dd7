"""The timer worker over many cases: one tick over BENCH_TIMER_CASES open cases (default 100,000) of
which BENCH_TIMER_DUE (default 1,000) have a timer due.

Generation: one real Chongqing report is registered and taken to its acceptance check through the
case-work functions (so its stored state has the acceptance deadline's timer waiting, due
2026-03-24 00:00 Beijing); the due cases are copies of it, each with fresh task ids (every UUID of
the state replaced) and its own task-index and inbox-queue rows, as `_sync` would have written them.
The other open cases have a timer due in June (the scan must not touch them) and no task rows.
SQLite gets `executemany`, PostgreSQL COPY; PostgreSQL is vacuumed, analysed and checkpointed as
autovacuum and the checkpointer would do, before the tick rather than during it.

Measured: `worker.tick()` at 2026-03-24 09:00 Beijing — the claim scan, every due case restored,
fired (its overdue-review task opened, the head notified) and saved — and a second tick with
nothing left to do (the scan alone). Checked: every due case fired exactly once.
"""

from __future__ import annotations

import gc
import os
import re
import time
import uuid
from datetime import datetime, timezone

from sqlalchemy import func, select

from .databases import is_postgres

REGISTERED = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # Monday 09:00 Beijing
FIRE_AT = datetime(2026, 3, 24, 1, 0, tzinfo=timezone.utc)  # the day after the acceptance deadline
LATER = datetime(2026, 6, 1, 1, 0, tzinfo=timezone.utc)
# Processes sharing the engine work, as `clueflow worker` defaults to (BENCH_TIMER_PROCESSES to change).
PROCESSES = int(os.environ.get("BENCH_TIMER_PROCESSES") or min(os.cpu_count() or 1, 8))
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def template_case(app) -> int:
    """A real case waiting at its acceptance check (registered 2026-03-02); returns its id."""
    from engine.runner import FixedClock
    from webapp.extensions import db
    from webapp.models import TaskEntry, User
    from webapp.usecases import casework

    clock = FixedClock(REGISTERED)
    app.config["CLUEFLOW_CLOCK"] = clock
    data = dict(
        registered_on="2026-03-02",
        received_on="2026-03-02",
        source_channel="web",
        request_kind="report",
        fund_type="basic_medical",
        anonymous=False,
        reporter_kind="natural_person",
        reporter_name="张三",
        reporter_id_no="110101199001011237",
        reporter_phone="13800000000",
        subject_type="designated_pharmacy",
        reported_unit_name="某某大药房",
        content="串换药品",
        act_location="本区",
        agreement_agency="district",
        has_evidence=True,
        repeat_of="none",
        recorder="李四",
        recorded_on="2026-03-02",
    )
    with app.test_request_context():
        registrar = db.session.execute(select(User).filter_by(username="cq-yuzhong-registrar")).scalar_one()
        officer = db.session.execute(select(User).filter_by(username="cq-yuzhong-case-officer")).scalar_one()
        case = casework.register_report(registrar, data)
        [entry] = db.session.execute(select(TaskEntry).filter_by(case_id=case.id)).scalars()
        casework.complete_task(
            officer, case, entry.task_id, {"jurisdiction": "keep", "jurisdiction_reason": "本区"}, None
        )
        case_id = case.id
        db.session.remove()
    return case_id


def clone_due_cases(app, due: int, not_due: int = 0) -> list[int]:
    """`due` copies of the template case (timers due 2026-03-24) and `not_due` open cases due in June;
    returns the ids of the due copies."""
    from webapp.extensions import db
    from webapp.models import Case, TaskEntry, TaskQueue

    template_id = template_case(app)
    with app.app_context():
        cases_t, tasks_t = Case.__table__, TaskEntry.__table__
        template = dict(
            db.session.execute(select(cases_t).where(cases_t.c.id == template_id)).mappings().one()
        )
        task = dict(
            db.session.execute(select(tasks_t).where(tasks_t.c.case_id == template_id)).mappings().one()
        )
        queue = list(db.session.execute(select(TaskQueue.role).filter_by(task_entry_id=task["id"])).scalars())
        first_case = db.session.execute(select(func.max(Case.id))).scalar() + 1
        first_task = (db.session.execute(select(func.max(TaskEntry.id))).scalar() or 0) + 1
        db.session.remove()
    cases, tasks, queues = [], [], []
    for i in range(due):
        mapping: dict[str, str] = {}

        def fresh(match, mapping=mapping):
            old = match.group(0)
            if old not in mapping:
                mapping[old] = str(uuid.uuid4())
            return mapping[old]

        case_id, task_id = first_case + i, first_task + i
        state = UUID.sub(fresh, template["state"])
        cases.append(
            {**template, "id": case_id, "number": f"CQ-T-{case_id:07d}", "state": state, "lock_version": 1}
        )
        tasks.append({**task, "id": task_id, "case_id": case_id, "task_id": mapping[task["task_id"]]})
        queues += [
            {"bureau_id": task["bureau_id"], "role": role, "sort_due": task["due"], "task_entry_id": task_id}
            for role in queue
        ]
    for i in range(not_due):
        case_id = first_case + due + i
        cases.append(
            {
                **template,
                "id": case_id,
                "number": f"CQ-L-{case_id:07d}",
                "state": "{}",
                "lock_version": 1,
                "next_timer_at": LATER,
                "current_step": "调查核实",
            }
        )
    _insert(app, Case.__table__, cases)
    _insert(app, TaskEntry.__table__, tasks)
    _insert(app, TaskQueue.__table__, queues)
    with app.app_context():
        if is_postgres(str(db.engine.url)):
            with db.engine.connect() as conn:
                conn.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"
                )
                conn.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('task_index', 'id'), "
                    "(SELECT max(id) FROM task_index))"
                )
                conn.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # What autovacuum and the checkpointer would do with the new rows, done before the
                # tick rather than during it.
                conn.exec_driver_sql("VACUUM ANALYZE cases, task_index, task_queue")
                conn.exec_driver_sql("CHECKPOINT")
        db.session.remove()
    return [first_case + i for i in range(due)]


def _insert(app, table, rows: list[dict]) -> None:
    from webapp.extensions import db

    if not rows:
        return
    with app.app_context():
        if is_postgres(str(db.engine.url)):
            columns = list(rows[0])
            raw = db.engine.raw_connection()
            try:
                with (
                    raw.cursor() as cur,
                    cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row([_pg(row[c]) for c in columns])
                raw.commit()
            finally:
                raw.close()
        else:
            for start in range(0, len(rows), 20_000):
                db.session.execute(table.insert(), rows[start : start + 20_000])
            db.session.commit()
        db.session.remove()


def _pg(value):
    import json

    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def run_apart(url: str, total: int, due: int) -> dict:
    """`run` in a fresh interpreter, as a worker process starts: what the benches before it left in
    this one (other apps, a million generated rows) does not weigh on the tick."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(run, url, total, due).result()


def run(url: str, total: int, due: int) -> dict:
    """Generate, then time one worker tick that fires the due cases and one with nothing due; then the
    same engine work alone (no database, one process) over the states the tick fired."""
    from engine.runner import FixedClock
    from webapp.extensions import db
    from webapp.models import Case, CaseEvent
    from webapp.worker import ticks as worker

    from .databases import fresh_app

    app = fresh_app(url)
    start = time.perf_counter()
    ids = clone_due_cases(app, due, max(total - due - 1, 0))
    generated = time.perf_counter() - start
    app.config["CLUEFLOW_CLOCK"] = FixedClock(FIRE_AT)
    with app.app_context():
        states = list(
            db.session.execute(select(Case.pack, Case.pack_version, Case.state).where(Case.id.in_(ids)))
        )
        db.session.remove()
        gc.collect()
        gc.freeze()  # as `clueflow worker` does once started
        busy = _busy_seconds()
        cpu = time.process_time()
        first = worker.tick(processes=PROCESSES)
        first_cpu = time.process_time() - cpu
        busy = _busy_seconds() - busy if busy is not None else None
        db.session.remove()
        idle = worker.tick()
        fired = db.session.execute(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "timer")
        ).scalar()
        engine_alone = _engine_alone(states)
        db.session.remove()
        db.engine.dispose()
    return {
        "generated": generated,
        "first": first,
        "first_cpu": first_cpu,
        "busy": busy,
        "idle": idle,
        "fired_events": fired,
        "engine_alone": engine_alone,
        "due": len(states),
    }


def _engine_alone(states) -> float:
    """Seconds to fire the same stored states with Runner.fire_stored in this process, no database."""
    from engine.runner import FixedClock, Runner
    from webapp.store.packversions import compiled_version

    runners = {}
    start = time.perf_counter()
    for pack, version, state in states:
        if (pack, version) not in runners:
            runners[pack, version] = Runner(compiled_version(pack, version), clock=FixedClock(FIRE_AT))
        assert runners[pack, version].fire_stored(state).fired
    return time.perf_counter() - start


def _busy_seconds() -> float | None:
    """Processor seconds spent by every program on the machine so far (Linux /proc/stat), or None."""
    try:
        fields = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def report(label: str, total: int, due: int, figures: dict) -> None:
    first, idle = figures["first"], figures["idle"]
    print(
        f"\nTimer worker on {label}: {total:,} open cases, {due:,} due (generated in {figures['generated']:.1f} s)"
    )
    print(
        f"  tick firing the due cases: {first.seconds:.3f} s (target ≤ 1 s) — {first.summary()}"
        f" ({first.seconds / max(first.cases, 1) * 1000:.2f} ms per case; engine shared among {PROCESSES}"
        f" forked process(es), BENCH_TIMER_PROCESSES)"
    )
    print(
        f"  the same engine work alone (Runner.fire_stored on the {figures['due']:,} states, one process, no"
        f" database): {figures['engine_alone']:.3f} s — the tick takes {first.seconds / figures['engine_alone']:.2f}×"
        " that"
    )
    busy = figures["busy"]
    cores = os.cpu_count() or 1
    print(
        f"  this process's CPU: {figures['first_cpu']:.3f} s; every program's during the tick"
        f" (forked processes, the database server): "
        + (
            f"{busy:.2f} CPU-s of the {first.seconds * cores:.2f} that {cores} processors offer"
            if busy is not None
            else "not measurable here"
        )
    )
    print(f"  tick with nothing due (the scan alone): {idle.seconds * 1000:.1f} ms")
    ok = figures["fired_events"] == due + 1 and first.cases == due + 1  # the copies and the template
    print(
        f"  timer events recorded: {figures['fired_events']:,} — {'each due case once' if ok else 'MISMATCH'}"
    )
