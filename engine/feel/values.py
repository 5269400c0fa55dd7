"""FEEL values and operators: the decimal context, value kinds, conversion from context data,
Duration and Range, arithmetic, comparison and member access.
"""

from __future__ import annotations

import decimal
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from .errors import FeelEvaluationError

MAX_STRING_LENGTH = 100_000
MAX_EXPONENT = 1000

DECIMAL_CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-6143,
    Emax=6144,
    capitals=1,
    clamp=0,
    flags=[],
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
CTX = DECIMAL_CONTEXT  # the short name the operators and built-ins use
# FEEL values are dynamically typed (Decimal, str, bool, None, date, Duration, list, dict, Range):
# the operators below take and give `Any` and dispatch on the value's own type.
Operator = Callable[[Any, Any], Any]
EMPTY: Mapping[str, Any] = MappingProxyType({})  # no names, no functions


# ---------------------------------------------------------------------------------------- values


@dataclass(frozen=True, order=True, slots=True)
class Duration:
    """A FEEL days-and-time duration, whole days only: ``duration("P3D")``, ``d1 - d2``."""

    days: int

    def __str__(self) -> str:
        return f"-P{-self.days}D" if self.days < 0 else f"P{self.days}D"


class Range:
    """A FEEL range such as ``[1..5]`` or ``]date("2026-01-01")..date("2027-01-01")[``."""

    __slots__ = ("start", "end", "start_included", "end_included")

    def __init__(self, start: Any, end: Any, start_included: bool, end_included: bool) -> None:
        if start is None or end is None:
            raise FeelEvaluationError("a range needs two bounds; one of them is null")
        kind = kind_of(start)
        if kind != kind_of(end) or kind not in ORDERED_KINDS:
            raise FeelEvaluationError(
                f"the bounds of a range must be two numbers, strings or dates, not "
                f"{describe(start)} and {describe(end)}"
            )
        self.start, self.end = start, end
        self.start_included, self.end_included = start_included, end_included

    def contains(self, value: Any) -> bool:
        """True when value lies in the range; a value of another type is not in it."""
        if value is None or kind_of(value) != kind_of(self.start):
            return False
        if (value < self.start) if self.start_included else (value <= self.start):
            return False
        inside: bool = (value <= self.end) if self.end_included else (value < self.end)
        return inside

    def __eq__(self, other: object) -> bool:
        return type(other) is Range and (self.start, self.end, self.start_included, self.end_included) == (
            other.start,
            other.end,
            other.start_included,
            other.end_included,
        )

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.start_included, self.end_included))

    def __repr__(self) -> str:
        left = "[" if self.start_included else "("
        right = "]" if self.end_included else ")"
        return f"{left}{show(self.start)}..{show(self.end)}{right}"


_KINDS: dict[type, str] = {
    Decimal: "number",
    str: "string",
    bool: "boolean",
    date: "date",
    datetime: "date and time",
    Duration: "duration",
    list: "list",
    dict: "context",
    Range: "range",
    type(None): "null",
}
ORDERED_KINDS = frozenset({"number", "string", "date", "date and time", "duration"})
ORDERED_TYPES = frozenset({Decimal, str, date, datetime, Duration})


def kind_of(value: object) -> str:
    kind = _KINDS.get(type(value))
    if kind is not None:
        return kind
    for base, name in ((str, "string"), (dict, "context"), (datetime, "date and time"), (date, "date")):
        if issubclass(type(value), base):  # never value.__class__: a value is data, not an object to ask
            return name
    return "value of type " + type(value).__name__


def show(value: object) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is str:
        return '"' + (value if len(value) <= 40 else value[:37] + "...") + '"'
    if type(value) is Decimal:
        text = str(value)
        return text if len(text) <= 40 else text[:37] + "..."
    if type(value) is date:
        return f'date("{value.isoformat()}")'
    if type(value) is Duration:
        return f'duration("{value}")'
    if type(value) is Range:
        return repr(value)
    return kind_of(value)


def describe(value: object) -> str:
    kind = kind_of(value)
    if kind == "null":
        return "null"
    if kind in ("list", "context", "range") or kind.startswith("value of type"):
        return ("an " if kind[0] in "aeiou" else "a ") + kind
    return ("an " if kind[0] in "aeiou" else "a ") + f"{kind} ({show(value)})"


def float_to_decimal(value: float) -> Decimal:
    if not math.isfinite(value):
        raise FeelEvaluationError(f"the number {value} is not finite")
    return CTX.create_decimal(repr(value))


def conv(value: Any) -> Any:
    """A value from the context (or an injected function) as a FEEL value."""
    t = type(value)
    if t is str or t is bool or value is None or t is date or t is dict:
        return value
    if t is Decimal:
        if value.is_finite():
            return value
        raise FeelEvaluationError(f"the number {value} is not finite")
    if t is int:
        try:
            return CTX.create_decimal(value)
        except decimal.DecimalException:
            raise FeelEvaluationError("a number in the data is too large") from None
    if t is float:
        return float_to_decimal(value)
    if t is list or t is tuple:
        return [conv(item) for item in value]
    return value


def copy_list(value: list[Any]) -> list[Any]:
    return [copy_list(item) if type(item) is list else item for item in value]


# ------------------------------------------------------------------------------------- operators


def _arith_error(verb: str, a: object, b: object) -> FeelEvaluationError:
    return FeelEvaluationError(f"cannot {verb} {describe(a)} and {describe(b)}")


def decimal_op(op: Callable[[Decimal, Decimal], Decimal], a: Decimal, b: Decimal, what: str) -> Decimal:
    try:
        return op(a, b)
    except (decimal.DivisionByZero, decimal.DivisionUndefined):
        raise FeelEvaluationError(f"division by zero ({show(a)} / {show(b)})") from None
    except decimal.DecimalException:
        raise FeelEvaluationError(f"the result of {what} is out of range") from None


def _shift_date(d: date, days: int, verb: str) -> date:
    try:
        return d + timedelta(days=days)
    except OverflowError:
        raise FeelEvaluationError(f"cannot {verb}: the date would be out of range") from None


def _add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return decimal_op(CTX.add, a, b, "an addition")
    if a is None or b is None:
        return None
    if ta is str and tb is str:
        if len(a) + len(b) > MAX_STRING_LENGTH:
            raise FeelEvaluationError(f"a string may hold at most {MAX_STRING_LENGTH} characters")
        return a + b
    if ta is date and tb is Duration:
        return _shift_date(a, b.days, "add")
    if ta is Duration and tb is date:
        return _shift_date(b, a.days, "add")
    if ta is Duration and tb is Duration:
        return Duration(a.days + b.days)
    raise _arith_error("add", a, b)


def _sub(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return decimal_op(CTX.subtract, a, b, "a subtraction")
    if a is None or b is None:
        return None
    if ta is date and tb is date:
        return Duration((a - b).days)
    if ta is date and tb is Duration:
        return _shift_date(a, -b.days, "subtract")
    if ta is Duration and tb is Duration:
        return Duration(a.days - b.days)
    raise _arith_error("subtract", a, b)


def _mul(a: Any, b: Any) -> Any:
    if type(a) is Decimal and type(b) is Decimal:
        return decimal_op(CTX.multiply, a, b, "a multiplication")
    if a is None or b is None:
        return None
    raise _arith_error("multiply", a, b)


def _div(a: Any, b: Any) -> Any:
    if type(a) is Decimal and type(b) is Decimal:
        if not b:
            raise FeelEvaluationError(f"division by zero ({show(a)} / 0)")
        return decimal_op(CTX.divide, a, b, "a division")
    if a is None or b is None:
        return None
    raise _arith_error("divide", a, b)


def power(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if type(a) is not Decimal or type(b) is not Decimal:
        raise _arith_error("raise", a, b)
    if not (-MAX_EXPONENT <= b <= MAX_EXPONENT) or b != b.to_integral_value(context=CTX):
        raise FeelEvaluationError(
            f"an exponent must be a whole number between -{MAX_EXPONENT} and {MAX_EXPONENT}, not {show(b)}"
        )
    result = decimal_op(CTX.power, a, b, "a power")
    if not result.is_finite():  # 0 ** -1 is an exact infinity, not a trapped signal
        raise FeelEvaluationError(f"{show(a)} ** {show(b)} has no finite value")
    return result


def neg(a: Any) -> Any:
    t = type(a)
    if t is Decimal:
        return CTX.minus(a)
    if a is None:
        return None
    if t is Duration:
        return Duration(-a.days)
    raise FeelEvaluationError(f"cannot negate {describe(a)}")


def same(a: Any, b: Any) -> bool:
    """FEEL equality that treats values of different kinds as unequal."""
    if a is None or b is None:
        return a is b
    ka = kind_of(a)
    if ka != kind_of(b):
        return False
    if ka == "list":
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if ka == "context":
        return a.keys() == b.keys() and all(same(conv(a[k]), conv(b[k])) for k in a)
    equal: bool = a == b  # two values of one kind
    return equal


def _eq(a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return a is b
    if type(a) is type(b) and type(a) in ORDERED_TYPES:
        equal: bool = a == b
        return equal
    if kind_of(a) != kind_of(b):
        raise FeelEvaluationError(f"cannot compare {describe(a)} with {describe(b)}")
    return same(a, b)


def _ne(a: Any, b: Any) -> bool:
    return not _eq(a, b)


def _ordering(op: Callable[[Any, Any], bool], symbol: str) -> Operator:
    def compare(a: Any, b: Any) -> bool | None:
        ta = type(a)
        if ta is type(b) and ta in ORDERED_TYPES:
            return op(a, b)
        if a is None or b is None:
            return None
        ka = kind_of(a)
        if ka != kind_of(b) or ka not in ORDERED_KINDS:
            raise FeelEvaluationError(f"cannot compare {describe(a)} {symbol} {describe(b)}")
        try:
            return op(a, b)
        except TypeError:  # e.g. a naive and an aware date and time
            raise FeelEvaluationError(f"cannot compare {describe(a)} {symbol} {describe(b)}") from None

    return compare


COMPARE: dict[str, Operator] = {
    "=": _eq,
    "!=": _ne,
    "<": _ordering(operator.lt, "<"),
    "<=": _ordering(operator.le, "<="),
    ">": _ordering(operator.gt, ">"),
    ">=": _ordering(operator.ge, ">="),
}
ARITH: dict[str, Operator] = {"+": _add, "-": _sub, "*": _mul, "/": _div}


def not_(value: Any) -> bool | None:
    if value is True or value is False:
        return not value
    if value is None:
        return None
    raise FeelEvaluationError(f"not() needs a boolean, not {describe(value)}")


def between(value: Any, low: Any, high: Any) -> bool | None:
    above = COMPARE["<="](low, value)
    below = COMPARE["<="](value, high)
    if above is False or below is False:
        return False
    if above is None or below is None:
        return None
    return True


def member(value: Any, name: str) -> Any:
    t = type(value)
    if t is dict or issubclass(t, dict):
        return conv(value.get(name))
    if value is None:
        return None
    if t is date:
        getter = _DATE_MEMBERS.get(name)
        if getter is not None:
            return getter(value)
    elif t is Duration and name == "days":
        return Decimal(value.days)
    elif t is list:
        return [member(item, name) for item in value]
    raise FeelEvaluationError(f"{describe(value)} has no member '{name}'")


_DATE_MEMBERS: dict[str, Callable[[date], Decimal]] = {
    "year": lambda d: Decimal(d.year),
    "month": lambda d: Decimal(d.month),
    "day": lambda d: Decimal(d.day),
    "weekday": lambda d: Decimal(d.isoweekday()),
}
