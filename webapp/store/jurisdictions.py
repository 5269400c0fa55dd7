"""Where a case may go and whose inbox its tasks reach (CQH 第十九至二十一条, CQF 第二十三条).

A city bureau and its districts form one tree. A case moves inside its tree only: the city hands a
report to a district, a district to the city or to another district of the same city. Most tasks
are queued at the case's own bureau; the city's designation of a handler (市局指定管辖) at the city
only, and a jurisdiction negotiation at both districts of the dispute.
"""

from __future__ import annotations

from webapp.models import Bureau, Case, User

CITY_DESIGNATION_FORM = "city_designation"
NEGOTIATION_FORM = "jurisdiction_negotiation"


def city_of(bureau: Bureau) -> Bureau:
    """The city bureau of a bureau's tree (a city bureau is its own)."""
    return bureau if bureau.level == "city" or bureau.parent is None else bureau.parent


def transfer_targets(bureau: Bureau) -> list[Bureau]:
    """The bureaus a case of this bureau may be handed to: the rest of its city's tree."""
    city = city_of(bureau)
    return [b for b in [city, *city.districts] if b.id != bureau.id]


def find_target(bureau: Bureau, name: str) -> Bureau | None:
    """The bureau of the tree named by its full name or code (None: not one of them)."""
    name = (name or "").strip()
    return next((b for b in transfer_targets(bureau) if name and name in (b.name, b.code)), None)


def target_names(bureau: Bureau) -> str:
    return "、".join(b.name for b in transfer_targets(bureau))


def task_bureaus(row: Case, form_id: str) -> tuple[int, ...]:
    """The bureaus whose inboxes a task of this case reaches."""
    if form_id == CITY_DESIGNATION_FORM:
        return (city_of(row.bureau).id,)
    if form_id == NEGOTIATION_FORM and row.partner_bureau_id:
        return (row.bureau_id, row.partner_bureau_id)
    return (row.bureau_id,)


def may_work_at(user: User, row: Case, form_id: str) -> bool:
    """Whether this user's bureau may do a task of the form on the case: the city's designation is
    the city's alone; a bureau does its own tasks (a city also its districts'), and a negotiation
    it takes part in."""
    if form_id == CITY_DESIGNATION_FORM:
        return user.bureau_id == city_of(row.bureau).id
    allowed = task_bureaus(row, form_id)
    return user.bureau_id in allowed or bool(set(allowed) & set(user.bureau.visible_bureau_ids()))
