"""Compile and check a pack: its decisions, forms and processes, and the references between them.

`check_pack` collects every problem it finds (pack, file, element, rule, column) instead of
stopping at the first, so that a policy editor sees all of them at once; `compile_pack` refuses a
pack with errors and returns the parsed, ready-to-run pack otherwise. Parsed packs are cached by
version by the caller (`engine.rules`).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec

from .bpmn import PackParser
from .bpmn_checks import ROLES, check_bpmn
from .calendars.working_days import Calendars
from .citations import Regulation, texts_of
from .deadlines import Deadline, UnknownDeadlineRule, compute_deadline
from .decisions import Decision, DecisionModel
from .errors import ClueflowError, PackError, Problem
from .forms.definition import load_form
from .forms.form import Form
from .packs import Pack

# RULES.md §C: the decisions every pack exposes, with the outputs processes and the API rely on.
CONTRACT: dict[str, tuple[str, ...]] = {
    "triage": ("handle_as_report", "redirect_to"),
    "acceptance": ("accepted", "ground", "reason"),
    "reward_eligibility": ("eligible", "ground", "reason"),
    "reward_amount": ("rate", "amount", "floor_applied", "cap_applied"),
    "reward_approval": ("collective_deliberation",),
    "supervisor_eligibility": ("eligible", "ground"),
    "deadline_rules": ("count", "unit", "roll_forward"),
}

DEADLINE_RULES = (
    "acceptance_opinion",
    "non_acceptance_notice",
    "filing_notice",
    "transfer",
    "jurisdiction_dispute",
    "investigation",
    "investigation_extended",
    "investigation_extended_major",
    "claim_notice",
    "claim_window",
    "archive",
)


@dataclass
class CompiledPack:
    """A pack ready to run: decisions, forms, calendar and parsed processes of one version."""

    pack: Pack
    decisions: DecisionModel
    forms: dict[str, Form]
    calendars: Calendars
    processes: dict[str, tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    regulations: tuple[Regulation, ...] = ()  # the texts its bases cite (RULES §B.12)

    @property
    def name(self) -> str:
        return self.pack.name

    @property
    def version(self) -> str:
        return self.pack.version

    @property
    def region(self) -> str:
        return self.pack.info.calendar

    def decide(self, decision_id: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The outputs of one decision of this pack."""
        return self.decisions.evaluate(decision_id, inputs)

    def deadline(self, rule: str, trigger: date | str) -> Deadline:
        """A deadline rule of this pack counted from a trigger date on the pack's calendar."""
        return compute_deadline(self.decide, self.calendars, self.region, rule, trigger)

    def data_names(self) -> set[str]:
        """The names a case of this pack can hold: its forms' fields, its decisions and their outputs."""
        return _known_names(self.decisions, self.forms)

    def process(self, process_id: str) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
        try:
            return self.processes[process_id]
        except KeyError:
            raise ClueflowError(f"pack '{self.name}' has no process '{process_id}'") from None


def compile_pack(pack: Pack, calendars: Calendars, contract: bool = True) -> CompiledPack:
    """Parse everything; raise PackError with every error found, keep warnings on the result.

    `contract=False` skips the decision-contract checks (for packs that are not jurisdictions,
    such as test and benchmark fixtures).
    """
    problems, compiled = _build(pack, calendars, contract)
    errors = [p for p in problems if p.severity == "error"]
    if errors or compiled is None:
        raise PackError(errors)
    compiled.warnings = [p for p in problems if p.severity != "error"]
    return compiled


def check_pack(pack: Pack, calendars: Calendars, contract: bool = True) -> list[Problem]:
    """Every problem of a pack, errors and warnings."""
    return _build(pack, calendars, contract)[0]


def _build(
    pack: Pack, calendars: Calendars, contract: bool = True
) -> tuple[list[Problem], CompiledPack | None]:
    problems: list[Problem] = []
    name = pack.name

    dmn_files = {p: d for p, d in pack.files.items() if p.startswith("dmn/")}
    decisions = None
    try:
        decisions = DecisionModel.from_files(dmn_files, pack=name)
        problems.extend(decisions.validate())
    except PackError as exc:
        problems.extend(exc.problems)

    forms = _load_forms(pack, problems)
    regulations: tuple[Regulation, ...] = ()
    try:
        regulations = texts_of(pack.files, name)
    except PackError as exc:
        problems.extend(exc.problems)
    if decisions is not None and contract:
        problems.extend(_check_contract(decisions, pack, calendars))

    parser = PackParser()
    # Names read that nothing sets block the pack only when every decision and form loaded (else the
    # names they would set are unknown, and the reader is not the fault).
    names_complete = not any(p.severity == "error" for p in problems)
    bpmn_ok = _add_processes(pack, parser, decisions, forms, problems, names_complete)
    if decisions is None or any(p.severity == "error" for p in problems):
        return problems, None
    compiled = CompiledPack(
        pack=pack, decisions=decisions, forms=forms, calendars=calendars, regulations=regulations
    )
    if bpmn_ok:
        _parse_processes(pack, parser, compiled, problems)
    return problems, compiled


def _load_forms(pack: Pack, problems: list[Problem]) -> dict[str, Form]:
    """The pack's forms that load; the problems of the others go to `problems`."""
    name = pack.name
    forms: dict[str, Form] = {}
    for form_id in pack.names("forms"):
        path = f"forms/{form_id}.form"
        try:
            definition = json.loads(pack.files[path].decode("utf-8"))
            forms[form_id] = load_form(definition, form_id)
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(Problem(f"not valid JSON: {exc}", pack=name, file=path))
        except PackError as exc:
            problems.extend(_in_file(exc.problems, name, path))
        except ClueflowError as exc:
            problems.append(Problem(str(exc), pack=name, file=path))
    return forms


def _add_processes(
    pack: Pack,
    parser: PackParser,
    decisions: DecisionModel | None,
    forms: dict[str, Form],
    problems: list[Problem],
    names_complete: bool = True,
) -> bool:
    """Check each process file and hand those without errors to the parser; False when any has one."""
    name = pack.name
    known_names = _known_names(decisions, forms)
    deadline_rules = _deadline_rules(decisions)
    bpmn_ok = True
    for process_id in pack.names("bpmn"):
        path = f"bpmn/{process_id}.bpmn"
        found = check_bpmn(
            pack, path, process_id, decisions, forms, known_names, deadline_rules, names_complete
        )
        problems.extend(found)
        if any(p.severity == "error" for p in found):
            bpmn_ok = False
            continue
        try:
            parser.add_bpmn_str(pack.files[path], filename=path)
        except ValidationException as exc:
            bpmn_ok = False
            problems.append(Problem(str(exc).splitlines()[0], pack=name, file=path, element=exc.id or ""))
        except ET.ParseError as exc:
            bpmn_ok = False
            problems.append(Problem(f"not well-formed XML: {exc}", pack=name, file=path))
    return bpmn_ok


def _parse_processes(pack: Pack, parser: PackParser, compiled: CompiledPack, problems: list[Problem]) -> None:
    """The specs of every process into the compiled pack; what fails to parse goes to `problems`."""
    name = pack.name
    for process_id in pack.names("bpmn"):
        try:
            compiled.processes[process_id] = parser.specs(process_id)
        except ValidationException as exc:
            problems.append(
                Problem(
                    str(exc).splitlines()[0], pack=name, file=f"bpmn/{process_id}.bpmn", element=exc.id or ""
                )
            )
        except RecursionError:
            problems.append(
                Problem(
                    "the process is too long to parse (chain of several hundred elements)",
                    pack=name,
                    file=f"bpmn/{process_id}.bpmn",
                )
            )


def _in_file(problems: list[Problem], pack: str, path: str) -> list[Problem]:
    return [
        Problem(
            p.message,
            pack=pack,
            file=p.file or path,
            element=p.element,
            rule=p.rule,
            column=p.column,
            severity=p.severity,
        )
        for p in problems
    ]


def _decision_outputs(decision: Decision) -> list[str]:
    if decision.kind == "literal":
        return [decision.variable]
    return [o.name for o in decision.outputs]


def _check_contract(decisions: DecisionModel, pack: Pack, calendars: Calendars) -> list[Problem]:
    problems = []
    ids = set(decisions.ids())
    for decision_id, outputs in CONTRACT.items():
        path = f"dmn/{decision_id}.dmn"
        if decision_id not in ids:
            problems.append(
                Problem(
                    f"the pack lacks decision '{decision_id}' (decision contract)", pack=pack.name, file=path
                )
            )
            continue
        missing = [o for o in outputs if o not in _decision_outputs(decisions.get(decision_id))]
        if missing:
            problems.append(
                Problem(
                    f"decision '{decision_id}' lacks outputs {', '.join(missing)} (decision contract)",
                    pack=pack.name,
                    file=path,
                    element=decision_id,
                )
            )
    if "deadline_rules" in ids:
        for rule in DEADLINE_RULES:
            try:
                row = decisions.evaluate("deadline_rules", {"rule": rule})
            except ClueflowError as exc:
                problems.append(
                    Problem(str(exc), pack=pack.name, file="dmn/deadline_rules.dmn", element=rule)
                )
                continue
            if row.get("count") is None:
                problems.append(
                    Problem(
                        f"deadline rule '{rule}' is missing (decision contract)",
                        pack=pack.name,
                        file="dmn/deadline_rules.dmn",
                    )
                )
    return problems


def _known_names(decisions: DecisionModel | None, forms: Mapping[str, Form]) -> set[str]:
    names: set[str] = set()
    for form in forms.values():
        names.update(form.fields)
    if decisions is not None:
        for decision_id in decisions.ids():
            names.add(decision_id)
            names.update(_decision_outputs(decisions.get(decision_id)))
    return names


def _deadline_rules(decisions: DecisionModel | None) -> Callable[[str], bool]:
    def known(rule: str) -> bool:
        if decisions is None:  # the decisions did not parse: their own errors say why, do not cascade
            return True
        if "deadline_rules" not in decisions.ids():
            return False
        try:
            return decisions.evaluate("deadline_rules", {"rule": rule}).get("count") is not None
        except ClueflowError:
            return False

    return known


__all__ = ["CompiledPack", "compile_pack", "check_pack", "CONTRACT", "ROLES", "UnknownDeadlineRule"]
