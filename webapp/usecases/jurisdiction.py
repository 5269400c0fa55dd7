"""Jurisdiction (CQH 第十九至二十一条, CQF 第二十三条): a report moves to the bureau that handles it.

Inside one city's tree a case is handed over by opening a case at the receiving bureau with the same
登记表 and evidence (its deadlines count from the same receipt date) and ending the sending one; both
timelines name the other case. The city hands a report to a district, a district to the city or to
another district, the city's heads take a district's case over or designate its handler, and a
dispute between two districts is negotiated by both (the other district sees the case meanwhile).
"""

from __future__ import annotations

from typing import Any, Mapping

from flask_babel import gettext as _
from sqlalchemy import select

from engine.errors import ValidationError
from webapp.access import RECUSAL_DECIDERS, has_any
from webapp.errors import CaseworkError, Forbidden
from webapp.extensions import db
from webapp.models import Bureau, Case, User
from webapp.store import casestore, jurisdictions, visibility
from webapp.store import evidence as evidence_files
from webapp.store.casestore import INTAKE_PROCESS, REGISTRATION_FORM, TRANSFER_FORM
from webapp.transaction import transaction
from webapp.usecases.opening import open_case

JURISDICTION_FORM = "jurisdiction"
# The forms whose answer names a receiving bureau when it is "transfer".
NAMING_FORMS = (JURISDICTION_FORM, jurisdictions.NEGOTIATION_FORM, jurisdictions.CITY_DESIGNATION_FORM)
# Who takes a district's case over for the city (CQH 第二十条第二款, CQF 第二十三条第三款).
TAKE_OVER_ROLES = RECUSAL_DECIDERS


def after_task(
    user: User, case: Case, form_id: str, loaded: casestore.Loaded, clean: Mapping[str, Any]
) -> dict[str, Any]:
    """What a completed jurisdiction step does beyond the process: the receiving bureau checked, the
    other district of a dispute brought in or let go, a transfer carried out. Returns the case-row
    columns to write with the step (ValidationError on the form when the bureau named is wrong)."""
    result = clean.get("jurisdiction")
    if form_id == JURISDICTION_FORM and result == "keep" and city_contracted(case, loaded.running.data):
        raise ValidationError({"jurisdiction": [_city_message(case)]})
    if form_id in NAMING_FORMS and result == "transfer":
        _receiver(case, clean)
    if form_id == JURISDICTION_FORM and result == "dispute":
        return {"partner_bureau_id": _partner(case, clean).id}
    if form_id == jurisdictions.NEGOTIATION_FORM and result != "unresolved":
        return {"partner_bureau_id": None}
    if form_id == jurisdictions.CITY_DESIGNATION_FORM:
        return {"partner_bureau_id": None}
    if form_id == TRANSFER_FORM:
        hand_over(case, user, loaded, _receiver(case, clean), "transferred")
    return {}


def city_contracted(case: Case, data: Mapping[str, Any]) -> bool:
    """A district's case whose provider is contracted by the city's agency: the city's (CQF 第二十三条第二款)."""
    return data.get("agreement_agency") == "city" and case.bureau.level == "district"


def _city_message(case: Case) -> str:
    return _(
        "被举报定点医药机构与市医保经办机构签订服务协议，由市医疗保障行政部门管辖（CQF 第二十三条第二款）：请选择移交，接收部门填写%(city)s",
        city=jurisdictions.city_of(case.bureau).name,
    )


def prefill(case: Case, form_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the jurisdiction form opens with: a city-contracted provider's case proposed for the city."""
    values = dict(data)
    if form_id == JURISDICTION_FORM and city_contracted(case, data) and not values.get("jurisdiction"):
        values.update(jurisdiction="transfer", competent_bureau=jurisdictions.city_of(case.bureau).name)
        values.setdefault("jurisdiction_reason", _city_message(case))
    return values


def _receiver(case: Case, clean: Mapping[str, Any]) -> Bureau:
    target = jurisdictions.find_target(case.bureau, clean.get("competent_bureau") or "")
    if target is None:
        raise ValidationError(
            {
                "competent_bureau": [
                    _(
                        "请填写本市医保部门的全称：%(names)s（不属于医保部门处理的，应告知举报人向有权处理的部门反映，CQH 第十九条）",
                        names=jurisdictions.target_names(case.bureau),
                    )
                ]
            }
        )
    return target


def _partner(case: Case, clean: Mapping[str, Any]) -> Bureau:
    """The other district of a dispute: a district of the same city."""
    target = jurisdictions.find_target(case.bureau, clean.get("competent_bureau") or "")
    if target is None or target.level != "district" or case.bureau.level != "district":
        districts = [b.name for b in jurisdictions.transfer_targets(case.bureau) if b.level == "district"]
        raise ValidationError(
            {
                "competent_bureau": [
                    _(
                        "管辖争议发生在两个区县之间（CQH 第二十一条）：请填写争议另一方区县医保局的全称：%(names)s",
                        names="、".join(districts) or "—",
                    )
                ]
            }
        )
    return target


def hand_over(
    case: Case, user: User, loaded: casestore.Loaded, target: Bureau, kind: str, reason: str = ""
) -> Case:
    """Open the case at the receiving bureau with the 登记表 (信息来源: 移交) and evidence; both
    timelines say so and name the other case."""
    registration = loaded.runner.pack.forms[REGISTRATION_FORM].fields
    data = {k: v for k, v in loaded.running.data.items() if k in registration and k != "registration_no"}
    if "source_channel" in registration:
        data["source_channel"] = "transferred"
    words = {"bureau": case.bureau.name, "number": case.number}
    title = (
        _("由%(bureau)s的案件 %(number)s 提级，市局直接办理", **words)
        + (_("（理由：%(reason)s）", reason=reason[:80]) if reason else "")
        if kind == "taken_over"
        else _("接收%(bureau)s移交的举报（原编号 %(number)s）", **words)
    )
    new = open_case(target, user, data, loaded.runner.clock, title=title, origin=case)
    evidence_files.copy_to_case(case, new, user)
    title = {
        "transferred": _("已移交%(bureau)s，新编号 %(number)s"),
        "taken_over": _("由%(bureau)s直接办理（提级），新编号 %(number)s"),
    }[kind]
    casestore.add_event(
        case, user, kind, title % {"bureau": target.name, "number": new.number}, {"case": new.id}
    )
    return new


def may_take_over(user: User, case: Case) -> bool:
    """Whether the user is a head of the city bureau above the district that holds this open case."""
    return (
        case.status != "closed"
        and case.process_id == INTAKE_PROCESS
        and case.bureau.level == "district"
        and user.bureau_id == jurisdictions.city_of(case.bureau).id
        and user.bureau_id != case.bureau_id
        and has_any(user, TAKE_OVER_ROLES)
    )


def take_over(user: User, case: Case, reason: str, now=None) -> Case:
    """The city handles a report a district received (CQH 第二十条第二款, CQF 第二十三条第三款):
    the case opens at the city and the district's case ends."""
    if not may_take_over(user, case):
        raise Forbidden(_("只有市局负责人可以对区县正在办理的举报提级办理"))
    if not reason.strip():
        raise CaseworkError(_("请写明提级办理的理由"))
    loaded = casestore.load(case, now)
    with transaction():
        new = hand_over(case, user, loaded, jurisdictions.city_of(case.bureau), "taken_over", reason.strip())
        casestore.add_event(
            case, user, "reason", _("提级理由：%(reason)s", reason=reason.strip()[:500]), None
        )
        loaded.runner.cancel(loaded.running)
        casestore.keep(case, loaded.runner, loaded.running, None, {"outcome": "taken_over"})
    return new


LINK_KINDS = ("transferred", "taken_over", "received")


def visible_links(user: User, events) -> dict[int, int]:
    """The timeline entries naming the other case of a hand-over, when this user may open it:
    {event id: case id}."""
    named = {
        e.id: e.detail["case"]
        for e in events
        if e.kind in LINK_KINDS and isinstance(e.detail, dict) and isinstance(e.detail.get("case"), int)
    }
    if not named:
        return {}
    ids = select(Case.id).where(Case.id.in_(set(named.values())))
    query = visibility.visible_cases(user).with_only_columns(Case.id).where(Case.id.in_(ids))
    open_ = set(db.session.execute(query).scalars())
    return {event: case for event, case in named.items() if case in open_}
