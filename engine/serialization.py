"""State-only case serialization.

A case is stored as its state alone: the task tree, the data, the pending events. The process spec
is not in it — it belongs to the pack version, parsed once and cached — so a stored case is small
and loads fast. Every stored state carries a format version; `upgrade` brings older formats
forward. Task data may hold decimals and dates; both survive the round trip.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from types import ModuleType
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.serializer.helpers.registry import DefaultRegistry
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_FORMAT
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.task import Task, TaskState

from .errors import ClueflowError

if TYPE_CHECKING:
    from .bpmn import FeelScriptEngine

FORMAT = 1
FORMAT_KEY = "clueflow_format"


# Dates and dataclasses go to `_encode` as they went to the library's encoder, integer keys become text
# as the standard library makes them.
_ORJSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS


class StateError(ClueflowError):
    """A stored case cannot be read."""


class _TaskConverter(TaskConverter):
    """SpiffWorkflow's task converter, writing and reading the same stored form, made cheaper for a
    worker that restores and saves a thousand cases a tick: while `ids` is set (one restore), each
    task id is parsed once though it appears as id, parent and child; empty internal data is not
    walked; a task's data is its parent's copied one level deep, as the library's merge does."""

    ids: dict[str, UUID] | None = None

    def to_dict(self, task: Task) -> dict[str, Any]:
        parent = task.parent
        if parent is None:
            data, delta = task.data, {}
        else:  # the changes from the parent's data, as the library stores them
            mine, theirs = task.data, parent.data
            data, delta = (
                {},
                {
                    "updates": {k: v for k, v in mine.items() if k not in theirs or v != theirs[k]},
                    "deletions": [k for k in theirs if k not in mine],
                },
            )
        internal = task.internal_data
        return {
            "id": str(task.id),
            "parent": str(task._parent) if parent is not None else None,
            "children": [str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(internal) if internal else {},
            "data": data,
            "delta": delta,
        }

    def _uuid(self, text: str) -> UUID:
        ids = self.ids
        if ids is None:
            return UUID(text)
        found = ids.get(text)
        if found is None:
            found = ids[text] = UUID(text)
        return found

    def from_dict(self, dct: dict[str, Any], workflow: BpmnWorkflow) -> Task:
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=self._uuid(dct["id"]))
        parent = dct["parent"]
        task._parent = self._uuid(parent) if parent is not None else None
        task._children = [self._uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        internal = dct["internal_data"]
        task.internal_data = self.registry.restore(internal) if internal else {}
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent_task = task.parent
        if delta and parent_task is not None:
            data = {key: _copied(value) for key, value in parent_task.data.items()}
            updates = delta.get("updates")
            if updates:
                data.update(self.registry.restore(updates))
            for key in delta.get("deletions", ()):
                data.pop(key, None)
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


def _copied(value: Any) -> Any:
    """A value as SpiffWorkflow's DeepMerge.merge copies it into an empty dict: containers shallowly."""
    return value.copy() if isinstance(value, (dict, list, set)) else value


class _StateConverter(BpmnWorkflowConverter):
    """The workflow converter without the specs: they come from the pack version on restore."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def restore_with(
        self, dct: dict[str, Any], spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]
    ) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        restore = self.registry.restore
        tasks = [restore(task, workflow=workflow) for task in dct["tasks"].values()]
        workflow.tasks = {task.id: task for task in tasks}
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _registry() -> DefaultRegistry:
    registry = BpmnWorkflowSerializer.configure(
        {k: v for k, v in DEFAULT_CONFIG.items() if k is not BpmnWorkflow}
    )
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]), typename="Decimal")
    registry.register(
        date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]), typename="date"
    )
    return registry


class StateSerializer:
    """Case state ⇄ JSON text. Decimals and dates in the data are encoded with type tags."""

    def __init__(self) -> None:
        self.registry = _registry()
        self.converter = _StateConverter(BpmnWorkflow, self.registry)  # registers itself
        self.tasks = _TaskConverter(Task, self.registry)  # in place of the library's
        self.encoder = create_encoder(self.registry)

    def to_json(self, workflow: BpmnWorkflow, **extra: Any) -> str:
        """The state as JSON text, with a format version and any `extra` top-level entries."""
        self.registry._encoder_mode = True
        try:
            dct = self.registry.convert(workflow)
            dct.update(extra)
            dct[FORMAT_KEY] = FORMAT
            dct["spiff_format"] = SPIFF_FORMAT
            try:
                return orjson.dumps(dct, default=self._encode, option=_ORJSON).decode()
            except (TypeError, orjson.JSONEncodeError):  # e.g. an integer beyond 64 bits: the library's way
                return json.dumps(dct, cls=self.encoder, ensure_ascii=False, separators=(",", ":"))
        finally:
            self.registry._encoder_mode = False

    def library_json(self, workflow: BpmnWorkflow, **dumps: Any) -> str:
        """The state as the library's own converters and JSON encoder write it, without the format
        entries (what to_json's text is measured and compared against)."""
        self.registry._encoder_mode = True
        try:
            return json.dumps(self.registry.convert(workflow), cls=self.encoder, **dumps)
        finally:
            self.registry._encoder_mode = False

    def _encode(self, obj: object) -> Any:
        """What the library's JSON encoder makes of a value JSON lacks (its `default`)."""
        typename = self.registry.typenames.get(type(obj))
        if typename is not None:
            return self.registry.convert_to_dict[typename](obj)
        if callable(obj) or isinstance(obj, ModuleType):
            return None
        if isinstance(obj, set):
            return list(obj)
        raise TypeError(f"{type(obj).__name__} cannot be stored")

    @staticmethod
    def read(text: str) -> dict[str, Any]:
        """Parse stored text into a fresh dict (restoring consumes it)."""
        try:
            state = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise StateError(f"stored case state is not JSON: {exc}") from exc
        if not isinstance(state, dict):
            raise StateError("stored case state is not a JSON object")
        return state

    def from_dict(
        self,
        state: dict[str, Any],
        spec: BpmnProcessSpec,
        subprocess_specs: dict[str, BpmnProcessSpec],
        script_engine: FeelScriptEngine,
    ) -> BpmnWorkflow:
        """Rebuild a case on its pack version's specs. The dict is consumed: pass a fresh one."""
        state = upgrade(state)
        self.tasks.ids = {}
        try:
            workflow = self.converter.restore_with(state, spec, subprocess_specs)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StateError(f"stored case state is damaged: {exc!r}") from exc
        finally:
            self.tasks.ids = None
        workflow.script_engine = script_engine
        return workflow


def upgrade(state: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored state to the current format (there is one format so far)."""
    version = state.pop(FORMAT_KEY, None)
    state.pop("spiff_format", None)
    if version != FORMAT:
        raise StateError(f"unknown case state format {version!r} (this engine reads format {FORMAT})")
    return state
