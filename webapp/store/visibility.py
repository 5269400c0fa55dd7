"""Which cases and tasks a user may reach: their bureau's cases (a city bureau's also its districts'),
never one they are recused from; a task only of their roles and not claimed by someone else.
A case or task the user may not see is NotFound, exactly as one that does not exist."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import bindparam, or_, select

from webapp.access import holds_task_role
from webapp.errors import Forbidden, NotFound
from webapp.extensions import db
from webapp.models import Bureau, Case, Recusal, TaskEntry, User
from webapp.store import caserows, jurisdictions


def visible_cases(user: User):
    """A select() of the cases this user may see (also those of a jurisdiction dispute their bureau
    takes part in)."""
    recused = select(Recusal.case_id).where(Recusal.user_id == user.id)
    bureaus = user.bureau.visible_bureau_ids()
    return select(Case).where(
        or_(Case.bureau_id.in_(bureaus), Case.partner_bureau_id.in_(bureaus)), Case.id.not_in(recused)
    )


# visible_cases for one case, built once and run as one query: the user's bureaus as a subquery
# rather than their bureau and its districts loaded row by row.
_CASE_FOR = select(Case).where(
    Case.id == bindparam("case_id"),
    or_(
        Case.bureau_id.in_(caserows.visible_bureau_ids(bindparam("bureau_id"))),
        Case.partner_bureau_id == bindparam("bureau_id"),
    ),
    Case.id.not_in(select(Recusal.case_id).where(Recusal.user_id == bindparam("user_id"))),
)


def case_for(user: User, case_id: int) -> Case:
    """The case, if this user may see it (else NotFound, also when it exists)."""
    params = {"case_id": case_id, "bureau_id": user.bureau_id, "user_id": user.id}
    case = db.session.execute(_CASE_FOR, params).scalar_one_or_none()
    if case is None:
        raise NotFound(_("案件不存在或您无权查看"))
    return case


_TASK_FOR = select(TaskEntry).where(
    TaskEntry.case_id == bindparam("case_id"), TaskEntry.task_id == bindparam("task_id")
)


def task_for(user: User, case: Case, task_id: str) -> TaskEntry:
    """A ready task of the case this user may do (else NotFound or Forbidden)."""
    entry = db.session.execute(_TASK_FOR, {"case_id": case.id, "task_id": task_id}).scalar_one_or_none()
    may_do(user, entry, case)
    return entry


def may_do(user: User, entry, case: Case) -> None:
    """task_for's checks, on a TaskEntry or a task-index row read by caserows (None: no such task)."""
    if entry is None:
        raise NotFound(_("该任务已办理完毕或不存在"))
    if not holds_task_role(user, entry.roles_text):
        raise Forbidden(_("您的角色不能办理此任务"))
    if not jurisdictions.may_work_at(user, case, entry.form_id):
        if entry.form_id == jurisdictions.CITY_DESIGNATION_FORM:
            raise Forbidden(_("指定管辖由市局负责人决定（CQH 第二十条第二款、第二十一条）"))
        raise Forbidden(_("此任务不由本局办理"))
    if entry.claimed_by_id not in (None, user.id):
        raise Forbidden(
            _("此任务已由 %(name)s 认领", name=db.session.get(User, entry.claimed_by_id).display_name)
        )


def bureau_by_code(code: str) -> Bureau | None:
    return db.session.execute(select(Bureau).filter_by(code=code)).scalar_one_or_none()


def duplicates(user: User, person: str | None, unit: str | None, exclude: int | None = None) -> list[Case]:
    """Earlier cases naming the same reported person or unit (CQH 第十三条第一、二项)."""
    conditions = []
    if person:
        conditions.append(Case.reported_person == person)
    if unit:
        conditions.append(Case.reported_unit == unit)
    if not conditions:
        return []
    query = visible_cases(user).where(or_(*conditions)).order_by(Case.created_at.desc()).limit(10)
    return [c for c in db.session.execute(query).scalars() if c.id != exclude]
