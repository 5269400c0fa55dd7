"""DMN decisions: parse DMN 1.1–1.3 XML, evaluate decision tables and literal expressions with FEEL.

Every cell, input expression and literal expression is compiled once, at parse time, by
``engine.feel``; nothing is ever handed to Python's ``eval``. Documents with a DTD or entity
declarations are refused.

Result shapes (``DecisionModel.evaluate``), by hit policy:

- UNIQUE, FIRST, PRIORITY, ANY: ``{output_name: value}``; when no rule matches every output is
  ``None``.
- RULE ORDER, OUTPUT ORDER, COLLECT: ``{output_name: [value, ...]}`` (one list per output, in hit
  order); when no rule matches every list is empty.
- COLLECT with an aggregation (one output only): ``{output_name: value}``. SUM, MIN and MAX ignore
  null outputs and give ``None`` when nothing is left; COUNT counts the non-null outputs (``0``
  when nothing matches). Like Camunda's engine, and unlike the spec's "distinct" wording, SUM
  and COUNT count every hit.
- Literal expression: ``{variable_name: value}`` (the ``<variable name>``, else the decision id).

A required decision's result is visible to the requiring decision under the required decision's
id: a single-output table or a literal expression gives its value (a list for list policies), a
multi-output table gives a context ``{output_name: value}`` (``terms.rate``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from engine.errors import ClueflowError, PackError, Problem
from engine.feel import FeelError, FeelSyntaxError, compile_expression, compile_unary_tests

DMN_NAMESPACES = {
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
}
HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "RULE ORDER", "OUTPUT ORDER", "COLLECT")
LIST_POLICIES = frozenset({"RULE ORDER", "OUTPUT ORDER", "COLLECT"})
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
TYPES = ("string", "boolean", "number", "integer", "date")
_TYPE_ALIASES = {"long": "number", "double": "number", "decimal": "number", "int": "integer"}
_EMPTY: Mapping[str, Any] = {}
_FEEL_KEYWORDS = frozenset(
    "true false null not and or between in instance of for return if then else some every "
    "satisfies function external".split()
)
_NAME_PATH = re.compile(r"(?!\d)\w+(?:\.(?!\d)\w+)*")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FORBIDDEN = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


# ---------------------------------------------------------------------------------------------
# Errors


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


class _Mismatch(Exception):
    """A value does not fit a type (internal; turned into a DecisionError or a Problem)."""


# ---------------------------------------------------------------------------------------------
# Types


def normalize_type(type_ref: str | None) -> str:
    """``typeRef`` → one of TYPES, or "" when untyped or of a type we do not convert."""
    t = (type_ref or "").strip()
    if t.lower().startswith("feel:"):
        t = t[5:]
    t = t.lower()
    t = _TYPE_ALIASES.get(t, t)
    return t if t in TYPES else ""


def _to_number(v: Any) -> Decimal:
    if isinstance(v, Decimal):
        if v.is_finite():
            return v
    elif isinstance(v, bool):
        pass
    elif isinstance(v, int):
        return Decimal(v)
    elif isinstance(v, float):
        if v == v and v not in (float("inf"), float("-inf")):
            return Decimal(str(v))
    elif isinstance(v, str) and _NUMBER.fullmatch(v.strip()):
        return Decimal(v.strip())
    raise _Mismatch


def _to_integer(v: Any) -> Decimal:
    n = _to_number(v)
    i = n.to_integral_value()
    if i != n:
        raise _Mismatch
    return i


def _to_boolean(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if v == "true":
        return True
    if v == "false":
        return False
    raise _Mismatch


def _to_date(v: Any) -> date:
    if isinstance(v, datetime):
        raise _Mismatch  # an instant is not a day; the caller must say which day it means
    if isinstance(v, date):
        return v
    if isinstance(v, str) and _ISO_DATE.fullmatch(v.strip()):
        try:
            return date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise _Mismatch


def _to_string(v: Any) -> str:
    if isinstance(v, str):
        return v
    raise _Mismatch


def _untyped(v: Any) -> Any:
    # FEEL numbers are decimals: Python ints and floats from case data become Decimal.
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        try:
            return _to_number(v)
        except _Mismatch:
            return v
    return v


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "number": _to_number,
    "integer": _to_integer,
    "boolean": _to_boolean,
    "date": _to_date,
    "string": _to_string,
}


def describe(v: Any) -> str:
    """A value as an author would write it, for messages."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        text = repr(v)
    elif isinstance(v, (Decimal, int, float)):
        text = str(v)
    elif isinstance(v, date):
        text = f'date("{v.isoformat()}")'
    else:
        text = f"a {type(v).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------------------------
# The parsed model


@dataclass(frozen=True, eq=False)
class Input:
    """An input column: its label, its FEEL input expression and its type."""

    id: str
    label: str
    text: str
    type_ref: str  # normalized ("" = untyped)
    expression: Any = None  # compiled Expression (None when unparsable)
    path: tuple[str, ...] | None = None  # set when the expression is a bare name or a.b path
    values_text: str = ""  # inputValues
    allowed: Any = None  # compiled UnaryTests of inputValues

    @property
    def name(self) -> str:
        """The variable this input reads (the bare expression), else its label."""
        return self.text if self.path else (self.label or self.text)

    @property
    def column(self) -> str:
        return self.label or self.text or self.id


@dataclass(frozen=True, eq=False)
class Output:
    """An output column (or a literal expression's variable)."""

    id: str
    name: str
    label: str
    type_ref: str
    values_text: str = ""  # outputValues as written
    values: tuple[Any, ...] | None = None  # outputValues evaluated

    @property
    def column(self) -> str:
        return self.label or self.name or self.id


@dataclass(frozen=True, eq=False)
class Rule:
    """One row of a table: only its non-trivial tests are kept for evaluation."""

    id: str
    row: int  # 1-based
    annotation: str
    input_texts: tuple[str, ...]
    output_texts: tuple[str, ...]
    tests: tuple[tuple[int, Callable[..., bool]], ...]  # (column index, matcher)
    compiled_tests: tuple[Any, ...]  # per column: UnaryTests or None ("-")
    outputs: tuple[Any, ...]  # per output: compiled Expression, or None when empty
    constant: tuple[Any, ...] | None  # the output values when every cell is a constant

    @property
    def label(self) -> str:
        return f"{self.row} ({self.id})"


@dataclass(frozen=True)
class RuleHit:
    """A matched rule, as a trace shows it."""

    rule_id: str
    row: int
    annotation: str


@dataclass(eq=False)
class Decision:
    """A parsed decision: a table (``kind == "table"``) or a literal expression (``"literal"``)."""

    id: str
    name: str
    kind: str
    required: tuple[str, ...] = ()
    required_inputs: tuple[str, ...] = ()  # names of the DRD input data it requires
    input_types: tuple[tuple[str, str], ...] = ()  # (input data name, type) for typed input data
    file: str = ""
    pack: str = ""
    inputs: tuple[Input, ...] = ()
    outputs: tuple[Output, ...] = ()
    rules: tuple[Rule, ...] = ()
    hit_policy: str = "UNIQUE"
    aggregation: str | None = None
    expression_text: str = ""
    expression: Any = None
    _needs_context: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        self._names = tuple(o.name for o in self.outputs)
        # per input: the key of a bare-name expression (else None), its converter, the input
        self._readers = tuple(
            (
                inp.path[0] if inp.path is not None and len(inp.path) == 1 else None,
                _CONVERTERS.get(inp.type_ref, _untyped),
                inp,
            )
            for inp in self.inputs
        )

    @property
    def variable(self) -> str:
        """The name requiring decisions read this decision's result under."""
        return self.id

    @property
    def annotations(self) -> tuple[str, ...]:
        return tuple(r.annotation for r in self.rules)

    @property
    def output_names(self) -> tuple[str, ...]:
        return self._names

    # -- evaluation -----------------------------------------------------------------------

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
        conv = _CONVERTERS.get(out.type_ref)
        if conv is None:
            return _untyped(v)
        try:
            return conv(v)
        except _Mismatch:
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
                except _Mismatch:
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
                    typed[name] = _CONVERTERS[type_ref](v)
                except _Mismatch:
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
        values = []
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

    def _evaluate(
        self, data: Mapping[str, Any], functions: Any = None, trace: dict[str, Any] | None = None
    ) -> dict[str, Any]:
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
        rule = None
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


def _matcher(text: str, tests: Any) -> Callable[[Any, Mapping[str, Any], Any], bool]:
    slow = tests.matches
    t = text.strip()
    if _RE_STRINGS.fullmatch(t):
        allowed = frozenset(s[1:-1] for s in re.findall(_STR_LIT, t))

        def strings(v, ctx, fns):
            return v in allowed if v.__class__ is str else slow(v, ctx, fns)

        return strings
    if t in ("true", "false"):
        want = t == "true"

        def boolean(v, ctx, fns):
            return v is want if v.__class__ is bool else slow(v, ctx, fns)

        return boolean
    if _RE_NUMBERS.fullmatch(t):
        numbers = frozenset(Decimal(n) for n in re.findall(_NUM_LIT, t))

        def number(v, ctx, fns):
            return v in numbers if v.__class__ is Decimal else slow(v, ctx, fns)

        return number
    m = _RE_COMPARE.fullmatch(t)
    if m:
        op, n = m.group(1), Decimal(m.group(2))
        cmp = {"<": n.__gt__, "<=": n.__ge__, ">": n.__lt__, ">=": n.__le__}[op]

        def compare(v, ctx, fns):
            return cmp(v) if v.__class__ is Decimal else slow(v, ctx, fns)

        return compare
    m = _RE_RANGE.fullmatch(t)
    if m:
        lo, hi = Decimal(m.group(2)), Decimal(m.group(3))
        lo_in, hi_in = m.group(1) == "[", m.group(4) == "]"

        def in_range(v, ctx, fns):
            if v.__class__ is not Decimal:
                return slow(v, ctx, fns)
            return (lo <= v if lo_in else lo < v) and (v <= hi if hi_in else v < hi)

        return in_range
    return slow


# ---------------------------------------------------------------------------------------------
# Parsing


def _local(tag: Any) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


class _Parser:
    def __init__(self, file: str, pack: str):
        self.file = file
        self.pack = pack
        self.problems: list[Problem] = []
        self.ns = ""

    def problem(
        self, message: str, element: str = "", rule: str = "", column: str = "", severity: str = "error"
    ) -> None:
        self.problems.append(
            Problem(
                message,
                pack=self.pack,
                file=self.file,
                element=element,
                rule=rule,
                column=column,
                severity=severity,
            )
        )

    def children(self, el: ET.Element, name: str) -> list[ET.Element]:
        return [c for c in el if c.tag == f"{{{self.ns}}}{name}"]

    def child(self, el: ET.Element, name: str) -> ET.Element | None:
        found = self.children(el, name)
        return found[0] if found else None

    def text_of(self, el: ET.Element | None) -> str:
        if el is None:
            return ""
        t = self.child(el, "text")
        return (t.text or "").strip() if t is not None else ""

    def compile(
        self, kind: str, text: str, element: str, rule: str = "", column: str = "", what: str = "cell"
    ) -> Any:
        try:
            if kind == "tests":
                return compile_unary_tests(text)
            return compile_expression(text)
        except FeelSyntaxError as e:
            shown = text if len(text) <= 80 else text[:77] + "..."
            self.problem(
                f"FEEL syntax error in {what} `{shown}` (line {e.line}, column {e.column}): {e}",
                element,
                rule,
                column,
            )
        except FeelError as e:
            self.problem(f"invalid FEEL in {what} `{text[:80]}`: {e}", element, rule, column)
        return None

    def parse(self, data: bytes | str) -> list[Decision]:
        root = self.load(data)
        if root is None:
            return []
        input_data: dict[str, tuple[str, str]] = {}  # id -> (name, type)
        for el in root:
            if el.tag == f"{{{self.ns}}}inputData":
                var = self.child(el, "variable")
                type_ref = normalize_type(var.get("typeRef") if var is not None else "")
                input_data[el.get("id", "")] = (el.get("name") or el.get("id", ""), type_ref)
        decisions = []
        seen: set[str] = set()
        for el in root:
            ns, tag = _local(el.tag)
            if ns != self.ns:
                continue  # DMNDI and extensions
            if tag == "decision":
                d = self.decision(el, input_data)
                if d is None:
                    continue
                if d.id in seen:
                    self.problem(f"decision id '{d.id}' is used twice in this file", d.id)
                seen.add(d.id)
                decisions.append(d)
            elif tag == "businessKnowledgeModel":
                self.problem("business knowledge models are not supported", el.get("id", ""))
        if not decisions and not self.problems:
            self.problem("the file holds no decision")
        return decisions

    def load(self, data: bytes | str) -> ET.Element | None:
        if isinstance(data, bytes):
            try:
                if data.startswith((b"\xff\xfe", b"\xfe\xff")):
                    text = data.decode("utf-16")
                else:
                    text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.problem("the file is not UTF-8 text")
                return None
        else:
            text = data
        m = _FORBIDDEN.search(text)
        if m:
            self.problem(f"DMN files may not contain <!{m.group(1).upper()}> declarations")
            return None
        try:
            root = ET.fromstring(_XML_DECL.sub("", text, count=1).encode("utf-8"))
        except ET.ParseError as e:
            self.problem(f"not well-formed XML: {e}")
            return None
        ns, tag = _local(root.tag)
        if tag != "definitions" or ns not in DMN_NAMESPACES:
            self.problem(f"not a DMN 1.1–1.3 document (root element {root.tag})")
            return None
        self.ns = ns
        return root

    def decision(self, el: ET.Element, input_data: dict[str, tuple[str, str]]) -> Decision | None:
        did = (el.get("id") or "").strip()
        if not did:
            self.problem("a decision has no id")
            return None
        required, required_inputs = [], []
        for req in self.children(el, "informationRequirement"):
            for sub in req:
                href = (sub.get("href") or "").rpartition("#")[2].strip()
                if not href:
                    continue
                if _local(sub.tag)[1] == "requiredDecision":
                    required.append(href)
                elif _local(sub.tag)[1] == "requiredInput":
                    required_inputs.append(input_data.get(href, (href, "")))
        if self.children(el, "knowledgeRequirement"):
            self.problem("business knowledge models are not supported", did)
        base = dict(
            id=did,
            name=el.get("name") or did,
            required=tuple(dict.fromkeys(required)),
            required_inputs=tuple(name for name, _ in required_inputs),
            input_types=tuple((name, t) for name, t in required_inputs if t),
            file=self.file,
            pack=self.pack,
        )
        table = self.child(el, "decisionTable")
        literal = self.child(el, "literalExpression")
        if table is not None:
            return self.table(table, base)
        if literal is not None:
            return self.literal(el, literal, base)
        self.problem("the decision has neither a decision table nor a literal expression", did)
        return None

    def literal(self, el: ET.Element, literal: ET.Element, base: dict) -> Decision | None:
        did = base["id"]
        var = self.child(el, "variable")
        name = (var.get("name") if var is not None else "") or did
        type_ref = (var.get("typeRef") if var is not None else "") or literal.get("typeRef") or ""
        out = Output(
            id=var.get("id", "") if var is not None else "",
            name=name,
            label=name,
            type_ref=normalize_type(type_ref),
        )
        text = self.text_of(literal)
        if not text:
            self.problem("the literal expression is empty", did, column=name)
            return None
        expr = self.compile("expression", text, did, column=name, what="literal expression")
        if expr is None:
            return None
        return Decision(kind="literal", outputs=(out,), expression_text=text, expression=expr, **base)

    def table(self, table: ET.Element, base: dict) -> Decision | None:
        did = base["id"]
        before = len(self.problems)
        policy = " ".join((table.get("hitPolicy") or "UNIQUE").replace("_", " ").upper().split())
        if policy not in HIT_POLICIES:
            self.problem(f"unknown hit policy '{policy}'", did)
        aggregation = (table.get("aggregation") or "").strip().upper() or None
        if aggregation and (policy != "COLLECT" or aggregation not in AGGREGATIONS):
            self.problem(
                f"aggregation '{aggregation}' needs hit policy COLLECT and one of {', '.join(AGGREGATIONS)}",
                did,
            )

        inputs = [self.input(i, did, n) for n, i in enumerate(self.children(table, "input"), 1)]
        outputs = [self.output(o, did, n) for n, o in enumerate(self.children(table, "output"), 1)]
        if not outputs:
            self.problem("the table has no output column", did)
        names = [o.name for o in outputs]
        for n in sorted({n for n in names if names.count(n) > 1}):
            self.problem(f"output name '{n}' is used twice", did, column=n)
        if aggregation and len(outputs) > 1:
            self.problem(f"COLLECT {aggregation} needs exactly one output column", did)

        rules = []
        for row, rel in enumerate(self.children(table, "rule"), 1):
            rule = self.rule(rel, row, did, inputs, outputs)
            if rule is not None:
                rules.append(rule)
        if len(self.problems) > before:
            return None
        needs_context = any((t is not None and t.names) for r in rules for t in r.compiled_tests) or any(
            r.constant is None for r in rules
        )
        return Decision(
            kind="table",
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            rules=tuple(rules),
            hit_policy=policy,
            aggregation=aggregation,
            _needs_context=needs_context,
            **base,
        )

    def input(self, el: ET.Element, did: str, n: int) -> Input:
        label = (el.get("label") or "").strip()
        ie = self.child(el, "inputExpression")
        text = self.text_of(ie)
        type_ref = normalize_type(ie.get("typeRef") if ie is not None else "")
        column = label or text or f"input {n}"
        expr, path = None, None
        if not text:
            self.problem("the input has no input expression", did, column=column)
        else:
            expr = self.compile("expression", text, did, column=column, what="input expression")
            if _NAME_PATH.fullmatch(text) and not (set(text.split(".")) & _FEEL_KEYWORDS):
                path = tuple(text.split("."))
        values_text = self.text_of(self.child(el, "inputValues"))
        allowed = None
        if values_text:
            allowed = self.compile("tests", values_text, did, column=column, what="input values")
        return Input(
            id=el.get("id", ""),
            label=label,
            text=text,
            type_ref=type_ref,
            expression=expr,
            path=path,
            values_text=values_text,
            allowed=allowed,
        )

    def output(self, el: ET.Element, did: str, n: int) -> Output:
        name = (el.get("name") or "").strip()
        label = (el.get("label") or "").strip()
        if not name:
            self.problem("the output column has no name", did, column=label or f"output {n}")
        values_text = self.text_of(self.child(el, "outputValues"))
        values = None
        if values_text:
            expr = self.compile(
                "expression", f"[{values_text}]", did, column=label or name, what="output values"
            )
            if expr is not None:
                try:
                    values = tuple(_untyped(v) for v in expr.evaluate({}))
                except (FeelError, TypeError) as e:
                    self.problem(
                        f"output values `{values_text}` are not a list of values: {e}",
                        did,
                        column=label or name,
                    )
        return Output(
            id=el.get("id", ""),
            name=name,
            label=label,
            type_ref=normalize_type(el.get("typeRef")),
            values_text=values_text,
            values=values,
        )

    def rule(
        self, el: ET.Element, row: int, did: str, inputs: list[Input], outputs: list[Output]
    ) -> Rule | None:
        rid = el.get("id") or f"row{row}"
        label = f"{row} ({rid})"
        in_cells = [self.text_of(c) for c in self.children(el, "inputEntry")]
        out_cells = [self.text_of(c) for c in self.children(el, "outputEntry")]
        ok = True
        if len(in_cells) != len(inputs):
            self.problem(f"the rule has {len(in_cells)} input entries for {len(inputs)} inputs", did, label)
            ok = False
        if len(out_cells) != len(outputs):
            self.problem(
                f"the rule has {len(out_cells)} output entries for {len(outputs)} outputs", did, label
            )
            ok = False
        annotation = (
            (self.child(el, "description").text or "").strip()
            if self.child(el, "description") is not None
            else ""
        )
        for entry in self.children(el, "annotationEntry"):
            annotation = annotation or self.text_of(entry)
        if not ok:
            return None
        compiled_tests, tests = [], []
        for col, (inp, text) in enumerate(zip(inputs, in_cells, strict=True)):
            if text in ("", "-"):
                compiled_tests.append(None)
                continue
            t = self.compile("tests", text, did, label, inp.column)
            compiled_tests.append(t)
            if t is not None:
                tests.append((col, _matcher(text, t)))
        compiled_outputs = []
        for out, text in zip(outputs, out_cells, strict=True):
            compiled_outputs.append(
                self.compile("expression", text, did, label, out.column) if text else None
            )
        return Rule(
            id=rid,
            row=row,
            annotation=annotation,
            input_texts=tuple(in_cells),
            output_texts=tuple(out_cells),
            tests=tuple(tests),
            compiled_tests=tuple(compiled_tests),
            outputs=tuple(compiled_outputs),
            constant=_fold(outputs, compiled_outputs),
        )


def _constant(out: Output, expr: Any) -> Any:
    """The value of a cell that reads no variable and calls no function; raises _Mismatch if none."""
    if expr is None:
        return None
    if expr.names or expr.functions:
        raise _Mismatch
    try:
        v = expr.evaluate({})
    except FeelError:
        raise _Mismatch from None
    if v is None:
        return None
    conv = _CONVERTERS.get(out.type_ref)
    return conv(v) if conv else _untyped(v)


def _fold(outputs: list[Output], compiled: list[Any]) -> tuple[Any, ...] | None:
    try:
        return tuple(_constant(o, e) for o, e in zip(outputs, compiled, strict=True))
    except _Mismatch:
        return None


def parse_dmn(data: bytes | str, file: str = "", pack: str = "") -> list[Decision]:
    """Parse one DMN file; raise PackError listing every problem found."""
    parser = _Parser(file, pack)
    decisions = parser.parse(data)
    errors = [p for p in parser.problems if p.severity == "error"]
    if errors:
        raise PackError(problems=parser.problems)
    return decisions


# ---------------------------------------------------------------------------------------------
# Traces


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


# ---------------------------------------------------------------------------------------------
# The model


class DecisionModel:
    """The decisions of a pack, with their requirements resolved and ordered."""

    def __init__(self, decisions: Iterable[Decision]):
        self._decisions: dict[str, Decision] = {}
        problems: list[Problem] = []
        for d in decisions:
            if d.id in self._decisions:
                other = self._decisions[d.id]
                problems.append(
                    Problem(
                        f"decision id '{d.id}' is also defined in {other.file or 'another file'}",
                        pack=d.pack,
                        file=d.file,
                        element=d.id,
                    )
                )
                continue
            self._decisions[d.id] = d
        for d in self._decisions.values():
            for r in d.required:
                if r not in self._decisions:
                    problems.append(
                        Problem(
                            f"requires decision '{r}', which the pack does not define",
                            pack=d.pack,
                            file=d.file,
                            element=d.id,
                        )
                    )
        if not problems:
            problems.extend(self._find_cycles())
        if problems:
            raise PackError(problems=problems)
        self._chains = {d: self._chain(d) for d in self._decisions}

    @classmethod
    def from_files(cls, files: Mapping[str, bytes], pack: str = "") -> DecisionModel:
        """Merge every ``.dmn`` file of a pack into one model."""
        decisions: list[Decision] = []
        problems: list[Problem] = []
        for name in sorted(files):
            if not name.lower().endswith(".dmn"):
                continue
            try:
                decisions.extend(parse_dmn(files[name], file=name, pack=pack))
            except PackError as e:
                problems.extend(e.problems)
        if problems:
            raise PackError(problems=problems)
        return cls(decisions)

    def _find_cycles(self) -> list[Problem]:
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        problems = []

        def visit(did: str, stack: list[str]) -> None:
            state[did] = 1
            stack.append(did)
            for r in self._decisions[did].required:
                if state.get(r) == 1:
                    cycle = stack[stack.index(r) :] + [r]
                    d = self._decisions[did]
                    problems.append(
                        Problem(
                            "decision requirements form a cycle: " + " → ".join(cycle),
                            pack=d.pack,
                            file=d.file,
                            element=did,
                        )
                    )
                elif r not in state:
                    visit(r, stack)
            stack.pop()
            state[did] = 2

        for did in self._decisions:
            if did not in state:
                visit(did, [])
        return problems

    def _chain(self, did: str) -> tuple[str, ...]:
        order: list[str] = []

        def visit(d: str) -> None:
            for r in self._decisions[d].required:
                if r not in order:
                    visit(r)
                    order.append(r)

        visit(did)
        return tuple(order)

    def ids(self) -> list[str]:
        return list(self._decisions)

    def get(self, decision_id: str) -> Decision:
        try:
            return self._decisions[decision_id]
        except KeyError:
            raise KeyError(f"no decision '{decision_id}'") from None

    def __contains__(self, decision_id: object) -> bool:
        return decision_id in self._decisions

    def __iter__(self):
        return iter(self._decisions.values())

    def evaluate(self, decision_id: str, inputs: Mapping[str, Any], functions: Any = None) -> dict[str, Any]:
        """The decision's outputs by output name (requirements evaluated first, each once)."""
        decision = self._lookup(decision_id)
        chain = self._chains[decision_id]
        if not chain:
            return decision._evaluate(inputs, functions)
        results: dict[str, Any] = {}
        for rid in chain:
            rd = self._decisions[rid]
            results[rid] = rd.expose(rd._evaluate(_context(rd, inputs, results), functions))
        return decision._evaluate(_context(decision, inputs, results), functions)

    def evaluate_traced(self, decision_id: str, inputs: Mapping[str, Any], functions: Any = None) -> Trace:
        """Like evaluate, and say which rules matched in every decision evaluated."""
        decision = self._lookup(decision_id)
        results: dict[str, Any] = {}
        traces = []
        for did in (*self._chains[decision_id], decision_id):
            d = self._decisions[did]
            seen: dict[str, Any] = {}
            outputs = d._evaluate(_context(d, inputs, results), functions, seen)
            results[did] = d.expose(outputs)
            traces.append(
                DecisionTrace(
                    decision_id=did,
                    outputs=outputs,
                    inputs=seen.get("inputs", {}),
                    matched=tuple(RuleHit(r.id, r.row, r.annotation) for r in seen.get("matched", ())),
                    required={r: results[r] for r in d.required},
                )
            )
        return Trace(decision_id=decision.id, outputs=traces[-1].outputs, decisions=tuple(traces))

    def _lookup(self, decision_id: str) -> Decision:
        try:
            return self._decisions[decision_id]
        except KeyError:
            raise DecisionError(f"no decision '{decision_id}'", decision=decision_id) from None

    def validate(self) -> list[Problem]:
        """Static checks of every decision (see the module's checks); errors and warnings."""
        return _validate(self)


def _context(d: Decision, inputs: Mapping[str, Any], results: dict[str, Any]) -> Mapping[str, Any]:
    if not d.required:
        return inputs
    ctx = dict(inputs)
    for r in d.required:
        ctx[r] = results[r]
    return ctx


# ---------------------------------------------------------------------------------------------
# Static checks (DecisionModel.validate)
#
# Overlaps and dead cells are found with witnesses: for each input column, the literals of its
# cells cut the values into regions; one value per region (plus null) is tried against every
# cell through FEEL itself. Only cells made of literals, comparisons, ranges, lists and not(...)
# are judged this way; a cell that reads a variable or computes is left alone.

_TOKEN = re.compile(
    r'\s+|"(?:[^"\\]|\\.)*"|date\(\s*"\d{4}-\d{2}-\d{2}"\s*\)|-?\d+(?:\.\d+)?|\.\.|<=|>=|!=|[<>=\[\]\(\),]'
    r"|not\b|true\b|false\b|null\b"
)


def _literals(text: str) -> list[Any] | None:
    """The literal values of a simple cell, or None when the cell is not simple."""
    pos, found, last = 0, [], ""
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


def _validate(model: DecisionModel) -> list[Problem]:
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


def _check_names(d: Decision, ids: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    required = set(d.required)
    declared = set(d.required_inputs)
    others = ids - {d.id} - required

    def report(message: str, rule: Rule | None, column: str, severity: str = "error") -> None:
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

    def free(names: frozenset[str], what: str, column: str) -> set[str]:
        """Names an input or literal expression reads: they are the decision's inputs."""
        roots = set()
        for n in sorted(names):
            root = n.split(".")[0]
            roots.add(root)
            if root in required or n in required:
                continue
            if root in others:
                report(
                    f"{what} reads '{root}', a decision that this decision does not require "
                    "(add an information requirement)",
                    None,
                    column,
                )
            elif declared and root not in declared and n not in declared:
                report(
                    f"{what} reads '{n}', which is neither an input data the decision requires "
                    "nor a required decision (draw the requirement in the DRD)",
                    None,
                    column,
                    "warning",
                )
        return roots

    if d.kind == "literal":
        free(d.expression.names, "the literal expression", d.outputs[0].column)
        return problems
    known = required | declared
    for inp in d.inputs:
        if inp.expression is not None:
            known |= free(inp.expression.names, f"input expression `{inp.text}`", inp.column)
            if inp.path:
                known.add(inp.path[0])

    def cell(names: frozenset[str], rule: Rule, column: str) -> None:
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

    for rule in d.rules:
        for inp, t in zip(d.inputs, rule.compiled_tests, strict=True):
            if t is not None:
                cell(t.names, rule, inp.column)
        for out, e in zip(d.outputs, rule.outputs, strict=True):
            if e is not None:
                cell(e.names, rule, out.column)
    return problems


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
    conv = _CONVERTERS.get(out.type_ref)
    try:
        v = conv(v) if conv else _untyped(v)
    except _Mismatch:
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
