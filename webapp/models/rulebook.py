"""The rule book: the pack index, drafts of a pack's files, and who published which version when.

The files of each version live in `pack_versions` (content-addressed); `rule_packs` is the index
that packs.toml seeds (and "copy pack" and imports extend); `pack_publications` is append-only:
the newest row of a pack names the version new cases start on.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import utcnow

if TYPE_CHECKING:
    from . import Bureau, User

DRAFT_STATES = ("open", "submitted", "approved", "published", "discarded")


class RulePack(db.Model):
    """One entry of the pack index (as packs.toml has it), owned by the bureau that adopts its rules."""

    __tablename__ = "rule_packs"
    name: Mapped[str] = mapped_column(db.String(40), primary_key=True)
    display_name: Mapped[str] = mapped_column(db.String(120))
    parent: Mapped[Optional[str]] = mapped_column(db.String(40))
    calendar: Mapped[str] = mapped_column(db.String(20))
    case_prefix: Mapped[str] = mapped_column(db.String(20))
    valid_from: Mapped[Optional[date]] = mapped_column(db.Date)
    valid_to: Mapped[Optional[date]] = mapped_column(db.Date)
    owner_bureau_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("bureaus.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    owner_bureau: Mapped[Optional[Bureau]] = db.relationship("Bureau")


class PackDraft(db.Model):
    """A policy editor's working copy of a pack's files, from opening to publication."""

    __tablename__ = "pack_drafts"
    __table_args__ = (Index("ix_pack_drafts_pack_status", "pack", "status"),)
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    pack: Mapped[str] = mapped_column(db.String(40), db.ForeignKey("rule_packs.name"))
    base_version: Mapped[Optional[str]] = mapped_column(
        db.String(32)
    )  # the published version it was copied from
    files: Mapped[dict[str, str]] = mapped_column(JSON)  # {"dmn/reward_amount.dmn": "<xml…>", …}
    version: Mapped[str] = mapped_column(db.String(32))  # content hash of files
    status: Mapped[str] = mapped_column(db.String(12), default="open")
    errors: Mapped[int] = mapped_column(db.Integer, default=0)  # errors found at the last save
    failed_examples: Mapped[int] = mapped_column(db.Integer, default=0)
    author_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    # the document the change implements, given at submission
    comment: Mapped[Optional[str]] = mapped_column(db.String(400))
    submitted_at: Mapped[Optional[datetime]] = mapped_column(db.DateTime(timezone=True))
    approved_by_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    approved_at: Mapped[Optional[datetime]] = mapped_column(db.DateTime(timezone=True))
    published_at: Mapped[Optional[datetime]] = mapped_column(db.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    author: Mapped[User] = db.relationship("User", foreign_keys=[author_id])
    approved_by: Mapped[Optional[User]] = db.relationship("User", foreign_keys=[approved_by_id])


class PackPublication(db.Model):
    """One publication of a pack version: who, when, why. The newest row per pack is in force."""

    __tablename__ = "pack_publications"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    pack: Mapped[str] = mapped_column(db.String(40), db.ForeignKey("rule_packs.name"), index=True)
    version: Mapped[str] = mapped_column(db.String(32))
    draft_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("pack_drafts.id"))
    published_by_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    approved_by_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(db.String(400))
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    published_by: Mapped[Optional[User]] = db.relationship("User", foreign_keys=[published_by_id])
    approved_by: Mapped[Optional[User]] = db.relationship("User", foreign_keys=[approved_by_id])
