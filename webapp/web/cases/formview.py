"""form-js definitions as server-rendered HTML forms, and HTML form posts back as data.

The clerk's pages need no build step: each form-js component becomes a plain HTML control, the
post is turned back into the data the engine validates, and the page is shown again with the
engine's messages next to the fields when something is wrong.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from engine.errors import Message
from engine.forms.definition import input_components

CONTROL_KEYS = ("csrf_token", "lock_version", "seen_event", "back")


def data_from_post(definition: Mapping[str, Any], form: MultiDict) -> dict[str, Any]:
    """The posted fields as data for the engine: unchecked boxes are false, lists stay lists,
    and anything posted that the form does not have is passed on so that validation refuses it."""
    fields = {c["key"]: c for c in input_components(definition.get("components", []))}
    data: dict[str, Any] = {}
    for key in form.keys():
        if key in CONTROL_KEYS:
            continue
        kind = fields.get(key, {}).get("type")
        data[key] = form.getlist(key) if kind in ("checklist", "taglist") else form.get(key)
    for key, component in fields.items():
        if component["type"] == "checkbox":
            data[key] = key in form and form.get(key) not in ("", "false", "0")
        elif component["type"] in ("checklist", "taglist") and key not in data:
            data[key] = []
    return data


def display_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, Decimal)):
        return str(value)
    return str(value)


def option_label(component: Mapping[str, Any], value: Any) -> str:
    for option in component.get("values", []):
        if str(option.get("value")) == str(value):
            return option.get("label", str(value))
    return display_value(value)


def say(message: Any) -> str:
    """A message next to a field in the page's language. The engine's (engine.errors.Message) are
    translated by their template, then filled; others by their text when the catalogue has it (a
    message marshmallow copied keeps only its text); anything else is shown as it is."""
    if isinstance(message, Message):
        return gettext(message.template, **message.values)
    return gettext(message) if isinstance(message, str) and message else str(message)
