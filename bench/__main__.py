"""`make bench`: Clueflow's engine against bare SpiffWorkflow on the same work, as figures and ratios.

1. Decisions per second for one 10-rule UNIQUE table: our FEEL evaluator vs SpiffWorkflow's
   default DMN engine (Python cells, the same rules), both on the same inputs.
2. One user-task step — load the stored case, complete the task (the decision and the gateway run),
   save it again — through our runner vs bare SpiffWorkflow on the same process.
3. Task completion through the service layer (`casework.complete_task` on a real database) against
   the runner alone and bare SpiffWorkflow on the same report_handling step (bench/service.py).
4. The inbox, case search and duplicate check over BENCH_CASES generated cases (bench/inbox.py).
5. A timer-worker tick over BENCH_TIMER_CASES open cases (default 100,000) with BENCH_TIMER_DUE due
   (default 1,000), target ≤ 1 s, with the engine shared among BENCH_TIMER_PROCESSES forked processes
   (default as `clueflow worker`: the processors, at most 8), beside the same engine work alone in one
   process and the processor time every program spent during the tick (bench/timers.py).

3 and 4 run on a fresh SQLite file, and on PostgreSQL too when BENCH_DATABASE_URL (a database the
bench may empty) or TEST_DATABASE_URL (the bench then uses a sibling database `clueflow_bench`) is set.
Sizes: BENCH_CASES (default 1,000,000), BENCH_COMPLETIONS (default 300), BENCH_CALLS (inbox calls per
user, default 200); BENCH_ONLY=decisions,steps,service,inbox,timers runs a subset.

Timings are printed, never asserted: the tests check behaviour, this checks speed.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.packs import Pack, PackInfo
from engine.rules import calendars_for
from engine.runner import FixedClock, Runner
from engine.specs import compile_pack

HERE = Path(__file__).resolve().parent
KINDS = [
    "report",
    "report",
    "report",
    "report",
    "consultation",
    "petition",
    "reconsideration",
    "information_request",
]


def inputs(n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    return [
        {"kind": rnd.choice(KINDS), "amount": rnd.randrange(0, 100_000), "criminal": rnd.random() < 0.3}
        for _ in range(n)
    ]


def best_rate(fn, items, rounds: int = 5) -> float:
    """Operations per second: the best of several rounds over the same items."""
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            fn(item)
        rates.append(len(items) / (time.perf_counter() - start))
    return max(rates)


def per_op_ms(fn, count: int, rounds: int = 5) -> tuple[float, float]:
    """(median, p95) milliseconds of one call, over `rounds` × `count` calls."""
    samples = []
    for _ in range(rounds):
        for _ in range(count):
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def bench_pack() -> "Runner":
    files = {
        "bpmn/bench_process.bpmn": (HERE / "bench_process.bpmn").read_bytes(),
        "dmn/bench_table.dmn": (HERE / "bench_table.dmn").read_bytes(),
        "forms/bench_enter.form": (HERE / "bench_enter.form").read_bytes(),
        "forms/bench_review.form": (HERE / "bench_review.form").read_bytes(),
    }
    pack = Pack(PackInfo("bench", "bench", "CN", "B"), ("bench",), files)
    return compile_pack(pack, calendars_for(), contract=False)


def spiff_parser() -> CamundaParser:
    parser = CamundaParser()
    parser.add_bpmn_file(str(HERE / "bench_process.bpmn"))
    parser.add_dmn_file(str(HERE / "bench_table_python.dmn"))
    return parser


def decisions(items: list[dict]) -> tuple[float, float]:
    compiled = bench_pack()
    ours = best_rate(lambda data: compiled.decide("bench_table", data), items)

    parser = spiff_parser()
    spec = parser.get_spec("bench_process")
    workflow = BpmnWorkflow(
        spec, parser.get_subprocess_specs("bench_process"), script_engine=PythonScriptEngine()
    )
    task = next(t for t in workflow.get_tasks() if t.task_spec.name == "classify")
    engine = task.task_spec.dmnEngine

    def spiff_decide(data):
        task.data = dict(data)
        return engine.result(task)

    theirs = best_rate(spiff_decide, items)
    # Same answers on the same inputs, or the comparison means nothing.
    for data in items[:200]:
        assert compiled.decide("bench_table", data)["band"] == spiff_decide(data)["band"], data
    return ours, theirs


def steps(count: int) -> tuple[tuple[float, float], tuple[float, float]]:
    data = {"kind": "report", "amount": 12000, "criminal": False}

    runner = Runner(bench_pack(), clock=FixedClock(datetime(2026, 6, 1, tzinfo=timezone.utc)))
    stored = runner.save(runner.start("bench_process"))

    def our_step():
        case = runner.restore(stored)
        task = runner.ready_tasks(case)[0]
        runner.complete(case, task.id, data)
        return runner.save(case)

    parser = spiff_parser()
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
    workflow = BpmnWorkflow(parser.get_spec("bench_process"), parser.get_subprocess_specs("bench_process"))
    workflow.do_engine_steps()
    bare_stored = serializer.serialize_json(workflow)

    def bare_step():
        wf = serializer.deserialize_json(bare_stored)
        wf.script_engine = PythonScriptEngine()
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.set_data(**data)
        task.run()
        wf.do_engine_steps()
        return serializer.serialize_json(wf)

    assert json.loads(our_step())["tasks"] and bare_step()
    return per_op_ms(our_step, count), per_op_ms(bare_step, count)


def main() -> None:
    only = {
        p.strip() for p in os.environ.get("BENCH_ONLY", "decisions,steps,service,inbox,timers").split(",")
    }
    if "decisions" in only or "steps" in only:
        engine_benches(only)
    if "timers" in only:
        from . import databases, timers

        total = int(os.environ.get("BENCH_TIMER_CASES", "100000"))
        due = int(os.environ.get("BENCH_TIMER_DUE", "1000"))
        for label, url in databases.targets():
            timers.report(label, total, due, timers.run_apart(url, total, due))
    if "service" in only or "inbox" in only:
        from . import databases, inbox, service

        completions = int(os.environ.get("BENCH_COMPLETIONS", "300"))
        cases = int(os.environ.get("BENCH_CASES", "1000000"))
        calls = int(os.environ.get("BENCH_CALLS", "200"))
        for label, url in databases.targets():
            if "service" in only:
                print()
                service.report(label, completions, service.run(completions, url))
            if "inbox" in only:
                print()
                inbox.report(label, cases, calls, inbox.run(url, cases, calls))


def engine_benches(only: set[str]) -> None:
    if "decisions" in only:
        decisions_bench()
    if "steps" in only:
        steps_bench()


def decisions_bench() -> None:
    items = inputs(5000)
    ours, theirs = decisions(items)
    print("Decision evaluation, 10-rule UNIQUE table, 3 inputs (5,000 inputs, best of 5 rounds)")
    print(f"  Clueflow FEEL evaluator      {ours:12,.0f} decisions/s   {1e6 / ours:7.1f} µs each")
    print(f"  SpiffWorkflow default DMN    {theirs:12,.0f} decisions/s   {1e6 / theirs:7.1f} µs each")
    print(f"  ratio (ours / Spiff)         {ours / theirs:12.2f}×   (target ≥ 2.5×)")
    print()


def steps_bench() -> None:
    (our_med, our_p95), (bare_med, bare_p95) = steps(400)
    print("One user-task step: load stored case, complete task (decision + gateway), save (2,000 steps)")
    print(f"  Clueflow runner (state-only, form-validated)  median {our_med:6.3f} ms   p95 {our_p95:6.3f} ms")
    print(
        f"  bare SpiffWorkflow (full JSON)                 median {bare_med:6.3f} ms   p95 {bare_p95:6.3f} ms"
    )
    print(f"  ratio (ours / bare)                            {our_med / bare_med:6.2f}×   (target ≤ 2×)")


if __name__ == "__main__":
    main()
