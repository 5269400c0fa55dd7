"""Engine errors. Each names what it concerns (pack, file, element, rule, column); none knows HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One finding of a validation: where it is and what is wrong."""

    message: str
    pack: str = ""
    file: str = ""
    element: str = ""
    rule: str = ""
    column: str = ""
    severity: str = "error"  # "error" or "warning"

    def location(self) -> str:
        parts = [self.pack, self.file, self.element]
        if self.rule:
            parts.append(f"rule {self.rule}")
        if self.column:
            parts.append(f"column {self.column}")
        return " / ".join(p for p in parts if p)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


class Message(str):
    """What the engine tells a person, in Chinese — and the template and values it was made from,
    so an application can say it in another language: the template (with %(name)s places) is the
    key of its translation catalogue."""

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, **values: object) -> Message:
        message = super().__new__(cls, template % values if values else template)
        message.template, message.values = template, values
        return message


class ClueflowError(Exception):
    """Base of every error the engine raises on purpose."""


@dataclass
class PackError(ClueflowError):
    """A pack (or one of its files) is not valid; carries every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "; ".join(str(p) for p in self.problems)


class ValidationError(ClueflowError):
    """Submitted data does not fit a form: field -> list of messages."""

    def __init__(self, messages: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in messages.items()))
        self.messages = messages
