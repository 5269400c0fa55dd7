"""FEEL: the expression language of decisions, gateway conditions and timers.

Expressions and unary tests (decision-table input cells) are parsed with lark (LALR) and compiled
once into Python closures; nothing is ever handed to Python's eval/exec/compile, and no attribute of
a Python object is ever read by a name taken from the text. Only the built-ins (``builtins.py``) and
the functions the engine passes in are ever called, never a value found in the context.

Values: numbers are ``Decimal`` (ints and floats in the context are converted, floats through
``str``), strings, booleans, ``None`` (null), ``datetime.date``, day durations, lists, dicts (FEEL
contexts, read with ``terms.rate``) and ranges (``[1..5]``). Arithmetic uses its own decimal context
(34 digits, DECIMAL128 exponents), never the process-wide one.

Type errors -- ``"a" + 1``, comparing a string with a number, ``if "x" then ...`` -- raise
``FeelEvaluationError`` on purpose, where the FEEL specification would return null: a mistake in a
rule must reach the policy staff who wrote it, not silently turn into "no match". null itself
propagates as FEEL says (``null + 1`` is null; ``x < null`` is null; ``and``/``or`` are three-valued).
A name missing from the context is null, as in FEEL; ``Expression.names`` lets a loader check the
names against the variables it knows.

Unary tests compare the input with each test: ``"report"`` and ``5000`` mean equality, ``< 5000``
a comparison, ``[1..5]`` a range, ``"a", "b"`` any of them, ``not(...)`` none of them, ``-`` (or an
empty cell) anything. An input of another type than the test (a string against ``< 5000``) does
not match -- no error -- so a table can test a column holding values of different kinds.

Hostile text fails fast with a ``FeelError``: text longer than 10,000 characters, nesting deeper
than 64, exponents outside +-1000, results beyond the decimal context, strings beyond 100,000
characters.

The package: ``grammar`` reads the text, ``compiler`` turns the tree into closures (``code``: what a
compiled closure is), ``matchers`` holds the unary-test fast paths, ``values`` and ``builtins`` what
the closures compute with; this module is the entry point.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, cast

from lark import Tree

from .builtins import BUILTIN_FUNCTIONS
from .code import Node, Scope
from .compiler import compile_node, compile_test
from .errors import FeelError, FeelEvaluationError, FeelSyntaxError, with_text
from .grammar import MAX_NESTING, MAX_TEXT_LENGTH, MAX_TREE_DEPTH, parse
from .matchers import Context, Fn, Functions, Matcher
from .values import DECIMAL_CONTEXT, EMPTY, MAX_EXPONENT, MAX_STRING_LENGTH, Duration, Range, conv

__all__ = [
    "BUILTIN_FUNCTIONS",
    "DECIMAL_CONTEXT",
    "MAX_EXPONENT",
    "MAX_NESTING",
    "MAX_STRING_LENGTH",
    "MAX_TEXT_LENGTH",
    "MAX_TREE_DEPTH",
    "Duration",
    "Expression",
    "FeelError",
    "FeelEvaluationError",
    "FeelSyntaxError",
    "Range",
    "UnaryTests",
    "compile_expression",
    "compile_unary_tests",
    "evaluate",
    "unknown_calls",
]


class Expression:
    """A compiled FEEL expression; ``evaluate(context, functions)`` gives its value."""

    __slots__ = ("text", "names", "functions", "_fn")

    def __init__(self, text: str, fn: Fn, names: frozenset[str], functions: frozenset[str]) -> None:
        self.text, self._fn, self.names, self.functions = text, fn, names, functions

    def evaluate(self, context: Mapping[str, Any], functions: Functions | None = None) -> Any:
        """The value of the expression; names are read from context, calls go to functions."""
        try:
            return self._fn(context, functions or EMPTY)
        except FeelError as error:
            raise with_text(error, self.text) from None
        except RecursionError:
            raise FeelEvaluationError("the expression is nested too deeply", self.text) from None

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


class UnaryTests:
    """A compiled decision-table input cell.

    ``matches(value, context={}, functions=None) -> bool`` is an attribute holding a closure made
    for this cell (constant cells need neither context nor functions and skip them).
    """

    __slots__ = ("text", "names", "functions", "matches")

    def __init__(self, text: str, matches: Matcher, names: frozenset[str], functions: frozenset[str]) -> None:
        self.text, self.matches, self.names, self.functions = text, matches, names, functions

    def __repr__(self) -> str:
        return f"UnaryTests({self.text!r})"


def unknown_calls(compiled: Expression | UnaryTests, allowed: frozenset[str] = frozenset()) -> str:
    """Why the expression may not run as written: the functions it calls that are neither FEEL's
    built-ins nor `allowed` ("" when there are none)."""
    unknown = sorted(compiled.functions - BUILTIN_FUNCTIONS - allowed)
    return f"unknown FEEL function {', '.join(map(repr, unknown))}" if unknown else ""


def _anything(value: Any, context: object = None, functions: object = None) -> bool:
    return True


@functools.lru_cache(maxsize=8192)
def compile_expression(text: str) -> Expression:
    """Parse and compile a FEEL expression (cached by text)."""
    tree = parse(text, "expression_start")
    scope = Scope(text)
    code = compile_node(tree, scope)
    if scope.uses_input:
        raise FeelSyntaxError("'?' (the input value) can only be used in a unary test", text)
    return Expression(text, code.fn, frozenset(scope.names), frozenset(scope.functions))


@functools.lru_cache(maxsize=8192)
def compile_unary_tests(text: str) -> UnaryTests:
    """Parse and compile the unary tests of a decision-table input cell (cached by text)."""
    if isinstance(text, str) and text.strip() in ("", "-"):
        return UnaryTests(text, _anything, frozenset(), frozenset())
    tree = parse(text, "unary_tests_start")
    scope = Scope(text)
    tests = cast("list[Node]", tree.children)  # the grammar makes each of them a tree
    if len(tests) == 1:
        general, fast = compile_test(tests[0], scope)
    else:
        general, fast = compile_test(Tree("tuple", tests, tree.meta), scope)
    matches: Matcher
    if fast is not None:
        matches = fast  # every fast test takes (value, context=None, functions=None)
    else:

        def general_matches(value: Any, context: Context = EMPTY, functions: Functions | None = None) -> bool:
            try:
                return general(conv(value), context, functions or EMPTY)
            except FeelError as error:
                raise with_text(error, text) from None

        matches = general_matches

    return UnaryTests(text, matches, frozenset(scope.names), frozenset(scope.functions))


def evaluate(text: str, context: Mapping[str, Any], functions: Functions | None = None) -> Any:
    """Compile (cached) and evaluate a FEEL expression."""
    return compile_expression(text).evaluate(context, functions)
