"""Case work: the use cases behind the clerk's pages. Each loads what it needs, calls the engine,
keeps the task index and the timeline in step with the case state, and commits once.

Access rules live here, not in the views: a user sees the cases of their bureau (a city bureau
also its districts'), never a case they are recused from, and completes only tasks of their roles.
A case another user changed since the page was shown is refused with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from flask_babel import gettext as _
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm.exc import StaleDataError

from engine.calendars import CalendarNotConfirmed
from engine.deadlines import UnknownDeadlineRule
from engine.errors import ClueflowError, ValidationError
from engine.feel import FeelError
from engine.runner import Case as RunningCase
from engine.runner import RunError, Runner, Snapshot, TaskNotReady, TimerRun

from . import caserows, deadline_index
from . import evidence as evidence_files
from .clock import LOCAL_ZONE, clock, local_today
from .extensions import db
from .intake import next_number, reported_party_problems, walk_in_problems
from .models import (
    Bureau,
    Case,
    Recusal,
    TaskEntry,
    TaskQueue,
    User,
)
from .packversions import current_version, runner_for

INTAKE_PROCESS = "report_handling"
REGISTRATION_FORM = "registration"
RECUSAL_FORM = "recusal_decision"
TRANSFER_FORM = "transfer"


class CaseworkError(Exception):
    """A refusal to show the user, in Chinese."""


class NotFound(CaseworkError):
    """No such case or task for this user (also when it exists but is not theirs to see)."""


class Conflict(CaseworkError):
    """Someone else changed the case first; nothing was saved."""


class Forbidden(CaseworkError):
    """The user may see the case but not do this."""


# -- what a user may see ---------------------------------------------------------------------------

def visible_cases(user: User):
    """A select() of the cases this user may see."""
    recused = select(Recusal.case_id).where(Recusal.user_id == user.id)
    return select(Case).where(Case.bureau_id.in_(user.bureau.visible_bureau_ids()), Case.id.not_in(recused))


# visible_cases for one case, built once and run as one query: the user's bureaus as a subquery
# rather than their bureau and its districts loaded row by row.
_CASE_FOR = select(Case).where(
    Case.id == bindparam("case_id"),
    Case.bureau_id.in_(caserows.visible_bureau_ids(bindparam("bureau_id"))),
    Case.id.not_in(select(Recusal.case_id).where(Recusal.user_id == bindparam("user_id"))))


def case_for(user: User, case_id: int) -> Case:
    params = {"case_id": case_id, "bureau_id": user.bureau_id, "user_id": user.id}
    case = db.session.execute(_CASE_FOR, params).scalar_one_or_none()
    if case is None:
        raise NotFound(_("案件不存在或您无权查看"))
    return case


def inbox(user: User, *, process: str | None = None, pack: str | None = None, overdue: bool = False,
          today: date | None = None, limit: int = 200) -> list[TaskEntry]:
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
                query = (select(TaskQueue.task_entry_id, TaskQueue.sort_due)
                         .where(TaskQueue.bureau_id == bureau_id, TaskQueue.role == role)
                         .order_by(TaskQueue.sort_due, TaskQueue.task_entry_id).limit(fetch))
                if overdue:
                    query = query.where(TaskQueue.sort_due < today)
                rows = db.session.execute(query).all()
                exhausted = exhausted and len(rows) < fetch
                keys.update(rows)
        ordered = sorted(keys, key=lambda i: (keys[i], i))
        tasks: list[TaskEntry] = []
        for start in range(0, len(ordered), fetch):  # load rows only as far as the page needs
            chunk = ordered[start:start + fetch]
            entries = {e.id: e for e in db.session.execute(select(TaskEntry).where(TaskEntry.id.in_(chunk))).scalars()}
            tasks += [entries[i] for i in chunk if i in entries
                      and entries[i].case_id not in recused
                      and entries[i].claimed_by_id in (None, user.id)
                      and (process is None or entries[i].process_id == process)
                      and (pack is None or entries[i].pack == pack)]
            if len(tasks) >= limit:
                return tasks[:limit]
        if exhausted:
            return tasks
        fetch *= 4


REPORTER_FIELDS = ("reporter_name", "reporter_sex", "reporter_id_no", "reporter_employer", "reporter_phone",
                   "reporter_address", "reporter_email")
HANDLING_ROLES = frozenset({"registrar", "case_officer", "division_head", "bureau_head"})


def can_see_reporter(user: User) -> bool:
    """The reporter's identity is for those who handle cases (CQH 第十六、十七条), not auditors or editors."""
    return bool(HANDLING_ROLES & user.roles)


def masked(user: User, data: Mapping[str, Any]) -> dict[str, Any]:
    """Case data as this user may see it: the reporter's identity replaced for other roles."""
    if can_see_reporter(user):
        return dict(data)
    return {k: ("（保密）" if k in REPORTER_FIELDS and v else v) for k, v in data.items()}


_TASK_FOR = select(TaskEntry).where(TaskEntry.case_id == bindparam("case_id"), TaskEntry.task_id == bindparam("task_id"))


def task_for(user: User, case: Case, task_id: str) -> TaskEntry:
    entry = db.session.execute(_TASK_FOR, {"case_id": case.id, "task_id": task_id}).scalar_one_or_none()
    _may_do(user, entry)
    return entry


def _may_do(user: User, entry) -> None:
    """task_for's checks, on a TaskEntry or a task-index row read by caserows (None: no such task)."""
    if entry is None:
        raise NotFound(_("该任务已办理完毕或不存在"))
    if not set(entry.roles_text.split(",")) & user.roles:
        raise Forbidden(_("您的角色不能办理此任务"))
    if entry.claimed_by_id not in (None, user.id):
        raise Forbidden(_("此任务已由 %(name)s 认领", name=db.session.get(User, entry.claimed_by_id).display_name))


# -- use cases -------------------------------------------------------------------------------------

@dataclass
class Loaded:
    row: Case
    runner: Runner
    running: RunningCase


def load(case: Case, now=None) -> Loaded:
    runner = runner_for(case.pack, case.pack_version, now)
    return Loaded(case, runner, runner.restore(case.state))


def register_report(user: User, data: Mapping[str, Any], now=None, evidence=()) -> Case:
    """Register a report on the 登记表: a new case of the user's bureau, numbered, registration done,
    with the evidence files already stored (evidence.Stored) attached in the same commit."""
    if "registrar" not in user.roles:
        raise Forbidden(_("只有登记员可以登记举报"))
    problems = {**reported_party_problems(data), **walk_in_problems(data)}
    row = _open_case(user.bureau, user, data, now or clock(), problems)
    evidence_files.add_to_case(row, user, evidence)
    db.session.commit()
    return row


def _open_case(bureau: Bureau, user: User, data: Mapping[str, Any], now, problems=None,
               title: str = "登记举报") -> Case:
    """A new numbered case of a bureau with its registration task completed (not committed)."""
    version = current_version(bureau.pack)
    runner = runner_for(bureau.pack, version.version, now)
    running = runner.start(INTAKE_PROCESS)
    [task] = [t for t in runner.ready_tasks(running) if t.form_id == REGISTRATION_FORM]
    number = next_number(bureau.pack, now().astimezone(LOCAL_ZONE).year)
    try:
        clean = runner.complete(running, task.id, {**data, "registration_no": number})
    except ValidationError as exc:
        db.session.rollback()
        if problems:  # shown together with the form's own messages
            raise ValidationError({**problems, **exc.messages}) from exc
        raise
    except (RunError, ClueflowError) as exc:
        db.session.rollback()
        raise CaseworkError(_("登记未能完成：%(reason)s", reason=explain(exc))) from exc
    if problems:
        db.session.rollback()
        raise ValidationError(problems)
    row = Case(number=number, pack=bureau.pack, pack_version=version.version, process_id=INTAKE_PROCESS,
               bureau_id=bureau.id, state="", created_at=now())
    db.session.add(row)
    _copy_summary(row, clean)
    db.session.flush()
    _event(row, user, "registered", f"{title} {number}", {"task": task.name})
    _sync(row, runner, running, {})
    return row


def _transfer_to_district(case: Case, user: User, loaded: "Loaded", clean: Mapping[str, Any]) -> Case | None:
    """A report the city hands to a district it oversees (CQH 第二十条, URU 第十五条) becomes a case of
    that district, registered with the same 登记表; a transfer to another authority creates nothing."""
    name = (clean.get("competent_bureau") or "").strip()
    district = next((d for d in case.bureau.districts if name and name in (d.name, d.code)), None)
    if district is None:
        return None
    registration = loaded.runner.pack.forms[REGISTRATION_FORM].fields
    data = {k: v for k, v in loaded.running.data.items() if k in registration and k != "registration_no"}
    new = _open_case(district, user, data, loaded.runner.clock, title=f"由{case.bureau.name}移交（原编号 {case.number}）")
    _event(case, user, "transferred", f"已移交{district.name}，新编号 {new.number}", {"case": new.id})
    return new


def complete_task(user: User, case: Case, task_id: str, data: Mapping[str, Any], lock_version: int | None,
                  now=None) -> None:
    """Complete a task with form data; refuses stale pages, wrong roles and invalid data."""
    tasks = caserows.task_rows(case.id)  # task_for's row and the index _sync brings in step, read once
    entry = tasks.get(task_id)
    if entry is None and caserows.changed_since_read(case):
        raise Conflict(_("该任务已被他人办理完毕"))  # completed by someone after this case row was read
    _may_do(user, entry)
    if lock_version is not None and lock_version != case.lock_version:
        raise Conflict(_("此案件已被他人更新，请刷新页面后重新办理"))
    loaded = load(case, now)
    rules = task_rules(case)
    if rules is not None:
        rules.check(user, case, entry, loaded, data)
    try:
        clean = loaded.runner.complete(loaded.running, task_id, data)
    except ValidationError:
        raise
    except TaskNotReady as exc:
        raise Conflict(_("该任务已被他人办理完毕")) from exc
    except (RunError, ClueflowError) as exc:
        db.session.rollback()
        raise CaseworkError(_("办理未能完成，案件未作任何改动：%(reason)s", reason=explain(exc))) from exc
    if entry.form_id == RECUSAL_FORM and clean.get("recusal_approved"):
        target = _staff_member(user, clean.get("recusal_staff") or "")
        if target is None:
            raise ValidationError({"recusal_staff": [_("没有这名工作人员：请填写本局（或下级局）工作人员的用户名或姓名")]})
    else:
        target = None
    _event(case, user, "task", f"办理「{entry.name}」", {"element": entry.element_id, "data": _jsonable(clean)})
    if entry.form_id == TRANSFER_FORM:
        _transfer_to_district(case, user, loaded, clean)
    if target is not None:
        _record_recusal(case, user, target, clean.get("recusal_opinion") or clean.get("recusal_ground") or "")
    if rules is not None:
        rules.record(user, case, entry, loaded, clean)
    _commit(lambda: _sync(case, loaded.runner, loaded.running, tasks))


@dataclass
class TimersFired:
    """What firing a case's due timers did: the timer elements that fired, the tasks they opened
    (TaskInfo) and every task ready after them."""

    fired: list[str]
    opened: list
    ready: tuple


def fire_due_timers(case: Case, now=None) -> TimersFired | None:
    """Fire the timers of one case that are due by the clock and bring its rows in step (the caller
    commits). None when none was due: the case's stored next instant is then set to its state's own."""
    loaded = load(case, now)
    fired = loaded.runner.fire_timers(loaded.running)
    if not fired:
        case.next_timer_at = loaded.runner.next_timer(loaded.running)
        return None
    _event(case, None, "timer", "期限届满：" + "、".join(fired), {"timers": fired})
    if (rules := task_rules(case)) is not None:
        rules.after_timers(case, fired)
    synced, snapshot = _sync(case, loaded.runner, loaded.running)
    return TimersFired(fired, synced.new, snapshot.ready)


def stores_alone(case: Case, run: TimerRun, tasks: Mapping[str, Any]) -> bool:
    """Whether a case whose timers fired elsewhere (Runner.fire_stored) needs fire_due_timers' own
    step rather than store_timer_runs: its process adds rules to timers (the reward process), or a
    notice task appears or leaves (the outbox follows it). `tasks`: the case's task_rows."""
    if task_rules(case) is not None:
        return True
    ready = {t.id: t.form_id for t in run.snapshot.ready}
    left = {r.form_id for task_id, r in tasks.items() if task_id not in ready}
    return _touches_notices(left, set(ready.values()))


def store_timer_runs(runs: list[tuple[Case, TimerRun, Mapping[str, Any]]], now) -> dict[int, TimersFired]:
    """Write several cases whose due timers fired in one go (each a TimerRun with a snapshot, with the
    case's task_rows; none of them `stores_alone`): the timeline entries, the case rows, deadline
    index, task index and queue — a statement or two for all of them. The caller commits."""
    caserows.add_events([{"case_id": case.id, "user_id": None, "kind": "timer",
                          "title": "期限届满：" + "、".join(run.fired), "detail": {"timers": list(run.fired)}, "at": now}
                         for case, run, _tasks in runs])
    synced = _store([(case, run.snapshot, tasks) for case, run, tasks in runs], now)
    return {case.id: TimersFired(list(run.fired), synced[case.id].new, run.snapshot.ready) for case, run, _ in runs}


def task_rules(case: Case):
    """The rules a process adds to its tasks beyond their forms (the reward process: URU 第十二至二十条):
    a module with check(), record(), after_timers() and form_values(), or None."""
    if case.process_id == "reward":
        from .rewards import tasks

        return tasks
    return None


def form_values(case: Case, entry: TaskEntry, data: Mapping[str, Any]) -> dict[str, Any]:
    """What a task's form opens with: the case data, and what the process's own rules prefill."""
    rules = task_rules(case)
    return rules.form_values(case, entry, data) if rules is not None else dict(data)


def send_event(user: User, case: Case, message: str, title: str, now=None) -> None:
    """Deliver an event such as a withdrawal or a recusal request to a running case."""
    if case.status == "closed":
        raise CaseworkError(_("案件已办结，不能办理此事项"))
    loaded = load(case, now)
    try:
        loaded.runner.send(loaded.running, message)
    except ClueflowError as exc:
        raise CaseworkError(_("当前环节不能办理此事项：%(reason)s", reason=str(exc))) from exc
    _event(case, user, message, title, None)
    _commit(lambda: _sync(case, loaded.runner, loaded.running))


def claim(user: User, case: Case, task_id: str) -> None:
    entry = task_for(user, case, task_id)
    entry.claimed_by_id = user.id
    _event(case, user, "claim", f"认领「{entry.name}」", None)
    db.session.commit()


def release(user: User, case: Case, task_id: str) -> None:
    entry = task_for(user, case, task_id)
    entry.claimed_by_id = None
    _event(case, user, "release", f"退回「{entry.name}」", None)
    db.session.commit()


def recuse(decided_by: User, case: Case, recused_username: str, reason: str) -> None:
    """Record a head's decision that a staff member withdraws from a case (CQH 第十八条)."""
    if not {"division_head", "bureau_head"} & decided_by.roles:
        raise Forbidden(_("回避决定由负责人作出"))
    target = _staff_member(decided_by, recused_username)
    if target is None:
        raise CaseworkError(_("没有这名工作人员"))
    _record_recusal(case, decided_by, target, reason)
    db.session.commit()


def _staff_member(head: User, name: str) -> User | None:
    """A staff member of the head's bureaus, by user name or display name."""
    name = name.strip()
    if not name:
        return None
    query = select(User).where(User.bureau_id.in_(head.bureau.visible_bureau_ids()),
                               or_(User.username == name, User.display_name == name))
    return db.session.execute(query).scalars().first()


def _record_recusal(case: Case, decided_by: User, target: User, reason: str) -> None:
    """The recused user loses the case: a Recusal row, and their claims on its tasks released."""
    db.session.add(Recusal(case_id=case.id, user_id=target.id, decided_by_id=decided_by.id, reason=reason))
    db.session.execute(TaskEntry.__table__.update().where(TaskEntry.case_id == case.id,
                                                          TaskEntry.claimed_by_id == target.id)
                       .values(claimed_by_id=None))
    _event(case, decided_by, "recusal", f"决定 {target.display_name} 回避（CQH 第十八条）", {"reason": reason})


def explain(exc: BaseException) -> str:
    """An engine failure in words a clerk can act on (the engine speaks English to operators)."""
    seen, current = set(), exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, CalendarNotConfirmed):
            return (f"{current.region} {current.year} 年的节假日安排尚未确认，无法计算期限。"
                    "请系统管理员录入并确认该年度日历后再办理。")
        if isinstance(current, UnknownDeadlineRule):
            return _("规则包缺少期限规则：%(rule)s。请联系规则管理员。", rule=str(current))
        if isinstance(current, FeelError):
            return _("规则包中的表达式出错（%(error)s）。请联系规则管理员。", error=str(current))
        current = getattr(current, "exception", None) or current.__cause__ or current.__context__
    return _("流程无法继续（%(error)s）。请联系规则管理员。", error=str(exc))


# -- keeping the rows in step ----------------------------------------------------------------------

def _commit(write=None) -> None:
    """Commit (after `write`, the rows brought in step); a case changed by someone else since it
    was read is a Conflict, and nothing is saved."""
    try:
        if write is not None:
            write()
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict(_("此案件已被他人更新，请刷新页面后重新办理")) from exc


def _sync(row: Case, runner: Runner, running: RunningCase, tasks=None):
    """Write the state back and rebuild the case's task index (and inbox queue) from its ready tasks.
    The case row is written before the task index, under its lock: a case someone else changed
    since it was read raises StaleDataError (the caller rolls back). `tasks`: the case's task-index
    rows when already read (caserows.task_rows). Returns (caserows.Synced, the engine's Snapshot)."""
    with db.session.no_autoflush:
        snapshot = runner.snapshot(running)
        synced = _store([(row, snapshot, tasks)], runner.clock())[row.id]
        if _touches_notices(synced.left, {t.form_id for t in snapshot.ready}):
            from .notices import queue_notices

            queue_notices(row, runner, running, snapshot.ready)
    return synced, snapshot


def _store(items: list[tuple[Case, Snapshot, Mapping[str, Any] | None]], now) -> dict[int, caserows.Synced]:
    """Write snapshots to their case rows, running-deadline index and task index."""
    rows = []
    for row, snapshot, _tasks in items:
        values = dict(state=snapshot.state, next_timer_at=snapshot.next_timer,
                      current_step="、".join(t.name for t in snapshot.ready)[:120] or None)
        if snapshot.completed:
            values.update(status="closed", closed_at=now, outcome=snapshot.outcome)
        rows.append((row, values))
    caserows.write_cases(rows)
    deadline_index.sync_many([(row, snapshot.deadlines) for row, snapshot, _tasks in items])
    return caserows.sync_tasks_many([(row, snapshot.ready, tasks) for row, snapshot, tasks in items])


def _touches_notices(left_forms: set[str], ready_forms: set[str]) -> bool:
    """Whether a notice task appeared or left: the outbox follows them (CQH 15, 22; URU 14, 16)."""
    from .notices import NOTICE_FORMS

    return bool(NOTICE_FORMS & (left_forms | ready_forms))


def _copy_summary(row: Case, clean: Mapping[str, Any]) -> None:
    row.received_on = clean.get("received_on")
    row.channel = clean.get("source_channel")
    row.anonymous = bool(clean.get("anonymous"))
    row.subject_type = clean.get("subject_type")
    row.reported_person = (clean.get("reported_person_name") or None)
    row.reported_unit = (clean.get("reported_unit_name") or None)
    row.summary = (clean.get("content") or "")[:200]


def _event(row: Case, user: User | None, kind: str, title: str, detail) -> None:
    caserows.add_event(row.id, user.id if user else None, kind, title, detail, clock()())


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    out = {}
    for key, value in data.items():
        if isinstance(value, (date, Decimal)):
            value = str(value)
        out[key] = value
    return out


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
