"""The inbox and case search over many generated cases (BENCH_CASES, default 1,000,000).

Generation: one open Chongqing-style case per row spread evenly over the 18 demo bureaus, each with
one ready task in the task index (a real report_handling user task with its real roles), due dates
from 30 days ago to 60 days ahead (15 % without a deadline, like 管辖审查), 5 % claimed by someone of
the bureau, 1,000 recusals. The stored state is a placeholder: nothing here reads it. SQLite gets
one `executemany` transaction per table, PostgreSQL gets COPY; nothing is ANALYZEd on SQLite (the
app never does it), PostgreSQL is ANALYZEd as autovacuum would.

Measured: `casework.inbox(user)` for users of several bureaus and roles, a case search by number
through `visible_cases`, and `casework.duplicates` (the same-party warning) — each in a fresh session,
as one request — with the query plans the databases chose.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import bindparam, select, text

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
    from webapp import casework

    with app.app_context():
        version = casework.current_version("chongqing").version
        compiled = casework.compiled_version("chongqing", version)
    spec, subprocesses = compiled.process("report_handling")
    kinds = []
    for process in (spec, *subprocesses.values()):
        for task_spec in process.task_specs.values():
            if isinstance(task_spec, FormTask) and task_spec.bpmn_id != "Task_Register":
                kinds.append((task_spec.bpmn_id, task_spec.bpmn_name or "", task_spec.form_id,
                              ",".join(task_spec.roles)))
    return sorted(kinds)


def generate(app, url: str, count: int, seed: int = 11) -> float:
    """Bulk-insert `count` cases with one task each; returns the seconds it took."""
    from webapp import casework
    from webapp.extensions import db
    from webapp.models import Bureau, User

    rnd = random.Random(seed)
    kinds = _task_kinds(app)
    with app.app_context():
        bureaus = [(b.id, b.pack) for b in db.session.execute(select(Bureau).order_by(Bureau.id)).scalars()]
        users_by_bureau: dict[int, list[int]] = {}
        for user_id, bureau_id in db.session.execute(select(User.id, User.bureau_id)):
            users_by_bureau.setdefault(bureau_id, []).append(user_id)
        version = casework.current_version("chongqing").version
        db.session.commit()
        db.session.remove()
    prefix = {"chongqing": "CQ", "urumqi": "WLMQ", "heilongjiang": "HLJ", "dali": "DL", "sichuan": "SC",
              "national": "GJ"}
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
            deadline_json[due] = json.dumps({"rule": "acceptance", "basis": "CQH 第十五条", "count": 15,
                                             "unit": "working_days", "trigger": "2026-05-01",
                                             "due": due.isoformat(), "calendar": "CN", "provisional": False},
                                            ensure_ascii=False)
        claimed = rnd.choice(users_by_bureau[bureau_id]) if rnd.random() < 0.05 else None
        case_rows.append((i, f"{prefix[pack]}-{2023 + i % 4}-{i:07d}", pack, version, "report_handling",
                          bureau_id, "open", "{}", 1, created, created, None, None, created.date(), "web",
                          False, "designated_pharmacy", None, unit, "串换药品", name, None))
        task_rows.append((i, i, str(uuid.UUID(int=rnd.getrandbits(128), version=4)), element, name, form, roles,
                          bureau_id, pack, "report_handling", due, deadline_json.get(due), claimed, created))
    all_users = [u for ids in users_by_bureau.values() for u in ids]
    recusal_rows = [(i, rnd.randrange(1, count + 1), rnd.choice(all_users), None, "回避", now)
                    for i in range(1, 1001)]
    recusal_rows = list({(r[1], r[2]): r for r in recusal_rows}.values())

    case_cols = ("id, number, pack, pack_version, process_id, bureau_id, status, state, lock_version, created_at, "
                 "updated_at, closed_at, next_timer_at, received_on, channel, anonymous, subject_type, "
                 "reported_person, reported_unit, summary, current_step, outcome")
    task_cols = ("id, case_id, task_id, element_id, name, form_id, roles, bureau_id, pack, process_id, due, "
                 "deadline, claimed_by_id, created_at")
    recusal_cols = "id, case_id, user_id, decided_by_id, reason, at"
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            if is_postgres(url):
                with raw.cursor() as cur:
                    for table, cols, rows in (("cases", case_cols, case_rows), ("task_index", task_cols, task_rows),
                                              ("recusals", recusal_cols, recusal_rows)):
                        with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
                    for table in ("cases", "task_index", "recusals"):
                        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))")
                raw.commit()
                driver = raw.driver_connection
                driver.autocommit = True
                try:
                    driver.execute("VACUUM ANALYZE cases, task_index, recusals")
                finally:
                    driver.autocommit = False
            else:
                def dt(value):
                    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if value is not None else None

                cur = raw.cursor()
                cur.executemany(f"INSERT INTO cases ({case_cols}) VALUES ({', '.join('?' * 22)})",
                                ((*r[:9], dt(r[9]), dt(r[10]), None, None, r[13].isoformat(), *r[14:])
                                 for r in case_rows))
                cur.executemany(f"INSERT INTO task_index ({task_cols}) VALUES ({', '.join('?' * 14)})",
                                ((*r[:10], r[10].isoformat() if r[10] else None, r[11], r[12], dt(r[13]))
                                 for r in task_rows))
                cur.executemany(f"INSERT INTO recusals ({recusal_cols}) VALUES (?, ?, ?, ?, ?, ?)",
                                ((*r[:5], dt(r[5])) for r in recusal_rows))
                raw.commit()
        finally:
            raw.close()
    return time.perf_counter() - start


SLOW_MS = 250.0  # a call this slow after 20 calls: stop early, the verdict will not change


def _timed(app, calls: int, fn) -> list[float]:
    """Milliseconds of `fn(i)` over `calls` calls, each in a fresh session (one request); stops after
    20 calls when their median is over SLOW_MS, so that a hopeless query does not take an hour."""
    import statistics

    from webapp.extensions import db

    samples = []
    with app.test_request_context():
        for i in range(calls):
            start = time.perf_counter()
            fn(i)
            samples.append((time.perf_counter() - start) * 1000)
            db.session.remove()
            if i == 19 and statistics.median(samples) > SLOW_MS:
                break
    return samples


def measure(app, url: str, count: int, calls: int) -> dict:
    from webapp import casework
    from webapp.extensions import db
    from webapp.models import Case, User

    figures: dict = {"inbox": [], "search": None, "duplicates": None, "plans": {}}
    rnd = random.Random(5)
    with app.app_context():
        ids = {name: db.session.execute(select(User.id).filter_by(username=name)).scalar_one() for name, _ in USERS}
        db.session.remove()
    for username, what in USERS:
        user_id = ids[username]
        sizes = []

        def one(_i, user_id=user_id, sizes=sizes):
            user = db.session.get(User, user_id)
            sizes.append(len(casework.inbox(user, today=TODAY)))

        samples = _timed(app, calls, one)
        figures["inbox"].append((username, what, samples, sizes[0]))

    numbers = []
    with app.app_context():
        for case_id in rnd.sample(range(1, count + 1), min(calls, count)):
            numbers.append(db.session.get(Case, case_id).number)
        units = [u for (u,) in db.session.execute(select(Case.reported_unit).where(
            Case.id.in_(rnd.sample(range(1, count + 1), min(calls, count)))))]
        city_officer = ids["cq-case-officer"]
        db.session.remove()

    def search(i):
        user = db.session.get(User, city_officer)
        db.session.execute(casework.visible_cases(user).where(Case.number == numbers[i % len(numbers)])).scalar_one_or_none()

    def duplicates(i):
        user = db.session.get(User, city_officer)
        casework.duplicates(user, None, units[i % len(units)])

    figures["search"] = _timed(app, calls, search)
    figures["duplicates"] = _timed(app, calls, duplicates)
    figures["plans"] = plans(app, url, ids, numbers[0])
    return figures


def plans(app, url: str, ids: dict, number: str) -> dict[str, list[str]]:
    """The query plans of the inbox (city case officer) and of the search by number."""
    from webapp import casework
    from webapp.extensions import db
    from webapp.models import Case, User

    captured: dict[str, str] = {}
    with app.test_request_context():
        from sqlalchemy import event

        def grab(conn, cursor, statement, parameters, context, executemany):
            captured.setdefault("sql", statement)
            captured.setdefault("params", parameters)

        user = db.session.get(User, ids["cq-case-officer"])
        user.bureau.districts  # noqa: B018 - load before capturing
        out = {}
        for label, run in (("inbox, city case officer", lambda: casework.inbox(user, today=TODAY)),
                           ("search by number", lambda: db.session.execute(
                               casework.visible_cases(user).where(Case.number == number)).all())):
            captured.clear()
            event.listen(db.engine, "before_cursor_execute", grab)
            try:
                run()
            finally:
                event.remove(db.engine, "before_cursor_execute", grab)
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if is_postgres(url) else "EXPLAIN QUERY PLAN "
            conn = db.session.connection().connection.driver_connection
            cur = conn.cursor()
            cur.execute(prefix + captured["sql"], captured["params"])
            rows = cur.fetchall()
            out[label] = [r[0] if is_postgres(url) else f"{'  ' * 0}{r[3]}" for r in rows]
            out[label + " (SQL)"] = [" ".join(captured["sql"].split())]
        db.session.remove()
    return out


def run(url: str, count: int, calls: int) -> dict:
    from .databases import fresh_app

    app = fresh_app(url)
    seconds = generate(app, url, count)
    with app.app_context():
        from webapp.extensions import db

        counted = db.session.execute(text("SELECT count(*) FROM task_index")).scalar_one()
        db.session.remove()
    assert counted == count, counted
    figures = measure(app, url, count, calls)
    figures["generate_s"] = seconds
    figures["proposed"] = proposed(app, url, calls)
    return figures


def report(label: str, count: int, calls: int, figures: dict) -> None:
    print(f"Inbox and search, {label}: {count:,} open cases, {count:,} task-index rows, 18 bureaus "
          f"(generated in {figures['generate_s']:.0f} s; {calls:,} calls each, fresh session per call)")
    worst = 0.0
    for username, what, samples, size in figures["inbox"]:
        med, p95 = percentiles(samples)
        worst = max(worst, p95)
        note = "" if len(samples) >= calls else f"   (stopped after {len(samples)} calls)"
        print(f"  inbox {username:28s} {what:36s} {size:4d} rows  median {med:7.2f} ms   p95 {p95:7.2f} ms{note}")
    med, p95 = percentiles(figures["search"])
    print(f"  search by case number (visible_cases, city case officer)               median {med:7.2f} ms   "
          f"p95 {p95:7.2f} ms")
    med, p95 = percentiles(figures["duplicates"])
    print(f"  duplicates() by reported unit (city case officer)                      median {med:7.2f} ms   "
          f"p95 {p95:7.2f} ms")
    print(f"  worst inbox p95 / target                                               {worst / 50:7.2f}×   "
          f"(target p95 ≤ 50 ms)")
    if figures.get("proposed"):
        report_proposed(label, figures["proposed"])
    for name, lines in figures["plans"].items():
        print(f"  plan — {name}:" if not name.endswith("(SQL)") else f"  {name}:")
        for line in lines:
            print(f"      {line}")


# -- the fix, tried on the bench database only ----------------------------------------------------

QUEUE_DDL = ("CREATE TABLE bench_task_queue (bureau_id INTEGER NOT NULL, role VARCHAR(40) NOT NULL, "
             "sort_due DATE NOT NULL, task_entry_id INTEGER NOT NULL, "
             "PRIMARY KEY (bureau_id, role, sort_due, task_entry_id))")


def proposed(app, url: str, calls: int, limit: int = 200) -> dict:
    """The inbox as recommended: a narrow (bureau, role, due, task) table — one row per task and role,
    a non-null due (9999-12-31 for none) — read with one index range per visible bureau × role, each
    ordered and limited by the index, merged by UNION ALL; claims and recusals filtered on ≤ k rows.
    Built here from task_index with INSERT … SELECT; the app would keep it in step in `_sync`."""
    from webapp import casework
    from webapp.extensions import db
    from webapp.models import ROLES, User

    out: dict = {"users": []}
    with app.app_context():
        conn = db.session.connection()
        conn.execute(text("DROP TABLE IF EXISTS bench_task_queue"))
        conn.execute(text(QUEUE_DDL + ("" if is_postgres(url) else " WITHOUT ROWID")))
        start = time.perf_counter()
        for role in ROLES:
            conn.execute(text("INSERT INTO bench_task_queue SELECT bureau_id, :role, COALESCE(due, DATE '9999-12-31'), id "
                              "FROM task_index WHERE ',' || roles || ',' LIKE :pattern"
                              if is_postgres(url) else
                              "INSERT INTO bench_task_queue SELECT bureau_id, :role, COALESCE(due, '9999-12-31'), id "
                              "FROM task_index WHERE ',' || roles || ',' LIKE :pattern"),
                         {"role": role, "pattern": f"%,{role},%"})
        db.session.commit()
        if is_postgres(url):
            db.session.execute(text("ANALYZE bench_task_queue"))
            db.session.commit()
        out["build_s"] = time.perf_counter() - start
        ids = {name: db.session.execute(select(User.id).filter_by(username=name)).scalar_one() for name, _ in USERS}
        db.session.remove()

    def query_for(user, k: int):
        legs, params = [], {"me": user.id, "limit": limit}
        for b, bureau_id in enumerate(user.bureau.visible_bureau_ids()):
            for r, role in enumerate(sorted(user.roles)):
                legs.append(f"SELECT * FROM (SELECT task_entry_id, sort_due FROM bench_task_queue "
                            f"WHERE bureau_id = :b{b} AND role = :r{r} ORDER BY sort_due, task_entry_id "
                            f"LIMIT :k) AS leg_{b}_{r}")
                params[f"b{b}"], params[f"r{r}"], params["k"] = bureau_id, role, k
        sql = (f"SELECT DISTINCT t.id, t.case_id, t.task_id, t.element_id, t.name, t.form_id, t.roles, t.due, "
               f"t.deadline, t.claimed_by_id, q.sort_due FROM ({' UNION ALL '.join(legs)}) AS q "
               f"JOIN task_index t ON t.id = q.task_entry_id "
               f"WHERE (t.claimed_by_id IS NULL OR t.claimed_by_id = :me) "
               f"AND t.case_id NOT IN (SELECT case_id FROM recusals WHERE user_id = :me) "
               f"ORDER BY q.sort_due, t.id LIMIT :limit")
        return sql, params

    def inbox_fixed(user):
        k = limit + limit // 4
        while True:  # widen when claims and recusals filtered too many rows out
            sql, params = query_for(user, k)
            rows = db.session.execute(text(sql), params).all()
            if len(rows) >= limit or k > 100_000:
                return rows
            legs_full = db.session.execute(text(
                "SELECT count(*) FROM bench_task_queue WHERE bureau_id IN :bs AND role IN :rs")
                .bindparams(bindparam("bs", expanding=True), bindparam("rs", expanding=True)),
                {"bs": user.bureau.visible_bureau_ids(), "rs": sorted(user.roles)}).scalar_one()
            if legs_full <= k:
                return rows
            k *= 4

    for username, what in USERS:
        sizes = []

        def one(_i, user_id=ids[username], sizes=sizes):
            sizes.append(len(inbox_fixed(db.session.get(User, user_id))))

        out["users"].append((username, what, _timed(app, calls, one), sizes[0]))

    with app.app_context():
        user = db.session.get(User, ids["cq-case-officer"])
        sql, params = query_for(user, limit + limit // 4)
        old = [str(r.due) if r.due else None for r in casework.inbox(user, today=TODAY)]
        new = [str(r.due)[:10] if r.due else None for r in db.session.execute(text(sql), params)]
        out["same_rows"] = old == new
        if is_postgres(url):
            explain = db.session.execute(text("EXPLAIN " + sql), params).all()
            out["plan"] = [r[0] for r in explain]
        else:
            explain = db.session.execute(text("EXPLAIN QUERY PLAN " + sql), params).all()
            out["plan"] = [r[3] for r in explain]
        db.session.remove()
    return out


def report_proposed(label: str, figures: dict) -> None:
    print(f"  proposed inbox (bench-only side table bench_task_queue, built in {figures['build_s']:.1f} s; "
          f"same due dates in the same order as casework.inbox for the city officer: {'yes' if figures['same_rows'] else 'NO'})")
    for username, what, samples, size in figures["users"]:
        med, p95 = percentiles(samples)
        print(f"  fixed {username:28s} {what:36s} {size:4d} rows  median {med:7.2f} ms   p95 {p95:7.2f} ms")
    print("  plan — proposed inbox, city case officer:")
    for line in figures["plan"]:
        print(f"      {line}")
