"""What each input of a form accepts: the limits, the field types, the Chinese messages
(`engine.errors.Message`), the checked `Field` and the marshmallow field that validates it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast

import marshmallow
from marshmallow import fields

from engine.errors import Message

_T = TypeVar("_T")

MAX_TEXT_LENGTH = 10_000
MAX_COMPONENTS = 2_000
MAX_DEPTH = 16
KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
RESERVED_KEY = "typename"

TEXT_TYPES = frozenset({"textfield", "textarea"})
CHOICE_TYPES = frozenset({"select", "radio"})
MULTI_TYPES = frozenset({"checklist", "taglist"})
INPUT_TYPES = TEXT_TYPES | CHOICE_TYPES | MULTI_TYPES | {"number", "checkbox", "datetime"}
DISPLAY_TYPES = frozenset({"text", "spacer", "separator", "html", "image", "button"})
CONTAINER_TYPES = frozenset({"group"})

VALIDATE_KEYS = {
    "textfield": {"required", "minLength", "maxLength", "pattern", "validationType"},
    "textarea": {"required", "minLength", "maxLength", "pattern", "validationType"},
    "number": {"required", "min", "max"},
}
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_NUMBER_DIGITS = 18  # integer digits; money and counts stay far below
MAX_NUMBER_PLACES = 10

# Messages shown to the person filling the form.
MSG_REQUIRED = Message("此项为必填项")
MSG_UNKNOWN = Message("未知字段：表单中没有此项")
MSG_RESERVED = Message("不允许的字段名（不能以“_”开头，也不能为 typename）")
MSG_DISABLED = Message("此项不可填写")
MSG_NOT_OBJECT = Message("提交的数据应为对象（键值对）")
MSG_TEXT = Message("请输入文本")
MSG_TEXT_CHARS = Message("包含不允许的字符")
MSG_NUMBER = Message("请输入数字")
MSG_NUMBER_RANGE = Message("数值超出范围")
MSG_NUMBER_PLACES = Message("小数位数不能超过 %(n)s 位", n=MAX_NUMBER_PLACES)
MSG_BOOL = Message("请选择是或否")
MSG_CHECKED = Message("请勾选此项")
MSG_DATE = Message("请输入日期（YYYY-MM-DD）")
MSG_LIST = Message("请提供选项列表")
MSG_EMAIL = Message("请输入有效的电子邮箱地址")


@dataclass(frozen=True)
class Field:
    """One input of a form, as the server checks it."""

    key: str
    type: str
    label: str = ""
    required: bool = False
    min_length: int | None = None
    max_length: int = MAX_TEXT_LENGTH
    pattern: str | None = None
    email: bool = False
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    decimal_digits: int | None = None
    options: tuple[str | int, ...] = ()  # the allowed `values[].value`, in order
    disabled: bool = False
    conditional: str | None = None  # a `conditional.hide` expression (its own or a group's)

    @property
    def multiple(self) -> bool:
        return self.type in MULTI_TYPES


# -- marshmallow fields -----------------------------------------------------------------------


def _blank(spec: Field) -> None:
    """An empty text for a non-text field, as an HTML form posts it: refused when the field is
    required, else the field is None."""
    if spec.required and not spec.conditional:
        raise marshmallow.ValidationError(MSG_REQUIRED)
    return None


def _is_blank(value: object) -> bool:
    return isinstance(value, str) and not value.strip()


class _SpecField(fields.Field[_T]):
    """A marshmallow field that knows the form component it validates."""

    def __init__(self, spec: Field, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec


class _Text(_SpecField[str]):
    def __init__(self, spec: Field, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        self.regex = re.compile(spec.pattern) if spec.pattern else None

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> str:
        spec = self.spec
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if len(value) > spec.max_length:
            raise marshmallow.ValidationError(Message("不能超过 %(n)s 个字符", n=spec.max_length))
        if "\x00" in value:
            raise marshmallow.ValidationError(MSG_TEXT_CHARS)
        stripped = value.strip()
        if not stripped:
            if spec.required and not spec.conditional:
                raise marshmallow.ValidationError(MSG_REQUIRED)
            return value
        # Like form-js: lengths are of the trimmed text, the pattern is searched, not anchored.
        if spec.min_length is not None and len(stripped) < spec.min_length:
            raise marshmallow.ValidationError(Message("至少 %(n)s 个字符", n=spec.min_length))
        if len(stripped) > spec.max_length:
            raise marshmallow.ValidationError(Message("不能超过 %(n)s 个字符", n=spec.max_length))
        if self.regex is not None and not self.regex.search(value):
            raise marshmallow.ValidationError(Message("格式不正确"))
        if spec.email and not EMAIL_RE.fullmatch(stripped):
            raise marshmallow.ValidationError(MSG_EMAIL)
        return value


class _Number(_SpecField[Decimal | None]):
    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Decimal | None:
        if _is_blank(value):
            _blank(self.spec)
            return None
        num = to_decimal(value)
        if num is None:
            raise self.make_error("invalid")
        if num.adjusted() >= MAX_NUMBER_DIGITS:
            raise marshmallow.ValidationError(MSG_NUMBER_RANGE)
        # A finite number's exponent is an int (only NaN and infinity have a letter there).
        if num and -cast(int, num.normalize().as_tuple().exponent) > MAX_NUMBER_PLACES:
            raise marshmallow.ValidationError(MSG_NUMBER_PLACES)
        spec = self.spec
        if spec.decimal_digits is not None and num != num.quantize(Decimal(1).scaleb(-spec.decimal_digits)):
            raise marshmallow.ValidationError(
                Message("只能是整数")
                if spec.decimal_digits == 0
                else Message("最多 %(n)s 位小数", n=spec.decimal_digits)
            )
        if spec.minimum is not None and num < spec.minimum:
            raise marshmallow.ValidationError(Message("不能小于 %(n)s", n=spec.minimum))
        if spec.maximum is not None and num > spec.maximum:
            raise marshmallow.ValidationError(Message("不能大于 %(n)s", n=spec.maximum))
        return num


# Digits grouped by thousands with commas (ASCII or full-width), e.g. 120,000 or 1,234,567.89.
GROUPED_RE = re.compile(r"[+-]?\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?")


def to_decimal(value: object) -> Decimal | None:
    if value is True or value is False:
        return None
    if isinstance(value, int):
        num = Decimal(value) if abs(value) < 10**40 else None
    elif isinstance(value, float):
        num = Decimal(repr(value))
    elif isinstance(value, Decimal):
        num = value
    elif isinstance(value, str) and len(value) <= 64:
        text = value.strip()
        if GROUPED_RE.fullmatch(text):  # 120,000.50 as the application prints amounts
            text = text.replace(",", "").replace("，", "")
        if not NUMBER_RE.fullmatch(text):
            return None
        try:
            num = Decimal(text)
        except InvalidOperation:
            return None
    else:
        return None
    if num is None or not num.is_finite():
        return None
    return num


_TRUE = frozenset({"true", "on", "1"})
_FALSE = frozenset({"false", "0"})


class _Checkbox(_SpecField[bool]):
    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> bool:
        if value is True or value is False:
            result = value
        elif isinstance(value, str) and value in _TRUE:
            result = True
        elif isinstance(value, str) and value in _FALSE:
            result = False
        else:
            raise self.make_error("invalid")
        if self.spec.required and not self.spec.conditional and not result:
            raise marshmallow.ValidationError(MSG_CHECKED)
        return result


class _Date(_SpecField[date | None]):
    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> date | None:
        if _is_blank(value):
            _blank(self.spec)
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and DATE_RE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.make_error("invalid")


class _Choice(fields.Field[str | int | list[str | int] | None]):
    """One of the listed option values (a numeric option also matches its text, as HTML posts it)."""

    def __init__(self, spec: Field, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.by_text = {str(v): v for v in spec.options}
        self.by_int = {v: v for v in spec.options if isinstance(v, int)}
        shown = [str(v) for v in spec.options[:20]]
        more = "…" if len(spec.options) > 20 else ""
        self.message = Message("不在可选范围内：%(options)s", options="、".join(shown) + more)

    def pick(self, value: object) -> str | int:
        if isinstance(value, str) and value in self.by_text:
            return self.by_text[value]
        if isinstance(value, int) and not isinstance(value, bool) and value in self.by_int:
            return self.by_int[value]
        raise marshmallow.ValidationError(self.message)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> str | int | list[str | int] | None:
        if not self.spec.multiple:
            if _is_blank(value) and value not in self.by_text:
                _blank(self.spec)
                return None
            return self.pick(value)
        if not isinstance(value, list | tuple):
            raise marshmallow.ValidationError(MSG_LIST)
        if len(value) > len(self.spec.options):
            raise marshmallow.ValidationError(self.message)
        picked = [self.pick(v) for v in value]
        if len({str(v) for v in picked}) != len(picked):
            raise marshmallow.ValidationError(Message("选项重复"))
        if not picked and self.spec.required and not self.spec.conditional:
            raise marshmallow.ValidationError(MSG_REQUIRED)
        return picked


def marshmallow_field(spec: Field) -> fields.Field[Any]:
    enforce_required = spec.required and not spec.conditional
    messages: dict[str, str] = {"required": MSG_REQUIRED, "null": MSG_REQUIRED}
    kwargs: dict[str, Any] = {
        "required": enforce_required,
        "allow_none": not enforce_required,
        "error_messages": messages,
        "metadata": {"label": spec.label, "type": spec.type},
    }
    if spec.type in TEXT_TYPES:
        messages["invalid"] = MSG_TEXT
        return _Text(spec, **kwargs)
    if spec.type == "number":
        messages["invalid"] = MSG_NUMBER
        return _Number(spec, **kwargs)
    if spec.type == "checkbox":
        messages["invalid"] = MSG_BOOL
        return _Checkbox(spec, **kwargs)
    if spec.type == "datetime":
        messages["invalid"] = MSG_DATE
        return _Date(spec, **kwargs)
    return _Choice(spec, **kwargs)
