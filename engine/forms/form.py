"""A checked form definition and its validator: `Form.validate` turns a submission into clean task
data (str, Decimal, bool, date, lists) or raises `ValidationError` with Chinese messages per field.
Nothing the client sends reaches a case unless the form names it: unknown keys, keys starting with
"_" and "typename" (which breaks the workflow serializer) are always refused."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

import marshmallow
from marshmallow import RAISE, Schema

from engine.errors import ValidationError

from .fields import (
    MSG_DISABLED,
    MSG_NOT_OBJECT,
    MSG_RESERVED,
    MSG_UNKNOWN,
    RESERVED_KEY,
    Field,
    marshmallow_field,
)


class _FormSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": MSG_UNKNOWN, "type": MSG_NOT_OBJECT}


class Form:
    """A checked form definition and its validator; build once, validate many times."""

    def __init__(
        self, id: str, fields: dict[str, Field], definition: Mapping[str, Any] | None = None
    ) -> None:
        self.id = id
        self.fields = dict(fields)
        self.definition = definition
        self._disabled = frozenset(k for k, f in self.fields.items() if f.disabled)
        schema_fields = {k: marshmallow_field(f) for k, f in self.fields.items() if not f.disabled}
        name = "Form_" + re.sub(r"\W", "_", id or "anonymous", flags=re.ASCII)
        self._schema = _FormSchema.from_dict(schema_fields, name=name)()

    def __repr__(self) -> str:
        return f"<Form {self.id!r} fields={list(self.fields)}>"

    def schema(self) -> Schema:
        """The marshmallow schema `validate` uses (unknown keys raise)."""
        return self._schema

    def validate(self, data: Mapping[str, Any], partial: bool = False) -> dict[str, Any]:
        """Clean task data, or ValidationError({field: [Chinese messages]}).

        With `partial=True` missing required fields are allowed (a draft); sent values are still
        checked in full."""
        if not isinstance(data, Mapping):
            raise ValidationError({"_schema": [MSG_NOT_OBJECT]})
        errors: dict[str, list[str]] = {}
        accepted: dict[str, Any] = {}
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
        return cast("dict[str, Any]", clean)  # the schema loaded it: a dict


def _flatten(messages: object) -> dict[str, list[str]]:
    if not isinstance(messages, Mapping):
        return {"_schema": [_text(m) for m in _as_list(messages)]}
    out: dict[str, list[str]] = {}
    for key, value in messages.items():
        if isinstance(value, Mapping):  # per-item messages of a list
            out[str(key)] = [_text(m) for v in value.values() for m in _as_list(v)]
        else:
            out[str(key)] = [_text(m) for m in _as_list(value)]
    return out


def _text(message: object) -> str:
    """A message as text, an engine Message kept as it is (the application may translate it)."""
    return message if isinstance(message, str) else str(message)


def _as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]
