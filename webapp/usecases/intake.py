"""Intake rules of the 登记表 beyond the form itself: case numbers, walk-in reports, the reported party."""

from __future__ import annotations

from typing import Any, Mapping

from webapp.store import counters, packindex


def next_number(pack_name: str, year: int) -> str:
    """The next case number of a pack in a year, e.g. CQ-2026-00001 (in the caller's transaction)."""
    prefix = packindex.entry(pack_name).case_prefix
    return f"{prefix}-{year}-{counters.next_value(pack_name, year):05d}"


def walk_in_problems(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """CQH 第十一条: an oral report at the bureau with no written material is taken by two or more
    staff ("原则上"), so the 登记表 names the second one or records why only one was present."""
    if data.get("source_channel") != "visit" or _ticked(data.get("written_material")):
        return {}
    second = str(data.get("second_staff") or "").strip()
    reason = str(data.get("single_staff_reason") or "").strip()
    if second and second == str(data.get("recorder") or "").strip():
        return {"second_staff": ["在场第二名工作人员应是记录人以外的另一人（CQH 第十一条）"]}
    if second or reason:
        return {}
    return {
        "second_staff": [
            "来访口头举报且未提供书面材料的，原则上应有两名以上工作人员在场（CQH 第十一条）："
            "请填写在场第二名工作人员，或写明仅一名工作人员在场的原因"
        ],
        "single_staff_reason": ["仅一名工作人员在场时，须写明原因（CQH 第十一条）"],
    }


def reported_party_problems(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """The 登记表's own note: the reported person or the reported unit must be given (RULES F.1)."""
    if (
        str(data.get("reported_person_name") or "").strip()
        or str(data.get("reported_unit_name") or "").strip()
    ):
        return {}
    message = "被举报人或被举报单位至少填写一项（登记表：被举报人或被举报单位、举报内容为必填项）"
    return {"reported_person_name": [message], "reported_unit_name": [message]}


def _ticked(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "on", "1", "yes")
