"""The parsed decision: ``Decision`` (a table or a literal expression), its input and output
columns and its rules, as parsing builds them; the evaluation it inherits lives in evaluation.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .evaluation import Evaluator
from .values import CONVERTERS, untyped


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


@dataclass(eq=False)
class Decision(Evaluator):
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
                CONVERTERS.get(inp.type_ref, untyped),
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
