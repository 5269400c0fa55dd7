"""Example cases of a pack's decisions: a table of inputs and expected outputs per decision, kept as
pack files (`examples/<decision_id>.json`, inherited file by file like the rest), and run through
the decisions to give a green or red result per case.

A file is a JSON list of cases: `{"input": {...}, "expect": {...}, "basis": "URU 12(1)", "note": "…"}`.
Only the outputs listed under `expect` are compared; numbers compare as decimals; an input string
written YYYY-MM-DD is a date. Nothing here evaluates Python: the decisions run through FEEL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .errors import ClueflowError, PackError, Problem

if TYPE_CHECKING:
    from .decisions import DecisionModel

PREFIX, SUFFIX = "examples/", ".json"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_CASES = 2000


@dataclass(frozen=True)
class Example:
    input: dict[str, Any]
    expect: dict[str, Any]
    basis: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"input": self.input, "expect": self.expect}
        if self.basis:
            out["basis"] = self.basis
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Result:
    """One case run: green (`ok`) or red, with what was expected and what the decision gave."""

    decision: str
    case: int  # 1-based row of the examples table
    ok: bool
    expected: dict[str, Any]
    actual: dict[str, Any]
    error: str = ""
    basis: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "case": self.case,
            "ok": self.ok,
            "expected": jsonable(self.expected),
            "actual": jsonable(self.actual),
            "error": self.error,
            "basis": self.basis,
            "note": self.note,
        }


def path_for(decision_id: str) -> str:
    return f"{PREFIX}{decision_id}{SUFFIX}"


def decision_of(path: str) -> str | None:
    if path.startswith(PREFIX) and path.endswith(SUFFIX):
        return path[len(PREFIX) : -len(SUFFIX)]
    return None


def parse(data: bytes | str, path: str = "") -> list[Example]:
    """The cases of one examples file; PackError (Chinese messages, with the case row) when malformed."""
    try:
        raw = json.loads(data, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PackError([Problem(f"示例文件不是有效的 JSON：{exc}", file=path)]) from None
    if not isinstance(raw, list):
        raise PackError([Problem("示例文件应是一个案例列表（JSON 数组）", file=path)])
    if len(raw) > MAX_CASES:
        raise PackError([Problem(f"示例过多（最多 {MAX_CASES} 个）", file=path)])
    cases, problems = [], []
    for n, item in enumerate(raw, 1):
        where = dict(file=path, rule=str(n))
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("input", {}), dict)
            or not isinstance(item.get("expect"), dict)
        ):
            problems.append(Problem("每个示例须有 input（输入）和 expect（期望输出）两个对象", **where))
            continue
        if not item["expect"]:
            problems.append(Problem("示例没有期望输出", **where))
            continue
        cases.append(
            Example(
                input=dict(item.get("input") or {}),
                expect=dict(item["expect"]),
                basis=str(item.get("basis") or ""),
                note=str(item.get("note") or ""),
            )
        )
    if problems:
        raise PackError(problems)
    return cases


def dump(cases: list[Example]) -> str:
    """The text of an examples file (stable, readable, one key per line)."""
    return json.dumps([jsonable(c.as_dict()) for c in cases], ensure_ascii=False, indent=1) + "\n"


def typed(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """JSON values → decision inputs: YYYY-MM-DD strings become dates, floats decimals."""
    out = {}
    for key, value in inputs.items():
        if isinstance(value, str) and DATE_RE.match(value):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                pass
        elif isinstance(value, float):
            value = Decimal(str(value))
        out[key] = value
    return out


def matches(expected: Any, actual: Any) -> bool:
    """One expected output against the decision's: booleans and null exactly, numbers as decimals."""
    if isinstance(expected, bool) or expected is None:
        return actual is expected
    if isinstance(expected, (int, float, Decimal)):
        if actual is None or isinstance(actual, bool):
            return False
        try:
            return Decimal(str(expected)) == Decimal(str(actual))
        except InvalidOperation:
            return False
    if isinstance(expected, list) and isinstance(actual, (list, tuple)):
        return len(expected) == len(actual) and all(
            matches(e, a) for e, a in zip(expected, actual, strict=True)
        )
    if isinstance(actual, date) and isinstance(expected, str):
        return actual.isoformat() == expected
    return bool(expected == actual)


def run_case(
    decide: Callable[[str, Mapping[str, Any]], Mapping[str, Any]], decision_id: str, n: int, case: Example
) -> Result:
    """Run one case through `decide(decision_id, inputs)` (e.g. DecisionModel.evaluate)."""
    try:
        outputs = decide(decision_id, typed(case.input))
    except ClueflowError as exc:
        return Result(
            decision_id, n, False, case.expect, {}, error=str(exc), basis=case.basis, note=case.note
        )
    actual = {k: outputs.get(k) for k in case.expect}
    missing = [k for k in case.expect if k not in outputs]
    ok = not missing and all(matches(v, outputs.get(k)) for k, v in case.expect.items())
    error = f"决策没有输出 {', '.join(missing)}" if missing else ""
    return Result(decision_id, n, ok, case.expect, actual, error=error, basis=case.basis, note=case.note)


def run(decisions: DecisionModel | None, files: Mapping[str, bytes]) -> tuple[list[Result], list[Problem]]:
    """Every example of a pack against its decisions (a DecisionModel, or None when the decisions do not
    parse: then nothing runs). Returns the results and the problems of the examples files."""
    results: list[Result] = []
    problems: list[Problem] = []
    for path in sorted(files):
        decision_id = decision_of(path)
        if decision_id is None:
            continue
        try:
            cases = parse(files[path], path)
        except PackError as exc:
            problems.extend(exc.problems)
            continue
        if decisions is None:
            continue
        if decision_id not in decisions:
            problems.append(Problem(f"示例文件对应的决策“{decision_id}”在规则包中不存在", file=path))
            continue
        for n, case in enumerate(cases, 1):
            results.append(run_case(decisions.evaluate, decision_id, n, case))
    return results, problems


def summary(results: list[Result]) -> dict[str, Any]:
    """What the editor shows: how many passed and failed, and each case."""
    passed = sum(1 for r in results if r.ok)
    return {"passed": passed, "failed": len(results) - passed, "results": [r.as_dict() for r in results]}


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
