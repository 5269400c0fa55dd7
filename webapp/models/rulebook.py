"""The rule book: the pack index, drafts of a pack's files, and who published which version when.

The files of each version live in `pack_versions` (content-addressed); `rule_packs` is the index
that packs.toml seeds (and "copy pack" and imports extend); `pack_publications` is append-only:
the newest row of a pack names the version new cases start on.
"""

from __future__ import annotations

from sqlalchemy import JSON, Index

from ..extensions import db
from . import utcnow

DRAFT_STATES = ("open", "submitted", "approved", "published", "discarded")


class RulePack(db.Model):
    """One entry of the pack index (as packs.toml has it), owned by the bureau that adopts its rules."""

    __tablename__ = "rule_packs"
    name = db.Column(db.String(40), primary_key=True)
    display_name = db.Column(db.String(120), nullable=False)
    parent = db.Column(db.String(40))
    calendar = db.Column(db.String(20), nullable=False)
    case_prefix = db.Column(db.String(20), nullable=False)
    valid_from = db.Column(db.Date)
    valid_to = db.Column(db.Date)
    owner_bureau_id = db.Column(db.Integer, db.ForeignKey("bureaus.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    owner_bureau = db.relationship("Bureau")


class PackDraft(db.Model):
    """A policy editor's working copy of a pack's files, from opening to publication."""

    __tablename__ = "pack_drafts"
    __table_args__ = (Index("ix_pack_drafts_pack_status", "pack", "status"),)
    id = db.Column(db.Integer, primary_key=True)
    pack = db.Column(db.String(40), db.ForeignKey("rule_packs.name"), nullable=False)
    base_version = db.Column(db.String(32))  # the published version it was copied from
    files = db.Column(JSON, nullable=False)  # {"dmn/reward_amount.dmn": "<xml…>", …}
    version = db.Column(db.String(32), nullable=False)  # content hash of files
    status = db.Column(db.String(12), nullable=False, default="open")
    errors = db.Column(db.Integer, nullable=False, default=0)  # errors found at the last save
    failed_examples = db.Column(db.Integer, nullable=False, default=0)
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    comment = db.Column(db.String(400))  # the document the change implements, given at submission
    submitted_at = db.Column(db.DateTime(timezone=True))
    approved_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    approved_at = db.Column(db.DateTime(timezone=True))
    published_at = db.Column(db.DateTime(timezone=True))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    author = db.relationship("User", foreign_keys=[author_id])
    approved_by = db.relationship("User", foreign_keys=[approved_by_id])


class PackPublication(db.Model):
    """One publication of a pack version: who, when, why. The newest row per pack is in force."""

    __tablename__ = "pack_publications"
    id = db.Column(db.Integer, primary_key=True)
    pack = db.Column(db.String(40), db.ForeignKey("rule_packs.name"), nullable=False, index=True)
    version = db.Column(db.String(32), nullable=False)
    draft_id = db.Column(db.Integer, db.ForeignKey("pack_drafts.id"))
    published_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    approved_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    comment = db.Column(db.String(400), nullable=False)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    published_by = db.relationship("User", foreign_keys=[published_by_id])
    approved_by = db.relationship("User", foreign_keys=[approved_by_id])
