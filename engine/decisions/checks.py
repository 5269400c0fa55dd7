"""Static checks of a pack's decisions (``DecisionModel.validate``): names a decision reads but
neither has nor requires, constant cells that always fail or give the wrong type or a value
outside the output values, cells that never match, UNIQUE and ANY overlaps, and files named for
no decision they hold.

Overlaps and dead cells are found with witnesses: for each input column, the literals of its
cells cut the values into regions; one value per region (plus null) is tried against every
cell through FEEL itself. Only cells made of literals, comparisons, ranges, lists and not(...)
are judged this way; a cell that reads a variable or computes is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from engine.errors import Problem
from engine.feel import FeelError

from .decision import Decision, Input, Output, Rule
from .values import CONVERTERS, Mismatch, describe, untyped

if TYPE_CHECKING:
    from .model import DecisionModel

_EMPTY: Mapping[str, Any] = {}
_TOKEN = re.compile(
    r'\s+|"(?:[^"\\]|\\.)*"|date\(\s*"\d{4}-\d{2}-\d{2}"\s*\)|-?\d+(?:\.\d+)?|\.\.|<=|>=|!=|[<>=\[\]\(\),]'
    r"|not\b|true\b|false\b|null\b"
)


class _Report(Protocol):
    def __call__(
        self, message: str, rule: Rule | None = None, column: str = "", severity: str = "error"
    ) -> None: ...


def _reporter(d: Decision, problems: list[Problem]) -> _Report:
    """A function that records a problem of decision `d` at a rule and column."""

    def report(message: str, rule: Rule | None = None, column: str = "", severity: str = "error") -> None:
        problems.append(
            Problem(
                message,
                pack=d.pack,
                file=d.file,
                element=d.id,
                rule=rule.label if rule else "",
                column=column,
                severity=severity,
            )
        )

    return report


def _literals(text: str) -> list[Any] | None:
    """The literal values of a simple cell, or None when the cell is not simple."""
    pos, last = 0, ""
    found: list[Decimal | str | date | bool] = []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            return None
        tok = m.group()
        pos = m.end()
        if tok.isspace():
            continue
        if tok[0] in "-0123456789":
            if last and (last[0] in "-0123456789" or last == ")"):
                return None  # arithmetic, e.g. 10-5
            found.append(Decimal(tok))
        elif tok.startswith('"'):
            found.append(tok[1:-1])
        elif tok.startswith("date"):
            found.append(date.fromisoformat(tok.split('"')[1]))
        elif tok in ("true", "false"):
            found.append(tok == "true")
        last = tok
    return found


def _witnesses(inp: Input, literals: list[Any]) -> list[Any]:
    numbers = sorted({v for v in literals if isinstance(v, Decimal)})
    strings = sorted({v for v in literals if isinstance(v, str)})
    dates = sorted({v for v in literals if isinstance(v, date)})
    t = inp.type_ref
    out: list[Any] = []
    if t == "integer":
        ints = {Decimal(0)}
        for n in numbers:
            f = n.to_integral_value(rounding="ROUND_FLOOR")
            ints.update((f - 1, f, f + 1, f + 2))
        out.extend(sorted(ints))
    elif t in ("", "number"):
        if numbers:
            out.append(numbers[0] - 1)
            for a, b in zip(numbers, numbers[1:], strict=False):
                out.extend((a, (a + b) / 2))
            out.extend((numbers[-1], numbers[-1] + 1))
        else:
            out.append(Decimal(0))
    if t in ("", "string"):
        fresh = "~"
        while fresh in strings:
            fresh += "~"
        out.extend([*strings, fresh])
    if t in ("", "boolean"):
        out.extend((True, False))
    if t in ("", "date"):
        days = {date(2000, 1, 1)} if not dates else set()
        for d in dates:
            days.update((d - timedelta(days=1), d, d + timedelta(days=1)))
        out.extend(sorted(days))
    out.append(None)
    if inp.allowed is not None:
        out = [w for w in out if _safe_match(inp.allowed, w)]
    return out


def _safe_match(tests: Any, value: Any) -> bool:
    try:
        return bool(tests.matches(value, _EMPTY, None))
    except FeelError:
        return False


def _decidable(text: str, tests: Any) -> list[Any] | None:
    if tests.names or not set(tests.functions) <= {"date"}:
        return None
    return _literals(text)


def _column_masks(d: Decision) -> list[tuple[list[Any], list[int | None]]]:
    """Per input column: the witnesses and, per rule, the bit set of witnesses its cell accepts."""
    columns = []
    for col, inp in enumerate(d.inputs):
        literals: list[Any] = list(_literals(inp.values_text) or []) if inp.values_text else []
        simple: list[bool] = []
        for rule in d.rules:
            t = rule.compiled_tests[col]
            lits = _decidable(rule.input_texts[col], t) if t is not None else []
            simple.append(lits is not None)
            literals.extend(lits or [])
        witnesses = _witnesses(inp, literals)
        full = (1 << len(witnesses)) - 1
        masks: list[int | None] = []
        for rule, ok in zip(d.rules, simple, strict=True):
            t = rule.compiled_tests[col]
            if t is None:
                masks.append(full)
            elif not ok:
                masks.append(None)
            else:
                masks.append(sum(1 << i for i, w in enumerate(witnesses) if _safe_match(t, w)))
        columns.append((witnesses, masks))
    return columns


def _overlaps(d: Decision) -> list[tuple[Rule, Rule, str]]:
    """Pairs of rules that certainly both match some input, with such an input."""
    columns = _column_masks(d)
    found = []
    rules = d.rules
    for i in range(len(rules)):
        for j in range(i + 1, len(rules)):
            example = []
            for inp, (witnesses, masks) in zip(d.inputs, columns, strict=True):
                a, b = masks[i], masks[j]
                if a is None or b is None or not a & b:
                    break
                common = a & b
                w = witnesses[(common & -common).bit_length() - 1]
                example.append(f"{inp.name} = {describe(w)}")
            else:
                found.append((rules[i], rules[j], ", ".join(example) or "any input"))
    return found


def validate(model: DecisionModel) -> list[Problem]:
    """Every static check of every decision of the model; errors and warnings."""
    problems: list[Problem] = []
    ids = set(model.ids())
    by_file: dict[str, set[str]] = {}
    for d in model:
        problems.extend(_check_names(d, ids))
        if d.kind == "table":
            problems.extend(_check_table(d))
        else:
            problems.extend(_check_cell_types(d, d.outputs[0], d.expression, None))
        if d.file:
            by_file.setdefault(d.file, set()).add(d.id)
    for file, file_ids in by_file.items():
        stem = PurePosixPath(file).stem
        if stem not in file_ids:
            d = next(x for x in model if x.file == file)
            problems.append(
                Problem(
                    f"the file is named '{stem}' but holds no decision with that id "
                    f"({', '.join(sorted(file_ids))})",
                    pack=d.pack,
                    file=file,
                )
            )
    return problems


@dataclass(frozen=True)
class _Requirements:
    """The names a decision may read: the decisions it requires, the input data it declares, and the
    model's other decisions (which it would have to require first)."""

    required: set[str]
    declared: set[str]
    others: set[str]


def _check_names(d: Decision, ids: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    required = set(d.required)
    needs = _Requirements(required, set(d.required_inputs), ids - {d.id} - required)
    report = _reporter(d, problems)
    if d.kind == "literal":
        _free_names(d.expression.names, "the literal expression", d.outputs[0].column, needs, report)
        return problems
    known = needs.required | needs.declared
    for inp in d.inputs:
        if inp.expression is not None:
            known |= _free_names(
                inp.expression.names, f"input expression `{inp.text}`", inp.column, needs, report
            )
            if inp.path:
                known.add(inp.path[0])
    for rule in d.rules:
        for inp, t in zip(d.inputs, rule.compiled_tests, strict=True):
            if t is not None:
                _check_cell_names(t.names, rule, inp.column, known, needs.others, report)
        for out, e in zip(d.outputs, rule.outputs, strict=True):
            if e is not None:
                _check_cell_names(e.names, rule, out.column, known, needs.others, report)
    return problems


def _free_names(
    names: frozenset[str], what: str, column: str, needs: _Requirements, report: _Report
) -> set[str]:
    """Names an input or literal expression reads: they are the decision's inputs."""
    roots = set()
    for n in sorted(names):
        root = n.split(".")[0]
        roots.add(root)
        if root in needs.required or n in needs.required:
            continue
        if root in needs.others:
            report(
                f"{what} reads '{root}', a decision that this decision does not require "
                "(add an information requirement)",
                None,
                column,
            )
        elif needs.declared and root not in needs.declared and n not in needs.declared:
            report(
                f"{what} reads '{n}', which is neither an input data the decision requires "
                "nor a required decision (draw the requirement in the DRD)",
                None,
                column,
                "warning",
            )
    return roots


def _check_cell_names(
    names: frozenset[str], rule: Rule, column: str, known: set[str], others: set[str], report: _Report
) -> None:
    """The names a cell reads: the table's inputs and the decisions it requires."""
    for n in sorted(names):
        root = n.split(".")[0]
        if n == "?" or n in known or root in known:
            continue
        if root in others:
            report(
                f"the cell reads '{root}', a decision that this decision does not require "
                "(add an information requirement)",
                rule,
                column,
            )
        else:
            report(
                f"unknown variable '{n}' (neither an input of the table nor a required decision)",
                rule,
                column,
            )


def _check_cell_types(d: Decision, out: Output, expr: Any, rule: Rule | None) -> list[Problem]:
    if expr is None or expr.names or expr.functions:
        return []
    where = dict(pack=d.pack, file=d.file, element=d.id, rule=rule.label if rule else "", column=out.column)
    try:
        v = expr.evaluate({})
    except FeelError as e:
        return [Problem(f"`{expr.text}` always fails: {e}", **where)]
    if v is None:
        return []
    conv = CONVERTERS.get(out.type_ref)
    try:
        v = conv(v) if conv else untyped(v)
    except Mismatch:
        return [
            Problem(
                f"output '{out.name}' is of type {out.type_ref} but the cell gives {describe(v)}", **where
            )
        ]
    if out.values is not None and v not in out.values:
        return [Problem(f"{describe(v)} is not one of the output values ({out.values_text})", **where)]
    return []


def _check_table(d: Decision) -> list[Problem]:
    problems: list[Problem] = []

    report = _reporter(d, problems)

    for rule in d.rules:
        for out, expr in zip(d.outputs, rule.outputs, strict=True):
            problems.extend(_check_cell_types(d, out, expr, rule))
    if d.hit_policy in ("PRIORITY", "OUTPUT ORDER") and not any(o.values for o in d.outputs):
        report(f"hit policy {d.hit_policy} needs output values (the priority list) on an output column")
    if (
        d.aggregation in ("SUM", "MIN", "MAX")
        and d.outputs
        and d.outputs[0].type_ref in ("string", "boolean")
        and d.aggregation == "SUM"
    ):
        report(f"COLLECT SUM needs a number output, not {d.outputs[0].type_ref}", column=d.outputs[0].column)
    if not d.rules:
        report("the table has no rules", severity="warning")
        return problems

    columns = _column_masks(d)
    for col, (inp, (_, masks)) in enumerate(zip(d.inputs, columns, strict=True)):
        for rule, mask in zip(d.rules, masks, strict=True):
            if mask == 0 and rule.compiled_tests[col] is not None:
                allowed = (
                    "allowed by the input values"
                    if inp.allowed is not None
                    else f"of type {inp.type_ref}"
                    if inp.type_ref
                    else "at all"
                )
                report(
                    f"the cell `{rule.input_texts[col]}` matches no value {allowed}: the rule never applies",
                    rule,
                    inp.column,
                )
    if d.hit_policy in ("UNIQUE", "ANY"):
        for a, b, example in _overlaps(d):
            if d.hit_policy == "UNIQUE":
                report(
                    f"rules {a.label} and {b.label} both match when {example}, but the hit policy is UNIQUE",
                    a,
                )
            elif a.constant is not None and b.constant is not None and a.constant != b.constant:
                report(
                    f"rules {a.label} and {b.label} both match when {example} and give different "
                    "outputs, but the hit policy is ANY",
                    a,
                )
    return problems
