"""Reading a form-js definition: `load_form` checks it once (PackError listing every problem) and
builds its `Form`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from engine.errors import PackError, Problem

from .fields import (
    CHOICE_TYPES,
    CONTAINER_TYPES,
    DISPLAY_TYPES,
    INPUT_TYPES,
    KEY_RE,
    MAX_COMPONENTS,
    MAX_DEPTH,
    MAX_NUMBER_PLACES,
    MAX_TEXT_LENGTH,
    MULTI_TYPES,
    RESERVED_KEY,
    TEXT_TYPES,
    VALIDATE_KEYS,
    Field,
    to_decimal,
)
from .form import Form


def load_form(
    definition: dict[str, Any] | str | bytes, form_id: str = "", max_text_length: int = MAX_TEXT_LENGTH
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


def input_components(components: list[Any]) -> list[dict[str, Any]]:
    """Every input component of a form-js definition, groups flattened, in order."""
    out: list[dict[str, Any]] = []
    for component in components:
        if component.get("type") == "group":
            out.extend(input_components(component.get("components", [])))
        elif component.get("type") in INPUT_TYPES and component.get("key"):
            out.append(component)
    return out


class _Reader:
    def __init__(self, file: str, max_text_length: int):
        self.file = file
        self.max_text_length = max_text_length
        self.fields: dict[str, Field] = {}
        self.problems: list[Problem] = []
        self.count = 0

    def problem(self, element: str, message: str) -> None:
        self.problems.append(Problem(message, file=self.file, element=element))

    def components(self, components: list[Any], depth: int, conditional: str | None) -> None:
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

    def component(self, c: Mapping[str, Any], depth: int, conditional: str | None) -> None:
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

    def field(self, c: Mapping[str, Any], key: str, ctype: str, conditional: str | None) -> Field | None:
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
        label = c.get("label")
        label = label if isinstance(label, str) else ""
        disabled = c.get("disabled") is True
        if c.get("valuesKey") or c.get("valuesExpression"):
            self.problem(
                key, "dynamic options (valuesKey / valuesExpression) are not supported; list the values"
            )
        kwargs: dict[str, Any] = {}
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

    def text_rules(self, key: str, validate: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"max_length": self.max_text_length}
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

    def number_rules(self, key: str, c: Mapping[str, Any], validate: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, attr in (("min", "minimum"), ("max", "maximum")):
            if name in validate and validate[name] is not None:
                num = to_decimal(validate[name])
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

    def options(self, key: str, c: Mapping[str, Any]) -> tuple[str | int, ...]:
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
