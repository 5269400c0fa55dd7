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
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_FORMAT

from .errors import ClueflowError

FORMAT = 1
FORMAT_KEY = "clueflow_format"


class StateError(ClueflowError):
    """A stored case cannot be read."""


class _StateConverter(BpmnWorkflowConverter):
    """The workflow converter without the specs: they come from the pack version on restore."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def restore_with(self, dct, spec, subprocess_specs):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _registry():
    registry = BpmnWorkflowSerializer.configure({k: v for k, v in DEFAULT_CONFIG.items() if k is not BpmnWorkflow})
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]), typename="Decimal")
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]),
                      typename="date")
    return registry


class StateSerializer:
    """Case state ⇄ JSON-safe dict (and text)."""

    def __init__(self):
        self.registry = _registry()
        self.converter = _StateConverter(BpmnWorkflow, self.registry)  # registers itself

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = self.registry.convert(workflow)
        dct[FORMAT_KEY] = FORMAT
        dct["spiff_format"] = SPIFF_FORMAT
        return dct

    def to_json(self, workflow: BpmnWorkflow) -> str:
        return json.dumps(self.to_dict(workflow), ensure_ascii=False, separators=(",", ":"))

    def from_dict(self, state: dict[str, Any], spec, subprocess_specs, script_engine) -> BpmnWorkflow:
        """Rebuild a case on its pack version's specs. The dict is consumed: pass a fresh one."""
        state = upgrade(state)
        try:
            workflow = self.converter.restore_with(state, spec, subprocess_specs)
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(f"stored case state is damaged: {exc!r}") from exc
        workflow.script_engine = script_engine
        return workflow

    def from_json(self, text: str, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
        return self.from_dict(json.loads(text), spec, subprocess_specs, script_engine)


def upgrade(state: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored state to the current format (there is one format so far)."""
    version = state.pop(FORMAT_KEY, None)
    state.pop("spiff_format", None)
    if version != FORMAT:
        raise StateError(f"unknown case state format {version!r} (this engine reads format {FORMAT})")
    return state
