"""The audit log: every rule save, publication, approval, case migration and calendar change.

Append-only: rows are inserted and read, never updated or deleted by the application.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import utcnow

if TYPE_CHECKING:
    from . import User


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(
        db.String(40), index=True
    )  # e.g. draft.save, pack.publish, calendar.confirm
    subject: Mapped[str] = mapped_column(db.String(200))  # e.g. "urumqi", "urumqi draft 3", "CN 2027"
    comment: Mapped[Optional[str]] = mapped_column(db.String(400))
    detail: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)

    user: Mapped[Optional[User]] = db.relationship("User")
