"""FEEL errors: what a caller catches when FEEL text cannot be read or evaluated."""

from __future__ import annotations

from engine.errors import ClueflowError


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


def with_text(error: FeelError, text: str) -> FeelError:
    if error.text is None:
        error.text = text
    return error
