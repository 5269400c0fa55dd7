"""FEEL built-in functions (``date``, ``sum``, ``substring``, ...) and their registry with arities."""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

from .errors import FeelEvaluationError
from .values import (
    CTX,
    ORDERED_KINDS,
    Duration,
    decimal_op,
    describe,
    kind_of,
    same,
    show,
)

BUILTINS: dict[str, tuple[Callable[..., Any], tuple[int, ...]]] = {}  # name -> (function, arities)
ANY_ARITY = -1  # one or more arguments (or one list)
_F = TypeVar("_F", bound=Callable[..., Any])


def _builtin(name: str, *arities: int) -> Callable[[_F], _F]:
    def register(fn: _F) -> _F:
        BUILTINS[name] = (fn, arities)
        return fn

    return register


def _need(fname: str, value: Any, kind: str) -> Any:
    if kind_of(value) != kind:
        raise FeelEvaluationError(
            f"{fname}() needs {'an' if kind[0] in 'aeiou' else 'a'} {kind}, not {describe(value)}"
        )
    return value


def _need_int(fname: str, value: Any, low: int = -(10**9), high: int = 10**9) -> int:
    _need(fname, value, "number")
    if not (low <= value <= high) or value != value.to_integral_value(context=CTX):
        raise FeelEvaluationError(
            f"{fname}() needs a whole number between {low} and {high}, not {show(value)}"
        )
    return int(value)


def _items(fname: str, args: tuple[Any, ...]) -> list[Any]:
    if len(args) == 1 and type(args[0]) is list:
        return args[0]
    return list(args)


_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@_builtin("date", 1, 3)
def _b_date(*args: Any) -> date | None:
    if any(a is None for a in args):
        return None
    if len(args) == 3:
        year, month, day = (_need_int("date", a) for a in args)
    else:
        value = args[0]
        if type(value) is date:
            return value
        if type(value) is datetime:
            return value.date()
        _need("date", value, "string")
        match = _DATE_RE.fullmatch(value)
        if match is None:
            raise FeelEvaluationError(f'date() needs a date written "YYYY-MM-DD", not {show(value)}')
        year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise FeelEvaluationError(f"there is no date {year:04d}-{month:02d}-{day:02d}") from None


_DURATION_RE = re.compile(r"(-?)P(?:(\d{1,7})W|(\d{1,9})D|T0+[HMS])")


@_builtin("duration", 1)
def _b_duration(value: Any) -> Duration | None:
    if value is None:
        return None
    _need("duration", value, "string")
    match = _DURATION_RE.fullmatch(value)
    if match is None:
        raise FeelEvaluationError(
            f'duration() understands whole days and weeks ("P3D", "P2W"), not {show(value)}'
        )
    sign, weeks, days = match.groups()
    total = int(weeks) * 7 if weeks else int(days or 0)
    return Duration(-total if sign else total)


def _extreme(fname: str, pick: Callable[[list[Any]], Any]) -> Callable[..., Any]:
    def extreme(*args: Any) -> Any:
        items = _items(fname, args)
        if not items or any(item is None for item in items):
            return None
        kind = kind_of(items[0])
        if kind not in ORDERED_KINDS or any(kind_of(item) != kind for item in items):
            raise FeelEvaluationError(f"{fname}() needs numbers, strings or dates of one kind")
        return pick(items)

    return extreme


_builtin("min", ANY_ARITY)(_extreme("min", min))
_builtin("max", ANY_ARITY)(_extreme("max", max))


@_builtin("sum", ANY_ARITY)
def _b_sum(*args: Any) -> Decimal | None:
    items = _items("sum", args)
    if not items or any(item is None for item in items):
        return None
    total = Decimal(0)
    for item in items:
        total = decimal_op(CTX.add, total, _need("sum", item, "number"), "sum()")
    return total


@_builtin("mean", ANY_ARITY)
def _b_mean(*args: Any) -> Decimal | None:
    total = _b_sum(*args)
    if total is None:
        return None
    return decimal_op(CTX.divide, total, Decimal(len(_items("mean", args))), "mean()")


@_builtin("count", ANY_ARITY)
def _b_count(*args: Any) -> Decimal:
    return Decimal(len(_items("count", args)))


@_builtin("abs", 1)
def _b_abs(n: Any) -> Decimal | Duration | None:
    if n is None:
        return None
    if type(n) is Duration:
        return Duration(abs(n.days))
    return CTX.abs(_need("abs", n, "number"))


def _rounder(fname: str, rounding: str, scale_required: bool) -> Callable[..., Decimal | None]:
    def round_(n: Any, scale: Any = None) -> Decimal | None:
        if n is None or (scale is None and scale_required):
            return None
        number: Decimal = _need(fname, n, "number")
        digits = 0 if scale is None else _need_int(fname, scale, -6111, 6176)
        try:
            return number.quantize(Decimal((0, (1,), -digits)), rounding=rounding, context=CTX)
        except decimal.DecimalException:
            raise FeelEvaluationError(
                f"{fname}(): {show(n)} cannot be given {digits} decimal places"
            ) from None

    return round_


_builtin("decimal", 2)(_rounder("decimal", decimal.ROUND_HALF_EVEN, True))
_builtin("round half up", 2)(_rounder("round half up", decimal.ROUND_HALF_UP, True))
_builtin("round half down", 2)(_rounder("round half down", decimal.ROUND_HALF_DOWN, True))
_builtin("round up", 2)(_rounder("round up", decimal.ROUND_UP, True))
_builtin("round down", 2)(_rounder("round down", decimal.ROUND_DOWN, True))
_builtin("floor", 1, 2)(_rounder("floor", decimal.ROUND_FLOOR, False))
_builtin("ceiling", 1, 2)(_rounder("ceiling", decimal.ROUND_CEILING, False))

_NUMBER_RE = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,6})?\s*")


@_builtin("number", 1)
def _b_number(value: Any) -> Decimal | None:
    if value is None or type(value) is Decimal:
        return value
    _need("number", value, "string")
    if len(value) > 1000 or _NUMBER_RE.fullmatch(value) is None:
        raise FeelEvaluationError(f"number() cannot read {show(value)} as a number")
    try:
        return CTX.create_decimal(value.strip())
    except decimal.DecimalException:
        raise FeelEvaluationError(f"number(): {show(value)} is out of range") from None


def _to_string(value: Any) -> str:
    t = type(value)
    if t is str:
        return cast(str, value)
    if t is Decimal:
        return format(value, "f")
    if value is True or value is False:
        return "true" if value else "false"
    if t is date:
        return cast(date, value).isoformat()
    if t is Duration:
        return str(value)
    if t is list:
        return "[" + ", ".join("null" if v is None else _to_string(v) for v in value) + "]"
    raise FeelEvaluationError(f"string() cannot write {describe(value)}")


@_builtin("string", 1)
def _b_string(value: Any) -> str | None:
    return None if value is None else _to_string(value)


def _string_function(fname: str, fn: Callable[..., Any], nargs: int) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        if any(a is None for a in args):
            return None
        return fn(*(_need(fname, a, "string") for a in args[:nargs]), *args[nargs:])

    return call


_builtin("string length", 1)(_string_function("string length", lambda s: Decimal(len(s)), 1))
_builtin("upper case", 1)(_string_function("upper case", str.upper, 1))
_builtin("lower case", 1)(_string_function("lower case", str.lower, 1))
_builtin("contains", 2)(_string_function("contains", lambda s, t: t in s, 2))
_builtin("starts with", 2)(_string_function("starts with", str.startswith, 2))
_builtin("ends with", 2)(_string_function("ends with", str.endswith, 2))


@_builtin("substring", 2, 3)
def _b_substring(s: Any, start: Any, length: Any = None) -> str | None:
    if s is None or start is None:
        return None
    text: str = _need("substring", s, "string")
    first = _need_int("substring", start)
    index = first - 1 if first > 0 else len(text) + first
    if first == 0 or not 0 <= index <= len(text):
        raise FeelEvaluationError(
            f"substring(): start position {first} is outside a string of {len(text)} characters"
        )
    if length is None:
        return text[index:]
    return text[index : index + _need_int("substring", length, 0)]


@_builtin("list contains", 2)
def _b_list_contains(items: Any, element: Any) -> bool | None:
    if items is None:
        return None
    _need("list contains", items, "list")
    return any(same(item, element) for item in items)


BUILTIN_FUNCTIONS: frozenset[str] = frozenset(BUILTINS) | {"not"}
