"""The reward tables: a reward case's link to the report it rewards, the reports of one act, the
documents kept with a reward (审批表, 领奖通知书, 奖金领取凭证), and clawbacks with their recoveries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import JSON, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import utcnow

if TYPE_CHECKING:
    from . import Case

MONEY = db.Numeric(14, 2, asdecimal=True)


class Reward(db.Model):
    """One reward (or top-up) case of one report case. The payer is the bureau of the report case."""

    __tablename__ = "rewards"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), unique=True
    )
    report_case_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("cases.id"), index=True)
    bureau_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("bureaus.id"), index=True)
    kind: Mapped[str] = mapped_column(db.String(20), default="ordinary")  # ordinary / top_up
    topup_of_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("rewards.id"))
    status: Mapped[str] = mapped_column(db.String(20), default="open")  # open/paid/forfeited/not_rewarded
    reporter_key: Mapped[str] = mapped_column(db.String(120))  # who reported: ID number, else name
    payee_name: Mapped[str] = mapped_column(db.String(120))
    payee_id_no: Mapped[Optional[str]] = mapped_column(db.String(40))
    joint: Mapped[bool] = mapped_column(db.Boolean, default=False)
    # [{"name":…, "id_no":…}, …] of a joint report
    co_reporters: Mapped[Optional[list[dict[str, Any]]]] = mapped_column(JSON)
    # what established criminal liability (top-up)
    criminal_basis: Mapped[Optional[str]] = mapped_column(db.String(400))
    previously_paid: Mapped[Optional[Decimal]] = mapped_column(
        MONEY
    )  # a top-up: what the ordinary reward paid
    amount: Mapped[Optional[Decimal]] = mapped_column(
        MONEY
    )  # payable by this reward (for a top-up, the difference)
    paid_amount: Mapped[Optional[Decimal]] = mapped_column(MONEY)
    paid_on: Mapped[Optional[date]] = mapped_column(db.Date)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = db.relationship("Case", foreign_keys=[case_id])
    report_case: Mapped[Case] = db.relationship("Case", foreign_keys=[report_case_id])
    topup_of: Mapped[Optional[Reward]] = db.relationship("Reward", remote_side=[id])
    if TYPE_CHECKING:
        documents: Mapped[list[RewardDocument]]  # made by the backref of `RewardDocument.reward`
        clawbacks: Mapped[list[Clawback]]  # made by the backref of `Clawback.reward`


class SameAct(db.Model):
    """Report cases found to concern the same act (URU 第十三条): one row per case, grouped by act_id."""

    __tablename__ = "same_acts"
    case_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    act_id: Mapped[int] = mapped_column(db.Integer, index=True)
    linked_by_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class RewardDocument(db.Model):
    """A numbered document of a reward as issued (URU 第二十条第二款: kept by the bureau)."""

    __tablename__ = "reward_documents"
    __table_args__ = (UniqueConstraint("reward_id", "kind"),)
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    reward_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("rewards.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(db.String(20))  # approval_form / claim_notice / voucher
    number: Mapped[str] = mapped_column(db.String(60), unique=True)
    html: Mapped[Optional[str]] = mapped_column(db.Text)  # the document as last issued
    issued_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    reward: Mapped[Reward] = db.relationship("Reward", backref="documents")


class Clawback(db.Model):
    """Recovery of a paid reward (URU 第二十二条), tracked until the amount is recovered."""

    __tablename__ = "reward_clawbacks"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    reward_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("rewards.id", ondelete="CASCADE"), index=True
    )
    ground: Mapped[str] = mapped_column(db.String(20))  # URU-22-1 / URU-22-2 / URU-22-3
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(db.String(400))
    opened_on: Mapped[date] = mapped_column(db.Date)
    opened_by_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(db.String(20), default="open")  # open / recovered

    reward: Mapped[Reward] = db.relationship("Reward", backref="clawbacks")
    recoveries: Mapped[list[Recovery]] = db.relationship(
        "Recovery", order_by="Recovery.id", cascade="all, delete-orphan"
    )


class Recovery(db.Model):
    """Money received back on a clawback."""

    __tablename__ = "reward_recoveries"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    clawback_id: Mapped[int] = mapped_column(
        db.Integer, db.ForeignKey("reward_clawbacks.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(MONEY)
    recovered_on: Mapped[date] = mapped_column(db.Date)
    reference: Mapped[str] = mapped_column(db.String(120))
    recorded_by_id: Mapped[Optional[int]] = mapped_column(db.Integer, db.ForeignKey("users.id"))
