"""Evaluating a decision, the hot path: reading and typing its inputs, matching rules (fast
matchers for the simplest cells), hit policies and aggregation, run-time errors and traces."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.errors import ClueflowError
from engine.feel import FeelError, UnaryTests

from .values import CONVERTERS, Mismatch, describe, untyped

if TYPE_CHECKING:
    from .decision import Input, Output, Rule


class DecisionError(ClueflowError):
    """A decision failed at run time: names the decision, the rule(s) and the input or output."""

    def __init__(
        self,
        message: str,
        *,
        decision: str = "",
        rules: tuple[str, ...] = (),
        column: str = "",
        pack: str = "",
        file: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.decision = decision
        self.rules = rules
        self.column = column
        self.pack = pack
        self.file = file


class Evaluator:
    """The run-time half of ``Decision`` (decision.py), kept here with the rest of the hot path."""

    # What the evaluation reads of its decision: the fields ``Decision`` declares.
    id: str
    kind: str
    input_types: tuple[tuple[str, str], ...]
    file: str
    pack: str
    inputs: tuple[Input, ...]
    outputs: tuple[Output, ...]
    rules: tuple[Rule, ...]
    hit_policy: str
    aggregation: str | None
    expression: Any
    _needs_context: bool
    _names: tuple[str, ...]
    _readers: tuple[tuple[str | None, Callable[[Any], Any], Input], ...]

    def _error(self, message: str, rules: tuple[Rule, ...] = (), column: str = "") -> DecisionError:
        where = f"decision '{self.id}'"
        if rules:
            where += ", " + " and ".join(f"rule {r.label}" for r in rules)
        return DecisionError(
            f"{where}: {message}",
            decision=self.id,
            rules=tuple(r.label for r in rules),
            column=column,
            pack=self.pack,
            file=self.file,
        )

    def expose(self, outputs: dict[str, Any]) -> Any:
        """The value requiring decisions see under this decision's id."""
        if len(outputs) == 1:
            return next(iter(outputs.values()))
        return outputs

    def _convert_output(self, out: Output, v: Any, rule: Rule | None) -> Any:
        if v is None:
            return None
        conv = CONVERTERS.get(out.type_ref)
        if conv is None:
            return untyped(v)
        try:
            return conv(v)
        except Mismatch:
            rules = (rule,) if rule else ()
            raise self._error(
                f"output '{out.name}' expects {out.type_ref}, got {describe(v)}", rules, out.column
            ) from None

    def _read_inputs(self, data: Mapping[str, Any], functions: Any) -> list[Any]:
        values = []
        for key, conv, inp in self._readers:
            v = data.get(key) if key is not None else self._read_path(inp, data, functions)
            if v is not None:
                try:
                    v = conv(v)
                except Mismatch:
                    raise self._error(
                        f"input '{inp.name}' expects {inp.type_ref}, got {describe(v)}", column=inp.column
                    ) from None
            values.append(v)
        return values

    def _typed_input_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        typed = dict(data)
        for name, type_ref in self.input_types:
            v = typed.get(name)
            if v is not None:
                try:
                    typed[name] = CONVERTERS[type_ref](v)
                except Mismatch:
                    raise self._error(
                        f"input '{name}' expects {type_ref}, got {describe(v)}", column=name
                    ) from None
        return typed

    def _read_path(self, inp: Input, data: Mapping[str, Any], functions: Any) -> Any:
        if inp.path is None:
            return self._eval_input(inp, data, functions)
        v = data.get(inp.path[0])
        for seg in inp.path[1:]:
            if isinstance(v, Mapping):
                v = v.get(seg)
            elif v is None:
                break
            else:  # e.g. a date's .year: FEEL knows
                return self._eval_input(inp, data, functions)
        return v

    def _eval_input(self, inp: Input, data: Mapping[str, Any], functions: Any) -> Any:
        try:
            return inp.expression.evaluate(data, functions)
        except FeelError as e:
            raise self._error(f"input '{inp.column}' ({inp.text}) failed: {e}", column=inp.column) from None

    def _rule_outputs(self, rule: Rule, ctx: Mapping[str, Any], functions: Any) -> tuple[Any, ...]:
        if rule.constant is not None:
            return rule.constant
        values: list[Any] = []
        for out, expr in zip(self.outputs, rule.outputs, strict=True):
            if expr is None:
                values.append(None)
                continue
            try:
                v = expr.evaluate(ctx, functions)
            except FeelError as e:
                raise self._error(f"output '{out.name}' failed: {e}", (rule,), out.column) from None
            values.append(self._convert_output(out, v, rule))
        return tuple(values)

    def evaluate_alone(
        self, data: Mapping[str, Any], functions: Any = None, trace: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """This decision's outputs on data that already holds what it requires (the model evaluates
        the required decisions first); `trace`, when given, receives its inputs and matched rules."""
        if self.input_types:
            data = self._typed_input_data(data)
        if self.kind == "literal":
            out = self.outputs[0]
            try:
                v = self.expression.evaluate(data, functions)
            except FeelError as e:
                raise self._error(f"literal expression failed: {e}", column=out.column) from None
            return {out.name: self._convert_output(out, v, None)}

        values = self._read_inputs(data, functions)
        ctx = data
        if self._needs_context:
            ctx = dict(data)
            for inp, v in zip(self.inputs, values, strict=True):
                if inp.path is not None and len(inp.path) == 1:
                    ctx[inp.path[0]] = v
        if trace is not None:
            trace["inputs"] = {inp.column: v for inp, v in zip(self.inputs, values, strict=True)}

        first = self.hit_policy == "FIRST"
        matched: list[Rule] = []
        rule: Rule  # bound by the loop before any test can fail
        col = 0
        try:
            for rule in self.rules:
                for col, test in rule.tests:
                    if not test(values[col], ctx, functions):
                        break
                else:
                    matched.append(rule)
                    if first:
                        break
        except FeelError as e:
            inp = self.inputs[col]
            raise self._error(f"input entry for '{inp.column}' failed: {e}", (rule,), inp.column) from None
        if trace is not None:
            trace["matched"] = tuple(matched)
        return self._apply_policy(matched, ctx, functions)

    def _apply_policy(self, matched: list[Rule], ctx: Mapping[str, Any], functions: Any) -> dict[str, Any]:
        policy = self.hit_policy
        names = self._names
        if policy == "UNIQUE" and len(matched) > 1:
            raise self._error(
                f"{len(matched)} rules match but the hit policy is UNIQUE",
                tuple(matched[:2]) if len(matched) == 2 else tuple(matched),
            )
        if policy in ("UNIQUE", "FIRST"):
            if not matched:
                return dict.fromkeys(names)
            return dict(zip(names, self._rule_outputs(matched[0], ctx, functions), strict=True))

        rows = [self._rule_outputs(r, ctx, functions) for r in matched]
        if policy == "ANY":
            if not rows:
                return dict.fromkeys(names)
            for r, row in zip(matched[1:], rows[1:], strict=True):
                if row != rows[0]:
                    raise self._error(
                        "rules match with different outputs but the hit policy is ANY", (matched[0], r)
                    )
            return dict(zip(names, rows[0], strict=True))
        if policy in ("PRIORITY", "OUTPUT ORDER") and rows:
            order = sorted(range(len(rows)), key=lambda i: self._priority(rows[i]))
            rows = [rows[i] for i in order]
        if policy == "PRIORITY":
            return dict(zip(names, rows[0], strict=True)) if rows else dict.fromkeys(names)
        if self.aggregation:
            return {names[0]: self._aggregate([row[0] for row in rows])}
        return {name: [row[i] for row in rows] for i, name in enumerate(names)}

    def _priority(self, row: tuple[Any, ...]) -> tuple[int, ...]:
        key = []
        for out, v in zip(self.outputs, row, strict=True):
            if out.values:
                try:
                    key.append(out.values.index(v))
                except ValueError:
                    key.append(len(out.values))
        return tuple(key)

    def _aggregate(self, values: list[Any]) -> Any:
        values = [v for v in values if v is not None]
        agg = self.aggregation
        if agg == "COUNT":
            return Decimal(len(values))
        if not values:
            return None
        if agg == "SUM":
            if not all(isinstance(v, Decimal) for v in values):
                raise self._error(
                    "SUM needs numbers, got " + ", ".join(describe(v) for v in values[:5]),
                    column=self.outputs[0].column,
                )
            return sum(values, Decimal(0))
        try:
            return min(values) if agg == "MIN" else max(values)
        except TypeError:
            raise self._error(
                f"{agg} needs values of one comparable type", column=self.outputs[0].column
            ) from None


# ---------------------------------------------------------------------------------------------
# Fast matchers for the simplest cells. Each falls back to FEEL whenever the value is not of the
# cell's own type, so FEEL decides every case that is not a plain same-type comparison.

_STR_LIT = r'"[^"\\]*"'
_NUM_LIT = r"-?\d+(?:\.\d+)?"
_RE_STRINGS = re.compile(rf"\s*{_STR_LIT}(?:\s*,\s*{_STR_LIT})*\s*")
_RE_NUMBERS = re.compile(rf"\s*{_NUM_LIT}(?:\s*,\s*{_NUM_LIT})*\s*")
_RE_COMPARE = re.compile(rf"\s*(<=|>=|<|>)\s*({_NUM_LIT})\s*")
_RE_RANGE = re.compile(rf"\s*([\[\]\(])\s*({_NUM_LIT})\s*\.\.\s*({_NUM_LIT})\s*([\[\]\)])\s*")


Matcher = Callable[[Any, Mapping[str, Any], Any], bool]


def matcher(text: str, tests: UnaryTests) -> Matcher:
    slow = tests.matches
    t = text.strip()
    if _RE_STRINGS.fullmatch(t):
        allowed = frozenset(s[1:-1] for s in re.findall(_STR_LIT, t))

        def strings(v: Any, ctx: Mapping[str, Any], fns: Any) -> bool:
            return v in allowed if v.__class__ is str else slow(v, ctx, fns)

        return strings
    if t in ("true", "false"):
        want = t == "true"

        def boolean(v: Any, ctx: Mapping[str, Any], fns: Any) -> bool:
            return v is want if v.__class__ is bool else slow(v, ctx, fns)

        return boolean
    if _RE_NUMBERS.fullmatch(t):
        numbers = frozenset(Decimal(n) for n in re.findall(_NUM_LIT, t))

        def number(v: Any, ctx: Mapping[str, Any], fns: Any) -> bool:
            return v in numbers if v.__class__ is Decimal else slow(v, ctx, fns)

        return number
    m = _RE_COMPARE.fullmatch(t)
    if m:
        op, n = m.group(1), Decimal(m.group(2))
        cmp = {"<": n.__gt__, "<=": n.__ge__, ">": n.__lt__, ">=": n.__le__}[op]

        def compare(v: Any, ctx: Mapping[str, Any], fns: Any) -> bool:
            return cmp(v) if v.__class__ is Decimal else slow(v, ctx, fns)

        return compare
    m = _RE_RANGE.fullmatch(t)
    if m:
        lo, hi = Decimal(m.group(2)), Decimal(m.group(3))
        lo_in, hi_in = m.group(1) == "[", m.group(4) == "]"

        def in_range(v: Any, ctx: Mapping[str, Any], fns: Any) -> bool:
            if v.__class__ is not Decimal:
                return slow(v, ctx, fns)
            return (lo <= v if lo_in else lo < v) and (v <= hi if hi_in else v < hi)

        return in_range
    return slow


# ---------------------------------------------------------------------------------------------
# Traces


@dataclass(frozen=True)
class RuleHit:
    """A matched rule, as a trace shows it."""

    rule_id: str
    row: int
    annotation: str


@dataclass(frozen=True)
class DecisionTrace:
    """What one decision did in an evaluation."""

    decision_id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any]  # input column → the value the table saw
    matched: tuple[RuleHit, ...]
    required: dict[str, Any]  # required decision id → its result


@dataclass(frozen=True)
class Trace:
    """An evaluation's outputs and, per decision evaluated (requirements first), what it did."""

    decision_id: str
    outputs: dict[str, Any]
    decisions: tuple[DecisionTrace, ...]

    def of(self, decision_id: str) -> DecisionTrace:
        for d in self.decisions:
            if d.decision_id == decision_id:
                return d
        raise KeyError(decision_id)

    @property
    def matched(self) -> tuple[RuleHit, ...]:
        return self.of(self.decision_id).matched
