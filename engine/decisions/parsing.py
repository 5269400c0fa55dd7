"""Parsing DMN 1.1–1.3 XML into ``Decision`` objects, with every problem found (pack, file, decision, rule,
column). Every cell and expression is compiled once by ``engine.feel``; DTDs and entities are refused."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from engine.errors import PackError, Problem
from engine.feel import (
    FeelError,
    FeelSyntaxError,
    UnaryTests,
    compile_expression,
    compile_unary_tests,
    unknown_calls,
)

from .decision import Decision, Input, Output, Rule
from .evaluation import Matcher, matcher
from .values import CONVERTERS, Mismatch, normalize_type, untyped

DMN_NAMESPACES = {
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
}
HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "RULE ORDER", "OUTPUT ORDER", "COLLECT")
LIST_POLICIES = frozenset({"RULE ORDER", "OUTPUT ORDER", "COLLECT"})
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
_FEEL_KEYWORDS = frozenset(
    "true false null not and or between in instance of for return if then else some every "
    "satisfies function external".split()
)
_NAME_PATH = re.compile(r"(?!\d)\w+(?:\.(?!\d)\w+)*")
_FORBIDDEN = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


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
            compiled = compile_unary_tests(text) if kind == "tests" else compile_expression(text)
            if unknown_calls(compiled):  # a table may call FEEL's built-in functions only
                self.problem(f"{unknown_calls(compiled)} in {what} `{text[:80]}`", element, rule, column)
                return None
            return compiled
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
                input_data[el.get("id", "")] = (el.get("name") or el.get("id") or "", type_ref)
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

    def literal(self, el: ET.Element, literal: ET.Element, base: dict[str, Any]) -> Decision | None:
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

    def table(self, table: ET.Element, base: dict[str, Any]) -> Decision | None:
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
                    values = tuple(untyped(v) for v in expr.evaluate({}))
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
        description = self.child(el, "description")
        annotation = (description.text or "").strip() if description is not None else ""
        for entry in self.children(el, "annotationEntry"):
            annotation = annotation or self.text_of(entry)
        if not ok:
            return None
        compiled_tests: list[UnaryTests | None] = []
        tests: list[tuple[int, Matcher]] = []
        for col, (inp, text) in enumerate(zip(inputs, in_cells, strict=True)):
            if text in ("", "-"):
                compiled_tests.append(None)
                continue
            t = self.compile("tests", text, did, label, inp.column)
            compiled_tests.append(t)
            if t is not None:
                tests.append((col, matcher(text, t)))
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
    """The value of a cell that reads no variable and calls no function; raises Mismatch if none."""
    if expr is None:
        return None
    if expr.names or expr.functions:
        raise Mismatch
    try:
        v = expr.evaluate({})
    except FeelError:
        raise Mismatch from None
    if v is None:
        return None
    conv = CONVERTERS.get(out.type_ref)
    return conv(v) if conv else untyped(v)


def _fold(outputs: list[Output], compiled: list[Any]) -> tuple[Any, ...] | None:
    try:
        return tuple(_constant(o, e) for o, e in zip(outputs, compiled, strict=True))
    except Mismatch:
        return None


def parse_dmn(data: bytes | str, file: str = "", pack: str = "") -> list[Decision]:
    """Parse one DMN file; raise PackError listing every problem found."""
    parser = _Parser(file, pack)
    decisions = parser.parse(data)
    errors = [p for p in parser.problems if p.severity == "error"]
    if errors:
        raise PackError(problems=parser.problems)
    return decisions
