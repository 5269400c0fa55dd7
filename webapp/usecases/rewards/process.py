"""Starting a reward: a reward case of the bureau that investigated, linked to its concluded report
case, with every input of `reward_eligibility` taken from that case; the reports of one act and who
among their reporters is rewarded (URU 第十三条).

Decisions taken where the rules are silent:
- the reward is started by a case officer with a button on the concluded report case, when the
  reporter has asked for it (the 登记表 has no such field; the officer confirms the request);
- a report's receipt is its 收到举报日期 (the 登记表 records the day, not the hour), so two
  reporters of one act received on the same day are an exact tie for the head to decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from flask_babel import gettext as _
from sqlalchemy import select

from engine.errors import ValidationError
from webapp import errors
from webapp.access import REWARD_START_ROLES
from webapp.clock import local_today
from webapp.extensions import db
from webapp.models import Case, Reward, SameAct, User
from webapp.store import casestore, visibility
from webapp.store.packversions import current_version, runner_for
from webapp.transaction import transaction

REWARD_PROCESS = "reward"
ENDED = ("not_rewarded",)

# The grounds of reward_eligibility in words, with their article (RULES §B.11).
GROUND_ARTICLES = {
    "URU-4": "第四条（奖励对象为自然人）",
    "URU-9-1": "第九条第（一）项（有明确的被举报对象、具体线索和有效证据）",
    "URU-9-2": "第九条第（二）项（主要事实、证据事先未被掌握）",
    "URU-9-3": "第九条第（三）项（经查证属实并造成基金损失）",
    "URU-9-4": "第九条第（四）项（举报人愿意得到奖励并提供可核实的身份和联系方式）",
    "URU-10-1": "第十条第（一）项（医保部门或受托第三方工作人员）",
    "URU-10-2": "第十条第（二）项（行为人主动供述或被调查期间检举）",
    "URU-10-3": "第十条第（三）项（处理决定前撤回举报）",
    "URU-10-4": "第十条第（四）项（身份无法确认或无法联系）",
    "URU-10-5": "第十条第（五）项（举报前已进入诉讼、仲裁等程序）",
    "URU-12": "第十二条（认定的违法事实与举报事项不一致）",
    "URU-13-1": "第十三条第（一）项（同一举报人就同一行为多次举报，只奖励一次）",
    "URU-13-2": "第十三条第（二）项（多人分别举报同一行为，只奖励首位举报人）",
}

# reward_eligibility inputs that are facts of the report case: the review shows them, and may not change them.
CASE_FACTS = (
    "reporter_kind",
    "has_evidence",
    "proceedings_before_report",
    "withdrawn_before_decision",
    "verified",
    "fund_loss",
    "match",
)


def ground_words(ground: str | None) -> str:
    if not ground:
        return ""
    return f"{ground}：《乌鲁木齐市医疗保障基金举报奖励办法》" + GROUND_ARTICLES.get(ground, "")


def is_concluded(case: Case, data: Mapping[str, Any]) -> bool:
    return case.process_id == casestore.INTAKE_PROCESS and bool(data.get("concluded_on"))


def reward_of_case(case: Case) -> Reward | None:
    return db.session.execute(select(Reward).filter_by(case_id=case.id)).scalar_one_or_none()


def missing_reward_message() -> str:
    """Why a reward case without its Reward row (not started on a concluded report) cannot go on."""
    return _(
        "此奖励案件没有奖励记录（不是在查结的举报案件上启动的），无法核对举报事实、编号文书和金额，不能办理；"
        "请在举报案件页面启动举报奖励"
    )


def rewards_of_report(case: Case) -> list[Reward]:
    return list(
        db.session.execute(select(Reward).filter_by(report_case_id=case.id).order_by(Reward.id)).scalars()
    )


def reporter_key(data: Mapping[str, Any], case: Case) -> str:
    """Who reported, for telling the same reporter from another: the ID number, else the name."""
    key = str(data.get("reporter_id_no") or "").strip() or str(data.get("reporter_name") or "").strip()
    return key or f"anonymous-{case.id}"


def report_data(case: Case) -> dict[str, Any]:
    return dict(casestore.load(case).running.data)


# -- the reports of one act (URU 第十三条) ---------------------------------------------------------


def act_cases(case: Case) -> list[Case]:
    """The report cases linked to this one as the same act (itself included), in receipt order."""
    link = db.session.get(SameAct, case.id)
    if link is None:
        return [case]
    ids = select(SameAct.case_id).where(SameAct.act_id == link.act_id)
    rows = db.session.execute(select(Case).where(Case.id.in_(ids))).scalars().all()
    return sorted(rows, key=lambda c: (c.received_on or date.max, c.id))


def link_same_act(user: User, case: Case, others: list[Case]) -> None:
    """Record that these report cases concern the same act (merging groups already linked)."""
    group = [case, *others]
    existing = {link.act_id for c in group if (link := db.session.get(SameAct, c.id))}
    act_id = min(existing | {c.id for c in group})
    for c in group:
        link = db.session.get(SameAct, c.id)
        if link is None:
            db.session.add(SameAct(case_id=c.id, act_id=act_id, linked_by_id=user.id))
        else:
            link.act_id = act_id
    if existing:
        db.session.execute(
            SameAct.__table__.update().where(SameAct.act_id.in_(existing)).values(act_id=act_id)
        )


@dataclass
class FirstReporter:
    """Who among the reporters of one act is first (URU 第十三条第二项, RULES §B.8)."""

    outcome: str  # first / not_first / tie
    earlier: list[Case] = field(default_factory=list)  # the earlier (or tied) reports of others

    def note(self) -> str:
        numbers = "、".join(f"{c.number}（{c.received_on}）" for c in self.earlier)
        if self.outcome == "first":
            return "各渠道收到的同一行为举报中，本举报收到最早，为首位举报人。"
        if self.outcome == "tie":
            return f"其他举报人的举报 {numbers} 与本举报同日收到，须由负责人认定首位举报人。"
        return f"其他举报人已先行举报同一行为：{numbers}。"


def first_reporter(case: Case, data: Mapping[str, Any]) -> FirstReporter:
    me = reporter_key(data, case)
    others = []
    for other in act_cases(case):
        if other.id == case.id:
            continue
        if reporter_key(report_data(other), other) != me:
            others.append(other)
    mine = case.received_on or date.max
    earlier = [c for c in others if (c.received_on or date.max) < mine]
    if earlier:
        return FirstReporter("not_first", earlier)
    tied = [c for c in others if c.received_on == mine]
    return FirstReporter("tie", tied) if tied else FirstReporter("first")


def same_reporter_reward(case: Case, data: Mapping[str, Any]) -> Reward | None:
    """A reward already started for the same reporter's report of the same act (URU 第十三条第一项)."""
    me = reporter_key(data, case)
    ids = [c.id for c in act_cases(case)]
    rows = db.session.execute(
        select(Reward).where(
            Reward.report_case_id.in_(ids), Reward.kind == "ordinary", Reward.status.not_in(ENDED)
        )
    ).scalars()
    return next((r for r in rows if r.reporter_key == me), None)


# -- starting a reward -----------------------------------------------------------------------------


def start_problem(user: User, case: Case, data: Mapping[str, Any]) -> str | None:
    """Why this user cannot start a reward on this case now (None when they can)."""
    if not REWARD_START_ROLES & user.roles:
        return _("只有承办人可以启动举报奖励")
    if not is_concluded(case, data):
        return _("举报线索查结后才能启动举报奖励（URU 第十六条）")
    if any(r.kind == "ordinary" for r in rewards_of_report(case)):
        return _("本举报已启动举报奖励")
    return None


def start_reward(
    user: User,
    report: Case,
    *,
    same_act: list[int] = (),
    joint: bool = False,
    co_reporters: list[dict] = (),
    representative: str = "",
    now=None,
) -> Case:
    """Open the reward case of a concluded report whose reporter asked for a reward (commits)."""
    data = report_data(report)
    problem = start_problem(user, report, data)
    if problem:
        raise errors.Forbidden(problem)
    candidates = {
        c.id: c
        for c in visibility.duplicates(user, report.reported_person, report.reported_unit, exclude=report.id)
    }
    with transaction():
        unknown = [i for i in same_act if i not in candidates]
        if unknown:
            raise errors.CaseworkError(_("只能关联被举报人或单位相同的本局案件"))
        if same_act:
            link_same_act(user, report, [candidates[i] for i in same_act])
            db.session.flush()
        earlier = same_reporter_reward(report, data)
        if earlier is not None:
            raise errors.CaseworkError(
                _(
                    "同一举报人对同一行为的多次举报只奖励一次（URU 第十三条第一项）：已有奖励案件 %(n)s",
                    n=earlier.case.number,
                )
            )
        co = [
            {key: str(p.get(key) or "").strip() for key in CO_REPORTER_FIELDS}
            for p in co_reporters
            if str(p.get("name") or "").strip()
        ]
        representative = representative.strip()
        payee = next((p for p in co if p["name"] == representative), None) if joint else None
        if joint:
            names = [str(data.get("reporter_name") or "").strip(), *(p["name"] for p in co)]
            if len(names) < 2 or representative not in names:
                raise ValidationError(
                    {
                        "joint_representative": [
                            _(
                                "联名举报须列明其他举报人，并由举报人推选一名代表（须为联名举报人之一）（URU 第十八条）"
                            )
                        ]
                    }
                )
            if payee is not None and not (payee["phone"] or payee["address"]):
                raise ValidationError(
                    {
                        "joint_representative": [
                            _(
                                "推选的代表不是登记的举报人：请填写代表的联系电话或通讯地址，领奖通知书送达代表本人（URU 第十六条、第十八条）"
                            )
                        ]
                    }
                )
        reward = Reward(
            report_case_id=report.id,
            bureau_id=report.bureau_id,
            kind="ordinary",
            reporter_key=reporter_key(data, report),
            joint=joint,
            co_reporters=co or None,
            payee_name=payee["name"] if payee else str(data.get("reporter_name") or ""),
            payee_id_no=payee["id_no"] if payee else str(data.get("reporter_id_no") or "") or None,
        )
        first = first_reporter(report, data)
        start = _start_data(data, first, joint, representative)
        if payee is not None:  # the representative is reached at the contact given for them (checked above)
            start["reachable"] = True
        return open_reward_case(user, report, reward, start, now, "ordinary")


# What is kept of each other reporter of a joint report: who they are, and how to reach the one chosen
# as the representative, to whom the claim notice goes (URU 第十八条).
CO_REPORTER_FIELDS = ("name", "id_no", "phone", "address")


# What the outbox needs for the claim notice (URU 第十六条), from the report's 登记表: whether the
# reporter is anonymous (never notified), how to reach them and by which channel they chose.
OUTBOX_FACTS = (
    "notice_channel",
    "reporter_address",
    "reporter_email",
    "reported_unit_name",
    "reported_person_name",
)


def outbox_facts(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"anonymous": bool(data.get("anonymous")), **{k: data.get(k) for k in OUTBOX_FACTS}}


def _start_data(data: Mapping[str, Any], first: FirstReporter, joint: bool, representative: str) -> dict:
    anonymous = bool(data.get("anonymous"))
    today = local_today()
    return {
        "concluded_on": data.get("concluded_on"),
        "report_no": data.get("registration_no"),
        # what the case page shows of the report (the reporter masked for roles that do not handle cases)
        "reporter_name": data.get("reporter_name"),
        "reporter_phone": data.get("reporter_phone"),
        "content": data.get("content"),
        **outbox_facts(data),
        # reward_eligibility, from the report case
        "reporter_kind": data.get("reporter_kind") or "natural_person",
        "wants_reward": True,
        "identity_verified": not anonymous
        and bool(data.get("reporter_name"))
        and bool(data.get("reporter_id_no")),
        "reachable": not anonymous and bool(data.get("reporter_phone") or data.get("reporter_address")),
        "reporter_is_staff": False,
        "self_report": False,
        "already_known": False,
        "withdrawn_before_decision": bool(data.get("withdrawn")),
        "proceedings_before_report": bool(data.get("in_proceedings")),
        "has_evidence": bool(data.get("has_evidence")),
        "verified": bool(data.get("verified")),
        "fund_loss": bool(data.get("fund_loss")),
        "match": data.get("match") or "none",
        "eligibility_reviewed_on": today,
        # URU 13
        "first_reporter_outcome": first.outcome,
        "earlier_report_no": "、".join(c.number for c in first.earlier),
        "first_reporter_note": first.note(),
        "joint_report": joint,
        "joint_representative": representative,
        # reward_amount: the verified loss of the reported matter only (URU 12)
        "base_amount": Decimal(str(data.get("verified_loss") or 0)),
        "criminal": False,
        "evidence_tier": "basic",
        "reporter_category": "ordinary",
        "decision_date": today,
    }


def open_reward_case(user: User, report: Case, reward: Reward, start: dict, now, kind: str) -> Case:
    """The reward case of a report, started (the caller's transaction commits it)."""
    bureau = report.bureau  # the payer is the bureau that investigated (URU 第三条第二款)
    version = current_version(bureau.pack)
    runner = runner_for(bureau.pack, version.version, now)
    running = runner.start(REWARD_PROCESS, start)
    count = len(rewards_of_report(report))
    number = f"{report.number}-JL{count + 1}"
    row = Case(
        number=number,
        pack=bureau.pack,
        pack_version=version.version,
        process_id=REWARD_PROCESS,
        bureau_id=bureau.id,
        state="",
        created_at=runner.clock(),
        received_on=report.received_on,
        channel=report.channel,
        anonymous=report.anonymous,
        subject_type=report.subject_type,
        reported_person=None,
        reported_unit=None,
        summary=report.summary,
    )
    db.session.add(row)
    db.session.flush()
    reward.case_id = row.id
    db.session.add(reward)
    label = "补发奖励" if kind == "top_up" else "举报奖励"
    casestore.add_event(
        row, user, "reward_started", f"启动{label}（举报案件 {report.number}）", {"report": report.id}
    )
    casestore.add_event(report, user, "reward_started", f"启动{label}，奖励案件 {number}", {"case": row.id})
    casestore.keep(row, runner, running)
    return row
