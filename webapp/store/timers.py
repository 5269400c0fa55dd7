"""Cases whose timers fired, kept: by the worker, one case at a time (`fire_due_timers`) or many fired
elsewhere in one go (`store_timer_runs`, for cases that need no step of their own: `stores_alone`).
The worker commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from engine.runner import TimerRun
from webapp.models import Case
from webapp.store import caserows, casestore, taskrules


@dataclass
class TimersFired:
    """What firing a case's due timers did: the timer elements that fired, the tasks they opened
    (TaskInfo) and every task ready after them."""

    fired: list[str]
    opened: list
    ready: tuple


def fire_due_timers(case: Case, now=None) -> TimersFired | None:
    """Fire the timers of one case that are due by the clock and bring its rows in step (the caller
    commits). None when none was due: the case's stored next instant is then set to its state's own."""
    loaded = casestore.load(case, now)
    fired = loaded.runner.fire_timers(loaded.running)
    if not fired:
        case.next_timer_at = loaded.runner.next_timer(loaded.running)
        return None
    casestore.add_event(case, None, "timer", "期限届满：" + "、".join(fired), {"timers": fired})
    if (rules := taskrules.rules_for(case)) is not None:
        rules.after_timers(case, fired)
    synced, snapshot = casestore.keep(case, loaded.runner, loaded.running)
    return TimersFired(fired, synced.new, snapshot.ready)


def stores_alone(case: Case, run: TimerRun, tasks: Mapping[str, Any]) -> bool:
    """Whether a case whose timers fired elsewhere (Runner.fire_stored) needs fire_due_timers' own
    step rather than store_timer_runs: its process adds rules to timers (the reward process), or a
    notice task appears or leaves (the outbox follows it). `tasks`: the case's task_rows."""
    if taskrules.rules_for(case) is not None:
        return True
    ready = {t.id: t.form_id for t in run.snapshot.ready}
    left = {r.form_id for task_id, r in tasks.items() if task_id not in ready}
    return casestore.touches_notices(left, set(ready.values()))


def store_timer_runs(runs: list[tuple[Case, TimerRun, Mapping[str, Any]]], now) -> dict[int, TimersFired]:
    """Write several cases whose due timers fired in one go (each a TimerRun with a snapshot, with the
    case's task_rows; none of them `stores_alone`): the timeline entries, the case rows, deadline
    index, task index and queue — a statement or two for all of them. The caller commits."""
    caserows.add_events(
        [
            {
                "case_id": case.id,
                "user_id": None,
                "kind": "timer",
                "title": "期限届满：" + "、".join(run.fired),
                "detail": {"timers": list(run.fired)},
                "at": now,
            }
            for case, run, _tasks in runs
        ]
    )
    synced = casestore.store_snapshots([(case, run.snapshot, tasks) for case, run, tasks in runs], now)
    return {
        case.id: TimersFired(list(run.fired), synced[case.id].new, run.snapshot.ready)
        for case, run, _ in runs
    }
