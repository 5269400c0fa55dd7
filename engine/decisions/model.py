"""``DecisionModel``: the decisions of a pack, merged from its files, with their requirements
resolved (missing ones and cycles refused) and ordered once; evaluation along a decision's
requirements, each evaluated once, optionally traced."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from engine.errors import PackError, Problem

from .checks import validate
from .decision import Decision
from .evaluation import DecisionError, DecisionTrace, RuleHit, Trace
from .parsing import parse_dmn


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

    def requirements(self, decision_id: str) -> tuple[str, ...]:
        """The decisions evaluated before this one, in evaluation order."""
        return self._chains[decision_id]

    def ids(self) -> list[str]:
        return list(self._decisions)

    def get(self, decision_id: str) -> Decision:
        try:
            return self._decisions[decision_id]
        except KeyError:
            raise KeyError(f"no decision '{decision_id}'") from None

    def __contains__(self, decision_id: object) -> bool:
        return decision_id in self._decisions

    def __iter__(self) -> Iterator[Decision]:
        return iter(self._decisions.values())

    def evaluate(self, decision_id: str, inputs: Mapping[str, Any], functions: Any = None) -> dict[str, Any]:
        """The decision's outputs by output name (requirements evaluated first, each once)."""
        decision = self._lookup(decision_id)
        chain = self._chains[decision_id]
        if not chain:
            return decision.evaluate_alone(inputs, functions)
        results: dict[str, Any] = {}
        for rid in chain:
            rd = self._decisions[rid]
            results[rid] = rd.expose(rd.evaluate_alone(_context(rd, inputs, results), functions))
        return decision.evaluate_alone(_context(decision, inputs, results), functions)

    def evaluate_traced(self, decision_id: str, inputs: Mapping[str, Any], functions: Any = None) -> Trace:
        """Like evaluate, and say which rules matched in every decision evaluated."""
        decision = self._lookup(decision_id)
        results: dict[str, Any] = {}
        traces = []
        for did in (*self._chains[decision_id], decision_id):
            d = self._decisions[did]
            seen: dict[str, Any] = {}
            outputs = d.evaluate_alone(_context(d, inputs, results), functions, seen)
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
        """Static checks of every decision (see checks.py); errors and warnings."""
        return validate(self)


def _context(d: Decision, inputs: Mapping[str, Any], results: dict[str, Any]) -> Mapping[str, Any]:
    if not d.required:
        return inputs
    ctx = dict(inputs)
    for r in d.required:
        ctx[r] = results[r]
    return ctx
