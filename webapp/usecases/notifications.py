"""Notifications on a user's inbox: reminders before a deadline, escalations when one passes, and
the district reports a bureau owes. Sent by the worker, read and marked read by their user.

A reminder goes out N working days before a task's due date (config CLUEFLOW_REMINDER_DAYS,
default 3) to whoever claimed the task, else to every user of its roles in its bureau (recused
users left out). One DeadlineReminder row per task and due date makes it exactly once, even with
several workers: the second insert breaks the unique key and is dropped.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from engine.citations import cite
from engine.errors import ClueflowError
from engine.packs import read_index
from engine.rules import calendars_for
from webapp.clock import LOCAL_ZONE
from webapp.extensions import db
from webapp.models import Case, DeadlineReminder, Notification, Recusal, TaskEntry, User
from webapp.store import packversions
from webapp.store.packversions import packs_root
from webapp.transaction import transaction

DEFAULT_REMINDER_DAYS = 3
UNIT_WORDS = {"working_days": "个工作日", "days": "日", "months": "个月"}


def reminder_days() -> int:
    return int(current_app.config.get("CLUEFLOW_REMINDER_DAYS", DEFAULT_REMINDER_DAYS))


def recipients(
    bureau_id: int,
    roles,
    case_id: int | None,
    claimed_by_id: int | None = None,
    staff: dict | None = None,
    recused: set[int] | None = None,
) -> list[int]:
    """Who is told about a task: its claimant, else the active users of its roles in its bureau
    who are not recused from the case. `staff` caches the bureaus' users within one tick;
    `recused`, when given, is the case's recused users (read for a whole batch at once)."""
    if claimed_by_id is not None:
        return [claimed_by_id]
    staff = {} if staff is None else staff
    if bureau_id not in staff:
        staff[bureau_id] = db.session.execute(
            select(User.id, User.roles_text).where(User.bureau_id == bureau_id, User.active.is_(True))
        ).all()
    wanted = set(roles)
    ids = [uid for uid, text in staff[bureau_id] if wanted & set(text.split(","))]
    if case_id is not None and ids:
        if recused is None:
            recused = set(
                db.session.execute(select(Recusal.user_id).where(Recusal.case_id == case_id)).scalars()
            )
        ids = [i for i in ids if i not in recused]
    return ids


def basis_text(deadline: dict | None, case=None) -> str:
    """E.g. "URU 第十四条第一款：15 个工作日", cited as the case's pack is shown (RULES §B.12)."""
    if not deadline:
        return ""
    unit = UNIT_WORDS.get(deadline.get("unit"), deadline.get("unit") or "")
    basis = deadline.get("basis") or ""
    if case is not None:
        basis = cite(basis, packversions.regulations(case))
    return f"{basis}：{deadline.get('count')} {unit}".strip("：")


def send_reminders(now: datetime) -> int:
    """Remind every ready task whose due date is within the reminder days from today; returns how many."""
    from webapp.store.packversions import working_days_left

    today = now.astimezone(LOCAL_ZONE).date()
    days = reminder_days()
    calendars = calendars_for(packs_root())
    by_region: dict[str, list[str]] = {}
    for name, info in read_index(packs_root()).items():
        by_region.setdefault(info.calendar, []).append(name)
    sent = 0
    for region, packs in sorted(by_region.items()):
        try:
            horizon = calendars.add(region, today, days, "working_days").due
        except ClueflowError as exc:  # an unconfirmed national year: no guess, no reminder
            current_app.logger.warning("reminders for %s skipped: %s", region, exc)
            continue
        reminded = exists().where(
            DeadlineReminder.task_id == TaskEntry.task_id, DeadlineReminder.due == TaskEntry.due
        )
        entries = list(
            db.session.execute(
                select(TaskEntry)
                .where(TaskEntry.pack.in_(packs), TaskEntry.due >= today, TaskEntry.due <= horizon, ~reminded)
                .order_by(TaskEntry.due, TaskEntry.id)
            ).scalars()
        )
        if not entries:
            continue
        left = working_days_left(entries, today)
        ids = [e.id for e in entries]
        try:
            with transaction():
                for entry in entries:
                    _remind(entry, left.get(entry.id), now)
            sent += len(entries)
        except IntegrityError:  # another worker reminded some of them first: one by one, skipping those
            for entry_id in ids:
                entry = db.session.get(TaskEntry, entry_id)
                if entry is None:
                    continue
                try:
                    with transaction():
                        _remind(entry, left.get(entry_id), now)
                    sent += 1
                except IntegrityError:
                    continue
    return sent


def _remind(entry: TaskEntry, days_left: int | None, now: datetime) -> None:
    db.session.add(DeadlineReminder(task_id=entry.task_id, case_id=entry.case_id, due=entry.due, sent_at=now))
    db.session.flush()  # the unique key is checked here, before anyone is told
    left = f"剩 {days_left} 个工作日" if days_left else "今日到期" if days_left == 0 else ""
    title = f"期限提醒：{entry.case.number}「{entry.name}」{entry.due.isoformat()} 到期"
    body = "；".join(p for p in (left, basis_text(entry.deadline, entry.case)) if p)
    for user_id in recipients(entry.bureau_id, entry.roles, entry.case_id, entry.claimed_by_id):
        db.session.add(
            Notification(
                user_id=user_id,
                case_id=entry.case_id,
                task_id=entry.task_id,
                kind="reminder",
                title=title[:200],
                body=body[:400],
                created_at=now,
            )
        )


def escalations(
    case: Case, opened, ready, now: datetime, staff: dict | None = None, recused: set[int] | None = None
) -> list[dict]:
    """The notifications telling the users of each task a fired timer opened (the head's 督办, as
    TaskInfo) which deadlines passed among the case's ready tasks; rows for `add_notifications`."""
    today = now.astimezone(LOCAL_ZONE).date()
    dated = sorted(
        ((t, date.fromisoformat(t.deadline["due"])) for t in ready if t.deadline and t.deadline.get("due")),
        key=lambda pair: pair[1],
    )
    passed = "；".join(
        f"「{t.name}」{due.isoformat()} 到期（{basis_text(t.deadline, case)}）"
        for t, due in dated
        if due < today
    )
    rows = []
    for task in opened:
        title = (
            f"{'超期督办' if task.form_id == 'overdue_review' else '期限届满'}：{case.number}「{task.name}」"
        )
        rows += [
            dict(
                user_id=user_id,
                case_id=case.id,
                task_id=task.id,
                kind="escalation",
                title=title[:200],
                body=passed[:400] or None,
                created_at=now,
            )
            for user_id in recipients(case.bureau_id, task.roles, case.id, staff=staff, recused=recused)
        ]
    return rows


def add_notifications(rows: list[dict]) -> None:
    """Insert notification rows (dicts of Notification's columns) in one statement."""
    if rows:
        db.session.connection().execute(Notification.__table__.insert(), rows)


def notify_users(
    user_ids, kind: str, title: str, body: str | None, case_id: int | None, at: datetime
) -> None:
    for user_id in user_ids:
        db.session.add(
            Notification(
                user_id=user_id,
                case_id=case_id,
                kind=kind,
                title=title[:200],
                body=body[:400] if body else None,
                created_at=at,
            )
        )


def unread(user: User, limit: int = 20) -> list[Notification]:
    """The user's unread notifications, newest first."""
    return list(
        db.session.execute(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        ).scalars()
    )


def mark_read(user: User, notification_id: int | None, at: datetime) -> int:
    """Mark one of the user's notifications read (or all of them when no id); returns how many."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    with transaction():
        count = db.session.execute(query.values(read_at=at)).rowcount
    return count
