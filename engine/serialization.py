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
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
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
    """Case state ⇄ JSON text. Decimals and dates in the data are encoded with type tags."""

    def __init__(self):
        self.registry = _registry()
        self.converter = _StateConverter(BpmnWorkflow, self.registry)  # registers itself
        self.encoder = create_encoder(self.registry)

    def to_json(self, workflow: BpmnWorkflow, **extra: Any) -> str:
        """The state as JSON text, with a format version and any `extra` top-level entries."""
        self.registry._encoder_mode = True
        try:
            dct = self.registry.convert(workflow)
            dct.update(extra)
            dct[FORMAT_KEY] = FORMAT
            dct["spiff_format"] = SPIFF_FORMAT
            return json.dumps(dct, cls=self.encoder, ensure_ascii=False, separators=(",", ":"))
        finally:
            self.registry._encoder_mode = False

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

    def from_dict(self, state: dict[str, Any], spec, subprocess_specs, script_engine) -> BpmnWorkflow:
        """Rebuild a case on its pack version's specs. The dict is consumed: pass a fresh one."""
        state = upgrade(state)
        try:
            workflow = self.converter.restore_with(state, spec, subprocess_specs)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StateError(f"stored case state is damaged: {exc!r}") from exc
        workflow.script_engine = script_engine
        return workflow


def upgrade(state: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored state to the current format (there is one format so far)."""
    version = state.pop(FORMAT_KEY, None)
    state.pop("spiff_format", None)
    if version != FORMAT:
        raise StateError(f"unknown case state format {version!r} (this engine reads format {FORMAT})")
    return state
