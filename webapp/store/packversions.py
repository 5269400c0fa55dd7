"""The pack versions cases run on: the version in force read from the database (rulebook.packindex;
the shipped files seed the first one), compiled once per version and process, the runner for a
version, and what a pack's deadlines mean to a clerk."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import g
from sqlalchemy import select

from engine.citations import Regulation
from engine.errors import ClueflowError
from engine.runner import Runner
from engine.specs import CompiledPack, compile_pack
from webapp.clock import LOCAL_ZONE, clock
from webapp.extensions import db
from webapp.models import PackVersion
from webapp.store import calendaring, packindex

_COMPILED: dict[tuple[str, str], CompiledPack] = {}

# What each deadline rule of RULES §C is for, in the clerk's words.
DEADLINE_LABELS = {
    "acceptance_opinion": "提出是否立案调查的意见",
    "non_acceptance_notice": "告知实名举报人不予受理及理由",
    "filing_notice": "告知实名举报人是否立案",
    "transfer": "移交有管辖权的区县",
    "jurisdiction_dispute": "管辖争议协商",
    "investigation": "调查办结",
    "investigation_extended": "延长后调查办结（负责人批准）",
    "investigation_extended_major": "延长后调查办结（集体决定）",
    "claim_notice": "通知举报人领奖",
    "claim_window": "举报人领取奖金",
    "archive": "立卷归档",
    "supervisor_term": "社会监督员聘期",
}


def packs_root() -> str:
    from flask import current_app

    return current_app.config["CLUEFLOW_PACKS_ROOT"]


def current_version(pack_name: str) -> PackVersion:
    """The version new cases of a pack start on: its newest publication."""
    row = packindex.published_row(pack_name)
    if row is None:
        raise ClueflowError(f"规则包“{pack_name}”没有已发布的版本")
    return row


def compiled_version(pack_name: str, version: str) -> CompiledPack:
    """The compiled pack of a stored version (parsed once per process), counting on the current calendars."""
    key = (pack_name, version)
    if key not in _COMPILED:
        row = db.session.execute(select(PackVersion).filter_by(pack=pack_name, version=version)).scalar_one()
        pack = packindex.as_pack(pack_name, row.files)
        _COMPILED[key] = compile_pack(pack, calendaring.calendars())
    return calendaring.counted_on_current(_COMPILED[key])


def runner_for(pack_name: str, version: str, now=None) -> Runner:
    return Runner(compiled_version(pack_name, version), clock=now or clock())


def working_days_left(tasks, today: date) -> dict[int, int | None]:
    """For each task-index row, the working days from today to its due date on its pack's calendar
    (negative when overdue; None without a due date or when those days' calendar is not confirmed).
    The packs index and the calendars are read once for the whole list."""
    regions = {name: row.calendar for name, row in packindex.index().items()}
    calendars = calendaring.calendars()
    return {t.id: _days_between(calendars, regions[t.pack], today, t.due) for t in tasks}


def _days_between(calendars, region: str, today: date, due: date | None) -> int | None:
    if due is None:
        return None
    step = 1 if due >= today else -1
    count, day = 0, today
    try:
        while day != due:
            day = date.fromordinal(day.toordinal() + step)
            if calendars.is_working_day(region, day):
                count += step
    except ClueflowError:
        return None
    return count


def regulations(of: Any) -> tuple[Regulation, ...]:
    """The texts a case's pack version cites (`of`: a case row), or a pack's version in force (`of`:
    a pack name), RULES §B.12."""
    if isinstance(of, str):  # the version in force, looked up once a request (pages cite per row)
        versions = g.setdefault("clueflow_versions_in_force", {})
        if of not in versions:
            pub = packindex.publication(of)
            versions[of] = pub.version if pub is not None else current_version(of).version
        return compiled_version(of, versions[of]).regulations
    return compiled_version(of.pack, of.pack_version).regulations


def published_on(pack_name: str, version: str) -> str:
    """The day a stored version was made, as the case page names it (the hash stays in a tooltip)."""
    made = db.session.execute(
        select(PackVersion.created_at).filter_by(pack=pack_name, version=version).limit(1)
    ).scalar()
    return made.astimezone(LOCAL_ZONE).date().isoformat() if made else version[:8]
