"""FEEL: the expression language of decisions, gateway conditions and timers.

Expressions and unary tests (decision-table input cells) are parsed with lark (LALR) and compiled
once into Python closures; nothing is ever handed to Python's eval/exec/compile, and no attribute of
a Python object is ever read by a name taken from the text. Only the built-ins below and the
functions the engine passes in are ever called, never a value found in the context.

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
"""

from __future__ import annotations

import decimal
import functools
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from engine.errors import ClueflowError

MAX_TEXT_LENGTH = 10_000
MAX_NESTING = 64
MAX_TREE_DEPTH = 160  # a backstop behind MAX_NESTING: operators between brackets add tree levels
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
_CTX = DECIMAL_CONTEXT
_EMPTY: Mapping[str, Any] = MappingProxyType({})


# ---------------------------------------------------------------------------------------- errors


class FeelError(ClueflowError):
    """A FEEL expression could not be read or evaluated; ``text`` is the expression."""

    def __init__(self, message: str, text: str | None = None):
        super().__init__(message)
        self.message = message
        self.text = text

    def __str__(self) -> str:
        if self.text is None:
            return self.message
        shown = self.text if len(self.text) <= 120 else self.text[:117] + "..."
        return f"{self.message} (in FEEL {shown!r})"


class FeelSyntaxError(FeelError):
    """The text is not FEEL; ``line`` and ``column`` (1-based) say where."""

    def __init__(self, message: str, text: str | None = None, line: int = 1, column: int = 1):
        super().__init__(f"line {line}, column {column}: {message}", text)
        self.line = line
        self.column = column


class FeelEvaluationError(FeelError):
    """A FEEL expression failed while being evaluated (type error, division by zero, ...)."""


def _with_text(error: FeelError, text: str) -> FeelError:
    if error.text is None:
        error.text = text
    return error


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

    def __init__(self, start, end, start_included: bool, end_included: bool):
        if start is None or end is None:
            raise FeelEvaluationError("a range needs two bounds; one of them is null")
        kind = _kind(start)
        if kind != _kind(end) or kind not in _ORDERED_KINDS:
            raise FeelEvaluationError(
                f"the bounds of a range must be two numbers, strings or dates, not "
                f"{_describe(start)} and {_describe(end)}"
            )
        self.start, self.end = start, end
        self.start_included, self.end_included = start_included, end_included

    def contains(self, value) -> bool:
        """True when value lies in the range; a value of another type is not in it."""
        if value is None or _kind(value) != _kind(self.start):
            return False
        if (value < self.start) if self.start_included else (value <= self.start):
            return False
        return (value <= self.end) if self.end_included else (value < self.end)

    def __eq__(self, other):
        return type(other) is Range and (self.start, self.end, self.start_included, self.end_included) == (
            other.start,
            other.end,
            other.start_included,
            other.end_included,
        )

    def __hash__(self):
        return hash((self.start, self.end, self.start_included, self.end_included))

    def __repr__(self) -> str:
        left = "[" if self.start_included else "("
        right = "]" if self.end_included else ")"
        return f"{left}{_show(self.start)}..{_show(self.end)}{right}"


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
_ORDERED_KINDS = frozenset({"number", "string", "date", "date and time", "duration"})
_ORDERED_TYPES = frozenset({Decimal, str, date, datetime, Duration})


def _kind(value) -> str:
    kind = _KINDS.get(type(value))
    if kind is not None:
        return kind
    for base, name in ((str, "string"), (dict, "context"), (datetime, "date and time"), (date, "date")):
        if issubclass(type(value), base):  # never value.__class__: a value is data, not an object to ask
            return name
    return "value of type " + type(value).__name__


def _show(value) -> str:
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
    return _kind(value)


def _describe(value) -> str:
    kind = _kind(value)
    if kind == "null":
        return "null"
    if kind in ("list", "context", "range") or kind.startswith("value of type"):
        return ("an " if kind[0] in "aeiou" else "a ") + kind
    return ("an " if kind[0] in "aeiou" else "a ") + f"{kind} ({_show(value)})"


def _float_to_decimal(value: float) -> Decimal:
    if not math.isfinite(value):
        raise FeelEvaluationError(f"the number {value} is not finite")
    return _CTX.create_decimal(repr(value))


def _conv(value):
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
            return _CTX.create_decimal(value)
        except decimal.DecimalException:
            raise FeelEvaluationError("a number in the data is too large") from None
    if t is float:
        return _float_to_decimal(value)
    if t is list or t is tuple:
        return [_conv(item) for item in value]
    return value


def _copy_list(value: list) -> list:
    return [_copy_list(item) if type(item) is list else item for item in value]


# ------------------------------------------------------------------------------------- operators


def _arith_error(verb: str, a, b) -> FeelEvaluationError:
    return FeelEvaluationError(f"cannot {verb} {_describe(a)} and {_describe(b)}")


def _decimal_op(op, a: Decimal, b: Decimal, what: str) -> Decimal:
    try:
        return op(a, b)
    except (decimal.DivisionByZero, decimal.DivisionUndefined):
        raise FeelEvaluationError(f"division by zero ({_show(a)} / {_show(b)})") from None
    except decimal.DecimalException:
        raise FeelEvaluationError(f"the result of {what} is out of range") from None


def _shift_date(d: date, days: int, verb: str):
    try:
        return d + timedelta(days=days)
    except OverflowError:
        raise FeelEvaluationError(f"cannot {verb}: the date would be out of range") from None


def _add(a, b):
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return _decimal_op(_CTX.add, a, b, "an addition")
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


def _sub(a, b):
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return _decimal_op(_CTX.subtract, a, b, "a subtraction")
    if a is None or b is None:
        return None
    if ta is date and tb is date:
        return Duration((a - b).days)
    if ta is date and tb is Duration:
        return _shift_date(a, -b.days, "subtract")
    if ta is Duration and tb is Duration:
        return Duration(a.days - b.days)
    raise _arith_error("subtract", a, b)


def _mul(a, b):
    if type(a) is Decimal and type(b) is Decimal:
        return _decimal_op(_CTX.multiply, a, b, "a multiplication")
    if a is None or b is None:
        return None
    raise _arith_error("multiply", a, b)


def _div(a, b):
    if type(a) is Decimal and type(b) is Decimal:
        if not b:
            raise FeelEvaluationError(f"division by zero ({_show(a)} / 0)")
        return _decimal_op(_CTX.divide, a, b, "a division")
    if a is None or b is None:
        return None
    raise _arith_error("divide", a, b)


def _pow(a, b):
    if a is None or b is None:
        return None
    if type(a) is not Decimal or type(b) is not Decimal:
        raise _arith_error("raise", a, b)
    if not (-MAX_EXPONENT <= b <= MAX_EXPONENT) or b != b.to_integral_value(context=_CTX):
        raise FeelEvaluationError(
            f"an exponent must be a whole number between -{MAX_EXPONENT} and {MAX_EXPONENT}, not {_show(b)}"
        )
    result = _decimal_op(_CTX.power, a, b, "a power")
    if not result.is_finite():  # 0 ** -1 is an exact infinity, not a trapped signal
        raise FeelEvaluationError(f"{_show(a)} ** {_show(b)} has no finite value")
    return result


def _neg(a):
    t = type(a)
    if t is Decimal:
        return _CTX.minus(a)
    if a is None:
        return None
    if t is Duration:
        return Duration(-a.days)
    raise FeelEvaluationError(f"cannot negate {_describe(a)}")


def _same(a, b) -> bool:
    """FEEL equality that treats values of different kinds as unequal."""
    if a is None or b is None:
        return a is b
    ka = _kind(a)
    if ka != _kind(b):
        return False
    if ka == "list":
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if ka == "context":
        return a.keys() == b.keys() and all(_same(_conv(a[k]), _conv(b[k])) for k in a)
    return a == b


def _eq(a, b):
    if a is None or b is None:
        return a is b
    if type(a) is type(b) and type(a) in _ORDERED_TYPES:
        return a == b
    if _kind(a) != _kind(b):
        raise FeelEvaluationError(f"cannot compare {_describe(a)} with {_describe(b)}")
    return _same(a, b)


def _ne(a, b):
    return not _eq(a, b)


def _ordering(op, symbol: str):
    def compare(a, b):
        ta = type(a)
        if ta is type(b) and ta in _ORDERED_TYPES:
            return op(a, b)
        if a is None or b is None:
            return None
        ka = _kind(a)
        if ka != _kind(b) or ka not in _ORDERED_KINDS:
            raise FeelEvaluationError(f"cannot compare {_describe(a)} {symbol} {_describe(b)}")
        try:
            return op(a, b)
        except TypeError:  # e.g. a naive and an aware date and time
            raise FeelEvaluationError(f"cannot compare {_describe(a)} {symbol} {_describe(b)}") from None

    return compare


_COMPARE = {
    "=": _eq,
    "!=": _ne,
    "<": _ordering(operator.lt, "<"),
    "<=": _ordering(operator.le, "<="),
    ">": _ordering(operator.gt, ">"),
    ">=": _ordering(operator.ge, ">="),
}
_ARITH = {"+": _add, "-": _sub, "*": _mul, "/": _div}


def _not(value):
    if value is True or value is False:
        return not value
    if value is None:
        return None
    raise FeelEvaluationError(f"not() needs a boolean, not {_describe(value)}")


def _between(value, low, high):
    above = _COMPARE["<="](low, value)
    below = _COMPARE["<="](value, high)
    if above is False or below is False:
        return False
    if above is None or below is None:
        return None
    return True


def _member(value, name: str):
    t = type(value)
    if t is dict or issubclass(t, dict):
        return _conv(value.get(name))
    if value is None:
        return None
    if t is date:
        getter = _DATE_MEMBERS.get(name)
        if getter is not None:
            return getter(value)
    elif t is Duration and name == "days":
        return Decimal(value.days)
    elif t is list:
        return [_member(item, name) for item in value]
    raise FeelEvaluationError(f"{_describe(value)} has no member '{name}'")


_DATE_MEMBERS: dict[str, Callable[[date], Decimal]] = {
    "year": lambda d: Decimal(d.year),
    "month": lambda d: Decimal(d.month),
    "day": lambda d: Decimal(d.day),
    "weekday": lambda d: Decimal(d.isoweekday()),
}


# -------------------------------------------------------------------------------------- built-ins

_BUILTINS: dict[str, tuple[Callable[..., Any], tuple[int, ...]]] = {}  # name -> (function, arities)
_ANY = -1  # one or more arguments (or one list)


def _builtin(name: str, *arities: int):
    def register(fn):
        _BUILTINS[name] = (fn, arities)
        return fn

    return register


def _need(fname: str, value, kind: str):
    if _kind(value) != kind:
        raise FeelEvaluationError(
            f"{fname}() needs {'an' if kind[0] in 'aeiou' else 'a'} {kind}, not {_describe(value)}"
        )
    return value


def _need_int(fname: str, value, low: int = -(10**9), high: int = 10**9) -> int:
    _need(fname, value, "number")
    if not (low <= value <= high) or value != value.to_integral_value(context=_CTX):
        raise FeelEvaluationError(
            f"{fname}() needs a whole number between {low} and {high}, not {_show(value)}"
        )
    return int(value)


def _items(fname: str, args: tuple) -> list:
    if len(args) == 1 and type(args[0]) is list:
        return args[0]
    return list(args)


_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@_builtin("date", 1, 3)
def _b_date(*args):
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
            raise FeelEvaluationError(f'date() needs a date written "YYYY-MM-DD", not {_show(value)}')
        year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise FeelEvaluationError(f"there is no date {year:04d}-{month:02d}-{day:02d}") from None


_DURATION_RE = re.compile(r"(-?)P(?:(\d{1,7})W|(\d{1,9})D|T0+[HMS])")


@_builtin("duration", 1)
def _b_duration(value):
    if value is None:
        return None
    _need("duration", value, "string")
    match = _DURATION_RE.fullmatch(value)
    if match is None:
        raise FeelEvaluationError(
            f'duration() understands whole days and weeks ("P3D", "P2W"), not {_show(value)}'
        )
    sign, weeks, days = match.groups()
    total = int(weeks) * 7 if weeks else int(days or 0)
    return Duration(-total if sign else total)


def _extreme(fname: str, pick):
    def extreme(*args):
        items = _items(fname, args)
        if not items or any(item is None for item in items):
            return None
        kind = _kind(items[0])
        if kind not in _ORDERED_KINDS or any(_kind(item) != kind for item in items):
            raise FeelEvaluationError(f"{fname}() needs numbers, strings or dates of one kind")
        return pick(items)

    return extreme


_builtin("min", _ANY)(_extreme("min", min))
_builtin("max", _ANY)(_extreme("max", max))


@_builtin("sum", _ANY)
def _b_sum(*args):
    items = _items("sum", args)
    if not items or any(item is None for item in items):
        return None
    total = Decimal(0)
    for item in items:
        total = _decimal_op(_CTX.add, total, _need("sum", item, "number"), "sum()")
    return total


@_builtin("mean", _ANY)
def _b_mean(*args):
    total = _b_sum(*args)
    if total is None:
        return None
    return _decimal_op(_CTX.divide, total, Decimal(len(_items("mean", args))), "mean()")


@_builtin("count", _ANY)
def _b_count(*args):
    return Decimal(len(_items("count", args)))


@_builtin("abs", 1)
def _b_abs(n):
    if n is None:
        return None
    if type(n) is Duration:
        return Duration(abs(n.days))
    return _CTX.abs(_need("abs", n, "number"))


def _rounder(fname: str, rounding: str, scale_required: bool):
    def round_(n, scale=None):
        if n is None or (scale is None and scale_required):
            return None
        _need(fname, n, "number")
        digits = 0 if scale is None else _need_int(fname, scale, -6111, 6176)
        try:
            return n.quantize(Decimal((0, (1,), -digits)), rounding=rounding, context=_CTX)
        except decimal.DecimalException:
            raise FeelEvaluationError(
                f"{fname}(): {_show(n)} cannot be given {digits} decimal places"
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
def _b_number(value):
    if value is None or type(value) is Decimal:
        return value
    _need("number", value, "string")
    if len(value) > 1000 or _NUMBER_RE.fullmatch(value) is None:
        raise FeelEvaluationError(f"number() cannot read {_show(value)} as a number")
    try:
        return _CTX.create_decimal(value.strip())
    except decimal.DecimalException:
        raise FeelEvaluationError(f"number(): {_show(value)} is out of range") from None


def _to_string(value) -> str:
    t = type(value)
    if t is str:
        return value
    if t is Decimal:
        return format(value, "f")
    if value is True or value is False:
        return "true" if value else "false"
    if t is date:
        return value.isoformat()
    if t is Duration:
        return str(value)
    if t is list:
        return "[" + ", ".join("null" if v is None else _to_string(v) for v in value) + "]"
    raise FeelEvaluationError(f"string() cannot write {_describe(value)}")


@_builtin("string", 1)
def _b_string(value):
    return None if value is None else _to_string(value)


def _string_function(fname: str, fn, nargs: int):
    def call(*args):
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
def _b_substring(s, start, length=None):
    if s is None or start is None:
        return None
    _need("substring", s, "string")
    first = _need_int("substring", start)
    index = first - 1 if first > 0 else len(s) + first
    if first == 0 or not 0 <= index <= len(s):
        raise FeelEvaluationError(
            f"substring(): start position {first} is outside a string of {len(s)} characters"
        )
    if length is None:
        return s[index:]
    return s[index : index + _need_int("substring", length, 0)]


@_builtin("list contains", 2)
def _b_list_contains(items, element):
    if items is None:
        return None
    _need("list contains", items, "list")
    return any(_same(item, element) for item in items)


BUILTIN_FUNCTIONS: frozenset[str] = frozenset(_BUILTINS) | {"not"}

# ---------------------------------------------------------------------------------------- grammar

_MULTI_WORD = sorted((name for name in _BUILTINS if " " in name), key=len, reverse=True)

_GRAMMAR = r"""
?expression_start: expression
unary_tests_start: put ("," put)*

?expression: disjunction
?disjunction: conjunction ("or" conjunction)*
?conjunction: comparison ("and" comparison)*
?comparison: sum
    | sum comp_op sum               -> compare
    | sum "between" sum "and" sum   -> between
    | sum "in" in_rhs               -> in_test
?in_rhs: sum | cmp
?sum: product (add_op product)*
?product: unary (mul_op unary)*
?unary: "-" unary                   -> neg
    | power
?power: path ("**" unary)?
?path: atom ("." NAME)*
?atom: NUMBER                       -> number
    | STRING                        -> string
    | "true"                        -> true
    | "false"                       -> false
    | "null"                        -> null
    | NAME                          -> name
    | "?"                           -> input_value
    | "(" expression ")"            -> paren
    | "(" cmp ")"                   -> tuple
    | "(" put ("," put)+ ")"        -> tuple
    | "[" expression ("," expression)* "]"  -> list
    | EMPTY_LIST                    -> list
    | interval
    | call
    | "not" "(" put ("," put)* ")"  -> not_call
    | "if" expression "then" expression "else" expression -> if_expr
!interval: ("(" | "[" | "]") expression ".." expression (")" | "]" | "[")
call: (NAME | BUILTIN_NAME) "(" [expression ("," expression)*] ")"
?put: expression | cmp
cmp: unary_op sum
!comp_op: "=" | "!=" | "<" | "<=" | ">" | ">="
!add_op: "+" | "-"
!mul_op: "*" | "/"
!unary_op: "<" | "<=" | ">" | ">="

BUILTIN_NAME.2: /(?:MULTI_WORD)(?!\w)/
NAME: /(?!\d)\w+/
NUMBER: /\d+(?:\.\d+)?/
STRING: /"(?:[^"\\]|\\[\s\S])*"/
EMPTY_LIST: /\[\s*\]/
LINE_COMMENT: /\/\/[^\n]*/
BLOCK_COMMENT: /\/\*[\s\S]*?\*\//
%ignore /\s+/
%ignore LINE_COMMENT
%ignore BLOCK_COMMENT
""".replace("MULTI_WORD", "|".join(r"\s+".join(name.split()) for name in _MULTI_WORD))


@functools.cache
def _parser() -> Lark:
    return Lark(
        _GRAMMAR,
        parser="lalr",
        lexer="contextual",
        start=["expression_start", "unary_tests_start"],
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,  # the parse tables are built once per grammar version, then read from a temp file
    )


_TERMINAL_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "BUILTIN_NAME": "a function name",
    "EMPTY_LIST": "[]",
    "$END": "the end of the text",
}
_OPERATOR_TEXT = frozenset(
    {"+", "-", "*", "/", "**", "=", "!=", "<", "<=", ">", ">=", "and", "or", "between", "in", "."}
)


@functools.cache
def _terminal_texts() -> dict[str, str]:
    texts = {}
    for terminal in _parser().terminals:
        if terminal.pattern.type == "str":
            texts[terminal.name] = terminal.pattern.value
    return texts


_VALUE_STARTS = frozenset({"true", "false", "null", "if", "not", "(", "[", "]", "-", "?"})


def _expected(names) -> str:
    texts = _terminal_texts()
    value = {"NAME", "NUMBER", "STRING"} <= set(names)
    words, operators = [], False
    for name in sorted(names, key=lambda n: texts.get(n, n)):
        text = texts.get(name)
        if value and (name in _TERMINAL_WORDS and name != "$END" or text in _VALUE_STARTS):
            continue
        if text in _OPERATOR_TEXT:
            operators = True
        elif text is not None:
            words.append(f'"{text}"')
        elif name in _TERMINAL_WORDS:
            words.append(_TERMINAL_WORDS[name])
    if value:
        words.append("a value")
    if operators:
        words.append("an operator")
    if len(words) > 8:
        words = words[:8] + ["..."]
    return " or ".join(words) if len(words) <= 2 else ", ".join(words[:-1]) + " or " + words[-1]


def _syntax_error(error: UnexpectedInput, text: str) -> FeelSyntaxError:
    line, column = max(error.line, 1), max(error.column, 1)
    if isinstance(error, UnexpectedCharacters):
        char = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        hint = "; strings are written in double quotes" if char == "'" else ""
        message = f"unexpected character {char!r}{hint}"
    elif isinstance(error, UnexpectedToken) and error.token.type != "$END":
        message = f"unexpected {error.token.value!r}"
        expected = _acceptable(error)
        if expected:
            message += f"; expected {_expected(expected)}"
    elif isinstance(error, UnexpectedToken | UnexpectedEOF):
        message = "the text ends too early"
        expected = _acceptable(error) if isinstance(error, UnexpectedToken) else None
        if expected:
            message += f"; expected {_expected(expected)}"
        line, column = _end_position(text)
    else:  # pragma: no cover - lark raises only the kinds above
        message = "not a FEEL expression"
    return FeelSyntaxError(message, text, line, column)


def _acceptable(error: UnexpectedToken) -> set[str]:
    """The terminals the parser would really take here (LALR's own list is wider)."""
    try:
        return set(error.interactive_parser.accepts()) - {"$END"} or set(error.expected)
    except Exception:  # the narrower list is a nicety; never hide the syntax error behind it
        return set(error.expected)


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


_SCAN_RE = re.compile(
    r"""
      (?P<skip>"(?:[^"\\]|\\[\s\S])*" | //[^\n]* | /\*[\s\S]*?\*/ | \[\s*\])
    | (?P<bracket>[()\[\]])
    | (?P<range>\.\.)
    | (?P<comma>,)
    | (?P<minus>-)
    | (?P<word>(?!\d)\w+)
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<other>\S)
    """,
    re.VERBOSE,
)
_OPERAND_WORDS = frozenset({"true", "false", "null"})


def _check_nesting(text: str) -> None:
    """Reject deep nesting from the raw text, before the (slower) parser sees it.

    An upper bound of the nesting the parse tree will have: brackets, ``if`` and unary minus.
    ``]`` opens a range where an operand is expected; ``[`` closes one after ``a..b``.
    """
    levels = [[0, 0, False]]  # per open bracket: [unary minuses before it, ifs inside, ".." seen]
    depth = run = 0
    expect_operand = True
    for match in _SCAN_RE.finditer(text):
        kind, token = match.lastgroup, match.group()
        top = levels[-1]
        if kind == "bracket":
            opens = token == "(" or (token == "[" and not (top[2] and not expect_operand))
            opens = opens or (token == "]" and expect_operand)
            if opens:
                levels.append([run, 0, False])
                depth += 1 + run
                run, expect_operand = 0, True
            else:
                if len(levels) > 1:
                    depth -= 1 + top[0] + top[1]
                    levels.pop()
                run, expect_operand = 0, False
        elif kind == "skip":
            if token[0] in '"[':
                run, expect_operand = 0, False
        elif kind == "range":
            top[2], expect_operand = True, True
        elif kind == "comma":
            depth -= top[1]
            top[1], top[2] = 0, False
            run, expect_operand = 0, True
        elif kind == "minus":
            if expect_operand:
                run += 1
            expect_operand = True
        elif kind == "word" and token == "if":
            top[1] += 1
            depth += 1
            expect_operand = True
        elif kind == "number" or (kind == "word" and (token in _OPERAND_WORDS or token not in _KEYWORDS)):
            run, expect_operand = 0, False
        else:
            expect_operand = True
        if depth + run > MAX_NESTING:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            raise FeelSyntaxError(
                f"the expression is nested too deeply (at most {MAX_NESTING} levels)", text, line, column
            )


_KEYWORDS = frozenset({"and", "or", "not", "if", "then", "else", "between", "in", "true", "false", "null"})


def _position(node: Tree | Token) -> tuple[int, int]:
    if isinstance(node, Token):
        return node.line or 1, node.column or 1
    meta = node.meta
    return (1, 1) if meta.empty else (meta.line, meta.column)


_NESTING_NODES = frozenset({"paren", "tuple", "list", "interval", "call", "not_call", "if_expr", "neg"})


def _parse(text: str, start: str) -> Tree:
    if not isinstance(text, str):
        raise FeelSyntaxError(f"a FEEL text must be a string, not {type(text).__name__}")
    if len(text) > MAX_TEXT_LENGTH:
        raise FeelSyntaxError(
            f"the text is {len(text)} characters long; at most {MAX_TEXT_LENGTH} are allowed", text[:200]
        )
    _check_nesting(text)
    try:
        tree = _parser().parse(text, start=start)
    except UnexpectedInput as error:
        raise _syntax_error(error, text) from None
    # The parser is iterative; the compiler below recurses, so bound the depth first (iteratively).
    stack = [(tree, 1, 0)]
    while stack:
        node, depth, nesting = stack.pop()
        if node.data in _NESTING_NODES:
            nesting += 1
        if nesting > MAX_NESTING or depth > MAX_TREE_DEPTH:
            raise FeelSyntaxError(
                f"the expression is nested too deeply (at most {MAX_NESTING} levels)",
                text,
                *_position(node),
            )
        stack.extend((child, depth + 1, nesting) for child in node.children if isinstance(child, Tree))
    return tree


# --------------------------------------------------------------------------------------- compiler


class _Code:
    """A compiled expression: ``fn(context, functions)``, and its value when it is a constant."""

    __slots__ = ("fn", "value", "const")

    def __init__(self, fn, value=None, const=False):
        self.fn, self.value, self.const = fn, value, const


def _constant(value) -> _Code:
    if type(value) is list:
        return _Code(lambda ctx, fns: _copy_list(value), value, True)
    return _Code(lambda ctx, fns: value, value, True)


def _folded(fn, parts) -> _Code:
    """Evaluate now when every part is a constant; an error is left for evaluation time."""
    if all(part.const for part in parts):
        try:
            return _constant(fn(_EMPTY, _EMPTY))
        except FeelError:
            pass
    return _Code(fn)


class _Scope:
    __slots__ = ("text", "names", "functions", "uses_input")

    def __init__(self, text: str):
        self.text = text
        self.names: set[str] = set()
        self.functions: set[str] = set()
        self.uses_input = False

    def error(self, message: str, node) -> FeelSyntaxError:
        return FeelSyntaxError(message, self.text, *_position(node))


def _compile(node: Tree, scope: _Scope) -> _Code:
    return _COMPILERS[node.data](node, scope)


def _c_number(node, scope):
    try:
        return _constant(_CTX.create_decimal(node.children[0]))
    except decimal.DecimalException:
        raise scope.error("the number is too large", node) from None


_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{6}|[\s\S])")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "'": "'", "/": "/"}


def _c_string(node, scope):
    token = node.children[0]
    body = token[1:-1]
    if "\\" in body:

        def unescape(match):
            code = match.group(1)
            if len(code) > 1:
                point = int(code[1:], 16)
                if point > 0x10FFFF:
                    raise scope.error(f"\\{code} is not a character", token)
                return chr(point)
            if code in _SIMPLE_ESCAPES:
                return _SIMPLE_ESCAPES[code]
            raise scope.error(f"unknown escape \\{code} in a string", token)

        body = _ESCAPE_RE.sub(unescape, body)
        try:
            body = body.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise scope.error("a string holds half of a \\u surrogate pair", token) from None
    return _constant(body)


_PLAIN_TYPES = frozenset({str, bool, type(None), date, dict})  # context values that need no conversion


def _c_name(node, scope):
    name = str(node.children[0])
    scope.names.add(name)

    def lookup(ctx, fns):
        value = ctx.get(name)
        return value if type(value) in _PLAIN_TYPES else _conv(value)

    return _Code(lookup)


def _c_input_value(node, scope):
    scope.uses_input = True
    return _Code(lambda ctx, fns: ctx.get("?"))


def _c_paren(node, scope):
    return _compile(node.children[0], scope)


def _c_tuple(node, scope):
    raise scope.error("a list of tests in parentheses can only follow 'in'", node)


def _c_list(node, scope):
    parts = [_compile(child, scope) for child in node.children if isinstance(child, Tree)]
    fns = [part.fn for part in parts]

    def build(ctx, fns_):
        return [f(ctx, fns_) for f in fns]

    return _folded(build, parts)


def _c_interval(node, scope):
    opening, low, _, high, closing = node.children
    start_included, end_included = opening == "[", closing == "]"
    low_code, high_code = _compile(low, scope), _compile(high, scope)
    low_fn, high_fn = low_code.fn, high_code.fn

    def build(ctx, fns):
        return Range(low_fn(ctx, fns), high_fn(ctx, fns), start_included, end_included)

    return _folded(build, [low_code, high_code])


def _c_call(node, scope):
    name_token, *arg_nodes = node.children
    name = " ".join(str(name_token).split())
    args = [_compile(arg, scope) for arg in arg_nodes]
    arg_fns = tuple(arg.fn for arg in args)
    scope.functions.add(name)
    builtin = _BUILTINS.get(name)
    if builtin is not None:
        impl, arities = builtin
        if len(args) not in arities and not (_ANY in arities and args):
            wanted = "one or more" if _ANY in arities else " or ".join(map(str, arities))
            noun = "argument" if wanted == "1" else "arguments"
            raise scope.error(f"{name}() takes {wanted} {noun}, not {len(args)}", name_token)
        if len(arg_fns) == 1:
            (only,) = arg_fns

            def call(ctx, fns):
                return impl(only(ctx, fns))

        else:

            def call(ctx, fns):
                return impl(*[f(ctx, fns) for f in arg_fns])

        return _folded(call, args)

    def call_injected(ctx, fns):
        function = fns.get(name)
        if function is None:
            raise FeelEvaluationError(f"unknown function '{name}'")
        return _conv(function(*[f(ctx, fns) for f in arg_fns]))

    return _Code(call_injected)


def _c_not_call(node, scope):
    if len(node.children) != 1 or node.children[0].data in ("cmp", "tuple"):
        raise scope.error(
            "not() takes one boolean here; a list of tests can only be negated in a unary test", node
        )
    inner = _compile(node.children[0], scope)
    inner_fn = inner.fn
    return _folded(lambda ctx, fns: _not(inner_fn(ctx, fns)), [inner])


def _c_if_expr(node, scope):
    cond, then, other = (_compile(child, scope) for child in node.children)
    if cond.const and (cond.value is True or cond.value is False or cond.value is None):
        return then if cond.value is True else other
    cond_fn, then_fn, other_fn = cond.fn, then.fn, other.fn

    def choose(ctx, fns):
        c = cond_fn(ctx, fns)
        if c is True:
            return then_fn(ctx, fns)
        if c is False or c is None:
            return other_fn(ctx, fns)
        raise FeelEvaluationError(f"the condition of an if must be a boolean, not {_describe(c)}")

    return _Code(choose)


def _c_neg(node, scope):
    inner = _compile(node.children[0], scope)
    inner_fn = inner.fn
    return _folded(lambda ctx, fns: _neg(inner_fn(ctx, fns)), [inner])


def _binary(op, left: _Code, right: _Code) -> _Code:
    left_fn, right_fn = left.fn, right.fn
    if right.const:
        value = right.value

        def apply_const(ctx, fns):
            return op(left_fn(ctx, fns), value)

        return _folded(apply_const, [left, right])

    def apply(ctx, fns):
        return op(left_fn(ctx, fns), right_fn(ctx, fns))

    return _folded(apply, [left, right])


def _c_power(node, scope):
    base, exponent = (_compile(child, scope) for child in node.children)
    return _binary(_pow, base, exponent)


def _c_path(node, scope):
    head, *members = node.children
    head_code = _compile(head, scope)
    head_fn, names = head_code.fn, tuple(str(m) for m in members)

    def walk(ctx, fns):
        value = head_fn(ctx, fns)
        for name in names:
            value = _member(value, name)
        return value

    return _folded(walk, [head_code])


def _chain(node, scope, table):
    """A flat chain ``a + b - c`` (no recursion, however long)."""
    children = node.children
    first = _compile(children[0], scope)
    steps = [
        (table[op.children[0]], _compile(operand, scope))
        for op, operand in zip(children[1::2], children[2::2], strict=True)
    ]
    if len(steps) == 1:
        return _binary(steps[0][0], first, steps[0][1])
    first_fn, step_fns = first.fn, tuple((op, code.fn) for op, code in steps)

    def run(ctx, fns):
        value = first_fn(ctx, fns)
        for op, fn in step_fns:
            value = op(value, fn(ctx, fns))
        return value

    return _folded(run, [first] + [code for _, code in steps])


def _c_compare(node, scope):
    left, op, right = node.children
    return _binary(_COMPARE[op.children[0]], _compile(left, scope), _compile(right, scope))


def _c_between(node, scope):
    parts = [_compile(child, scope) for child in node.children]
    value_fn, low_fn, high_fn = (part.fn for part in parts)
    return _folded(lambda ctx, fns: _between(value_fn(ctx, fns), low_fn(ctx, fns), high_fn(ctx, fns)), parts)


def _c_in_test(node, scope):
    left, right = node.children
    left_code = _compile(left, scope)
    general, fast = _compile_test(right, scope)
    left_fn = left_code.fn
    if fast is not None:
        return _folded(lambda ctx, fns: fast(left_fn(ctx, fns)), [left_code])
    return _Code(lambda ctx, fns: general(left_fn(ctx, fns), ctx, fns))


def _logic(node, scope, stop: bool):
    parts = [_compile(child, scope) for child in node.children]
    fns_ = tuple(part.fn for part in parts)
    word = "or" if stop else "and"

    def run(ctx, fns):
        result = not stop
        for fn in fns_:
            value = fn(ctx, fns)
            if value is stop:
                return stop
            if value is None:
                result = None
            elif value is not (not stop):
                raise FeelEvaluationError(f"'{word}' needs booleans, not {_describe(value)}")
        return result

    return _folded(run, parts)


_COMPILERS: dict[str, Callable[[Tree, _Scope], _Code]] = {
    "number": _c_number,
    "string": _c_string,
    "true": lambda node, scope: _constant(True),
    "false": lambda node, scope: _constant(False),
    "null": lambda node, scope: _constant(None),
    "name": _c_name,
    "input_value": _c_input_value,
    "paren": _c_paren,
    "tuple": _c_tuple,
    "list": _c_list,
    "interval": _c_interval,
    "call": _c_call,
    "not_call": _c_not_call,
    "if_expr": _c_if_expr,
    "neg": _c_neg,
    "power": _c_power,
    "path": _c_path,
    "sum": lambda node, scope: _chain(node, scope, _ARITH),
    "product": lambda node, scope: _chain(node, scope, _ARITH),
    "compare": _c_compare,
    "between": _c_between,
    "in_test": _c_in_test,
    "disjunction": lambda node, scope: _logic(node, scope, True),
    "conjunction": lambda node, scope: _logic(node, scope, False),
}


# ------------------------------------------------------------------------------------ unary tests
#
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


def _compile_test(node, scope: _Scope):
    """One positive unary test (or a tuple of them, or not(...)) -> (general, fast)."""
    data = node.data
    if data == "tuple":
        children = node.children
        if len(children) > 1 and all(child.data == "string" for child in children):
            fast = _string_set(frozenset(_c_string(child, scope).value for child in children))
            return _general_of(fast), fast
        return _any_of([_compile_test(child, scope) for child in children])
    if data == "not_call":
        general, fast = _compile_test(Tree("tuple", node.children, node.meta), scope)
        if fast is not None:

            def none_fast(value, context=None, functions=None):
                return not fast(value)

            return _general_of(none_fast), none_fast
        return (lambda v, ctx, fns: not general(v, ctx, fns)), None
    if data == "paren" and node.children[0].data in ("tuple", "not_call", "cmp"):
        return _compile_test(node.children[0], scope)
    if data == "cmp":
        symbol = str(node.children[0].children[0])
        bound = _compile(node.children[1], scope)
        if bound.const:
            try:
                fast = _fast_compare(symbol, bound.value)
            except FeelError as error:
                raise scope.error(error.message, node) from None
            return _general_of(fast), fast
        bound_fn, op = bound.fn, _ORDER_OPS[symbol]

        def compare_with(value, ctx, fns):
            limit = bound_fn(ctx, fns)
            t = type(value)
            if t is type(limit) and t in _ORDERED_TYPES:
                return op(value, limit)
            return _compare_test(symbol, value, limit)

        return compare_with, None
    outer_uses_input, scope.uses_input = scope.uses_input, False
    code = _compile(node, scope)
    uses_input, scope.uses_input = scope.uses_input, scope.uses_input or outer_uses_input
    fn = code.fn
    if uses_input:
        return (lambda v, ctx, fns: fn(_WithInput(ctx, v), fns) is True), None
    if code.const:
        fast = _fast_equal(code.value)
        return _general_of(fast), fast
    return (lambda v, ctx, fns: _match_value(v, fn(ctx, fns))), None


# ------------------------------------------------------------------------------------- public API


class Expression:
    """A compiled FEEL expression; ``evaluate(context, functions)`` gives its value."""

    __slots__ = ("text", "names", "functions", "_fn")

    def __init__(self, text: str, fn, names: frozenset[str], functions: frozenset[str]):
        self.text, self._fn, self.names, self.functions = text, fn, names, functions

    def evaluate(self, context: Mapping[str, Any], functions: Mapping[str, Callable] | None = None) -> Any:
        """The value of the expression; names are read from context, calls go to functions."""
        try:
            return self._fn(context, functions or _EMPTY)
        except FeelError as error:
            raise _with_text(error, self.text) from None
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

    def __init__(self, text: str, matches, names: frozenset[str], functions: frozenset[str]):
        self.text, self.matches, self.names, self.functions = text, matches, names, functions

    def __repr__(self) -> str:
        return f"UnaryTests({self.text!r})"


def _anything(value, context=None, functions=None) -> bool:
    return True


@functools.lru_cache(maxsize=8192)
def compile_expression(text: str) -> Expression:
    """Parse and compile a FEEL expression (cached by text)."""
    tree = _parse(text, "expression_start")
    scope = _Scope(text)
    code = _compile(tree, scope)
    if scope.uses_input:
        raise FeelSyntaxError("'?' (the input value) can only be used in a unary test", text)
    return Expression(text, code.fn, frozenset(scope.names), frozenset(scope.functions))


@functools.lru_cache(maxsize=8192)
def compile_unary_tests(text: str) -> UnaryTests:
    """Parse and compile the unary tests of a decision-table input cell (cached by text)."""
    if isinstance(text, str) and text.strip() in ("", "-"):
        return UnaryTests(text, _anything, frozenset(), frozenset())
    tree = _parse(text, "unary_tests_start")
    scope = _Scope(text)
    tests = tree.children
    if len(tests) == 1:
        general, fast = _compile_test(tests[0], scope)
    else:
        general, fast = _compile_test(Tree("tuple", tests, tree.meta), scope)
    if fast is not None:
        matches = fast  # every fast test takes (value, context=None, functions=None)
    else:

        def matches(value, context=_EMPTY, functions=None):
            try:
                return general(_conv(value), context, functions or _EMPTY)
            except FeelError as error:
                raise _with_text(error, text) from None

    return UnaryTests(text, matches, frozenset(scope.names), frozenset(scope.functions))


def evaluate(text: str, context: Mapping[str, Any], functions: Mapping[str, Callable] | None = None) -> Any:
    """Compile (cached) and evaluate a FEEL expression."""
    return compile_expression(text).evaluate(context, functions)
