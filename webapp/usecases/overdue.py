"""The overdue board: the ready tasks past their due date in the bureaus a user oversees (a city
bureau also its districts'), counted per bureau and listed oldest first with the working days
overdue and the legal basis; and the timers that failed to fire, for administrators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from webapp.access import OVERDUE_BOARD_ROLES
from webapp.extensions import db
from webapp.models import Bureau, Case, Recusal, TaskEntry, TimerFailure, User
from webapp.store.packversions import working_days_left

OVERDUE_REVIEW_FORM = "overdue_review"


@dataclass
class BureauCount:
    bureau: Bureau
    overdue: int  # tasks past their due date
    cases: int  # distinct cases with such a task
    reviews: int  # 督办 tasks open


def may_see(user: User) -> bool:
    return bool(OVERDUE_BOARD_ROLES & user.roles)


def board(
    user: User, today: date, limit: int = 200
) -> tuple[list[BureauCount], list[TaskEntry], dict[int, int | None]]:
    """(counts per bureau, overdue tasks oldest first, working days left per task — negative)."""
    bureau_ids = user.bureau.visible_bureau_ids()
    recused = select(Recusal.case_id).where(Recusal.user_id == user.id)
    late = (TaskEntry.bureau_id.in_(bureau_ids), TaskEntry.due < today, TaskEntry.case_id.not_in(recused))
    counts = {
        b: (n, c)
        for b, n, c in db.session.execute(
            select(
                TaskEntry.bureau_id, func.count(TaskEntry.id), func.count(func.distinct(TaskEntry.case_id))
            )
            .where(*late)
            .group_by(TaskEntry.bureau_id)
        )
    }
    reviews = dict(
        db.session.execute(
            select(TaskEntry.bureau_id, func.count(TaskEntry.id))
            .where(
                TaskEntry.bureau_id.in_(bureau_ids),
                TaskEntry.form_id == OVERDUE_REVIEW_FORM,
                TaskEntry.case_id.not_in(recused),
            )
            .group_by(TaskEntry.bureau_id)
        ).all()
    )
    bureaus = db.session.execute(
        select(Bureau).where(Bureau.id.in_(bureau_ids)).order_by(Bureau.level, Bureau.id)
    ).scalars()
    per_bureau = [BureauCount(b, *counts.get(b.id, (0, 0)), reviews.get(b.id, 0)) for b in bureaus]
    tasks = list(
        db.session.execute(
            select(TaskEntry).where(*late).order_by(TaskEntry.due, TaskEntry.id).limit(limit)
        ).scalars()
    )
    return per_bureau, tasks, working_days_left(tasks, today)


def failing_timers(user: User) -> list[TimerFailure]:
    """The cases of the user's bureaus whose timers failed and wait for a retry (administrators)."""
    if "administrator" not in user.roles:
        return []
    return list(
        db.session.execute(
            select(TimerFailure)
            .join(Case, Case.id == TimerFailure.case_id)
            .where(Case.bureau_id.in_(user.bureau.visible_bureau_ids()))
            .order_by(TimerFailure.first_failed_at)
        ).scalars()
    )
