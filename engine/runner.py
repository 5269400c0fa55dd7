"""The workflow runner: start a case, list its ready tasks, complete one with validated data,
deliver events, fire due timers, save and restore its state.

The runner is a plain-Python facade over SpiffWorkflow whose collaborators are passed in: the
compiled pack (decisions, forms, calendar, parsed processes), the clock and the serializer. It
returns plain data and raises engine errors; it knows nothing of HTTP or databases.

When a call raises, the in-memory case may be half-changed: the caller discards it and reloads
the stored state (the application rolls its transaction back), so nothing half-done is ever saved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.exceptions import TaskNotFoundException, WorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .bpmn import DeadlineTimer, FeelScriptEngine, FormTask
from .errors import ClueflowError, ValidationError
from .serialization import StateSerializer
from .snapshots import Snapshot, TaskInfo, TimerRun
from .specs import CompiledPack


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class FixedClock:
    """A clock for tests and simulations: it shows the time it is set to."""

    def __init__(self, now: datetime) -> None:
        self.now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)
        return self.now


class TaskNotReady(ClueflowError):
    """The task does not exist in this case or is no longer waiting (someone completed it)."""


class RunError(ClueflowError):
    """The process could not go on (a failing expression, decision or deadline); nothing was saved."""


@dataclass
class Case:
    """One running process instance of one pack version."""

    workflow: BpmnWorkflow
    pack: CompiledPack
    process_id: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def completed(self) -> bool:
        completed: bool = self.workflow.completed
        return completed

    @property
    def data(self) -> dict[str, Any]:
        """The case data: the process's data when finished, else that of the latest step. When the
        latest step ran in a subprocess (an event subprocess such as a withdrawal or a recusal
        decision, whose data starts empty), the case's data is still the main line's latest, with
        what the subprocess recorded on top (a copy then, not the live dict)."""
        workflow = self.workflow
        data: dict[str, Any]
        if workflow.completed:
            data = workflow.data
            return data
        last = workflow.last_task or workflow.task_tree
        if last.workflow is workflow and not isinstance(last.task_spec, SubWorkflowTask):
            data = last.data
            return data
        steps = [
            t
            for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.workflow is workflow and not isinstance(t.task_spec, SubWorkflowTask)
        ]
        main = max(steps, key=lambda t: t.last_state_change, default=workflow.task_tree)
        return {**main.data, **last.data}

    def reached(self) -> list[str]:
        """The ids of every element the case has passed through (completed tasks), in order."""
        done = [t for t in self.workflow.get_tasks(state=TaskState.COMPLETED)]
        done.sort(key=lambda t: t.last_state_change)
        return [t.task_spec.bpmn_id for t in done if t.task_spec.bpmn_id]


_serializers = threading.local()


def _thread_serializer() -> StateSerializer:
    """One serializer per thread (it flags its registry while encoding), reused by every runner:
    an application builds a runner per request and building the registry costs more than a step."""
    serializer = getattr(_serializers, "serializer", None)
    if serializer is None:
        serializer = _serializers.serializer = StateSerializer()
    return serializer


class Runner:
    """Runs the processes of one compiled pack."""

    def __init__(
        self,
        pack: CompiledPack,
        clock: Callable[[], datetime] = system_clock,
        serializer: StateSerializer | None = None,
    ):
        self.pack = pack
        self.clock = clock
        self.serializer = serializer or _thread_serializer()
        self.script_engine = FeelScriptEngine(pack.decide, pack.deadline, clock)

    # -- cases ---------------------------------------------------------------------------------
    def start(self, process_id: str, data: Mapping[str, Any] | None = None) -> Case:
        """Start a case of one of the pack's processes and run it to its first wait."""
        spec, subprocesses = self.pack.process(process_id)
        workflow = BpmnWorkflow(spec, subprocesses, script_engine=self.script_engine)
        if data:
            workflow.task_tree.data.update(data)
        case = Case(workflow, self.pack, process_id)
        self._advance(case)
        return case

    def save(self, case: Case) -> str:
        """The case's state as JSON text (no spec: the pack version supplies it on restore)."""
        return self.serializer.to_json(
            case.workflow, process_id=case.process_id, pack_version=self.pack.version
        )

    def restore(self, stored: str) -> Case:
        """Rebuild a saved case on this pack version, with the safe script engine attached."""
        state = self.serializer.read(stored)
        process_id = state.pop("process_id", None)
        version = state.pop("pack_version", None)
        if version != self.pack.version:
            raise ClueflowError(f"case belongs to pack version {version}, not {self.pack.version}")
        spec, subprocesses = self.pack.process(process_id)
        workflow = self.serializer.from_dict(state, spec, subprocesses, self.script_engine)
        return Case(workflow, self.pack, process_id)

    def snapshot(self, case: Case) -> Snapshot:
        """The case as the application stores and lists it (see Snapshot)."""
        ready = tuple(self.ready_tasks(case))
        ends = [e for e in case.reached() if e.lower().startswith("end")] if case.completed else []
        return Snapshot(
            state=self.save(case),
            ready=ready,
            deadlines=tuple(self.deadlines(case)),
            next_timer=self.next_timer(case),
            completed=case.completed,
            outcome=ends[-1] if ends else "",
        )

    def fire_stored(self, stored: str) -> TimerRun:
        """Restore a stored case, fire its due timers and snapshot it: the worker's whole engine step,
        in one call that takes and returns plain data."""
        case = self.restore(stored)
        fired = self.fire_timers(case)
        if not fired:
            return TimerRun((), None, self.next_timer(case))
        snapshot = self.snapshot(case)
        return TimerRun(tuple(fired), snapshot, snapshot.next_timer)

    # -- tasks ---------------------------------------------------------------------------------
    def ready_tasks(self, case: Case) -> list[TaskInfo]:
        """The user tasks waiting for a person, in a stable order (the task tree's, depth first)."""
        workflow = case.workflow
        tasks = None
        if not workflow.subprocesses:  # a plain scan finds them; the tree walk only decides an order
            tasks = [t for t in workflow.tasks.values() if t.state == TaskState.READY and t.task_spec.manual]
        if tasks is None or len(tasks) > 1:
            tasks = workflow.get_tasks(state=TaskState.READY, manual=True)
        return [self._info(t) for t in tasks]

    def task(self, case: Case, task_id: str) -> TaskInfo:
        return self._info(self._ready_task(case, task_id))

    def task_data(self, case: Case, task_id: str) -> dict[str, Any]:
        """The data one task of the case saw, ready or done (the facts as they stood at that step;
        `case.data` is the latest step's, which after an event subprocess holds only its own)."""
        try:
            return dict(case.workflow.get_task_from_id(UUID(task_id)).data)
        except (KeyError, ValueError, TaskNotFoundException) as exc:
            raise TaskNotReady(f"no task {task_id} in this case") from exc

    def complete(self, case: Case, task_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Complete a ready user task with data validated against its form; returns the clean data.

        Raises ValidationError (per field) before anything changes, TaskNotReady when the task is
        not waiting, RunError when the process fails after the task (discard the case then).
        """
        task = self._ready_task(case, task_id)
        form_id = getattr(task.task_spec, "form_id", "")
        form = self.pack.forms.get(form_id)
        if form is None:
            raise ClueflowError(
                f"task '{task.task_spec.bpmn_id}' names form '{form_id}', which the pack lacks"
            )
        clean = form.validate(data)
        task.set_data(**clean)
        try:
            task.run()
        except WorkflowException as exc:
            raise RunError(str(exc)) from exc
        self._advance(case)
        return clean

    def send(self, case: Case, message: str, payload: Mapping[str, Any] | None = None) -> None:
        """Deliver a message (e.g. `withdrawal`) to the case; an error if nothing waits for it."""
        event = BpmnEvent(MessageEventDefinition(message), dict(payload or {}))
        try:
            case.workflow.send_event(event)
        except WorkflowException as exc:
            raise ClueflowError(f"the case is not waiting for '{message}'") from exc
        self._advance(case)

    def cancel(self, case: Case) -> None:
        """End the case where it stands, reaching no end event: its waiting tasks and timers are
        cancelled (the report went to another bureau). The case keeps the data it had."""
        data = dict(case.data)
        case.workflow.cancel()
        case.workflow.data.update(data)

    # -- timers --------------------------------------------------------------------------------
    def fire_timers(self, case: Case) -> list[str]:
        """Fire the timers due by the clock; returns the ids of the timer elements that fired."""
        due = [t for t in self._waiting_timers(case) if self._due(t) <= self.clock()]
        if not due:
            return []
        try:
            case.workflow.refresh_timers()
        except WorkflowException as exc:
            raise RunError(str(exc)) from exc
        self._advance(case)
        return [t.task_spec.bpmn_id for t in due if t.state != TaskState.WAITING]

    def next_timer(self, case: Case) -> datetime | None:
        """The earliest instant a timer of the case falls due (None when none waits)."""
        instants = [self._due(t) for t in self._waiting_timers(case)]
        return min(instants) if instants else None

    def deadlines(self, case: Case) -> list[dict[str, Any]]:
        """The running deadlines of the case, each explained (rule, article, unit, trigger, due, calendar);
        one waiting for a calendar year has `pending` true, `due` and `fires_at` None, and comes last."""
        rows = []
        for task in self._deadline_timers(case):
            explained = task._get_internal_data("deadline")
            rows.append(
                {
                    "element_id": task.task_spec.bpmn_id,
                    "name": task.task_spec.bpmn_name or "",
                    "fires_at": task._get_internal_data("event_value"),
                    **(explained or {}),
                }
            )
        rows.sort(key=lambda r: (r["fires_at"] is None, r["fires_at"] or ""))
        return rows

    def recompute_deadlines(self, case: Case) -> list[dict[str, Any]]:
        """Count every running deadline of the case again on this runner's calendars (after a calendar
        changed): a waiting one gets its due date once its year is confirmed, a computed one may move.
        Changes only the case state; returns the deadlines whose due date changed, each with the
        timer's task id, element, rule, `old_due` and `new_due` (None while waiting)."""
        moved = []
        for task in self._deadline_timers(case):
            old = task._get_internal_data("deadline") or {}
            old_value = task._get_internal_data("event_value")
            try:
                task.task_spec.event_definition.compute(task)
            except WorkflowException as exc:
                raise RunError(str(exc)) from exc
            new = task._get_internal_data("deadline") or {}
            if task._get_internal_data("event_value") != old_value or old.get("due") != new.get("due"):
                moved.append(
                    {
                        "task_id": str(task.id),
                        "element_id": task.task_spec.bpmn_id,
                        "name": task.task_spec.bpmn_name or "",
                        "rule": new.get("rule") or old.get("rule"),
                        "old_due": old.get("due"),
                        "new_due": new.get("due"),
                        "fires_at": task._get_internal_data("event_value"),
                    }
                )
        return moved

    # -- internals -----------------------------------------------------------------------------
    def _advance(self, case: Case) -> None:
        try:
            case.workflow.do_engine_steps()
        except WorkflowException as exc:
            raise RunError(str(exc)) from exc

    def _ready_task(self, case: Case, task_id: str) -> Task:
        try:
            task = case.workflow.get_task_from_id(UUID(str(task_id)))
        except (ValueError, WorkflowException):
            task = None
        if task is None or task.state != TaskState.READY or not isinstance(task.task_spec, FormTask):
            raise TaskNotReady("this task is no longer waiting: it was completed or withdrawn")
        return task

    def _deadline_timers(self, case: Case) -> list[Task]:
        """The deadline timers waiting in the case, with a due instant or waiting for a calendar year."""
        return [
            t
            for t in case.workflow.event_manager.tasks.values()
            if isinstance(getattr(t.task_spec, "event_definition", None), DeadlineTimer)
            and t.state == TaskState.WAITING
            and not t._get_internal_data("event_fired")
        ]

    def _waiting_timers(self, case: Case) -> list[Task]:
        """The deadline timers with a due instant (those that can fire)."""
        return [t for t in self._deadline_timers(case) if t._get_internal_data("event_value")]

    @staticmethod
    def _due(task: Task) -> datetime:
        return datetime.fromisoformat(task._get_internal_data("event_value"))

    @classmethod
    def _info(cls, task: Task) -> TaskInfo:
        spec = task.task_spec
        return TaskInfo(
            id=str(task.id),
            element_id=spec.bpmn_id,
            name=spec.bpmn_name or spec.bpmn_id,
            form_id=getattr(spec, "form_id", ""),
            roles=tuple(getattr(spec, "roles", ())),
            process_id=task.workflow.spec.name,
            deadline=cls._attached_deadline(task),
        )

    @staticmethod
    def _attached_deadline(task: Task) -> dict[str, Any] | None:
        """The deadline of a boundary timer on this task: its siblings under the boundary split."""
        parent = task.parent
        if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
            return None
        # A timer that has fired still explains the (now passed) deadline of the task it is attached to.
        deadlines = [
            sibling._get_internal_data("deadline")
            for sibling in parent.children
            if sibling is not task
            and sibling.state in (TaskState.WAITING, TaskState.READY, TaskState.COMPLETED)
            and isinstance(getattr(sibling.task_spec, "event_definition", None), DeadlineTimer)
        ]
        deadlines = [d for d in deadlines if d]
        # The earliest known due date; a deadline waiting for a calendar year only when none is known.
        return min(deadlines, key=lambda d: (d.get("due") is None, d.get("due") or "")) if deadlines else None


__all__ = [
    "Runner",
    "Case",
    "TaskInfo",
    "Snapshot",
    "TimerRun",
    "FixedClock",
    "system_clock",
    "TaskNotReady",
    "RunError",
    "ValidationError",
]
