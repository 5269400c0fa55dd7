"""Writing and reading the audit log (see models.audit): one function each, no updates, no deletes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import AuditEntry, User


def record(
    user: User | None,
    action: str,
    subject: str,
    comment: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry to the log in the caller's transaction (the caller commits)."""
    entry = AuditEntry(
        user_id=user.id if user else None,
        action=action,
        subject=subject[:200],
        comment=(comment or None) and comment[:400],
        detail=detail,
        at=clock()(),
    )
    db.session.add(entry)
    return entry


def entries(
    *, action: str | None = None, subject: str | None = None, user_id: int | None = None, limit: int = 200
) -> list[AuditEntry]:
    """The newest entries first, optionally filtered by action prefix, subject text or user."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if subject:
        query = query.where(AuditEntry.subject.contains(subject))
    if user_id:
        query = query.where(AuditEntry.user_id == user_id)
    return list(db.session.execute(query).scalars())
