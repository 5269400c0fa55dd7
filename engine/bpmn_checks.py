"""The checks of a process diagram's elements: tasks the engine runs (no script or service tasks),
user tasks with a known form and roles, business-rule tasks with a known decision, timers whose
deadline rules the pack defines, and every expression compiling against the names the pack sets."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Protocol

from .bpmn import CAMUNDA_NS
from .decisions import DecisionModel
from .errors import Problem
from .feel import FeelError, compile_expression, unknown_calls
from .forms.form import Form
from .packs import Pack

FORBIDDEN_TASKS = ("scriptTask", "serviceTask", "sendTask", "receiveTask")
UNSUPPORTED = {"eventBasedGateway": "event-based gateways are not supported: use boundary timers or messages"}
DEADLINE_CALL = re.compile(r'deadline\s*\(\s*"([^"]*)"')
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
ROLES = frozenset(
    {"registrar", "case_officer", "division_head", "bureau_head", "policy_editor", "auditor", "administrator"}
)


def tag_of(node: ET.Element) -> str:
    """An element's tag without its namespace."""
    return node.tag.rsplit("}", 1)[-1]


class _Add(Protocol):
    def __call__(self, message: str, element: str = "", severity: str = "error") -> None: ...


def check_bpmn(
    pack: Pack,
    path: str,
    process_id: str,
    decisions: DecisionModel | None,
    forms: Mapping[str, Form],
    known_names: set[str],
    deadline_rule_known: Callable[[str], bool],
    names_complete: bool = True,
) -> list[Problem]:
    name = pack.name
    problems: list[Problem] = []

    def add(message: str, element: str = "", severity: str = "error") -> None:
        problems.append(Problem(message, pack=name, file=path, element=element, severity=severity))

    root = _read_bpmn(pack.files[path], process_id, add)
    if root is None:
        return problems
    for node in root.iter():
        tag, element = tag_of(node), node.get("id", "")
        if tag in FORBIDDEN_TASKS:
            add(f"{tag} is not allowed: rule packs cannot run code or call services", element)
        elif tag in UNSUPPORTED:
            add(UNSUPPORTED[tag], element)
        elif tag == "userTask":
            _check_user_task(node, element, forms, add)
        elif tag == "businessRuleTask":
            _check_business_rule_task(node, element, decisions, add)
        elif tag == "sequenceFlow":
            condition = node.find(f"{{{BPMN_NS}}}conditionExpression")
            if condition is not None and (condition.text or "").strip():
                # A gateway reading a name nothing sets would take the wrong way at run time: blocking.
                problems.extend(
                    _check_expression(
                        condition.text or "",
                        name,
                        path,
                        _named(node, element),
                        known_names,
                        "error" if names_complete else "warning",
                    )
                )
        elif tag == "timerEventDefinition":
            owner = _owner_id(root, node)
            text = _timer_text(node, owner, add)
            if text:
                problems.extend(_check_expression(text, name, path, owner, known_names))
                _check_timer_rules(text, owner, deadline_rule_known, add)
    return problems


def _read_bpmn(data: bytes, process_id: str, add: _Add) -> ET.Element | None:
    """The parsed file, when it is safe and well-formed XML (None after adding why not); also adds
    whether it defines its process and has a layout."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        add("DOCTYPE and entity declarations are not allowed")
        return None
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        add(f"not well-formed XML: {exc}")
        return None
    processes = [p for p in root.iter(f"{{{BPMN_NS}}}process")]
    if process_id not in {p.get("id") for p in processes}:
        add(f"the file must define the process '{process_id}' (the file name is the process id)")
    if root.find(f".//{{{BPMNDI_NS}}}BPMNDiagram") is None:
        add("the diagram has no layout (BPMNDiagram): the viewer cannot draw it", severity="warning")
    return root


def _check_user_task(node: ET.Element, element: str, forms: Mapping[str, Form], add: _Add) -> None:
    form_id = node.get(f"{{{CAMUNDA_NS}}}formKey")
    if not form_id:
        add("user task names no form (camunda:formKey)", element)
    elif form_id not in forms:
        add(f"user task names form '{form_id}', which the pack lacks", element)
    roles = [r.strip() for r in (node.get(f"{{{CAMUNDA_NS}}}candidateGroups") or "").split(",") if r.strip()]
    if not roles:
        add("user task names no candidate roles (camunda:candidateGroups)", element)
    for role in roles:
        if role not in ROLES:
            add(f"unknown role '{role}'; known: {', '.join(sorted(ROLES))}", element)


def _check_business_rule_task(
    node: ET.Element, element: str, decisions: DecisionModel | None, add: _Add
) -> None:
    ref = node.get(f"{{{CAMUNDA_NS}}}decisionRef")
    if not ref:
        add("business-rule task names no decision (camunda:decisionRef)", element)
    elif decisions is not None and ref not in decisions.ids():
        add(f"business-rule task calls decision '{ref}', which the pack lacks", element)


def _timer_text(node: ET.Element, owner: str, add: _Add) -> str:
    """A timer's timeDate expression ("" after adding that it has none); timers of another kind are
    refused."""
    if (
        node.find(f"{{{BPMN_NS}}}timeDuration") is not None
        or node.find(f"{{{BPMN_NS}}}timeCycle") is not None
    ):
        add('timers must use timeDate with deadline("rule", trigger_date)', owner)
    date_node = node.find(f"{{{BPMN_NS}}}timeDate")
    text = (date_node.text or "").strip() if date_node is not None else ""
    if not text:
        add("timer has no deadline rule (timeDate)", owner)
    return text


def _check_timer_rules(text: str, owner: str, deadline_rule_known: Callable[[str], bool], add: _Add) -> None:
    rules = DEADLINE_CALL.findall(text)
    if not rules:
        add('timer does not call deadline("rule", trigger_date)', owner, severity="warning")
    for rule in rules:
        if not deadline_rule_known(rule):
            add(f"timer uses deadline rule '{rule}', which deadline_rules lacks", owner)


def _owner_id(root: ET.Element, definition: ET.Element) -> str:
    for parent in root.iter():
        if definition in list(parent):
            return parent.get("id", "")
    return ""


# The functions a process's expressions may call beyond FEEL's built-ins: timers' deadline(rule, date).
PROCESS_FUNCTIONS = frozenset({"deadline"})


def _named(node: ET.Element, element: str) -> str:
    """A flow as its messages name it: its id, and its label when it has one."""
    label = (node.get("name") or "").strip()
    return f"{element}「{label}」" if label else element


def _check_expression(
    text: str, pack: str, path: str, element: str, known_names: set[str], unknown_severity: str = "warning"
) -> list[Problem]:
    try:
        expression = compile_expression(text)
    except FeelError as exc:
        return [Problem(f"FEEL: {exc}", pack=pack, file=path, element=element)]
    problems = []
    calls = unknown_calls(expression, PROCESS_FUNCTIONS)
    if calls:
        problems.append(Problem(f"{calls} in `{text.strip()[:80]}`", pack=pack, file=path, element=element))
    unknown = sorted(expression.names - known_names)
    if unknown:
        problems.append(
            Problem(
                f"`{text.strip()[:80]}` reads {', '.join(unknown)}, which no form field or decision output"
                " of the pack sets",
                pack=pack,
                file=path,
                element=element,
                severity=unknown_severity,
            )
        )
    return problems
