"""What changed between two versions of a pack (or a version and a draft): files added, removed and
changed; for decision tables the changed cells by decision, rule and column; for forms the fields
added, removed and changed; for processes the element ids added, changed and removed.

Pure: it reads two `{path: bytes}` mappings and parses them with the engine's own parsers.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .decisions import Decision, parse_dmn
from .errors import PackError

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_LAYOUT_NS = (
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI",
)


@dataclass
class FileDiff:
    path: str
    status: str  # added / removed / changed
    kind: str  # bpmn / dmn / forms / examples
    decisions: list[dict[str, Any]] = field(default_factory=list)  # dmn: per decision its changed rules
    fields: dict[str, list[str]] = field(default_factory=dict)  # forms: added / changed / removed keys
    elements: dict[str, list[str]] = field(default_factory=dict)  # bpmn: added / changed / removed ids
    note: str = ""  # when a side cannot be parsed


def diff_files(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> list[FileDiff]:
    """Every file that differs, in path order."""
    out = []
    for path in sorted(set(old) | set(new)):
        a, b = old.get(path), new.get(path)
        if a == b:
            continue
        kind = path.split("/", 1)[0]
        status = "added" if a is None else "removed" if b is None else "changed"
        d = FileDiff(path=path, status=status, kind=kind)
        if kind == "dmn":
            _dmn(d, a, b)
        elif kind == "forms":
            _form(d, a, b)
        elif kind == "bpmn":
            _bpmn(d, a, b)
        out.append(d)
    return out


# -- decisions ---------------------------------------------------------------------------------------


def _tables(data: bytes | None, path: str) -> dict[str, Decision]:
    if data is None:
        return {}
    return {d.id: d for d in parse_dmn(data, file=path)}


def _cells(decision: Decision) -> tuple[list[str], dict[str, dict[str, str]], dict[str, int]]:
    if decision.kind != "table":
        return (
            [decision.outputs[0].column],
            {"expression": {decision.outputs[0].column: decision.expression_text}},
            {},
        )
    columns = [i.column for i in decision.inputs] + [o.column for o in decision.outputs]
    rows: dict[str, dict[str, str]] = {}
    numbers: dict[str, int] = {}
    for rule in decision.rules:
        rows[rule.id] = dict(zip(columns, (*rule.input_texts, *rule.output_texts), strict=False))
        if rule.annotation:
            rows[rule.id]["说明"] = rule.annotation
        numbers[rule.id] = rule.row
    return columns, rows, numbers


def _dmn(d: FileDiff, a: bytes | None, b: bytes | None) -> None:
    try:
        old, new = _tables(a, d.path), _tables(b, d.path)
    except PackError as exc:
        d.note = "无法逐格比较（文件有错误）：" + "; ".join(p.message for p in exc.problems[:3])
        return
    for did in sorted(set(old) | set(new)):
        da, db_ = old.get(did), new.get(did)
        if da is None or db_ is None:
            d.decisions.append({"decision": did, "status": "added" if da is None else "removed", "rules": []})
            continue
        _, rows_a, num_a = _cells(da)
        _, rows_b, num_b = _cells(db_)
        rules = []
        for rid in list(rows_a) + [r for r in rows_b if r not in rows_a]:
            ra, rb = rows_a.get(rid), rows_b.get(rid)
            row = num_b.get(rid) or num_a.get(rid)
            label = f"{row} ({rid})" if row else rid
            if ra is None or rb is None:
                cells = [
                    {"column": c, "old": (ra or {}).get(c, ""), "new": (rb or {}).get(c, "")}
                    for c in (rb or ra or {})
                ]
                rules.append({"rule": label, "status": "added" if ra is None else "removed", "cells": cells})
                continue
            cells = [
                {"column": c, "old": ra.get(c, ""), "new": rb.get(c, "")}
                for c in list(ra) + [c for c in rb if c not in ra]
                if ra.get(c, "") != rb.get(c, "")
            ]
            if cells or num_a.get(rid) != num_b.get(rid):
                rules.append({"rule": label, "status": "changed", "cells": cells})
        header = [] if _header(da) == _header(db_) else ["表头（列、命中策略或输出值）已改变"]
        if rules or header:
            d.decisions.append({"decision": did, "status": "changed", "rules": rules, "notes": header})


def _header(decision: Decision) -> tuple[object, ...]:
    return (
        decision.hit_policy,
        decision.aggregation,
        tuple((i.column, i.text, i.type_ref, i.values_text) for i in decision.inputs),
        tuple((o.column, o.name, o.type_ref, o.values_text) for o in decision.outputs),
    )


# -- forms -------------------------------------------------------------------------------------------


def form_fields(data: bytes | None) -> dict[str, dict[str, Any]]:
    """The components of a form-js schema that carry a key, by key (nested groups included)."""
    if data is None:
        return {}
    found: dict[str, dict[str, Any]] = {}

    def walk(components: Iterable[object] | None) -> None:
        for c in components or ():
            if not isinstance(c, dict):
                continue
            if c.get("key"):
                found[str(c["key"])] = c
            walk(c.get("components"))

    schema = json.loads(data)
    walk(schema.get("components") if isinstance(schema, dict) else None)
    return found


def _form(d: FileDiff, a: bytes | None, b: bytes | None) -> None:
    try:
        old, new = form_fields(a), form_fields(b)
    except (ValueError, UnicodeDecodeError) as exc:
        d.note = f"无法逐项比较（JSON 有错误）：{exc}"
        return
    d.fields = {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "changed": sorted(k for k in set(old) & set(new) if old[k] != new[k]),
    }


# -- processes ---------------------------------------------------------------------------------------


def bpmn_elements(data: bytes | None) -> dict[str, tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]]:
    """Each flow element's id → what it is (tag, attributes, its own children without ids); the
    diagram layout is left out, so moving a shape is not a change."""
    if data is None:
        return {}
    root = ET.fromstring(data)
    out: dict[str, tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]] = {}
    for node in root.iter():
        ns = node.tag[1:].split("}", 1)[0] if isinstance(node.tag, str) and node.tag.startswith("{") else ""
        element_id = node.get("id")
        if not element_id or ns in _LAYOUT_NS or node is root:
            continue
        own = tuple(ET.tostring(c, encoding="unicode").strip() for c in node if not c.get("id"))
        out[element_id] = (node.tag, tuple(sorted(node.attrib.items())), own)
    return out


def bpmn_changes(a: bytes | None, b: bytes | None) -> dict[str, list[str]]:
    old, new = bpmn_elements(a), bpmn_elements(b)
    return {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "changed": sorted(k for k in set(old) & set(new) if old[k] != new[k]),
    }


def _bpmn(d: FileDiff, a: bytes | None, b: bytes | None) -> None:
    try:
        d.elements = bpmn_changes(a, b)
    except ET.ParseError as exc:
        d.note = f"无法逐个元素比较（XML 有错误）：{exc}"
