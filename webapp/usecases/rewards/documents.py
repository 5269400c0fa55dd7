"""The reward documents of URU 第十七、二十条 (RULES §F.2): 举报奖励审批表, 领奖通知书, 奖金领取凭证.

Each is numbered when first issued, kept with the reward as the HTML last issued (re-issued as the
form gathers opinions, the receipt, the payment), printed on A4, and given as PDF.

PDF: WeasyPrint renders the same HTML in-process (Pango lays out the Chinese text with the Noto CJK
fonts; no browser runs on the server). It is the maintained HTML-to-PDF library of the Python world;
its system needs (Pango, the CJK fonts) are installed by `make system`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from flask import render_template  # noqa: TID251 - a document issued and kept as HTML, not a page
from sqlalchemy import select

from engine.capitals import yuan_capitals
from webapp.clock import clock, local_today
from webapp.extensions import db
from webapp.models import Reward, RewardDocument
from webapp.store import counters, noticetexts, outbox, packindex
from webapp.store.packversions import packs_root, runner_for

KINDS = {  # kind: (title, number word)
    "approval_form": ("举报违法违规使用医疗保障基金行为奖励审批表", "奖审"),
    "claim_notice": ("举报违法违规使用医疗保障基金行为领奖通知书", "奖通"),
    "voucher": ("举报违法违规使用医疗保障基金行为奖金领取凭证", "奖凭"),
}


def issued(reward: Reward | None, kind: str) -> RewardDocument | None:
    if reward is None or reward.id is None:
        return None
    return db.session.execute(
        select(RewardDocument).filter_by(reward_id=reward.id, kind=kind)
    ).scalar_one_or_none()


def _next_number(reward: Reward, kind: str, year: int) -> str:
    bureau = reward.case.bureau
    key = f"{kind[:8]}:{bureau.code}"[:40]
    return f"{bureau.name}{KINDS[kind][1]}〔{year}〕{counters.next_value(key, year)}号"


def issue(reward: Reward, kind: str, data: Mapping[str, Any]) -> RewardDocument:
    """Number the document the first time, and keep it as it now reads (not committed)."""
    doc = issued(reward, kind)
    now = clock()()
    if doc is None:
        doc = RewardDocument(
            reward_id=reward.id,
            kind=kind,
            number=_next_number(reward, kind, local_today().year),
            issued_at=now,
        )
        db.session.add(doc)
        db.session.flush()
    doc.html = render(reward, kind, data)
    doc.updated_at = now
    return doc


def money(value: Any) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)):,.2f}"


def render(reward: Reward, kind: str, data: Mapping[str, Any]) -> str:
    """The document as print-ready A4 HTML, filled from the reward and its report case."""
    from webapp.usecases.rewards.process import ground_words, report_data

    report = reward.report_case
    numbers = {k: (d.number if (d := issued(reward, k)) else "") for k in KINDS}
    payable = payable_amount(reward, data)
    return render_template(
        f"rewards/documents/{kind}.html",
        title=KINDS[kind][0],
        kind=kind,
        reward=reward,
        window=claim_window_words(reward),
        percent=percent,
        report=report,
        r=report_data(report),
        d=dict(data),
        numbers=numbers,
        number=numbers.get(kind),
        bureau=reward.case.bureau,
        payable=payable,
        payable_capitals=yuan_capitals(payable) if payable is not None else "",
        money=money,
        capitals=yuan_capitals,
        ground_words=ground_words,
        today=local_today(),
        notice_paragraphs=claim_notice_paragraphs(reward, data) if kind == "claim_notice" else [],
        pack_name=packindex.entry(reward.case.pack).display_name,
        claim_window_basis=claim_window_basis(reward) if kind == "claim_notice" else "",
    )


def claim_window_basis(reward: Reward) -> str:
    """The pack's own basis of its claim window (deadline_rules claim_window): URU 第十八条 in
    Urumqi, the national measure elsewhere."""
    runner = runner_for(reward.case.pack, reward.case.pack_version)
    try:
        return str(runner.pack.decide("deadline_rules", {"rule": "claim_window"}).get("basis") or "")
    except Exception:  # noqa: BLE001 - a pack without the rule prints the notice without it
        return ""


def claim_notice_paragraphs(reward: Reward, data: Mapping[str, Any]) -> list[str]:
    """The claim notice's words as the outbox gives them (one text, URU 第十六条): the pack's claim
    notice template filled with the same facts, its paragraphs after the title and the salutation."""
    case = reward.case
    runner = runner_for(case.pack, case.pack_version)
    facts = claim_notice_facts(reward, data)
    number = facts.pop("number", None) or ""
    try:
        text = noticetexts.render(
            packs_root(),
            case.pack,
            "claim",
            outbox.notice_context(case, runner, data, number, facts),
            version=(case.pack_version, runner.pack.pack.files),
        )
    except (noticetexts.TemplateMissing, noticetexts.TemplateBroken):
        return []  # the document's own wording is printed instead
    lines = [line.strip() for line in text.body.splitlines() if line.strip()]
    if lines and lines[0] == text.title.strip():
        lines = lines[1:]
    if lines and lines[0].endswith("："):
        lines = lines[1:]
    return lines


def payable_amount(reward: Reward, data: Mapping[str, Any]) -> Decimal | None:
    """What this reward pays: its approved amount (a top-up: the difference), else the process's amount."""
    total = data.get("amount")
    return (
        reward.amount if reward.amount is not None else (Decimal(str(total)) if total is not None else None)
    )


def claim_notice_facts(reward: Reward, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the outbox's claim notice takes from the 领奖通知书, so both say the same: its number, the
    payee, the amount payable, the claim window and the report's number (URU 第十六至十八条)."""
    doc = issued(reward, "claim_notice")
    return {
        "number": doc.number if doc else None,
        "reporter_name": reward.payee_name,
        "amount": payable_amount(reward, data),
        "claim_window": claim_window_words(reward),
        "case_number": reward.report_case.number,
        **payee_contact(reward),
    }


def payee_contact(reward: Reward) -> dict[str, str]:
    """How to reach the payee when it is not the registered reporter — a joint report's representative
    chosen among the other reporters (URU 第十八条): the contact given when the reward was started, in
    the 登记表's names, with no e-mail. Empty for the registered reporter (the 登记表's own apply)."""
    chosen = next(
        (p for p in reward.co_reporters or () if reward.joint and p.get("name") == reward.payee_name), None
    )
    if chosen is None:
        return {}
    return {
        "reporter_phone": chosen.get("phone") or "",
        "reporter_address": chosen.get("address") or "",
        "reporter_email": "",
    }


def claim_window_words(reward: Reward) -> str:
    """The claim window of the reward's pack version in words, e.g. 60 日 or 2 个月 (deadline_rules)."""
    from webapp.store.packversions import compiled_version

    rule = compiled_version(reward.case.pack, reward.case.pack_version).decide(
        "deadline_rules", {"rule": "claim_window"}
    )
    unit = {"days": "日", "months": "个月", "working_days": "个工作日"}.get(rule.get("unit"), "")
    return f"{rule.get('count')}{unit}"


def percent(rate: Any) -> str:
    if rate is None or rate == "":
        return ""
    return f"{(Decimal(str(rate)) * 100).normalize():f}%"


def pdf(html: str) -> bytes:
    """The document as PDF (A4, the CJK fonts embedded)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
