"""Completing a user task through the service layer, against the engine alone and bare SpiffWorkflow.

The step: 管辖审查 (Task_Jurisdiction) of a freshly registered Chongqing report, completed with
"keep". Three figures on that same step:

* service layer: `casework.complete_task(user, case, task_id, data, lock_version)` on a real
  database — task-index check, load the state, validate the form, run, save, rebuild the task index,
  append the timeline event, commit (with the case row loaded by `visibility.case_for` just before,
  timed separately, as the task page does);
* Clueflow runner: restore the stored state → complete (validated) → save, no database;
* bare SpiffWorkflow: json.loads → SpiffWorkflow's own BpmnWorkflowConverter rebuilding the task
  tree on the same parsed spec → READY manual task → set_data → run → do_engine_steps →
  converter to dict → json.dumps. The same FEEL script engine is attached because the process's
  conditions are FEEL (SpiffWorkflow's PythonScriptEngine cannot evaluate them), the state stays
  spec-less (the stock full-JSON serializer would also rewrite the whole spec on every step and
  cannot serialize our task-spec classes), and the data goes in unvalidated. This is the least
  work SpiffWorkflow can do for this step, so "service / bare" is the strict ratio.

The three are sampled interleaved (each completion, then one runner step, then one bare step), so a
neighbour's load on a shared machine weighs on all three alike; this process's CPU time for the
same calls is printed too (wall-clock time is the target; CPU time shows the work done when other
processes take turns on the cores). One more completion, untimed, counts the SQL statements
`case_for` and `complete_task` send.
"""

from __future__ import annotations

import json
import statistics
import time

from sqlalchemy import select

REGISTRATION = dict(
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
    content="串换药品，将保健品记入医保结算",
    act_location="本区",
    agreement_agency="district",
    has_evidence=True,
    repeat_of="none",
    in_proceedings=False,
    subject_extinct=False,
    recorder="李四",
    recorded_on="2026-03-02",
)
KEEP = dict(jurisdiction="keep", jurisdiction_reason="行为发生在本区")
STEP = "Task_Jurisdiction"
REGISTRAR, OFFICER = "cq-registrar", "cq-case-officer"


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(median, p95) of millisecond samples."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def register(app, count: int) -> list[tuple[int, str]]:
    """Register `count` Chongqing reports through the service layer; (case id, jurisdiction task id) each."""
    from webapp.extensions import db
    from webapp.models import TaskEntry, User
    from webapp.usecases import casework

    with app.test_request_context():
        registrar = db.session.execute(select(User).filter_by(username=REGISTRAR)).scalar_one()
        for _ in range(count):
            casework.register_report(registrar, dict(REGISTRATION))
        rows = db.session.execute(
            select(TaskEntry.case_id, TaskEntry.task_id)
            .where(TaskEntry.element_id == STEP)
            .order_by(TaskEntry.case_id)
        ).all()
        db.session.remove()
    assert len(rows) >= count, rows
    return [(case_id, task_id) for case_id, task_id in rows[-count:]]


def service_completions(app, pending: list[tuple[int, str]], ours, bare) -> dict[str, list[float]]:
    """Complete each pending jurisdiction task as a Chongqing case officer, one fresh session each
    (as one request each); milliseconds of `case_for` and of `complete_task`, and right after each
    completion one runner step and one bare SpiffWorkflow step on the same stored state — interleaved,
    so that the ratios compare figures taken under the same load on a shared machine."""
    from webapp.extensions import db
    from webapp.models import TaskEntry, User
    from webapp.store import visibility
    from webapp.usecases import casework

    load_ms, complete_ms, ours_ms, bare_ms = [], [], [], []
    cpu = {"complete_task": [], "runner": [], "bare": []}  # this process's CPU time, same calls
    with app.test_request_context():
        officer_id = db.session.execute(select(User.id).filter_by(username=OFFICER)).scalar_one()
        db.session.remove()
        for case_id, task_id in pending:
            officer = db.session.get(User, officer_id)  # Flask-Login's user loader, before the view
            t0 = time.perf_counter()
            case = visibility.case_for(officer, case_id)
            t1, c1 = time.perf_counter(), time.process_time()
            casework.complete_task(officer, case, task_id, dict(KEEP), case.lock_version)
            t2, c2 = time.perf_counter(), time.process_time()
            load_ms.append((t1 - t0) * 1000)
            complete_ms.append((t2 - t1) * 1000)
            cpu["complete_task"].append((c2 - c1) * 1000)
            db.session.remove()
            for fn, out, key in ((ours, ours_ms, "runner"), (bare, bare_ms, "bare")):
                start, c0 = time.perf_counter(), time.process_time()
                fn()
                out.append((time.perf_counter() - start) * 1000)
                cpu[key].append((time.process_time() - c0) * 1000)
        # Behaviour, not speed: every case moved on past the jurisdiction step.
        left = db.session.execute(
            select(TaskEntry).where(
                TaskEntry.element_id == STEP, TaskEntry.case_id.in_([c for c, _ in pending])
            )
        )
        assert left.first() is None, "a jurisdiction task was not completed"
        db.session.remove()
    return {"case_for": load_ms, "complete_task": complete_ms, "runner": ours_ms, "bare": bare_ms, "cpu": cpu}


def statements_per_completion(app, case_id: int, task_id: str) -> tuple[int, int]:
    """SQL statements sent for one more completion, untimed: (case_for, complete_task incl. COMMIT)."""
    from sqlalchemy import event

    from webapp.extensions import db
    from webapp.models import User
    from webapp.store import visibility
    from webapp.usecases import casework

    sent: list[str] = []

    def count(*_args):
        sent.append("statement")

    with app.test_request_context():
        officer = db.session.execute(select(User).filter_by(username=OFFICER)).scalar_one()
        event.listen(db.engine, "before_cursor_execute", count)
        event.listen(db.engine, "commit", count)
        try:
            case = visibility.case_for(officer, case_id)
            read = len(sent)
            casework.complete_task(officer, case, task_id, dict(KEEP), case.lock_version)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
            event.remove(db.engine, "commit", count)
        db.session.remove()
    return read, len(sent) - read


def stored_state(app) -> str:
    """The stored state of one registered Chongqing report waiting at the jurisdiction step."""
    from webapp.extensions import db
    from webapp.models import Case, TaskEntry

    with app.app_context():
        state = db.session.execute(
            select(Case.state)
            .join(TaskEntry, TaskEntry.case_id == Case.id)
            .where(TaskEntry.element_id == STEP)
            .limit(1)
        ).scalar_one()
        db.session.remove()
    return state


def engine_steps(app, stored: str):
    """The Clueflow runner step and the bare SpiffWorkflow step on the same state, as two callables."""
    from SpiffWorkflow.util.task import TaskState

    from webapp.store import packversions

    with app.app_context():
        runner = packversions.runner_for("chongqing", json.loads(stored)["pack_version"])
    spec, subprocesses = runner.pack.process("report_handling")
    serializer = runner.serializer  # the converter is SpiffWorkflow's BpmnWorkflowConverter minus the spec

    def ours():
        case = runner.restore(stored)
        [task] = [t for t in runner.ready_tasks(case) if t.element_id == STEP]
        runner.complete(case, task.id, KEEP)
        return runner.save(case)

    def bare():
        state = json.loads(stored)
        for key in ("process_id", "pack_version", "clueflow_format", "spiff_format"):
            state.pop(key, None)
        workflow = serializer.converter.restore_with(state, spec, subprocesses)
        workflow.script_engine = runner.script_engine
        task = next(
            t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == STEP
        )
        task.set_data(**KEEP)
        task.run()
        workflow.do_engine_steps()
        return serializer.library_json(workflow, ensure_ascii=False, separators=(",", ":"))

    # Same step, same outcome: both reach the acceptance check.
    after = runner.restore(ours())
    assert "Task_AcceptanceCheck" in [t.element_id for t in runner.ready_tasks(after)]
    assert "Task_AcceptanceCheck" in bare()
    return ours, bare


def run(completions: int, url: str):
    """Everything the report needs for one database: service samples and the two engine references,
    taken interleaved, and the statements one completion sends."""
    from .databases import fresh_app

    app = fresh_app(url)
    start = time.perf_counter()
    pending = register(app, completions + 1)
    register_s = time.perf_counter() - start
    ours, bare = engine_steps(app, stored_state(app))
    samples = service_completions(app, pending[:completions], ours, bare)
    statements = statements_per_completion(app, *pending[completions])
    return {"register_s": register_s, **samples, "statements": statements}


def report(label: str, completions: int, figures: dict) -> None:
    svc_med, svc_p95 = percentiles(figures["complete_task"])
    load_med, load_p95 = percentiles(figures["case_for"])
    req = [a + b for a, b in zip(figures["case_for"], figures["complete_task"], strict=True)]
    req_med, req_p95 = percentiles(req)
    run_med, run_p95 = percentiles(figures["runner"])
    bare_med, bare_p95 = percentiles(figures["bare"])
    print(
        f"Task completion through the service layer, {label}: Chongqing report, 管辖审查 → keep "
        f"({completions:,} completions; {completions:,} registrations took {figures['register_s']:.1f} s, "
        f"{figures['register_s'] * 1000 / completions:.1f} ms each)"
    )
    print("  casework.complete_task (index check, load, validate, run, save, task index, event, commit)")
    print(
        f"                                                 median {svc_med:6.3f} ms   p95 {svc_p95:6.3f} ms"
        f"   (target p95 ≤ 15 ms on SQLite)"
    )
    print(
        f"  visibility.case_for (the case row, access-checked) median {load_med:6.3f} ms   p95 {load_p95:6.3f} ms"
    )
    print(
        f"  case_for + complete_task (the POST's two calls) median {req_med:6.3f} ms   p95 {req_p95:6.3f} ms"
    )
    print(
        f"  Clueflow runner alone (restore, complete, save) median {run_med:6.3f} ms   p95 {run_p95:6.3f} ms"
    )
    print(
        f"  bare SpiffWorkflow (same spec, state-only JSON) median {bare_med:6.3f} ms   p95 {bare_p95:6.3f} ms"
    )
    print(f"  ratio (complete_task / bare), median            {svc_med / bare_med:6.2f}×   (target ≤ 2×)")
    print(f"  ratio (complete_task / bare), p95               {svc_p95 / bare_p95:6.2f}×")
    print(f"  ratio (runner / bare), median                   {run_med / bare_med:6.2f}×")
    cpu = {key: statistics.median(values) for key, values in figures["cpu"].items()}
    print(
        f"  CPU time of this process, median: complete_task {cpu['complete_task']:.3f} ms, runner "
        f"{cpu['runner']:.3f} ms, bare {cpu['bare']:.3f} ms; complete_task / bare {cpu['complete_task'] / cpu['bare']:.2f}×"
    )
    print(
        "    (less sensitive to other processes on a shared machine than the wall-clock figures above;"
        " it leaves out the database server's own work)"
    )
    read, complete = figures["statements"]
    print(
        f"  SQL statements per completion: case_for {read}, complete_task {complete} (COMMIT counted as one)"
    )


__all__ = ["run", "report", "percentiles", "REGISTRATION", "KEEP"]
