"""SpiffWorkflow, adapted: the parser for bpmn-js files, our task specs, and the FEEL script engine.

- User tasks name their form (`camunda:formKey`) and candidate roles (`camunda:candidateGroups`).
- Business-rule tasks call a decision of the pack (`camunda:decisionRef`) through our own DMN
  evaluator; every output is written into the case data, nulls included, so nothing stale survives.
- Every expression (gateway conditions, timers, message correlations) is FEEL. There is no Python
  `eval`/`exec` path: the script engine below is not SpiffWorkflow's PythonScriptEngine, and script
  and service tasks are refused.
- Timers take the current time from an injected clock, not from the system.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, full_tag
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.control import BpmnStartTask
from SpiffWorkflow.bpmn.specs.defaults import NoneTask, UserTask
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.bpmn.util import PendingBpmnEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .deadlines import Deadline, DeadlineWaiting
from .errors import ClueflowError
from .feel import FeelError, compile_expression
from .feel.matchers import Functions

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
DEADLINE_ZONE = ZoneInfo("Asia/Shanghai")


class XmlElement(Protocol):
    """An element of a parsed BPMN file, as far as reading its attributes goes."""

    def get(self, key: str) -> str | None: ...


def camunda(node: XmlElement, attribute: str) -> str | None:
    return node.get(f"{{{CAMUNDA_NS}}}{attribute}")


def due_instant(due: date) -> datetime:
    """A deadline passes when its due day has ended: 00:00 of the next day, Asia/Shanghai, as UTC."""
    return datetime.combine(due + timedelta(days=1), time(0), DEADLINE_ZONE).astimezone(timezone.utc)


class FormTask(UserTask):
    """A user task that names its form and the roles that may work it."""

    def __init__(
        self,
        wf_spec: BpmnProcessSpec,
        name: str,
        form_id: str = "",
        roles: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(wf_spec, name, **kwargs)
        self.form_id = form_id
        self.roles = roles


class DecisionTask(BpmnSpecMixin):
    """A business-rule task: evaluate one decision of the pack on the case data."""

    def __init__(self, wf_spec: BpmnProcessSpec, name: str, decision_id: str = "", **kwargs: Any) -> None:
        super().__init__(wf_spec, name, **kwargs)
        self.decision_id = decision_id

    def _run_hook(self, my_task: Task) -> bool:
        outputs = my_task.workflow.script_engine.decide(my_task, self.decision_id)
        my_task.data.update(outputs)
        return True


class DeadlineTimer(TimeDateEventDefinition):
    """A timeDate timer whose FEEL expression gives a due date (usually `deadline(rule, trigger)`).

    The due instant is fixed when the timer starts waiting and kept in the case state, with the
    deadline's explanation; whether it has fired is judged against the engine's clock. A deadline
    that needs an unconfirmed national calendar year waits without a due instant (internal data
    `deadline_waiting`, its `deadline` marked pending) until `compute` is called again on newer
    calendars (Runner.recompute_deadlines); it never fires and is never guessed.
    """

    def has_fired(self, my_task: Task) -> bool:
        if my_task._get_internal_data("event_value") is None:
            if my_task._get_internal_data("deadline_waiting"):
                return False
            self.compute(my_task)
        due = my_task._get_internal_data("event_value")
        if due is not None and datetime.fromisoformat(due) <= my_task.workflow.script_engine.now():
            my_task._set_internal_data(event_fired=True)
        fired: bool = my_task._get_internal_data("event_fired", False)
        return fired

    def compute(self, my_task: Task) -> None:
        """(Re)compute the due instant and its explanation on the script engine's calendars."""
        try:
            value, explained = my_task.workflow.script_engine.evaluate_timer(my_task, self.expression)
        except DeadlineWaiting as waiting:
            my_task._set_internal_data(event_value=None, deadline=waiting.pending, deadline_waiting=True)
            return
        my_task._set_internal_data(event_value=value.isoformat(), deadline_waiting=False)
        if explained is not None:
            my_task._set_internal_data(deadline=explained)

    def details(self, my_task: Task) -> PendingBpmnEvent:
        return PendingBpmnEvent(
            self.name, "TimeDateEventDefinition", my_task._get_internal_data("event_value")
        )


class PackStartTask(BpmnStartTask):
    """The process start, starting event subprocesses without changing the shared spec.

    SpiffWorkflow connects a triggered event subprocess to the start of the *spec* the first time a
    message arrives; since a pack version's spec is shared by every case, every later case would
    then open that subprocess at its start. Here the triggered subprocess is added to this case's
    task tree only.
    """

    def trigger_wf(self, my_task: Task, spec_name: str) -> Any:
        spec = self._wf_spec.task_specs.get(spec_name)
        # The subprocess's own links (from the start, to the end) are the same for every case and
        # safe to share; the start's list of outputs is left alone.
        if self not in spec.inputs:
            spec._connect_notify(self)
        if self._wf_spec.end not in spec.outputs:
            spec.connect(self._wf_spec.end)
        child = my_task._add_child(spec, TaskState.FUTURE)
        child.triggered = True
        child.task_spec._update(child)
        return child.id


class FormTaskParser(TaskParser):
    def create_task(self) -> FormTask:
        roles = tuple(
            r.strip() for r in (camunda(self.node, "candidateGroups") or "").split(",") if r.strip()
        )
        task: FormTask = self.spec_class(
            self.spec,
            self.bpmn_id,
            form_id=camunda(self.node, "formKey") or "",
            roles=roles,
            **self.bpmn_attributes,
        )
        return task


class DecisionTaskParser(TaskParser):
    def create_task(self) -> DecisionTask:
        task: DecisionTask = self.spec_class(
            self.spec,
            self.bpmn_id,
            decision_id=camunda(self.node, "decisionRef") or "",
            **self.bpmn_attributes,
        )
        return task


class RefusedTaskParser(TaskParser):
    """Script and service tasks would run code; a pack may not contain them."""

    def create_task(self) -> None:
        self.raise_validation_exception(
            f"{self.node.tag.split('}')[-1]} is not allowed: rule packs cannot run code"
        )


class PackParser(BpmnParser):
    """Reads the BPMN files bpmn-js saves with the Camunda moddle."""

    OVERRIDE_PARSER_CLASSES = {
        full_tag("userTask"): (FormTaskParser, FormTask),
        full_tag("businessRuleTask"): (DecisionTaskParser, DecisionTask),
        full_tag("scriptTask"): (RefusedTaskParser, NoneTask),
        full_tag("serviceTask"): (RefusedTaskParser, NoneTask),
    }

    def specs(self, process_id: str) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
        """The process spec and its subprocess specs, with timers bound to the engine's clock."""
        spec = self.get_spec(process_id)
        subprocesses = self.get_subprocess_specs(process_id)
        for process in [spec, *subprocesses.values()]:
            if type(process.start) is BpmnStartTask:
                process.start.__class__ = PackStartTask  # same state, case-local triggering
            for task_spec in process.task_specs.values():
                definition: Any = getattr(task_spec, "event_definition", None)  # SpiffWorkflow's, untyped
                if type(definition) is TimeDateEventDefinition:
                    task_spec.event_definition = DeadlineTimer(
                        definition.name, definition.expression, description=definition.description
                    )
        return spec, subprocesses


class FeelEnvironment:
    """What SpiffWorkflow calls an environment: FEEL only; scripts are refused."""

    def __init__(self, functions: Functions) -> None:
        self.functions = functions

    def evaluate(
        self, expression: str, context: Mapping[str, Any], external_context: Mapping[str, Any] | None = None
    ) -> Any:
        if external_context:
            context = {**external_context, **context}
        return compile_expression(expression).evaluate(context, self.functions)

    def execute(self, script: str, context: object, external_context: object = None) -> None:
        raise FeelError("scripts are not allowed in rule packs")

    def call_service(self, context: object, **kwargs: object) -> None:
        raise FeelError("service calls are not allowed in rule packs")


class FeelScriptEngine:
    """The engine's only script engine: FEEL expressions, decisions and deadlines of one pack.

    `decide(decision_id, data)` and `deadline(rule, trigger)` are the pack's; `clock()` returns the
    current instant (timezone-aware). It is attached to every workflow on start and on every load.
    """

    def __init__(
        self,
        decide: Callable[[str, Mapping[str, Any]], dict[str, Any]],
        deadline: Callable[[str, date], Deadline],
        clock: Callable[[], datetime],
    ) -> None:
        self._decide = decide
        self._deadline = deadline
        self.clock = clock
        self.environment = FeelEnvironment({"deadline": self._deadline_date})

    def now(self) -> datetime:
        return self.clock()

    def _deadline_date(self, rule: str, trigger: date) -> date:
        return self._deadline(rule, trigger).due

    def validate(self, expression: str) -> None:
        compile_expression(expression)

    def evaluate(self, task: Task, expression: str, external_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ClueflowError as exc:
            raise WorkflowTaskException(str(exc), task=task, exception=exc) from exc

    def evaluate_timer(self, task: Task, expression: str) -> tuple[datetime, dict[str, Any] | None]:
        """A timer's due instant, and the deadline it came from, explained (None for a plain date).

        Raises DeadlineWaiting (not a task error) when the deadline needs an unconfirmed national year."""
        explained: list[Deadline] = []
        waiting: list[DeadlineWaiting] = []

        def recording_deadline(rule: str, trigger: date) -> date:
            try:
                result = self._deadline(rule, trigger)
            except DeadlineWaiting as exc:
                waiting.append(exc)
                raise
            explained.append(result)
            return result.due

        try:
            value = compile_expression(expression).evaluate(task.data, {"deadline": recording_deadline})
        except ClueflowError as exc:  # FEEL errors, unknown deadline rules
            if waiting:  # the timer waits for a calendar year rather than failing the step
                raise waiting[0] from None
            raise WorkflowTaskException(str(exc), task=task, exception=exc) from exc
        if isinstance(value, datetime):
            instant = value if value.tzinfo else value.replace(tzinfo=DEADLINE_ZONE)
        elif isinstance(value, date):
            instant = due_instant(value)
        else:
            raise WorkflowTaskException(
                f"timer expression '{expression}' did not give a date: {value!r}", task=task
            )
        return instant.astimezone(timezone.utc), (explained[-1].to_dict() if explained else None)

    def decide(self, task: Task, decision_id: str) -> dict[str, Any]:
        try:
            return self._decide(decision_id, task.data)
        except WorkflowTaskException:
            raise
        except Exception as exc:  # a decision error is reported on the task that called it
            raise WorkflowTaskException(f"decision '{decision_id}': {exc}", task=task, exception=exc) from exc

    def execute(self, task: Task, script: str, external_context: object = None) -> None:
        raise WorkflowTaskException("scripts are not allowed in rule packs", task=task)

    def call_service(self, task: Task, **kwargs: object) -> None:
        raise WorkflowTaskException("service calls are not allowed in rule packs", task=task)
