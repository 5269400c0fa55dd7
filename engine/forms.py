"""Form definitions (form-js JSON) → validators of submitted task data.

`load_form` checks a definition once and builds one marshmallow schema for it; `Form.validate` then
turns a submission into clean task data (str, Decimal, bool, date, lists) or raises
`ValidationError` with Chinese messages per field. Nothing the client sends reaches a case unless
the form names it: unknown keys, keys starting with "_" and "typename" (which breaks the workflow
serializer) are always refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import marshmallow
from marshmallow import RAISE, Schema, fields

from engine.errors import Message, PackError, Problem, ValidationError

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
    options: tuple = ()  # the allowed `values[].value`, in order
    disabled: bool = False
    conditional: str | None = None  # a `conditional.hide` expression (its own or a group's)

    @property
    def multiple(self) -> bool:
        return self.type in MULTI_TYPES


# -- marshmallow fields -----------------------------------------------------------------------


def _blank(spec: Field):
    """An empty text for a non-text field, as an HTML form posts it: None, or required if it is."""
    if spec.required and not spec.conditional:
        raise marshmallow.ValidationError(MSG_REQUIRED)
    return None


def _is_blank(value) -> bool:
    return isinstance(value, str) and not value.strip()


class _SpecField(fields.Field):
    """A marshmallow field that knows the form component it validates."""

    def __init__(self, spec: Field, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec


class _Text(_SpecField):
    def __init__(self, spec: Field, **kwargs):
        super().__init__(spec, **kwargs)
        self.regex = re.compile(spec.pattern) if spec.pattern else None

    def _deserialize(self, value, attr, data, **kwargs):
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


class _Number(_SpecField):

    def _deserialize(self, value, attr, data, **kwargs):
        if _is_blank(value):
            return _blank(self.spec)
        num = _to_decimal(value)
        if num is None:
            raise self.make_error("invalid")
        if num.adjusted() >= MAX_NUMBER_DIGITS:
            raise marshmallow.ValidationError(MSG_NUMBER_RANGE)
        if num and -num.normalize().as_tuple().exponent > MAX_NUMBER_PLACES:
            raise marshmallow.ValidationError(MSG_NUMBER_PLACES)
        spec = self.spec
        if spec.decimal_digits is not None and num != num.quantize(Decimal(1).scaleb(-spec.decimal_digits)):
            raise marshmallow.ValidationError(
                Message("只能是整数") if spec.decimal_digits == 0 else Message("最多 %(n)s 位小数", n=spec.decimal_digits)
            )
        if spec.minimum is not None and num < spec.minimum:
            raise marshmallow.ValidationError(Message("不能小于 %(n)s", n=spec.minimum))
        if spec.maximum is not None and num > spec.maximum:
            raise marshmallow.ValidationError(Message("不能大于 %(n)s", n=spec.maximum))
        return num


def _to_decimal(value) -> Decimal | None:
    if value is True or value is False:
        return None
    if isinstance(value, int):
        num = Decimal(value) if abs(value) < 10**40 else None
    elif isinstance(value, float):
        num = Decimal(repr(value))
    elif isinstance(value, Decimal):
        num = value
    elif isinstance(value, str) and len(value) <= 64 and NUMBER_RE.fullmatch(value.strip()):
        try:
            num = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    if num is None or not num.is_finite():
        return None
    return num


_TRUE = frozenset({"true", "on", "1"})
_FALSE = frozenset({"false", "0"})


class _Checkbox(_SpecField):

    def _deserialize(self, value, attr, data, **kwargs):
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


class _Date(_SpecField):

    def _deserialize(self, value, attr, data, **kwargs):
        if _is_blank(value):
            return _blank(self.spec)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and DATE_RE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.make_error("invalid")


class _Choice(fields.Field):
    """One of the listed option values (a numeric option also matches its text, as HTML posts it)."""

    def __init__(self, spec: Field, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec
        self.by_text = {str(v): v for v in spec.options}
        self.by_int = {v: v for v in spec.options if isinstance(v, int)}
        shown = [str(v) for v in spec.options[:20]]
        more = "…" if len(spec.options) > 20 else ""
        self.message = Message("不在可选范围内：%(options)s", options="、".join(shown) + more)

    def pick(self, value):
        if isinstance(value, str) and value in self.by_text:
            return self.by_text[value]
        if isinstance(value, int) and not isinstance(value, bool) and value in self.by_int:
            return self.by_int[value]
        raise marshmallow.ValidationError(self.message)

    def _deserialize(self, value, attr, data, **kwargs):
        if not self.spec.multiple:
            if _is_blank(value) and value not in self.by_text:
                return _blank(self.spec)
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


def _marshmallow_field(spec: Field) -> fields.Field:
    enforce_required = spec.required and not spec.conditional
    kwargs = {
        "required": enforce_required,
        "allow_none": not enforce_required,
        "error_messages": {"required": MSG_REQUIRED, "null": MSG_REQUIRED},
        "metadata": {"label": spec.label, "type": spec.type},
    }
    if spec.type in TEXT_TYPES:
        kwargs["error_messages"]["invalid"] = MSG_TEXT
        return _Text(spec, **kwargs)
    if spec.type == "number":
        kwargs["error_messages"]["invalid"] = MSG_NUMBER
        return _Number(spec, **kwargs)
    if spec.type == "checkbox":
        kwargs["error_messages"]["invalid"] = MSG_BOOL
        return _Checkbox(spec, **kwargs)
    if spec.type == "datetime":
        kwargs["error_messages"]["invalid"] = MSG_DATE
        return _Date(spec, **kwargs)
    return _Choice(spec, **kwargs)


class _FormSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": MSG_UNKNOWN, "type": MSG_NOT_OBJECT}


# -- the form ---------------------------------------------------------------------------------


class Form:
    """A checked form definition and its validator; build once, validate many times."""

    def __init__(self, id: str, fields: dict[str, Field], definition: Mapping | None = None):
        self.id = id
        self.fields = dict(fields)
        self.definition = definition
        self._disabled = frozenset(k for k, f in self.fields.items() if f.disabled)
        schema_fields = {k: _marshmallow_field(f) for k, f in self.fields.items() if not f.disabled}
        name = "Form_" + re.sub(r"\W", "_", id or "anonymous", flags=re.ASCII)
        self._schema = _FormSchema.from_dict(schema_fields, name=name)()

    def __repr__(self) -> str:
        return f"<Form {self.id!r} fields={list(self.fields)}>"

    def schema(self) -> Schema:
        """The marshmallow schema `validate` uses (unknown keys raise)."""
        return self._schema

    def validate(self, data: Mapping, partial: bool = False) -> dict:
        """Clean task data, or ValidationError({field: [Chinese messages]}).

        With `partial=True` missing required fields are allowed (a draft); sent values are still
        checked in full."""
        if not isinstance(data, Mapping):
            raise ValidationError({"_schema": [MSG_NOT_OBJECT]})
        errors: dict[str, list[str]] = {}
        accepted = {}
        for key, value in data.items():
            if not isinstance(key, str):
                errors[repr(key)] = [MSG_UNKNOWN]
            elif key.startswith("_") or key == RESERVED_KEY:
                errors[key] = [MSG_RESERVED]
            elif key in self._disabled:
                errors[key] = [MSG_DISABLED]
            else:
                accepted[key] = value
        try:
            clean = self._schema.load(accepted, partial=partial)
        except marshmallow.ValidationError as exc:
            for key, messages in _flatten(exc.messages).items():
                errors.setdefault(key, []).extend(messages)
            clean = None
        if errors:
            raise ValidationError(errors)
        return clean


def _flatten(messages) -> dict[str, list[str]]:
    if not isinstance(messages, Mapping):
        return {"_schema": [_text(m) for m in _as_list(messages)]}
    out: dict[str, list[str]] = {}
    for key, value in messages.items():
        if isinstance(value, Mapping):  # per-item messages of a list
            out[str(key)] = [_text(m) for v in value.values() for m in _as_list(v)]
        else:
            out[str(key)] = [_text(m) for m in _as_list(value)]
    return out


def _text(message) -> str:
    """A message as text, an engine Message kept as it is (the application may translate it)."""
    return message if isinstance(message, str) else str(message)


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


# -- reading a definition ---------------------------------------------------------------------


def load_form(
    definition: dict | str | bytes, form_id: str = "", max_text_length: int = MAX_TEXT_LENGTH
) -> Form:
    """Parse and check a form-js definition; PackError listing every problem if it is broken."""
    file = f"{form_id}.form" if form_id else ""
    if isinstance(definition, bytes | str):
        try:
            definition = json.loads(definition)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PackError([Problem(f"not valid JSON: {exc}", file=file)]) from exc
    if not isinstance(definition, Mapping):
        raise PackError([Problem("a form definition must be a JSON object", file=file)])
    reader = _Reader(file, max_text_length)
    if definition.get("type", "default") != "default":
        reader.problem("", f'the form\'s type must be "default", not {definition.get("type")!r}')
    components = definition.get("components")
    if not isinstance(components, list):
        reader.problem("", "the form has no components list")
    else:
        reader.components(components, depth=1, conditional=None)
    if reader.problems:
        raise PackError(reader.problems)
    fid = form_id or str(definition.get("id") or "")
    return Form(fid, reader.fields, definition)


class _Reader:
    def __init__(self, file: str, max_text_length: int):
        self.file = file
        self.max_text_length = max_text_length
        self.fields: dict[str, Field] = {}
        self.problems: list[Problem] = []
        self.count = 0

    def problem(self, element: str, message: str) -> None:
        self.problems.append(Problem(message, file=self.file, element=element))

    def components(self, components: list, depth: int, conditional: str | None) -> None:
        if depth > MAX_DEPTH:
            self.problem("", f"groups are nested deeper than {MAX_DEPTH} levels")
            return
        for component in components:
            self.count += 1
            if self.count > MAX_COMPONENTS:
                self.problem("", f"more than {MAX_COMPONENTS} components")
                return
            if not isinstance(component, Mapping):
                self.problem("", "a component must be a JSON object")
                continue
            self.component(component, depth, conditional)

    def component(self, c: Mapping, depth: int, conditional: str | None) -> None:
        ctype = c.get("type")
        element = str(c.get("key") or c.get("id") or ctype or "?")
        hide = c.get("conditional", {}).get("hide") if isinstance(c.get("conditional"), Mapping) else None
        if hide:
            conditional = f"({conditional}) or ({hide})" if conditional else str(hide)
        if ctype in DISPLAY_TYPES:
            return
        if ctype in CONTAINER_TYPES:
            if c.get("path"):
                self.problem(element, "a group with a path would nest its data; keys must stay flat")
            children = c.get("components", [])
            if not isinstance(children, list):
                self.problem(element, "a group's components must be a list")
                return
            self.components(children, depth + 1, conditional)
            return
        if ctype not in INPUT_TYPES:
            self.problem(element, f"unknown component type {ctype!r}")
            return
        key = c.get("key")
        if not isinstance(key, str) or not key:
            self.problem(element, f"a {ctype} component needs a key")
            return
        if key.startswith("_"):
            self.problem(key, 'a key must not start with "_"')
            return
        if key == RESERVED_KEY:
            self.problem(key, 'the key "typename" is reserved (the workflow serializer cannot store it)')
            return
        if not KEY_RE.fullmatch(key):
            self.problem(key, 'a key must be a letter then letters, digits or "_" (at most 64)')
            return
        if key in self.fields:
            self.problem(key, f"duplicate key {key!r}")
            return
        field = self.field(c, key, ctype, conditional)
        if field is not None:
            self.fields[key] = field

    def field(self, c: Mapping, key: str, ctype: str, conditional: str | None) -> Field | None:
        before = len(self.problems)
        validate = c.get("validate")
        validate = {} if validate is None else validate
        if not isinstance(validate, Mapping):
            self.problem(key, "validate must be an object")
            return None
        allowed = VALIDATE_KEYS.get(ctype, {"required"})
        for extra in sorted(set(validate) - allowed):
            self.problem(key, f"validate.{extra} is not supported on a {ctype}")
        required = validate.get("required", False)
        if not isinstance(required, bool):
            self.problem(key, "validate.required must be true or false")
        label = c.get("label") if isinstance(c.get("label"), str) else ""
        disabled = c.get("disabled") is True
        if c.get("valuesKey") or c.get("valuesExpression"):
            self.problem(
                key, "dynamic options (valuesKey / valuesExpression) are not supported; list the values"
            )
        kwargs: dict = {}
        if ctype in TEXT_TYPES:
            kwargs.update(self.text_rules(key, validate))
        elif ctype == "number":
            kwargs.update(self.number_rules(key, c, validate))
        elif ctype == "datetime":
            subtype = c.get("subtype", "date")
            if subtype != "date":
                self.problem(key, f'datetime subtype {subtype!r} is not supported; only "date"')
            if c.get("disallowPassedDates"):
                self.problem(
                    key, "disallowPassedDates cannot be checked on the server; use a decision instead"
                )
        elif ctype in CHOICE_TYPES | MULTI_TYPES:
            kwargs["options"] = self.options(key, c)
        if len(self.problems) != before:
            return None
        return Field(
            key=key,
            type=ctype,
            label=label,
            required=required,
            disabled=disabled,
            conditional=conditional,
            **kwargs,
        )

    def text_rules(self, key: str, validate: Mapping) -> dict:
        out: dict = {"max_length": self.max_text_length}
        for name, attr in (("minLength", "min_length"), ("maxLength", "max_length")):
            if name in validate and validate[name] is not None:
                value = validate[name]
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    self.problem(key, f"validate.{name} must be a whole number ≥ 0")
                elif attr == "max_length":
                    out[attr] = min(value, self.max_text_length)
                else:
                    out[attr] = value
        if out.get("min_length") is not None and out["min_length"] > out["max_length"]:
            self.problem(key, "validate.minLength is above validate.maxLength")
        pattern = validate.get("pattern")
        if pattern:
            if not isinstance(pattern, str) or len(pattern) > 500:
                self.problem(key, "validate.pattern must be a regular expression of at most 500 characters")
            else:
                try:
                    re.compile(pattern)
                    out["pattern"] = pattern
                except re.error as exc:
                    self.problem(key, f"validate.pattern is not a valid regular expression: {exc}")
        vtype = validate.get("validationType")
        if vtype == "email":
            out["email"] = True
        elif vtype not in (None, "", "custom"):
            self.problem(key, f"validate.validationType {vtype!r} is not supported; use a pattern")
        return out

    def number_rules(self, key: str, c: Mapping, validate: Mapping) -> dict:
        out: dict = {}
        for name, attr in (("min", "minimum"), ("max", "maximum")):
            if name in validate and validate[name] is not None:
                num = _to_decimal(validate[name])
                if num is None:
                    self.problem(key, f"validate.{name} must be a number")
                else:
                    out[attr] = num
        if "minimum" in out and "maximum" in out and out["minimum"] > out["maximum"]:
            self.problem(key, "validate.min is above validate.max")
        digits = c.get("decimalDigits")
        if digits is not None:
            if (
                not isinstance(digits, int)
                or isinstance(digits, bool)
                or not 0 <= digits <= MAX_NUMBER_PLACES
            ):
                self.problem(key, f"decimalDigits must be a whole number from 0 to {MAX_NUMBER_PLACES}")
            else:
                out["decimal_digits"] = digits
        return out

    def options(self, key: str, c: Mapping) -> tuple:
        values = c.get("values")
        if not isinstance(values, list) or not values:
            self.problem(key, f"a {c.get('type')} needs a non-empty values list")
            return ()
        options = []
        seen: set[str] = set()
        for entry in values:
            value = entry.get("value") if isinstance(entry, Mapping) else None
            if not isinstance(value, str | int) or isinstance(value, bool):
                self.problem(key, "each entry of values needs a value (text or whole number)")
                continue
            if str(value) in seen:
                self.problem(key, f"option value {value!r} is listed twice")
                continue
            seen.add(str(value))
            options.append(value)
        return tuple(options)
