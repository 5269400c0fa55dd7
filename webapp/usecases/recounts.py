"""Deadlines counted again after a calendar change. After a region's year is edited or confirmed,
`recompute_after` counts again every open case whose deadlines depend on it
(deadline_index.affected_cases), one transaction per batch of cases; each moved deadline is kept on
the change (`MovedDeadline`) and written in the case's timeline. Many affected cases are left to the
timer worker (`recount_pending`). Whoever counts a change holds it (`CalendarChange.recount_until`,
a lease renewed batch by batch): a second worker, or the recount button, leaves it alone meanwhile.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update

from engine.errors import ClueflowError
from webapp.clock import clock
from webapp.errors import Conflict
from webapp.extensions import db
from webapp.models import CalendarChange, Case, MovedDeadline
from webapp.store import casestore
from webapp.store.deadline_index import affected_cases, as_date
from webapp.store.packversions import DEADLINE_LABELS
from webapp.transaction import discard, transaction

BATCH = 100
INLINE_RECOUNT = 200  # affected cases a calendar edit recounts itself (see inline_limit)
RECOUNT_LEASE = timedelta(minutes=10)  # far longer than one batch of cases takes
# The lease is written with plain UPDATEs; the change object in the session is read again after a commit.
_UNSYNCED = {"synchronize_session": False}


class RecountBusy(ClueflowError):
    """Another worker or request is counting this change's deadlines again (it holds the lease)."""

    def __init__(self, until):
        super().__init__(f"being recounted until {until}")
        self.until = until


def recompute_after(
    change: CalendarChange, batch: int = BATCH, ids: list[int] | None = None, pending_only: bool = False
) -> int:
    """Count the affected cases' deadlines again on the current calendars (`ids`: affected_cases,
    when already read); returns how many moved. Raises RecountBusy when someone else is counting the
    change (or, `pending_only`, has finished it meanwhile). A failure gives the change up at once."""
    change_id = change.id
    _take(change_id, pending_only)
    total = 0
    try:
        ids = affected_cases(change) if ids is None else ids
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            for attempt in range(3):  # a clerk saving one of the cases meanwhile: count that batch again
                try:
                    with transaction():
                        count = _recompute(db.session.get(CalendarChange, change_id), chunk)
                        _renew(change_id)
                except Conflict:
                    if attempt == 2:
                        raise
                    continue
                total += count
                break
    except BaseException:
        discard()
        try:
            _release(change_id)
        except Exception:  # noqa: BLE001 - the first error is the one to report; the lease runs out
            pass
        raise
    with transaction():
        change = db.session.get(CalendarChange, change_id)
        change.recomputed_at = clock()()
        change.recount_until = None
        change.moved_count = (
            db.session.execute(
                select(func.count(MovedDeadline.id)).where(MovedDeadline.change_id == change_id)
            ).scalar()
            or 0
        )
    return total


def _take(change_id: int, pending_only: bool) -> None:
    """Hold the change's recount (its lease free or run out), committed; else RecountBusy."""
    now = clock()()
    statement = update(CalendarChange).where(CalendarChange.id == change_id, _free(now))
    if pending_only:
        statement = statement.where(CalendarChange.recomputed_at.is_(None))
    with transaction():
        taken = (
            db.session.execute(
                statement.values(recount_until=now + RECOUNT_LEASE), execution_options=_UNSYNCED
            ).rowcount
            == 1
        )
        until = (
            None
            if taken
            else db.session.execute(
                select(CalendarChange.recount_until).where(CalendarChange.id == change_id)
            ).scalar()
        )
    if not taken:
        raise RecountBusy(until)


def recount_elsewhere() -> bool:
    """Whether a calendar change is being counted again by another worker or a request right now
    (its lease runs): until it is done, some due dates may still be the old ones."""
    held = select(CalendarChange.id).where(CalendarChange.recomputed_at.is_(None), ~_free(clock()()))
    found = db.session.execute(held.limit(1)).first() is not None
    discard()  # a read: nothing to keep
    return found


def _free(now):
    """The changes nobody is counting: no lease, or one that has run out."""
    return or_(CalendarChange.recount_until.is_(None), CalendarChange.recount_until < now)


def _renew(change_id: int) -> None:
    db.session.execute(
        update(CalendarChange)
        .where(CalendarChange.id == change_id)
        .values(recount_until=clock()() + RECOUNT_LEASE),
        execution_options=_UNSYNCED,
    )


def _release(change_id: int) -> None:
    with transaction():
        db.session.execute(
            update(CalendarChange).where(CalendarChange.id == change_id).values(recount_until=None),
            execution_options=_UNSYNCED,
        )


def inline_limit() -> int:
    """How many affected cases a calendar edit recounts before its page returns; beyond that the
    timer worker counts them (recount_pending), so a national year confirmed over many open cases
    does not hold the request (config CLUEFLOW_INLINE_RECOUNT)."""
    return int(current_app.config.get("CLUEFLOW_INLINE_RECOUNT", INLINE_RECOUNT))


def recount_pending() -> int:
    """Recount every change left to the worker (or cut short), oldest first; returns how many. A
    change another worker (or the recount button) is counting is left to it; one whose lease has
    run out — its worker was killed — is taken over (a case already recounted has nothing to move)."""
    pending = list(
        db.session.execute(
            select(CalendarChange.id)
            .where(CalendarChange.recomputed_at.is_(None), _free(clock()()))
            .order_by(CalendarChange.id)
        ).scalars()
    )
    discard()  # a read: nothing to keep
    done = 0
    for change_id in pending:
        change = db.session.get(CalendarChange, change_id)
        if change is None:
            continue
        try:
            moved_count = recompute_after(change, pending_only=True)
        except RecountBusy:
            continue
        current_app.logger.info(
            "calendar change %s recounted by the worker: %s deadline(s) moved", change_id, moved_count
        )
        done += 1
    return done


def _recompute(change: CalendarChange, case_ids: list[int]) -> int:
    count = 0
    for case in db.session.execute(select(Case).where(Case.id.in_(case_ids)).order_by(Case.id)).scalars():
        try:
            loaded = casestore.load(case)
            before = loaded.runner.deadlines(loaded.running)
            moves = loaded.runner.recompute_deadlines(loaded.running)
            after = loaded.runner.deadlines(loaded.running)
        except ClueflowError as exc:  # one broken case does not stop the others
            current_app.logger.error(
                "case %s: deadlines not recounted after %s: %s", case.number, change.summary, exc
            )
            continue
        if after == before:
            continue
        # The due dates, or only what they were counted on (calendar versions, provisional or not).
        casestore.keep(case, loaded.runner, loaded.running)
        if not moves:
            continue
        provisional = {d["element_id"]: bool(d.get("provisional")) for d in after}
        lines = []
        for m in moves:
            label = DEADLINE_LABELS.get(m["rule"] or "", m["name"] or m["element_id"])
            db.session.add(
                MovedDeadline(
                    change_id=change.id,
                    case_id=case.id,
                    element_id=m["element_id"],
                    task_name=label[:120],
                    rule=m["rule"],
                    old_due=as_date(m["old_due"]),
                    new_due=as_date(m["new_due"]),
                    provisional=provisional.get(m["element_id"], False),
                )
            )
            lines.append(f"{label} {m['old_due'] or '待定'} → {m['new_due'] or '待定'}")
        casestore.add_event(
            case,
            None,
            "deadline_moved",
            f"日历变更（{change.region} {change.year}）：{'；'.join(lines)}"[:200],
            {"change": change.id, "moved": moves},
        )
        count += len(moves)
    return count
