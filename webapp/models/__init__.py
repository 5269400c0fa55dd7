"""The database: bureaus, users, pack versions, cases, the task index, the timeline, attachments.

A case row holds the workflow state (state-only JSON; the spec belongs to its pack version) and
the few fields lists and searches need. Ready tasks are mirrored in `task_index`, kept in step with
the state on every change, so the inbox never deserializes a workflow. `lock_version` gives
optimistic concurrency: two people completing the same task cannot both win.

Every model here and in the area modules is declared typed (`Mapped[...]` with `mapped_column`): a
column may hold NULL exactly when its annotation is `Optional[...]`, and its SQL type is always
given, so the schema stays what the migrations make (tests/webapp/test_models_schema.py).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Optional

from flask_login import UserMixin
from sqlalchemy import JSON, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..access import ROLES
from ..extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Bureau(db.Model):
    """A medical-security bureau: a city bureau and its district (county) bureaus."""

    __tablename__ = "bureaus"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    code: Mapped[str] = mapped_column(db.String(40), unique=True)
    name: Mapped[str] = mapped_column(db.String(120))
    level: Mapped[str] = mapped_column(db.String(10))  # "city" or "district"
    parent_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("bureaus.id"))
    pack: Mapped[str] = mapped_column(db.String(40))

    parent: Mapped[Optional[Bureau]] = db.relationship("Bureau", remote_side=[id], backref="districts")
    if TYPE_CHECKING:
        districts: Mapped[list[Bureau]]  # made by the backref of `parent`: a city bureau's districts

    def visible_bureau_ids(self) -> list[int]:
        """A city bureau sees its own cases and its districts'; a district only its own."""
        return [self.id, *(d.id for d in self.districts)] if self.level == "city" else [self.id]


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    username: Mapped[str] = mapped_column(db.String(60), unique=True)
    display_name: Mapped[str] = mapped_column(db.String(60))
    password_hash: Mapped[str] = mapped_column(db.String(256))
    roles_text: Mapped[str] = mapped_column("roles", db.String(200), default="")
    bureau_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("bureaus.id"))
    active: Mapped[bool] = mapped_column(db.Boolean, default=True)

    bureau: Mapped[Bureau] = db.relationship("Bureau")

    @property
    def roles(self) -> set[str]:
        return {r for r in self.roles_text.split(",") if r}

    @roles.setter
    def roles(self, roles) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
        self.roles_text = ",".join(r for r in ROLES if r in set(roles))

    def set_password(self, password: str, method: str | None = None) -> None:
        """Store the password's hash (werkzeug's default method unless one is named)."""
        self.password_hash = generate_password_hash(password, **({"method": method} if method else {}))

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active


class PackVersion(db.Model):
    """The merged files of one pack version, stored once; every case of that version refers to it."""

    __tablename__ = "pack_versions"
    __table_args__ = (UniqueConstraint("pack", "version"),)
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    pack: Mapped[str] = mapped_column(db.String(40))
    version: Mapped[str] = mapped_column(db.String(32))
    files: Mapped[dict[str, str]] = mapped_column(JSON)  # {"bpmn/report_handling.bpmn": "<xml…>", …}
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class CaseCounter(db.Model):
    """The last case number given per pack and year (CQH 第十条 numbering)."""

    __tablename__ = "case_counters"
    pack: Mapped[str] = mapped_column(db.String(40), primary_key=True)
    year: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    last: Mapped[int] = mapped_column(db.Integer, default=0)


class FormSubmission(db.Model):
    """A 登记表 sent once: the one-time token of the page it came from and the case it made, so that
    the same form posted twice (a double click, a retry) registers one case."""

    __tablename__ = "form_submissions"
    token: Mapped[str] = mapped_column(db.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    case_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class Case(db.Model):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    number: Mapped[str] = mapped_column(db.String(40), unique=True)
    pack: Mapped[str] = mapped_column(db.String(40))
    pack_version: Mapped[str] = mapped_column(db.String(32))
    process_id: Mapped[str] = mapped_column(db.String(60))
    bureau_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("bureaus.id"), index=True)
    status: Mapped[str] = mapped_column(db.String(20), default="open")  # open / closed
    state: Mapped[str] = mapped_column(db.Text)
    lock_version: Mapped[int] = mapped_column(db.Integer)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    closed_at: Mapped[Optional[datetime]] = mapped_column(db.DateTime(timezone=True))
    next_timer_at: Mapped[Optional[datetime]] = mapped_column(db.DateTime(timezone=True), index=True)
    # What lists, searches and the duplicate check read (copied from the case data).
    received_on: Mapped[Optional[date]] = mapped_column(db.Date)
    channel: Mapped[Optional[str]] = mapped_column(db.String(20))
    anonymous: Mapped[Optional[bool]] = mapped_column(db.Boolean)
    subject_type: Mapped[Optional[str]] = mapped_column(db.String(40))
    reported_person: Mapped[Optional[str]] = mapped_column(db.String(120), index=True)
    reported_unit: Mapped[Optional[str]] = mapped_column(db.String(200), index=True)
    summary: Mapped[Optional[str]] = mapped_column(db.String(200))
    current_step: Mapped[Optional[str]] = mapped_column(db.String(120))
    outcome: Mapped[Optional[str]] = mapped_column(db.String(120))
    # The other district of a jurisdiction dispute while it is negotiated or decided (CQH 第二十一条):
    # its staff see the case and share the negotiation task until the city has designated a handler.
    partner_bureau_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("bureaus.id"))

    bureau: Mapped[Bureau] = db.relationship("Bureau", foreign_keys=[bureau_id])
    __mapper_args__ = {"version_id_col": lock_version}


class TaskEntry(db.Model):
    """One ready user task of one case: the inbox reads only this table."""

    __tablename__ = "task_index"
    __table_args__ = (Index("ix_task_index_bureau_due", "bureau_id", "due"),)
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[str] = mapped_column(db.String(36), unique=True)
    element_id: Mapped[str] = mapped_column(db.String(80))
    name: Mapped[str] = mapped_column(db.String(120))
    form_id: Mapped[str] = mapped_column(db.String(80))
    roles_text: Mapped[str] = mapped_column("roles", db.String(200))
    bureau_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("bureaus.id"))
    pack: Mapped[str] = mapped_column(db.String(40))
    process_id: Mapped[str] = mapped_column(db.String(60))
    due: Mapped[Optional[date]] = mapped_column(db.Date)
    # rule, basis, count, unit, trigger, due, calendar, provisional
    deadline: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    claimed_by_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = db.relationship("Case")
    claimed_by: Mapped[Optional[User]] = db.relationship("User")

    @property
    def roles(self) -> set[str]:
        return {r for r in self.roles_text.split(",") if r}


class TaskQueue(db.Model):
    """The inbox's index: one row per ready task and candidate role, in due order per bureau.

    Each (bureau, role) pair is one short range of the primary key, so the first page of an inbox
    is read from a handful of ranges however many cases the database holds. Tasks without a
    deadline sort last (NO_DUE).
    """

    __tablename__ = "task_queue"
    bureau_id: Mapped[int] = mapped_column(db.Integer, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(db.String(20), primary_key=True)
    sort_due: Mapped[date] = mapped_column(db.Date, primary_key=True)
    task_entry_id: Mapped[int] = mapped_column(
        db.Integer,
        db.ForeignKey("task_index.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
        index=True,
    )

    entry: Mapped[TaskEntry] = db.relationship("TaskEntry")


NO_DUE = date(9999, 12, 31)


class CaseEvent(db.Model):
    """The case timeline: who did what, when. Append-only."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    user_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(db.String(40))
    title: Mapped[str] = mapped_column(db.String(200))
    detail: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)

    user: Mapped[Optional[User]] = db.relationship("User")


class Recusal(db.Model):
    """A staff member recused from a case (CQH 第十八条): they lose all access to it."""

    __tablename__ = "recusals"
    __table_args__ = (
        UniqueConstraint("case_id", "user_id"),
        Index("ix_recusals_user_case", "user_id", "case_id"),
    )
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    decided_by_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    reason: Mapped[Optional[str]] = mapped_column(db.String(400))
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class Attachment(db.Model):
    """Evidence kept outside the database; the row holds its checksum and where it is."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(db.String(200))
    content_type: Mapped[str] = mapped_column(db.String(100))
    size: Mapped[int] = mapped_column(db.Integer)
    sha256: Mapped[str] = mapped_column(db.String(64))
    stored_as: Mapped[str] = mapped_column(db.String(200))
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    __table_args__ = (db.Index("ix_attachments_sha256", "sha256"),)


class EvidenceUpload(db.Model):
    """A file stored under UPLOAD_FOLDER by this database's users, and when it was last chosen: the
    timer worker deletes one no attachment took up once a re-shown form's token for it has expired."""

    __tablename__ = "evidence_uploads"
    sha256: Mapped[str] = mapped_column(db.String(64), primary_key=True)
    stored_as: Mapped[str] = mapped_column(db.String(200))
    stored_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), index=True)


from .audit import AuditEntry  # noqa: E402  (the models of each area live in their own module)
from .calendars import (  # noqa: E402
    CalendarChange,
    CalendarYear,
    CaseDeadline,
    HolidayPeriod,
    MakeupWorkday,
    MovedDeadline,
)
from .notices import Notice, SentMessage  # noqa: E402  (the outbox)
from .rewards import Clawback, Recovery, Reward, RewardDocument, SameAct  # noqa: E402
from .rulebook import PackDraft, PackPublication, RulePack  # noqa: E402
from .timers import DeadlineReminder, DistrictReport, Notification, TimerFailure  # noqa: E402

__all__ = [
    "Bureau",
    "User",
    "PackVersion",
    "CaseCounter",
    "Case",
    "TaskEntry",
    "TaskQueue",
    "NO_DUE",
    "CaseEvent",
    "Recusal",
    "Attachment",
    "EvidenceUpload",
    "ROLES",
    "utcnow",
    "AuditEntry",
    "CalendarChange",
    "CalendarYear",
    "CaseDeadline",
    "HolidayPeriod",
    "MakeupWorkday",
    "MovedDeadline",
    "Notice",
    "SentMessage",
    "PackDraft",
    "PackPublication",
    "RulePack",
    "Clawback",
    "Recovery",
    "Reward",
    "RewardDocument",
    "SameAct",
    "DeadlineReminder",
    "DistrictReport",
    "Notification",
    "TimerFailure",
]
