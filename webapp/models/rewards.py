"""The reward tables: a reward case's link to the report it rewards, the reports of one act, the
documents kept with a reward (审批表, 领奖通知书, 奖金领取凭证), and clawbacks with their recoveries."""

from __future__ import annotations

from sqlalchemy import JSON, UniqueConstraint

from ..extensions import db
from . import utcnow

MONEY = db.Numeric(14, 2, asdecimal=True)


class Reward(db.Model):
    """One reward (or top-up) case of one report case. The payer is the bureau of the report case."""

    __tablename__ = "rewards"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, unique=True)
    report_case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False, index=True)
    bureau_id = db.Column(db.Integer, db.ForeignKey("bureaus.id"), nullable=False, index=True)
    kind = db.Column(db.String(20), nullable=False, default="ordinary")  # ordinary / top_up
    topup_of_id = db.Column(db.Integer, db.ForeignKey("rewards.id"))
    status = db.Column(db.String(20), nullable=False, default="open")  # open/paid/forfeited/not_rewarded
    reporter_key = db.Column(db.String(120), nullable=False)  # who reported: ID number, else name
    payee_name = db.Column(db.String(120), nullable=False)
    payee_id_no = db.Column(db.String(40))
    joint = db.Column(db.Boolean, nullable=False, default=False)
    co_reporters = db.Column(JSON)  # [{"name":…, "id_no":…}, …] of a joint report
    criminal_basis = db.Column(db.String(400))  # what established criminal liability (top-up)
    previously_paid = db.Column(MONEY)  # a top-up: what the ordinary reward paid
    amount = db.Column(MONEY)  # payable by this reward (for a top-up, the difference)
    paid_amount = db.Column(MONEY)
    paid_on = db.Column(db.Date)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    case = db.relationship("Case", foreign_keys=[case_id])
    report_case = db.relationship("Case", foreign_keys=[report_case_id])
    topup_of = db.relationship("Reward", remote_side=[id])


class SameAct(db.Model):
    """Report cases found to concern the same act (URU 第十三条): one row per case, grouped by act_id."""

    __tablename__ = "same_acts"
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True,
                        autoincrement=False)
    act_id = db.Column(db.Integer, nullable=False, index=True)
    linked_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


class RewardDocument(db.Model):
    """A numbered document of a reward as issued (URU 第二十条第二款: kept by the bureau)."""

    __tablename__ = "reward_documents"
    __table_args__ = (UniqueConstraint("reward_id", "kind"),)
    id = db.Column(db.Integer, primary_key=True)
    reward_id = db.Column(db.Integer, db.ForeignKey("rewards.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.String(20), nullable=False)  # approval_form / claim_notice / voucher
    number = db.Column(db.String(60), nullable=False, unique=True)
    html = db.Column(db.Text)  # the document as last issued
    issued_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    reward = db.relationship("Reward", backref="documents")


class Clawback(db.Model):
    """Recovery of a paid reward (URU 第二十二条), tracked until the amount is recovered."""

    __tablename__ = "reward_clawbacks"
    id = db.Column(db.Integer, primary_key=True)
    reward_id = db.Column(db.Integer, db.ForeignKey("rewards.id", ondelete="CASCADE"), nullable=False, index=True)
    ground = db.Column(db.String(20), nullable=False)  # URU-22-1 / URU-22-2 / URU-22-3
    amount = db.Column(MONEY, nullable=False)
    reason = db.Column(db.String(400), nullable=False)
    opened_on = db.Column(db.Date, nullable=False)
    opened_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    status = db.Column(db.String(20), nullable=False, default="open")  # open / recovered

    reward = db.relationship("Reward", backref="clawbacks")
    recoveries = db.relationship("Recovery", order_by="Recovery.id", cascade="all, delete-orphan")


class Recovery(db.Model):
    """Money received back on a clawback."""

    __tablename__ = "reward_recoveries"
    id = db.Column(db.Integer, primary_key=True)
    clawback_id = db.Column(db.Integer, db.ForeignKey("reward_clawbacks.id", ondelete="CASCADE"), nullable=False,
                            index=True)
    amount = db.Column(MONEY, nullable=False)
    recovered_on = db.Column(db.Date, nullable=False)
    reference = db.Column(db.String(120), nullable=False)
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
