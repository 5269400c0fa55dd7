"""Words marked for the translation catalogue where they are defined, translated where they are shown."""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a message for the translation catalogue (pybabel extract -k N_); returns it unchanged."""
    return message


__all__ = ["N_"]
