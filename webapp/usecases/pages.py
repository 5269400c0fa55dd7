"""Long lists a page at a time (the case list, the inbox, the outbox): which page was asked for, its
rows, and whether there is a next one — so no list stops silently at its first hundred rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from sqlalchemy import func, or_, select

from webapp.extensions import db
from webapp.models import Case, User
from webapp.store import visibility

CASES_PER_PAGE = 100
TASKS_PER_PAGE = 200


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    number: int  # from 1
    size: int
    has_next: bool
    total: int | None = None  # when counting is cheap

    @property
    def first(self) -> int:
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def page_number(text: str | None) -> int:
    """?page=N as a page number (1 for anything else), capped so a hostile number costs nothing."""
    return min(int(text), 10_000) if text and text.isdigit() and int(text) > 0 else 1


def of_list(fetch: Callable[[int], Sequence[Any]], number: int, size: int) -> Page:
    """A page of a list read through `fetch(limit)`, which returns its first `limit` rows."""
    rows = fetch(number * size + 1)
    start = (number - 1) * size
    return Page(
        items=list(rows[start : start + size]), number=number, size=size, has_next=len(rows) > start + size
    )


def search_cases(user: User, text: str, number: int, size: int | None = None) -> Page:
    """The cases the user may see whose number, reported unit or person contains `text`, newest first."""
    size = size or CASES_PER_PAGE
    query = visibility.visible_cases(user)
    if text:
        query = query.where(
            or_(
                Case.number.contains(text),
                Case.reported_unit.contains(text),
                Case.reported_person.contains(text),
            )
        )
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = db.session.execute(
        query.order_by(Case.created_at.desc(), Case.id.desc()).offset((number - 1) * size).limit(size)
    ).scalars()
    items = list(rows)
    return Page(items=items, number=number, size=size, has_next=number * size < total, total=total)
