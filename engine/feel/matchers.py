"""Unary-test matchers: the hot path of decision tables, and the general tests they fall back to."""

from __future__ import annotations

import decimal
import operator
from datetime import date
from decimal import Decimal

from .errors import FeelEvaluationError
from .values import (
    _COMPARE,
    _CTX,
    _ORDERED_KINDS,
    _ORDERED_TYPES,
    Duration,
    Range,
    _conv,
    _describe,
    _float_to_decimal,
    _kind,
    _same,
)

# A test is a pair (general, fast). general(value, context, functions) takes a FEEL value. fast, when
# the test is made of constants only, takes the raw input (int, float, Decimal, str, ...) and is the
# hot path of decision tables: one type check and one comparison, no allocation.


def _fast_equal(constant):
    t = type(constant)
    if constant is None:

        def is_null(value, context=None, functions=None):
            return value is None

        return is_null
    if t is bool:
        if constant:

            def is_true(value, context=None, functions=None):
                return value is True

            return is_true

        def is_false(value, context=None, functions=None):
            return value is False

        return is_false
    if t is Decimal:
        twin = _int_twin(constant)

        def equals_number(value, context=None, functions=None):
            t = type(value)
            if t is Decimal:
                try:
                    return value == constant
                except decimal.InvalidOperation:  # a signalling NaN
                    raise FeelEvaluationError(_NOT_A_NUMBER) from None
            if t is int:
                return value == twin
            return t is float and _float_to_decimal(value) == constant

        return equals_number
    if t is str or t is date or t is Duration:

        def equals(value, context=None, functions=None):
            return value == constant  # another type is never equal (a datetime is not a date)

        return equals
    if t is Range:
        return _fast_range(constant)
    if t is list:
        members = [_fast_equal(item) for item in constant]

        def in_list(value, context=None, functions=None):
            if type(value) is list:
                return _same(_conv(value), constant)
            for member in members:
                if member(value):
                    return True
            return False

        return in_list

    def equals_other(value, context=None, functions=None):
        return _same(_conv(value), constant)

    return equals_other


_NOT_A_NUMBER = "the input is not a number (NaN)"
_ORDER_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _int_twin(number: Decimal):
    """The int equal to a whole Decimal, so that int inputs compare without conversion."""
    if -(10**18) < number < 10**18 and number == number.to_integral_value(context=_CTX):
        return int(number)
    return number


def _fast_compare(symbol: str, constant):
    """``< 5000`` and the like against a constant; another type never matches."""
    if type(constant) not in _ORDERED_TYPES:
        raise FeelEvaluationError(f"'{symbol}' needs a number, string or date, not {_describe(constant)}")
    op = _ORDER_OPS[symbol]
    if type(constant) is Decimal:
        twin = _int_twin(constant)

        def compare_number(value, context=None, functions=None):
            t = type(value)
            if t is Decimal:
                try:
                    return op(value, constant)
                except decimal.InvalidOperation:
                    raise FeelEvaluationError(_NOT_A_NUMBER) from None
            if t is int:
                return op(value, twin)
            return t is float and op(_float_to_decimal(value), constant)

        return compare_number
    t = type(constant)

    def compare(value, context=None, functions=None):
        return type(value) is t and op(value, constant)

    return compare


def _fast_range(r: Range):
    low, high = r.start, r.end
    lo_op = operator.le if r.start_included else operator.lt
    hi_op = operator.le if r.end_included else operator.lt
    if type(low) is Decimal:
        low_twin, high_twin = _int_twin(low), _int_twin(high)
        if r.start_included and r.end_included:  # the common [a..b], without the operator calls

            def closed(value, context=None, functions=None):
                t = type(value)
                if t is int:
                    return low_twin <= value <= high_twin
                if t is Decimal:
                    try:
                        return low <= value <= high
                    except decimal.InvalidOperation:
                        raise FeelEvaluationError(_NOT_A_NUMBER) from None
                return t is float and low <= _float_to_decimal(value) <= high

            return closed

        def number_range(value, context=None, functions=None):
            t = type(value)
            if t is int:
                return lo_op(low_twin, value) and hi_op(value, high_twin)
            if t is float:
                value, t = _float_to_decimal(value), Decimal
            if t is Decimal:
                try:
                    return lo_op(low, value) and hi_op(value, high)
                except decimal.InvalidOperation:
                    raise FeelEvaluationError(_NOT_A_NUMBER) from None
            return False

        return number_range
    t = type(low)

    def other_range(value, context=None, functions=None):
        return type(value) is t and lo_op(low, value) and hi_op(value, high)

    return other_range


def _any_of(tests):
    """Several tests, any of which may match."""
    generals = tuple(general for general, _ in tests)
    fasts = tuple(fast for _, fast in tests)
    if all(f is not None for f in fasts):
        if len(fasts) == 1:
            return tests[0]

        def any_fast(value, context=None, functions=None):
            for fast in fasts:
                if fast(value):
                    return True
            return False

        return _general_of(any_fast), any_fast

    def any_general(value, ctx, fns):
        for general in generals:
            if general(value, ctx, fns):
                return True
        return False

    return any_general, None


def _general_of(fast):
    def general(value, ctx, fns):
        return fast(value)

    return general


def _string_set(strings: frozenset[str]):
    def in_strings(value, context=None, functions=None):
        return type(value) is str and value in strings

    return in_strings


def _match_value(value, expected) -> bool:
    """Does the input match a test whose expression evaluated to ``expected``?"""
    t = type(expected)
    if t is Range:
        return expected.contains(value)
    if t is list and type(value) is not list:
        return any(item.contains(value) if type(item) is Range else _same(value, item) for item in expected)
    return _same(value, expected)


def _compare_test(symbol: str, value, bound) -> bool:
    if value is None or bound is None:
        return False
    if _kind(bound) not in _ORDERED_KINDS:
        raise FeelEvaluationError(f"'{symbol}' needs a number, string or date, not {_describe(bound)}")
    if _kind(value) != _kind(bound):
        return False
    return _COMPARE[symbol](value, bound)


class _WithInput:
    """The context seen by a test that reads the input as ``?``."""

    __slots__ = ("context", "value")

    def __init__(self, context, value):
        self.context, self.value = context, value

    def get(self, name, default=None):
        return self.value if name == "?" else self.context.get(name, default)
