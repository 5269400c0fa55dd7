"""The audit log: every rule save, publication, approval, case migration and calendar change.

Append-only: rows are inserted and read, never updated or deleted by the application.
"""

from __future__ import annotations

from sqlalchemy import JSON

from ..extensions import db
from . import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    action = db.Column(db.String(40), nullable=False, index=True)  # e.g. draft.save, pack.publish, calendar.confirm
    subject = db.Column(db.String(200), nullable=False)  # e.g. "urumqi", "urumqi draft 3", "CN 2027"
    comment = db.Column(db.String(400))
    detail = db.Column(JSON)

    user = db.relationship("User")
