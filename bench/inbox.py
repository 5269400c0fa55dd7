"""The inbox and case search over many generated cases (BENCH_CASES, default 1,000,000).

Generation: one open Chongqing-style case per row spread evenly over the 18 demo bureaus, each with
one ready task in the task index (a real report_handling user task with its real roles), due dates
from 30 days ago to 60 days ahead (15 % without a deadline, like 管辖审查), 5 % claimed by someone of
the bureau, 1,000 recusals, and the inbox queue (`task_queue`: one row per task and candidate role,
sort_due = the due date or 9999-12-31) filled from the task index as `_sync` would have. The stored
state is a placeholder: nothing here reads it. SQLite gets one `executemany` transaction per table,
PostgreSQL gets COPY; the queue is filled with one INSERT … SELECT per role on both; nothing is
ANALYZEd on SQLite (the app never does it), PostgreSQL is ANALYZEd as autovacuum would.

Measured: `casework.inbox(user)` for users of several bureaus and roles, a case search by number
through `visible_cases`, and `visibility.duplicates` (the same-party warning) — each in a fresh session,
as one request — with the query plans the databases chose. Checked: every user's first page is the
same rows, in the same order, as a plain query of the task index (their bureaus and roles, soonest
due first, claims and recusals left out).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select, text

from .databases import is_postgres
from .service import percentiles

TODAY = date(2026, 6, 1)
USERS = [  # (username, what it shows)
    ("cq-case-officer", "city case officer (sees 3 bureaus)"),
    ("cq-division-head", "city division head (3 bureaus)"),
    ("cq-yuzhong-case-officer", "district case officer"),
    ("wlmq-tianshan-division-head", "district division head"),
    ("dl-bureau-head", "city bureau head (rare tasks)"),
    ("sc-wuhou-registrar", "district registrar (withdrawals only)"),
]
UNITS = ["某某大药房", "某某医院", "某某诊所", "某某卫生院", "某某门诊部"]


def _task_kinds(app) -> list[tuple[str, str, str, str]]:
    """(element id, name, form id, roles) of every user task of report_handling."""
    from engine.bpmn import FormTask
    from webapp.store import packversions

    with app.app_context():
        version = packversions.current_version("chongqing").version
        compiled = packversions.compiled_version("chongqing", version)
    spec, subprocesses = compiled.process("report_handling")
    kinds = []
    for process in (spec, *subprocesses.values()):
        for task_spec in process.task_specs.values():
            if isinstance(task_spec, FormTask) and task_spec.bpmn_id != "Task_Register":
                kinds.append(
                    (
                        task_spec.bpmn_id,
                        task_spec.bpmn_name or "",
                        task_spec.form_id,
                        ",".join(task_spec.roles),
                    )
                )
    return sorted(kinds)


def generate(app, url: str, count: int, seed: int = 11) -> float:
    """Bulk-insert `count` cases with one task each; returns the seconds it took."""
    from webapp.extensions import db
    from webapp.models import Bureau, User
    from webapp.store import packversions

    rnd = random.Random(seed)
    kinds = _task_kinds(app)
    with app.app_context():
        bureaus = [(b.id, b.pack) for b in db.session.execute(select(Bureau).order_by(Bureau.id)).scalars()]
        users_by_bureau: dict[int, list[int]] = {}
        for user_id, bureau_id in db.session.execute(select(User.id, User.bureau_id)):
            users_by_bureau.setdefault(bureau_id, []).append(user_id)
        version = packversions.current_version("chongqing").version
        db.session.commit()
        db.session.remove()
    prefix = {
        "chongqing": "CQ",
        "urumqi": "WLMQ",
        "heilongjiang": "HLJ",
        "dali": "DL",
        "sichuan": "SC",
        "national": "GJ",
    }
    now = datetime(2026, 6, 1, 2, tzinfo=timezone.utc)
    deadline_json = {}
    start = time.perf_counter()
    case_rows, task_rows = [], []
    for i in range(1, count + 1):
        bureau_id, pack = bureaus[i % len(bureaus)]
        created = now - timedelta(seconds=rnd.randrange(0, 3 * 365 * 86400))
        unit = f"{rnd.choice(UNITS)}{rnd.randrange(0, 50_000)}"
        element, name, form, roles = kinds[rnd.randrange(len(kinds))]
        due = None if rnd.random() < 0.15 else TODAY + timedelta(days=rnd.randrange(-30, 61))
        if due is not None and due not in deadline_json:
            deadline_json[due] = json.dumps(
                {
                    "rule": "acceptance",
                    "basis": "CQH 第十五条",
                    "count": 15,
                    "unit": "working_days",
                    "trigger": "2026-05-01",
                    "due": due.isoformat(),
                    "calendar": "CN",
                    "provisional": False,
                },
                ensure_ascii=False,
            )
        claimed = rnd.choice(users_by_bureau[bureau_id]) if rnd.random() < 0.05 else None
        case_rows.append(
            (
                i,
                f"{prefix[pack]}-{2023 + i % 4}-{i:07d}",
                pack,
                version,
                "report_handling",
                bureau_id,
                "open",
                "{}",
                1,
                created,
                created,
                None,
                None,
                created.date(),
                "web",
                False,
                "designated_pharmacy",
                None,
                unit,
                "串换药品",
                name,
                None,
            )
        )
        task_rows.append(
            (
                i,
                i,
                str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                element,
                name,
                form,
                roles,
                bureau_id,
                pack,
                "report_handling",
                due,
                deadline_json.get(due),
                claimed,
                created,
            )
        )
    all_users = [u for ids in users_by_bureau.values() for u in ids]
    recusal_rows = [
        (i, rnd.randrange(1, count + 1), rnd.choice(all_users), None, "回避", now) for i in range(1, 1001)
    ]
    recusal_rows = list({(r[1], r[2]): r for r in recusal_rows}.values())

    case_cols = (
        "id, number, pack, pack_version, process_id, bureau_id, status, state, lock_version, created_at, "
        "updated_at, closed_at, next_timer_at, received_on, channel, anonymous, subject_type, "
        "reported_person, reported_unit, summary, current_step, outcome"
    )
    task_cols = (
        "id, case_id, task_id, element_id, name, form_id, roles, bureau_id, pack, process_id, due, "
        "deadline, claimed_by_id, created_at"
    )
    recusal_cols = "id, case_id, user_id, decided_by_id, reason, at"
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            if is_postgres(url):
                with raw.cursor() as cur:
                    for table, cols, rows in (
                        ("cases", case_cols, case_rows),
                        ("task_index", task_cols, task_rows),
                        ("recusals", recusal_cols, recusal_rows),
                    ):
                        with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
                    for table in ("cases", "task_index", "recusals"):
                        cur.execute(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    fill_queue(cur, "%s", "DATE '9999-12-31'")
                raw.commit()
                driver = raw.driver_connection
                driver.autocommit = True
                try:
                    driver.execute("VACUUM ANALYZE cases, task_index, recusals, task_queue")
                finally:
                    driver.autocommit = False
            else:

                def dt(value):
                    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if value is not None else None

                cur = raw.cursor()
                cur.executemany(
                    f"INSERT INTO cases ({case_cols}) VALUES ({', '.join('?' * 22)})",
                    (
                        (*r[:9], dt(r[9]), dt(r[10]), None, None, r[13].isoformat(), *r[14:])
                        for r in case_rows
                    ),
                )
                cur.executemany(
                    f"INSERT INTO task_index ({task_cols}) VALUES ({', '.join('?' * 14)})",
                    (
                        (*r[:10], r[10].isoformat() if r[10] else None, r[11], r[12], dt(r[13]))
                        for r in task_rows
                    ),
                )
                cur.executemany(
                    f"INSERT INTO recusals ({recusal_cols}) VALUES (?, ?, ?, ?, ?, ?)",
                    ((*r[:5], dt(r[5])) for r in recusal_rows),
                )
                fill_queue(cur, "?", "'9999-12-31'")
                raw.commit()
        finally:
            raw.close()
    return time.perf_counter() - start


def fill_queue(cur, mark: str, no_due: str) -> None:
    """The inbox queue from the task index, as `_sync` writes it: one row per task and role in its roles,
    sort_due = the due date or NO_DUE. One INSERT … SELECT per role, in primary-key order."""
    from webapp.models import ROLES

    for role in ROLES:
        cur.execute(
            f"INSERT INTO task_queue (bureau_id, role, sort_due, task_entry_id) "
            f"SELECT bureau_id, {mark}, COALESCE(due, {no_due}), id FROM task_index "
            f"WHERE ',' || roles || ',' LIKE {mark} ORDER BY bureau_id, COALESCE(due, {no_due}), id",
            (role, f"%,{role},%"),
        )


SLOW_MS = 250.0  # a call this slow after 20 calls: stop early, the verdict will not change


def _timed(app, calls: int, fn, cpu: list[float] | None = None) -> list[float]:
    """Milliseconds of `fn(i)` over `calls` calls, each in a fresh session (one request); stops after
    20 calls when their median is over SLOW_MS, so that a hopeless query does not take an hour.
    `cpu`, when given, receives this process's CPU milliseconds of each call: the wall time less the
    waits (disk, PostgreSQL's own work, and other programs holding the processors)."""
    import statistics

    from webapp.extensions import db

    samples = []
    with app.test_request_context():
        for i in range(calls):
            start, start_cpu = time.perf_counter(), time.process_time()
            fn(i)
            samples.append((time.perf_counter() - start) * 1000)
            if cpu is not None:
                cpu.append((time.process_time() - start_cpu) * 1000)
            db.session.remove()
            if i == 19 and statistics.median(samples) > SLOW_MS:
                break
    return samples


def measure(app, url: str, count: int, calls: int) -> dict:
    from webapp.extensions import db
    from webapp.models import Case, User
    from webapp.store import visibility
    from webapp.usecases import casework

    figures: dict = {
        "inbox": [],
        "inbox_cpu": {},
        "search": None,
        "duplicates": None,
        "plans": {},
        "checked": [],
    }
    rnd = random.Random(5)
    with app.app_context():
        ids = {
            name: db.session.execute(select(User.id).filter_by(username=name)).scalar_one()
            for name, _ in USERS
        }
        db.session.remove()
    for username, what in USERS:
        user_id = ids[username]
        sizes = []

        def one(_i, user_id=user_id, sizes=sizes):
            user = db.session.get(User, user_id)
            sizes.append(len(casework.inbox(user, today=TODAY)))

        figures["inbox_cpu"][username] = cpu = []
        samples = _timed(app, calls, one, cpu)
        figures["inbox"].append((username, what, samples, sizes[0]))
        figures["checked"].append((username, check_inbox(app, user_id)))

    numbers = []
    with app.app_context():
        for case_id in rnd.sample(range(1, count + 1), min(calls, count)):
            numbers.append(db.session.get(Case, case_id).number)
        units = [
            u
            for (u,) in db.session.execute(
                select(Case.reported_unit).where(
                    Case.id.in_(rnd.sample(range(1, count + 1), min(calls, count)))
                )
            )
        ]
        city_officer = ids["cq-case-officer"]
        db.session.remove()

    def search(i):
        user = db.session.get(User, city_officer)
        db.session.execute(
            visibility.visible_cases(user).where(Case.number == numbers[i % len(numbers)])
        ).scalar_one_or_none()

    def duplicates(i):
        user = db.session.get(User, city_officer)
        visibility.duplicates(user, None, units[i % len(units)])

    figures["search"] = _timed(app, calls, search)
    figures["duplicates"] = _timed(app, calls, duplicates)
    figures["plans"] = plans(app, url, ids, numbers[0])
    return figures


def check_inbox(app, user_id: int, limit: int = 200) -> str:
    """ "ok" when the user's inbox is the first page of a plain query of the task index — their visible
    bureaus, a task of one of their roles, unclaimed or claimed by them, not recused, ordered by
    (due or 9999-12-31, id) — otherwise what differs. Also the inbox's own rows, checked one by one."""
    from webapp.extensions import db
    from webapp.models import NO_DUE, Recusal, TaskEntry, User
    from webapp.usecases import casework

    with app.test_request_context():
        user = db.session.get(User, user_id)
        bureaus, roles = set(user.bureau.visible_bureau_ids()), user.roles
        got = casework.inbox(user, today=TODAY, limit=limit)
        recused = {
            c for (c,) in db.session.execute(select(Recusal.case_id).where(Recusal.user_id == user.id))
        }
        problems = []
        for entry in got:
            if entry.bureau_id not in bureaus:
                problems.append(f"task {entry.id} of bureau {entry.bureau_id}")
            if not entry.roles & roles:
                problems.append(f"task {entry.id} for roles {entry.roles_text}")
            if entry.claimed_by_id not in (None, user.id) or entry.case_id in recused:
                problems.append(f"task {entry.id} claimed by another or recused")
        keys = [(e.due or NO_DUE, e.id) for e in got]
        if keys != sorted(keys):
            problems.append("not in due order")
        # The reference: every task of the visible bureaus, filtered and sorted here.
        reference = []
        for entry_id, due, roles_text, claimed, case_id in db.session.execute(
            select(
                TaskEntry.id, TaskEntry.due, TaskEntry.roles_text, TaskEntry.claimed_by_id, TaskEntry.case_id
            ).where(TaskEntry.bureau_id.in_(bureaus))
        ):
            if set(roles_text.split(",")) & roles and claimed in (None, user.id) and case_id not in recused:
                reference.append((due or NO_DUE, entry_id))
        reference.sort()
        if [i for _d, i in reference[:limit]] != [e.id for e in got]:
            problems.append(
                f"first page differs from the task index ({len(got)} rows vs "
                f"{min(limit, len(reference))} expected)"
            )
        db.session.remove()
    return "ok" if not problems else "; ".join(problems[:3])


def plans(app, url: str, ids: dict, number: str) -> dict[str, list[str]]:
    """The query plans of every statement of the inbox (city case officer: the recusals, one range per
    bureau and role, the task rows) and of the search by number."""
    from webapp.extensions import db
    from webapp.models import Case, User
    from webapp.store import visibility
    from webapp.usecases import casework

    captured: list[tuple[str, object]] = []
    with app.test_request_context():
        from sqlalchemy import event

        def grab(conn, cursor, statement, parameters, context, executemany):
            captured.append((statement, parameters))

        user = db.session.get(User, ids["cq-case-officer"])
        user.bureau.districts  # noqa: B018 - load before capturing
        out = {}
        for label, run in (
            ("inbox, city case officer", lambda: casework.inbox(user, today=TODAY)),
            (
                "search by number",
                lambda: db.session.execute(visibility.visible_cases(user).where(Case.number == number)).all(),
            ),
        ):
            captured.clear()
            event.listen(db.engine, "before_cursor_execute", grab)
            try:
                run()
            finally:
                event.remove(db.engine, "before_cursor_execute", grab)
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if is_postgres(url) else "EXPLAIN QUERY PLAN "
            conn = db.session.connection().connection.driver_connection
            for n, (sql, params) in enumerate(captured, 1):
                cur = conn.cursor()
                cur.execute(prefix + sql, params)
                rows = cur.fetchall()
                name = label if len(captured) == 1 else f"{label}, statement {n} of {len(captured)}"
                out[name + " (SQL)"] = [
                    _short(" ".join(sql.split()), 400) + f"   -- parameters {_short(params)}"
                ]
                out[name] = [_short(r[0] if is_postgres(url) else r[3], 200) for r in rows]
        db.session.remove()
    return out


def _short(value, width: int = 120) -> str:
    """`value` on one line, cut at `width` characters (long IN lists)."""
    text_ = value if isinstance(value, str) else repr(tuple(value) if not isinstance(value, dict) else value)
    return text_ if len(text_) <= width else text_[: width - 1] + "…"


def run(url: str, count: int, calls: int) -> dict:
    from .databases import fresh_app

    app = fresh_app(url)
    seconds = generate(app, url, count)
    with app.app_context():
        from webapp.extensions import db

        counted = db.session.execute(text("SELECT count(*) FROM task_index")).scalar_one()
        queued = db.session.execute(text("SELECT count(*) FROM task_queue")).scalar_one()
        db.session.remove()
    assert counted == count, counted
    assert queued >= count, queued  # every task has at least one candidate role
    figures = measure(app, url, count, calls)
    figures["generate_s"] = seconds
    figures["queued"] = queued
    return figures


def report(label: str, count: int, calls: int, figures: dict) -> None:
    print(
        f"Inbox and search, {label}: {count:,} open cases, {count:,} task-index rows, {figures['queued']:,} "
        f"task-queue rows, 18 bureaus (generated in {figures['generate_s']:.0f} s; {calls:,} calls each, "
        f"fresh session per call)"
    )
    worst = 0.0
    for username, what, samples, size in figures["inbox"]:
        med, p95 = percentiles(samples)
        worst = max(worst, p95)
        note = "" if len(samples) >= calls else f"   (stopped after {len(samples)} calls)"
        cpu_med, cpu_p95 = percentiles(figures["inbox_cpu"][username])
        print(
            f"  inbox {username:28s} {what:38s} {size:4d} rows  median {med:7.2f} ms   p95 {p95:7.2f} ms"
            f"   (CPU median {cpu_med:6.2f}, p95 {cpu_p95:6.2f}){note}"
        )
    med, p95 = percentiles(figures["search"])
    print(
        f"  search by case number (visible_cases, city case officer)                 median {med:7.2f} ms   "
        f"p95 {p95:7.2f} ms"
    )
    med, p95 = percentiles(figures["duplicates"])
    print(
        f"  duplicates() by reported unit (city case officer)                        median {med:7.2f} ms   "
        f"p95 {p95:7.2f} ms"
    )
    print(
        f"  worst inbox p95 / target                                                 {worst / 50:7.2f}×   "
        f"(target p95 ≤ 50 ms)"
    )
    print(
        "  first page = the task index's, soonest due first, own bureaus and roles only: "
        + ", ".join(f"{username} {verdict}" for username, verdict in figures["checked"])
    )
    for name, lines in figures["plans"].items():
        print(f"  plan — {name}:" if not name.endswith("(SQL)") else f"  {name}:")
        for line in lines:
            print(f"      {line}")
