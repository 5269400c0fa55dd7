"""Unary-test matchers: the hot path of decision tables, and the general tests they fall back to."""

from __future__ import annotations

import decimal
import operator
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, TypeAlias

from .errors import FeelEvaluationError
from .values import (
    COMPARE,
    CTX,
    ORDERED_KINDS,
    ORDERED_TYPES,
    Duration,
    Range,
    conv,
    describe,
    float_to_decimal,
    kind_of,
    same,
)

# A test is a pair (general, fast). general(value, context, functions) takes a FEEL value. fast, when
# the test is made of constants only, takes the raw input (int, float, Decimal, str, ...) and is the
# hot path of decision tables: one type check and one comparison, no allocation.

#: What compiled code reads names from: the evaluation's context, or the view of it a test that reads
#: its input as ``?`` sees.
Context: TypeAlias = "Mapping[str, Any] | WithInput"
#: The functions an evaluation may call, by name (the engine's own, injected).
Functions: TypeAlias = Mapping[str, Callable[..., Any]]
#: A compiled expression: ``fn(context, functions)`` gives its value.
Fn: TypeAlias = Callable[[Context, Functions], Any]


class FastTest(Protocol):
    def __call__(self, value: Any, context: object = None, functions: object = None) -> bool: ...


class Matcher(Protocol):
    """A decision-table cell's test as ``UnaryTests.matches`` holds it: a fast test, or the general
    one taking the context and functions it needs."""

    def __call__(self, value: Any, context: Context = ..., functions: Functions | None = None) -> bool: ...


GeneralTest: TypeAlias = Callable[[Any, Context, Functions], bool]
Test: TypeAlias = tuple[GeneralTest, FastTest | None]


def fast_equal(constant: Any) -> FastTest:
    """Equality with a constant, by the constant's type."""
    t = type(constant)
    if constant is None:
        return _is_null
    if t is bool:
        return _is_true if constant else _is_false
    if t is Decimal:
        return _equals_number(constant)
    if t is str or t is date or t is Duration:
        return _equals_plain(constant)
    if t is Range:
        return _fast_range(constant)
    if t is list:
        return _in_list(constant)
    return _equals_other(constant)


def _is_null(value: Any, context: object = None, functions: object = None) -> bool:
    return value is None


def _is_true(value: Any, context: object = None, functions: object = None) -> bool:
    return value is True


def _is_false(value: Any, context: object = None, functions: object = None) -> bool:
    return value is False


def _equals_number(constant: Decimal) -> FastTest:
    twin = _int_twin(constant)

    def equals_number(value: Any, context: object = None, functions: object = None) -> bool:
        t = type(value)
        equal: bool
        if t is Decimal:
            try:
                equal = value == constant
            except decimal.InvalidOperation:  # a signalling NaN
                raise FeelEvaluationError(_NOT_A_NUMBER) from None
            return equal
        if t is int:
            equal = value == twin
            return equal
        return t is float and float_to_decimal(value) == constant

    return equals_number


def _equals_plain(constant: str | date | Duration) -> FastTest:
    def equals(value: Any, context: object = None, functions: object = None) -> bool:
        equal: bool = value == constant  # another type is never equal (a datetime is not a date)
        return equal

    return equals


def _in_list(constant: list[Any]) -> FastTest:
    members = [fast_equal(item) for item in constant]

    def in_list(value: Any, context: object = None, functions: object = None) -> bool:
        if type(value) is list:
            return same(conv(value), constant)
        for member in members:
            if member(value):
                return True
        return False

    return in_list


def _equals_other(constant: Any) -> FastTest:
    def equals_other(value: Any, context: object = None, functions: object = None) -> bool:
        return same(conv(value), constant)

    return equals_other


_NOT_A_NUMBER = "the input is not a number (NaN)"
_Order: TypeAlias = Callable[[Any, Any], bool]
ORDER_OPS: dict[str, _Order] = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _int_twin(number: Decimal) -> int | Decimal:
    """The int equal to a whole Decimal, so that int inputs compare without conversion."""
    if -(10**18) < number < 10**18 and number == number.to_integral_value(context=CTX):
        return int(number)
    return number


def fast_compare(symbol: str, constant: Any) -> FastTest:
    """``< 5000`` and the like against a constant; another type never matches."""
    if type(constant) not in ORDERED_TYPES:
        raise FeelEvaluationError(f"'{symbol}' needs a number, string or date, not {describe(constant)}")
    op = ORDER_OPS[symbol]
    if type(constant) is Decimal:
        twin = _int_twin(constant)

        def compare_number(value: Any, context: object = None, functions: object = None) -> bool:
            t = type(value)
            if t is Decimal:
                try:
                    return op(value, constant)
                except decimal.InvalidOperation:
                    raise FeelEvaluationError(_NOT_A_NUMBER) from None
            if t is int:
                return op(value, twin)
            return t is float and op(float_to_decimal(value), constant)

        return compare_number
    t = type(constant)

    def compare(value: Any, context: object = None, functions: object = None) -> bool:
        return type(value) is t and op(value, constant)

    return compare


def _fast_range(r: Range) -> FastTest:
    low, high = r.start, r.end
    lo_op: _Order = operator.le if r.start_included else operator.lt
    hi_op: _Order = operator.le if r.end_included else operator.lt
    if type(low) is Decimal:
        low_twin, high_twin = _int_twin(low), _int_twin(high)
        if r.start_included and r.end_included:  # the common [a..b], without the operator calls

            def closed(value: Any, context: object = None, functions: object = None) -> bool:
                t = type(value)
                inside: bool
                if t is int:
                    inside = low_twin <= value <= high_twin
                    return inside
                if t is Decimal:
                    try:
                        inside = low <= value <= high
                    except decimal.InvalidOperation:
                        raise FeelEvaluationError(_NOT_A_NUMBER) from None
                    return inside
                return t is float and low <= float_to_decimal(value) <= high

            return closed

        def number_range(value: Any, context: object = None, functions: object = None) -> bool:
            t = type(value)
            if t is int:
                return lo_op(low_twin, value) and hi_op(value, high_twin)
            if t is float:
                value, t = float_to_decimal(value), Decimal
            if t is Decimal:
                try:
                    return lo_op(low, value) and hi_op(value, high)
                except decimal.InvalidOperation:
                    raise FeelEvaluationError(_NOT_A_NUMBER) from None
            return False

        return number_range
    t = type(low)

    def other_range(value: Any, context: object = None, functions: object = None) -> bool:
        return type(value) is t and lo_op(low, value) and hi_op(value, high)

    return other_range


def any_of(tests: list[Test]) -> Test:
    """Several tests, any of which may match."""
    generals = tuple(general for general, _ in tests)
    fasts = tuple(fast for _, fast in tests if fast is not None)
    if len(fasts) == len(tests):
        if len(fasts) == 1:
            return tests[0]

        def any_fast(value: Any, context: object = None, functions: object = None) -> bool:
            for fast in fasts:
                if fast(value):
                    return True
            return False

        return general_of(any_fast), any_fast

    def any_general(value: Any, ctx: Context, fns: Functions) -> bool:
        for general in generals:
            if general(value, ctx, fns):
                return True
        return False

    return any_general, None


def general_of(fast: FastTest) -> GeneralTest:
    def general(value: Any, ctx: Context, fns: Functions) -> bool:
        return fast(value)

    return general


def string_set(strings: frozenset[str]) -> FastTest:
    def in_strings(value: Any, context: object = None, functions: object = None) -> bool:
        return type(value) is str and value in strings

    return in_strings


def match_value(value: Any, expected: Any) -> bool:
    """Does the input match a test whose expression evaluated to ``expected``?"""
    t = type(expected)
    if t is Range:
        inside: bool = expected.contains(value)
        return inside
    if t is list and type(value) is not list:
        return any(item.contains(value) if type(item) is Range else same(value, item) for item in expected)
    return same(value, expected)


def compare_test(symbol: str, value: Any, bound: Any) -> bool:
    if value is None or bound is None:
        return False
    if kind_of(bound) not in ORDERED_KINDS:
        raise FeelEvaluationError(f"'{symbol}' needs a number, string or date, not {describe(bound)}")
    if kind_of(value) != kind_of(bound):
        return False
    matched: bool = COMPARE[symbol](value, bound)  # two values of one ordered kind: never null
    return matched


class WithInput:
    """The context seen by a test that reads the input as ``?``."""

    __slots__ = ("context", "value")

    def __init__(self, context: Context, value: Any) -> None:
        self.context, self.value = context, value

    def get(self, name: str, default: Any = None) -> Any:
        return self.value if name == "?" else self.context.get(name, default)
