"""The running deadlines of open cases, indexed; the deadlines waiting for a calendar year; and which
cases a calendar change concerns.

`sync_many` keeps cases' rows in step with their state (called by casestore.keep on every change).
`affected_cases` finds the open cases whose deadlines depend on a region's year — waiting for it,
or running from, into or across it, in that region or one layered on it; counting them again is
webapp.usecases.recounts'.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Iterable

from sqlalchemy import and_, delete, or_, select

from webapp.extensions import db
from webapp.models import CalendarChange, Case, CaseDeadline, MovedDeadline, User
from webapp.store import calendaring
from webapp.store.packversions import DEADLINE_LABELS

NEIGHBOUR_DAYS = 31  # a notice may reach into the neighbouring December or January (元旦)


def as_date(value) -> date | None:
    """A date the engine gives as text (None when there is none)."""
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def sync_many(items: Iterable[tuple[Case, Iterable[dict[str, Any]]]]) -> None:
    """Replace each case's indexed deadlines by those of its state (none once it is closed), in two
    statements for all of them. Written with Core statements: it runs on every completion, beside the
    task index (see caserows)."""
    items = list(items)
    if not items:
        return
    table = CaseDeadline.__table__
    conn = db.session.connection()
    ids = [row.id for row, _ in items]
    conn.execute(
        delete(table).where(table.c.case_id == ids[0] if len(ids) == 1 else table.c.case_id.in_(ids))
    )
    rows = []
    for row, deadlines in items:
        if row.status == "closed":
            continue
        for d in deadlines:
            waiting = d.get("waiting_for") or {}
            rows.append(
                dict(
                    case_id=row.id,
                    element_id=d["element_id"],
                    name=DEADLINE_LABELS.get(d.get("rule") or "", d.get("name") or "")[:120],
                    rule=d.get("rule"),
                    basis=(d.get("basis") or "")[:120] or None,
                    region=d.get("region"),
                    trigger=as_date(d.get("trigger")),
                    due=as_date(d.get("due")),
                    waiting_region=waiting.get("region"),
                    waiting_year=waiting.get("year"),
                    provisional=bool(d.get("provisional")),
                )
            )
    if rows:
        conn.execute(table.insert(), rows)


def _visible(query, user: User):
    """Only the cases the user may see, by case work's own access rule (casework imports this module)."""
    from webapp.store.visibility import visible_cases

    return query.where(Case.id.in_(visible_cases(user).with_only_columns(Case.id)))


def waiting(user: User, limit: int = 200) -> list[CaseDeadline]:
    """The deadlines of this user's bureaus that wait for a calendar year, oldest trigger first."""
    query = (
        select(CaseDeadline)
        .join(Case)
        .where(Case.status == "open", CaseDeadline.waiting_year.is_not(None))
        .order_by(CaseDeadline.trigger, CaseDeadline.id)
        .limit(limit)
    )
    return list(db.session.execute(_visible(query, user)).scalars())


def moved(change: CalendarChange, user: User) -> tuple[list[MovedDeadline], int]:
    """The deadlines a change moved in this user's bureaus, and how many it moved elsewhere."""
    query = select(MovedDeadline).join(Case).where(MovedDeadline.change_id == change.id)
    mine = list(db.session.execute(_visible(query, user).order_by(MovedDeadline.id)).scalars())
    return mine, max(change.moved_count - len(mine), 0)


def affected_cases(change: CalendarChange) -> list[int]:
    """The open cases with a deadline that depends on the changed region's year."""
    year = change.year
    low = date(year, 1, 1) - timedelta(days=NEIGHBOUR_DAYS)
    high = date(year, 12, 31) + timedelta(days=NEIGHBOUR_DAYS)
    regions = calendaring.dependent_regions(change.region)
    query = (
        select(CaseDeadline.case_id)
        .join(Case)
        .where(
            Case.status == "open",
            CaseDeadline.region.in_(regions),
            or_(
                CaseDeadline.waiting_year == year,
                and_(CaseDeadline.due.is_not(None), CaseDeadline.trigger <= high, CaseDeadline.due >= low),
            ),
        )
        .group_by(CaseDeadline.case_id)
        .order_by(CaseDeadline.case_id)
    )
    return [case_id for (case_id,) in db.session.execute(query)]
