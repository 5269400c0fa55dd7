"""Case work: the use cases behind the clerk's pages — the inbox, registering a report, completing a
task, events such as a withdrawal, claims, recusals. Each loads what it needs, calls the engine,
keeps the case's rows in step through the case store, and commits once (webapp.transaction).

Who may reach a case or task is webapp.store.visibility's, on the role sets of webapp.access; a
case another user changed since the page was shown is refused with a clear message.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from engine.errors import ClueflowError, ValidationError
from engine.forms.definition import input_components
from engine.runner import RunError, TaskNotReady
from webapp.access import HANDLING_ROLES, RECUSAL_DECIDERS, REGISTRAR_ROLE, has_any
from webapp.clock import LOCAL_ZONE, clock, local_today
from webapp.errors import CaseworkError, Conflict, Forbidden, explain, stale_case
from webapp.extensions import db
from webapp.models import Case, FormSubmission, Recusal, TaskEntry, TaskQueue, User
from webapp.store import caserows, casestore, taskrules
from webapp.store import evidence as evidence_files
from webapp.store.casestore import RECUSAL_FORM
from webapp.store.visibility import may_do, task_for
from webapp.transaction import transaction
from webapp.usecases import jurisdiction
from webapp.usecases.intake import reported_party_problems, reporter_problems, walk_in_problems
from webapp.usecases.opening import open_case


def inbox(
    user: User,
    *,
    process: str | None = None,
    pack: str | None = None,
    overdue: bool = False,
    today: date | None = None,
    limit: int = 200,
) -> list[TaskEntry]:
    """The ready tasks for this user's roles and bureaus, soonest deadline first.

    Read from the task queue one (bureau, role) range at a time, each already in due order, so the
    cost does not grow with the number of cases; claims, recusals and filters apply to those rows.
    """
    today = today or local_today()
    bureaus, roles = user.bureau.visible_bureau_ids(), sorted(user.roles)
    recused = {r for (r,) in db.session.execute(select(Recusal.case_id).where(Recusal.user_id == user.id))}
    fetch = limit + limit // 4
    while True:
        keys: dict[int, date] = {}
        exhausted = True
        for bureau_id in bureaus:
            for role in roles:
                query = (
                    select(TaskQueue.task_entry_id, TaskQueue.sort_due)
                    .where(TaskQueue.bureau_id == bureau_id, TaskQueue.role == role)
                    .order_by(TaskQueue.sort_due, TaskQueue.task_entry_id)
                    .limit(fetch)
                )
                if overdue:
                    query = query.where(TaskQueue.sort_due < today)
                rows = db.session.execute(query).all()
                exhausted = exhausted and len(rows) < fetch
                keys.update(rows)
        ordered = sorted(keys, key=lambda i: (keys[i], i))
        tasks: list[TaskEntry] = []
        for start in range(0, len(ordered), fetch):  # load rows only as far as the page needs
            chunk = ordered[start : start + fetch]
            entries = {
                e.id: e
                for e in db.session.execute(select(TaskEntry).where(TaskEntry.id.in_(chunk))).scalars()
            }
            tasks += [
                entries[i]
                for i in chunk
                if i in entries
                and entries[i].case_id not in recused
                and entries[i].claimed_by_id in (None, user.id)
                and (process is None or entries[i].process_id == process)
                and (pack is None or entries[i].pack == pack)
            ]
            if len(tasks) >= limit:
                return tasks[:limit]
        if exhausted:
            return tasks
        fetch *= 4


# -- use cases -------------------------------------------------------------------------------------


def register_report(
    user: User, data: Mapping[str, Any], now=None, evidence=(), submission: str | None = None
) -> Case:
    """Register a report on the 登记表: a new case of the user's bureau, numbered, registration done,
    with the evidence files already stored (evidence.Stored) attached in the same commit.

    `submission`: the one-time token of the page the form came from; the same token sent again (a
    double click, a retry, two at once) gives the case the first one made, and no second case."""
    if REGISTRAR_ROLE not in user.roles:
        raise Forbidden(_("只有登记员可以登记举报"))
    earlier = registered_by(user, submission)
    if earlier is not None:
        return earlier
    now = now or clock()
    today = now().astimezone(LOCAL_ZONE).date()
    problems = {**reported_party_problems(data), **walk_in_problems(data), **reporter_problems(data, today)}
    try:
        with transaction():
            row = open_case(user.bureau, user, data, now, problems)
            evidence_files.add_to_case(row, user, evidence)
            if submission:
                db.session.add(FormSubmission(token=submission, user_id=user.id, case_id=row.id, at=now()))
                db.session.flush()
    except IntegrityError:
        earlier = registered_by(user, submission)  # the same form, sent at the same moment, won
        if earlier is None:
            raise CaseworkError(_("此登记表已经提交过，请重新打开登记页面")) from None
        return earlier
    return row


def registered_by(user: User, submission: str | None) -> Case | None:
    """The case an earlier sending of this one-time form token made (None: not sent before)."""
    if not submission:
        return None
    found = db.session.get(FormSubmission, submission[:64])
    if found is None or found.user_id != user.id:
        return None
    return db.session.get(Case, found.case_id)


def complete_task(
    user: User, case: Case, task_id: str, data: Mapping[str, Any], lock_version: int | None, now=None
) -> None:
    """Complete a task with form data; refuses stale pages, wrong roles and invalid data."""
    tasks = caserows.task_rows(case.id)  # task_for's row and the index keep brings in step, read once
    entry = tasks.get(task_id)
    if entry is None and caserows.changed_since_read(case):
        raise Conflict(_("该任务已被他人办理完毕"))  # completed by someone after this case row was read
    may_do(user, entry, case)
    if lock_version is not None and lock_version != case.lock_version:
        raise stale_case()
    loaded = casestore.load(case, now)
    rules = taskrules.rules_for(case)
    with transaction():
        if rules is not None:
            rules.check(user, case, entry, loaded, data)
        try:
            clean = loaded.runner.complete(loaded.running, task_id, data)
        except ValidationError:
            raise
        except TaskNotReady as exc:
            raise Conflict(_("该任务已被他人办理完毕")) from exc
        except (RunError, ClueflowError) as exc:
            raise CaseworkError(_("办理未能完成，案件未作任何改动：%(reason)s", reason=explain(exc))) from exc
        target = _recusal_target(user, entry, clean)
        form = loaded.runner.pack.forms.get(entry.form_id)
        casestore.add_event(
            case,
            user,
            "task",
            f"办理「{entry.name}」" + decided_words(form.definition if form else None, clean),
            {"element": entry.element_id, "data": casestore.jsonable(clean)},
        )
        moved = jurisdiction.after_task(user, case, entry.form_id, loaded, clean)
        if target is not None:
            _record_recusal(
                case, user, target, clean.get("recusal_opinion") or clean.get("recusal_ground") or ""
            )
        if rules is not None:
            rules.record(user, case, entry, loaded, clean)
        casestore.keep(case, loaded.runner, loaded.running, tasks, moved)


# The answers a timeline entry repeats: what a step decided (its choice, or its yes/no on approval).
DECISION_KEYS = ("jurisdiction", "first_reporter_outcome")
DECISION_BOXES = (
    "filed",
    "extension_approved",
    "major_extension_approved",
    "recusal_approved",
    "reward_approved",
)


def decided_words(definition, clean: Mapping[str, Any]) -> str:
    """ "：决定立案" or "：管辖结论 本局管辖" for the timeline; "" when the step decides nothing."""
    words = []
    for component in input_components(definition.get("components", []) if definition else []):
        key = component.get("key")
        if key in DECISION_KEYS and clean.get(key) not in (None, ""):
            label = next(
                (o.get("label") for o in component.get("values", []) if o.get("value") == clean[key]),
                clean[key],
            )
            words.append(f"{component.get('label', key)} {label}")
        elif key in DECISION_BOXES and key in clean:
            words.append(f"{component.get('label', key)}：{'是' if clean[key] else '否'}")
    return "：" + "；".join(words) if words else ""


def _recusal_target(user: User, entry, clean: Mapping[str, Any]) -> User | None:
    """The staff member an approved recusal decision removes from the case (None: no recusal)."""
    if entry.form_id != RECUSAL_FORM or not clean.get("recusal_approved"):
        return None
    target = _staff_member(user, clean.get("recusal_staff") or "")
    if target is None:
        raise ValidationError(
            {"recusal_staff": [_("没有这名工作人员：请填写本局（或下级局）工作人员的用户名或姓名")]}
        )
    return target


def form_values(case: Case, entry: TaskEntry, data: Mapping[str, Any]) -> dict[str, Any]:
    """What a task's form opens with: the case data, and what the process's own rules prefill."""
    rules = taskrules.rules_for(case)
    return rules.form_values(case, entry, data) if rules is not None else dict(data)


def send_event(user: User, case: Case, message: str, title: str, now=None) -> None:
    """Deliver an event such as a withdrawal or a recusal request to a running case (by the staff who
    handle cases; read-only roles see the case but do not act on it). A withdrawal is recorded once."""
    if not has_any(user, HANDLING_ROLES):
        raise Forbidden(_("您的角色只能查看案件，不能办理此事项"))
    if case.status == "closed":
        raise CaseworkError(_("案件已办结，不能办理此事项"))
    loaded = casestore.load(case, now)
    ready = (t.form_id for t in caserows.task_rows(case.id).values())
    if message == WITHDRAWAL and withdrawal_recorded(loaded.running.data, ready):
        raise CaseworkError(_("已登记举报人撤回，不能重复登记"))
    with transaction():
        try:
            loaded.runner.send(loaded.running, message)
        except ClueflowError as exc:
            raise CaseworkError(_("当前环节不能办理此事项：%(reason)s", reason=str(exc))) from exc
        casestore.add_event(case, user, message, title, None)
        casestore.keep(case, loaded.runner, loaded.running)


WITHDRAWAL = "withdrawal"


def withdrawal_recorded(data: Mapping[str, Any], ready_forms: Iterable[str]) -> bool:
    """Whether the reporter's withdrawal is recorded (the case data) or being recorded (its task,
    among the forms of the case's ready tasks, is open)."""
    return bool(data.get("withdrawn")) or WITHDRAWAL in set(ready_forms)


def claim(user: User, case: Case, task_id: str) -> None:
    """Take a ready task of one's roles for oneself: colleagues no longer see it in their inbox."""
    with transaction():
        entry = task_for(user, case, task_id)
        entry.claimed_by_id = user.id
        casestore.add_event(case, user, "claim", f"认领「{entry.name}」", None)


def release(user: User, case: Case, task_id: str) -> None:
    """Give a claimed task back to the inbox of its roles."""
    with transaction():
        entry = task_for(user, case, task_id)
        entry.claimed_by_id = None
        casestore.add_event(case, user, "release", f"退回「{entry.name}」", None)


def recuse(decided_by: User, case: Case, recused_username: str, reason: str) -> None:
    """Record a head's decision that a staff member withdraws from a case (CQH 第十八条)."""
    if not has_any(decided_by, RECUSAL_DECIDERS):
        raise Forbidden(_("回避决定由负责人作出"))
    target = _staff_member(decided_by, recused_username)
    if target is None:
        raise CaseworkError(_("没有这名工作人员"))
    with transaction():
        _record_recusal(case, decided_by, target, reason)


def _staff_member(head: User, name: str) -> User | None:
    """A staff member of the head's bureaus, by user name or display name."""
    name = name.strip()
    if not name:
        return None
    query = select(User).where(
        User.bureau_id.in_(head.bureau.visible_bureau_ids()),
        or_(User.username == name, User.display_name == name),
    )
    return db.session.execute(query).scalars().first()


def _record_recusal(case: Case, decided_by: User, target: User, reason: str) -> None:
    """The recused user loses the case: a Recusal row, and their claims on its tasks released."""
    db.session.add(Recusal(case_id=case.id, user_id=target.id, decided_by_id=decided_by.id, reason=reason))
    db.session.execute(
        TaskEntry.__table__.update()
        .where(TaskEntry.case_id == case.id, TaskEntry.claimed_by_id == target.id)
        .values(claimed_by_id=None)
    )
    casestore.add_event(
        case, decided_by, "recusal", f"决定 {target.display_name} 回避（CQH 第十八条）", {"reason": reason}
    )
