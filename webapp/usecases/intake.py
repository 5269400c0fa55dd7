"""Intake rules of the 登记表 beyond the form itself: case numbers, walk-in reports, the reported party,
the reporter of a real-name report; and the conclusion's fund loss."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Mapping

from engine.forms.fields import to_decimal
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


# -- the reporter (RULES §B.14, CQH 第十条第一款) --------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_RESIDENT_ID_LIKE = re.compile(r"\d{6,}[0-9Xx]?")
_OTHER_DOCUMENT = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9\-（）()]{5,30}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"(?:0\d{2,3}-?)?[2-9]\d{6,7}(?:-\d{1,6})?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def resident_id_valid(number: str) -> bool:
    """An 18-character resident identity number whose check character is right (GB 11643-1999)."""
    if not re.fullmatch(r"\d{17}[0-9Xx]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def reporter_problems(data: Mapping[str, Any], today: date) -> dict[str, list[str]]:
    """A real-name report names the reporter, a valid identity document and one way to reach them;
    whatever contact is given has the form of one; no date of the report lies in the future."""
    problems: dict[str, list[str]] = {}
    text = {k: str(data.get(k) or "").strip() for k in _REPORTER_KEYS}
    if not _ticked(data.get("anonymous")):
        if not text["reporter_name"]:
            problems["reporter_name"] = ["实名举报须填写举报人姓名（名称）（CQH 第十条第一款）"]
        if not text["reporter_id_no"]:
            problems["reporter_id_no"] = ["实名举报须填写举报人的身份证件号码（CQH 第十条第一款）"]
        if not (text["reporter_phone"] or text["reporter_address"] or text["reporter_email"]):
            message = "实名举报须至少留下一种联系方式：联系电话、联系地址或电子邮箱（CQH 第十条第一款）"
            problems["reporter_phone"] = [message]
    id_no = text["reporter_id_no"]
    natural = data.get("reporter_kind") in (None, "", "natural_person")
    if id_no and natural and _RESIDENT_ID_LIKE.fullmatch(id_no) and not resident_id_valid(id_no):
        problems["reporter_id_no"] = [
            "身份证号码不正确：应为 18 位，最后一位校验码须与前 17 位相符（GB 11643）"
        ]
    elif id_no and not _RESIDENT_ID_LIKE.fullmatch(id_no) and not _OTHER_DOCUMENT.fullmatch(id_no):
        problems["reporter_id_no"] = ["证件号码格式不正确：请填写 18 位身份证号码，或护照等其他证件的号码"]
    phone = re.sub(r"[\s]", "", text["reporter_phone"])
    if phone and not (_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone)):
        problems["reporter_phone"] = ["联系电话格式不正确：手机号码为 11 位，固定电话如 023-12345678"]
    if text["reporter_email"] and not _EMAIL.fullmatch(text["reporter_email"]):
        problems["reporter_email"] = ["电子邮箱格式不正确，例如 name@example.com"]
    if text["reporter_address"] and len(text["reporter_address"]) < 4:
        problems["reporter_address"] = ["联系地址过短：请写明可送达的地址"]
    for key, label in (("received_on", "举报时间"), ("registered_on", "登记日期")):
        when = _as_date(data.get(key))
        if when is not None and when > today:
            problems[key] = [f"{label}不能晚于今天（{today.isoformat()}）"]
    return problems


_REPORTER_KEYS = ("reporter_name", "reporter_id_no", "reporter_phone", "reporter_address", "reporter_email")


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None


# -- the conclusion (RULES §B.15, URU 第九条第三项、第十二条) -----------------------------------------


def conclusion_problems(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """A conclusion that records a fund loss records the verified loss, greater than zero."""
    if not _ticked(data.get("fund_loss")):
        return {}
    amount = to_decimal(data.get("verified_loss"))
    if amount is None or amount <= 0:
        return {"verified_loss": ["已认定造成医保基金损失的，须填写核实的损失金额（大于 0 元）"]}
    return {}
