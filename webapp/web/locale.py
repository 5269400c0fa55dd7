"""The language of a page: Chinese unless the user chose English."""

from __future__ import annotations

from flask import has_request_context, request, session


def selected_locale() -> str:
    """Chinese unless the user chose English (?lang=en, kept in the session)."""
    if not has_request_context():  # the command line and background work speak Chinese
        return "zh"
    chosen = request.args.get("lang")
    if chosen in ("zh", "en"):
        session["lang"] = chosen
    return session.get("lang", "zh")
