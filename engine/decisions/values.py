"""DMN types and values: ``typeRef`` normalisation, coercion of inputs and outputs to their
declared type, and values written as an author would write them (for messages)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

TYPES = ("string", "boolean", "number", "integer", "date")
_TYPE_ALIASES = {"long": "number", "double": "number", "decimal": "number", "int": "integer"}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Mismatch(Exception):
    """A value does not fit a type (internal; turned into a DecisionError or a Problem)."""


def normalize_type(type_ref: str | None) -> str:
    """``typeRef`` → one of TYPES, or "" when untyped or of a type we do not convert."""
    t = (type_ref or "").strip()
    if t.lower().startswith("feel:"):
        t = t[5:]
    t = t.lower()
    t = _TYPE_ALIASES.get(t, t)
    return t if t in TYPES else ""


def _to_number(v: Any) -> Decimal:
    if isinstance(v, Decimal):
        if v.is_finite():
            return v
    elif isinstance(v, bool):
        pass
    elif isinstance(v, int):
        return Decimal(v)
    elif isinstance(v, float):
        if v == v and v not in (float("inf"), float("-inf")):
            return Decimal(str(v))
    elif isinstance(v, str) and _NUMBER.fullmatch(v.strip()):
        return Decimal(v.strip())
    raise Mismatch


def _to_integer(v: Any) -> Decimal:
    n = _to_number(v)
    i = n.to_integral_value()
    if i != n:
        raise Mismatch
    return i


def _to_boolean(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if v == "true":
        return True
    if v == "false":
        return False
    raise Mismatch


def _to_date(v: Any) -> date:
    if isinstance(v, datetime):
        raise Mismatch  # an instant is not a day; the caller must say which day it means
    if isinstance(v, date):
        return v
    if isinstance(v, str) and _ISO_DATE.fullmatch(v.strip()):
        try:
            return date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise Mismatch


def _to_string(v: Any) -> str:
    if isinstance(v, str):
        return v
    raise Mismatch


def untyped(v: Any) -> Any:
    # FEEL numbers are decimals: Python ints and floats from case data become Decimal.
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        try:
            return _to_number(v)
        except Mismatch:
            return v
    return v


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "number": _to_number,
    "integer": _to_integer,
    "boolean": _to_boolean,
    "date": _to_date,
    "string": _to_string,
}


def describe(v: Any) -> str:
    """A value as an author would write it, for messages."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        text = repr(v)
    elif isinstance(v, (Decimal, int, float)):
        text = str(v)
    elif isinstance(v, date):
        text = f'date("{v.isoformat()}")'
    else:
        text = f"a {type(v).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."
