"""The running deadlines of open cases, indexed; the deadlines waiting for a calendar year; and what a
calendar change does to them.

`sync_many` keeps cases' rows in step with their state (called by casework._sync on every change).
After a region's year is edited or confirmed, `recompute_after` counts again every open case whose
deadlines depend on it — waiting for that year, or running from, into or across it, in that region
or one layered on it — one transaction per batch of cases; each moved deadline is kept on the
change (`MovedDeadline`) and written in the case's timeline. Many affected cases are left to the
timer worker (`recount_pending`). Whoever counts a change holds it (`CalendarChange.recount_until`,
a lease renewed batch by batch): a second worker, or the recount button, leaves it alone meanwhile.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Iterable

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import ClueflowError

from . import calendaring
from .clock import clock
from .extensions import db
from .models import CalendarChange, Case, CaseDeadline, MovedDeadline, User
from .packversions import DEADLINE_LABELS

BATCH = 100
INLINE_RECOUNT = 200  # affected cases a calendar edit recounts itself (see inline_limit)
RECOUNT_LEASE = timedelta(minutes=10)  # far longer than one batch of cases takes
# The lease is written with plain UPDATEs; the change object in the session is read again after a commit.
_UNSYNCED = {"synchronize_session": False}
NEIGHBOUR_DAYS = 31  # a notice may reach into the neighbouring December or January (元旦)


def _date(value) -> date | None:
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
    conn.execute(delete(table).where(table.c.case_id == ids[0] if len(ids) == 1 else table.c.case_id.in_(ids)))
    rows = []
    for row, deadlines in items:
        if row.status == "closed":
            continue
        for d in deadlines:
            waiting = d.get("waiting_for") or {}
            rows.append(dict(
                case_id=row.id, element_id=d["element_id"],
                name=DEADLINE_LABELS.get(d.get("rule") or "", d.get("name") or "")[:120], rule=d.get("rule"),
                basis=(d.get("basis") or "")[:120] or None, region=d.get("region"), trigger=_date(d.get("trigger")),
                due=_date(d.get("due")), waiting_region=waiting.get("region"), waiting_year=waiting.get("year"),
                provisional=bool(d.get("provisional"))))
    if rows:
        conn.execute(table.insert(), rows)


def _visible(query, user: User):
    """Only the cases the user may see, by case work's own access rule (casework imports this module)."""
    from .casework import visible_cases

    return query.where(Case.id.in_(visible_cases(user).with_only_columns(Case.id)))


def waiting(user: User, limit: int = 200) -> list[CaseDeadline]:
    """The deadlines of this user's bureaus that wait for a calendar year, oldest trigger first."""
    query = (select(CaseDeadline).join(Case).where(Case.status == "open", CaseDeadline.waiting_year.is_not(None))
             .order_by(CaseDeadline.trigger, CaseDeadline.id).limit(limit))
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
    query = (select(CaseDeadline.case_id).join(Case)
             .where(Case.status == "open", CaseDeadline.region.in_(regions),
                    or_(CaseDeadline.waiting_year == year,
                        and_(CaseDeadline.due.is_not(None), CaseDeadline.trigger <= high, CaseDeadline.due >= low)))
             .group_by(CaseDeadline.case_id).order_by(CaseDeadline.case_id))
    return [case_id for (case_id,) in db.session.execute(query)]


class RecountBusy(ClueflowError):
    """Another worker or request is counting this change's deadlines again (it holds the lease)."""

    def __init__(self, until):
        super().__init__(f"being recounted until {until}")
        self.until = until


def recompute_after(change: CalendarChange, batch: int = BATCH, ids: list[int] | None = None,
                    pending_only: bool = False) -> int:
    """Count the affected cases' deadlines again on the current calendars (`ids`: affected_cases,
    when already read); returns how many moved. Raises RecountBusy when someone else is counting the
    change (or, `pending_only`, has finished it meanwhile). A failure gives the change up at once."""
    change_id = change.id
    _take(change_id, pending_only)
    total = 0
    try:
        ids = affected_cases(change) if ids is None else ids
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            for attempt in range(3):  # a clerk saving one of the cases meanwhile: count that batch again
                try:
                    count = _recompute(db.session.get(CalendarChange, change_id), chunk)
                    _renew(change_id)
                    db.session.commit()
                except StaleDataError:
                    db.session.rollback()
                    if attempt == 2:
                        raise
                    continue
                total += count
                break
    except BaseException:
        db.session.rollback()
        try:
            _release(change_id)
        except Exception:  # noqa: BLE001 - the first error is the one to report; the lease runs out
            db.session.rollback()
        raise
    change = db.session.get(CalendarChange, change_id)
    change.recomputed_at = clock()()
    change.recount_until = None
    change.moved_count = (db.session.execute(select(func.count(MovedDeadline.id))
                                             .where(MovedDeadline.change_id == change_id)).scalar() or 0)
    db.session.commit()
    return total


def _take(change_id: int, pending_only: bool) -> None:
    """Hold the change's recount (its lease free or run out), committed; else RecountBusy."""
    now = clock()()
    statement = update(CalendarChange).where(CalendarChange.id == change_id, _free(now))
    if pending_only:
        statement = statement.where(CalendarChange.recomputed_at.is_(None))
    taken = db.session.execute(statement.values(recount_until=now + RECOUNT_LEASE),
                               execution_options=_UNSYNCED).rowcount == 1
    until = None if taken else db.session.execute(
        select(CalendarChange.recount_until).where(CalendarChange.id == change_id)).scalar()
    db.session.commit()
    if not taken:
        raise RecountBusy(until)


def recount_elsewhere() -> bool:
    """Whether a calendar change is being counted again by another worker or a request right now
    (its lease runs): until it is done, some due dates may still be the old ones."""
    held = select(CalendarChange.id).where(CalendarChange.recomputed_at.is_(None), ~_free(clock()()))
    found = db.session.execute(held.limit(1)).first() is not None
    db.session.rollback()
    return found


def _free(now):
    """The changes nobody is counting: no lease, or one that has run out."""
    return or_(CalendarChange.recount_until.is_(None), CalendarChange.recount_until < now)


def _renew(change_id: int) -> None:
    db.session.execute(update(CalendarChange).where(CalendarChange.id == change_id)
                       .values(recount_until=clock()() + RECOUNT_LEASE), execution_options=_UNSYNCED)


def _release(change_id: int) -> None:
    db.session.execute(update(CalendarChange).where(CalendarChange.id == change_id).values(recount_until=None),
                       execution_options=_UNSYNCED)
    db.session.commit()


def inline_limit() -> int:
    """How many affected cases a calendar edit recounts before its page returns; beyond that the
    timer worker counts them (recount_pending), so a national year confirmed over many open cases
    does not hold the request (config CLUEFLOW_INLINE_RECOUNT)."""
    return int(current_app.config.get("CLUEFLOW_INLINE_RECOUNT", INLINE_RECOUNT))


def recount_pending() -> int:
    """Recount every change left to the worker (or cut short), oldest first; returns how many. A
    change another worker (or the recount button) is counting is left to it; one whose lease has
    run out — its worker was killed — is taken over (a case already recounted has nothing to move)."""
    pending = list(db.session.execute(select(CalendarChange.id)
                                      .where(CalendarChange.recomputed_at.is_(None), _free(clock()()))
                                      .order_by(CalendarChange.id)).scalars())
    db.session.rollback()
    done = 0
    for change_id in pending:
        change = db.session.get(CalendarChange, change_id)
        if change is None:
            continue
        try:
            moved_count = recompute_after(change, pending_only=True)
        except RecountBusy:
            continue
        current_app.logger.info("calendar change %s recounted by the worker: %s deadline(s) moved", change_id,
                                moved_count)
        done += 1
    return done


def _recompute(change: CalendarChange, case_ids: list[int]) -> int:
    from . import casework  # casework keeps the rows in step and imports this module

    count = 0
    for case in db.session.execute(select(Case).where(Case.id.in_(case_ids)).order_by(Case.id)).scalars():
        try:
            loaded = casework.load(case)
            before = loaded.runner.deadlines(loaded.running)
            moves = loaded.runner.recompute_deadlines(loaded.running)
            after = loaded.runner.deadlines(loaded.running)
        except ClueflowError as exc:  # one broken case does not stop the others
            current_app.logger.error("case %s: deadlines not recounted after %s: %s", case.number,
                                     change.summary, exc)
            continue
        if after == before:
            continue
        # The due dates, or only what they were counted on (calendar versions, provisional or not).
        casework._sync(case, loaded.runner, loaded.running)
        if not moves:
            continue
        provisional = {d["element_id"]: bool(d.get("provisional")) for d in after}
        lines = []
        for m in moves:
            label = DEADLINE_LABELS.get(m["rule"] or "", m["name"] or m["element_id"])
            db.session.add(MovedDeadline(change_id=change.id, case_id=case.id, element_id=m["element_id"],
                                         task_name=label[:120], rule=m["rule"], old_due=_date(m["old_due"]),
                                         new_due=_date(m["new_due"]),
                                         provisional=provisional.get(m["element_id"], False)))
            lines.append(f"{label} {m['old_due'] or '待定'} → {m['new_due'] or '待定'}")
        casework._event(case, None, "deadline_moved", f"日历变更（{change.region} {change.year}）：{'；'.join(lines)}"[:200],
                        {"change": change.id, "moved": moves})
        count += len(moves)
    return count
