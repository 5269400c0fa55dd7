"""The database: bureaus, users, pack versions, cases, the task index, the timeline, attachments.

A case row holds the workflow state (state-only JSON; the spec belongs to its pack version) and
the few fields lists and searches need. Ready tasks are mirrored in `task_index`, kept in step with
the state on every change, so the inbox never deserializes a workflow. `lock_version` gives
optimistic concurrency: two people completing the same task cannot both win.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from flask_login import UserMixin
from sqlalchemy import JSON, Index, UniqueConstraint
from werkzeug.security import check_password_hash, generate_password_hash

from ..access import ROLES
from ..extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Bureau(db.Model):
    """A medical-security bureau: a city bureau and its district (county) bureaus."""

    __tablename__ = "bureaus"
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(40), unique=True, nullable=False)
    name = db.Column(db.String(120), nullable=False)
    level = db.Column(db.String(10), nullable=False)  # "city" or "district"
    parent_id = db.Column(db.Integer, db.ForeignKey("bureaus.id"))
    pack = db.Column(db.String(40), nullable=False)

    parent = db.relationship("Bureau", remote_side=[id], backref="districts")

    def visible_bureau_ids(self) -> list[int]:
        """A city bureau sees its own cases and its districts'; a district only its own."""
        return [self.id, *(d.id for d in self.districts)] if self.level == "city" else [self.id]


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(60), unique=True, nullable=False)
    display_name = db.Column(db.String(60), nullable=False)
    password_hash = db.Column(db.String(256), nullable=False)
    roles_text = db.Column("roles", db.String(200), nullable=False, default="")
    bureau_id = db.Column(db.Integer, db.ForeignKey("bureaus.id"), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)

    bureau = db.relationship("Bureau")

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
    id = db.Column(db.Integer, primary_key=True)
    pack = db.Column(db.String(40), nullable=False)
    version = db.Column(db.String(32), nullable=False)
    files = db.Column(JSON, nullable=False)  # {"bpmn/report_handling.bpmn": "<xml…>", …}
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


class CaseCounter(db.Model):
    """The last case number given per pack and year (CQH 第十条 numbering)."""

    __tablename__ = "case_counters"
    pack = db.Column(db.String(40), primary_key=True)
    year = db.Column(db.Integer, primary_key=True)
    last = db.Column(db.Integer, nullable=False, default=0)


class Case(db.Model):
    __tablename__ = "cases"
    id = db.Column(db.Integer, primary_key=True)
    number = db.Column(db.String(40), unique=True, nullable=False)
    pack = db.Column(db.String(40), nullable=False)
    pack_version = db.Column(db.String(32), nullable=False)
    process_id = db.Column(db.String(60), nullable=False)
    bureau_id = db.Column(db.Integer, db.ForeignKey("bureaus.id"), nullable=False, index=True)
    status = db.Column(db.String(20), nullable=False, default="open")  # open / closed
    state = db.Column(db.Text, nullable=False)
    lock_version = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)
    closed_at = db.Column(db.DateTime(timezone=True))
    next_timer_at = db.Column(db.DateTime(timezone=True), index=True)
    # What lists, searches and the duplicate check read (copied from the case data).
    received_on = db.Column(db.Date)
    channel = db.Column(db.String(20))
    anonymous = db.Column(db.Boolean)
    subject_type = db.Column(db.String(40))
    reported_person = db.Column(db.String(120), index=True)
    reported_unit = db.Column(db.String(200), index=True)
    summary = db.Column(db.String(200))
    current_step = db.Column(db.String(120))
    outcome = db.Column(db.String(120))

    bureau = db.relationship("Bureau")
    __mapper_args__ = {"version_id_col": lock_version}


class TaskEntry(db.Model):
    """One ready user task of one case: the inbox reads only this table."""

    __tablename__ = "task_index"
    __table_args__ = (Index("ix_task_index_bureau_due", "bureau_id", "due"),)
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    task_id = db.Column(db.String(36), nullable=False, unique=True)
    element_id = db.Column(db.String(80), nullable=False)
    name = db.Column(db.String(120), nullable=False)
    form_id = db.Column(db.String(80), nullable=False)
    roles_text = db.Column("roles", db.String(200), nullable=False)
    bureau_id = db.Column(db.Integer, db.ForeignKey("bureaus.id"), nullable=False)
    pack = db.Column(db.String(40), nullable=False)
    process_id = db.Column(db.String(60), nullable=False)
    due = db.Column(db.Date)
    deadline = db.Column(JSON)  # rule, basis, count, unit, trigger, due, calendar, provisional
    claimed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    case = db.relationship("Case")
    claimed_by = db.relationship("User")

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
    bureau_id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    role = db.Column(db.String(20), primary_key=True)
    sort_due = db.Column(db.Date, primary_key=True)
    task_entry_id = db.Column(db.Integer, db.ForeignKey("task_index.id", ondelete="CASCADE"), primary_key=True,
                              autoincrement=False, index=True)

    entry = db.relationship("TaskEntry")


NO_DUE = date(9999, 12, 31)


class CaseEvent(db.Model):
    """The case timeline: who did what, when. Append-only."""

    __tablename__ = "case_events"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    kind = db.Column(db.String(40), nullable=False)
    title = db.Column(db.String(200), nullable=False)
    detail = db.Column(JSON)

    user = db.relationship("User")


class Recusal(db.Model):
    """A staff member recused from a case (CQH 第十八条): they lose all access to it."""

    __tablename__ = "recusals"
    __table_args__ = (UniqueConstraint("case_id", "user_id"), Index("ix_recusals_user_case", "user_id", "case_id"))
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    reason = db.Column(db.String(400))
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


class Attachment(db.Model):
    """Evidence kept outside the database; the row holds its checksum and where it is."""

    __tablename__ = "attachments"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    filename = db.Column(db.String(200), nullable=False)
    content_type = db.Column(db.String(100), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    stored_as = db.Column(db.String(200), nullable=False)
    uploaded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    __table_args__ = (db.Index("ix_attachments_sha256", "sha256"),)


class EvidenceUpload(db.Model):
    """A file stored under UPLOAD_FOLDER by this database's users, and when it was last chosen: the
    timer worker deletes one no attachment took up once a re-shown form's token for it has expired."""

    __tablename__ = "evidence_uploads"
    sha256 = db.Column(db.String(64), primary_key=True)
    stored_as = db.Column(db.String(200), nullable=False)
    stored_at = db.Column(db.DateTime(timezone=True), nullable=False, index=True)


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

__all__ = ["Bureau", "User", "PackVersion", "CaseCounter", "Case", "TaskEntry", "TaskQueue", "NO_DUE", "CaseEvent",
           "Recusal", "Attachment", "EvidenceUpload", "ROLES", "utcnow",
           "AuditEntry",
           "CalendarChange", "CalendarYear", "CaseDeadline", "HolidayPeriod", "MakeupWorkday", "MovedDeadline",
           "Notice", "SentMessage",
           "PackDraft", "PackPublication", "RulePack",
           "Clawback", "Recovery", "Reward", "RewardDocument", "SameAct",
           "DeadlineReminder", "DistrictReport", "Notification", "TimerFailure"]
