"""Routes of the clerk's pages. Thin: read the request, call one case-work function, render."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from engine.errors import ValidationError
from engine.forms.definition import input_components
from webapp import access, clock
from webapp.errors import CaseworkError, Conflict, NotFound
from webapp.extensions import db
from webapp.models import Attachment, Case, CaseEvent, TaskEntry
from webapp.store import casestore, deadline_index, packindex, packversions, visibility
from webapp.translation import N_
from webapp.usecases import calendar_edits, casework, jurisdiction, notices, notifications, pages
from webapp.web.cases import bp
from webapp.web.cases.formview import data_from_post
from webapp.web.rewards.panel import reward_panel

PROCESS_NAMES = {
    "report_handling": "举报线索处理",
    "reward": "举报奖励",
    "supervisor": "社会监督员",
    "district_report": "区县报送",
}


@bp.before_request
@login_required
def _login_first():
    """Every clerk page needs a logged-in user."""


@bp.get("/")
def inbox():
    process = request.args.get("process") or None
    pack = request.args.get("pack") or None
    overdue = request.args.get("overdue") == "1"
    today = clock.local_today()
    listed = pages.of_list(
        lambda limit: casework.inbox(
            current_user, process=process, pack=pack, overdue=overdue, today=today, limit=limit
        ),
        pages.page_number(request.args.get("page")),
        pages.TASKS_PER_PAGE,
    )
    tasks = listed.items
    left = packversions.working_days_left(tasks, today)
    return render_template(
        "cases/inbox.html",
        tasks=tasks,
        listed=listed,
        left=left,
        today=today,
        process=process,
        pack=pack,
        overdue=overdue,
        process_names=PROCESS_NAMES,
        notifications=notifications.unread(current_user),
        waiting=(
            deadline_index.waiting(current_user, limit=50) if "administrator" in current_user.roles else []
        ),
        calendar_alert=calendar_edits.next_year_alert(current_user, today),
    )


@bp.get("/cases")
def search():
    text = (request.args.get("q") or "").strip()[:100]
    listed = pages.search_cases(current_user, text, pages.page_number(request.args.get("page")))
    return render_template("cases/search.html", cases=listed.items, listed=listed, q=text)


@bp.get("/cases/<int:case_id>")
def case(case_id: int):
    row = visibility.case_for(current_user, case_id)
    loaded = casestore.load(row)
    events = (
        db.session.execute(select(CaseEvent).filter_by(case_id=row.id).order_by(CaseEvent.at)).scalars().all()
    )
    attachments = db.session.execute(select(Attachment).filter_by(case_id=row.id)).scalars().all()
    tasks = db.session.execute(select(TaskEntry).filter_by(case_id=row.id)).scalars().all()
    data = access.masked(current_user, loaded.running.data)
    return render_template(
        "cases/case.html",
        case=row,
        data=data,
        events=events,
        tasks=tasks,
        reward_panel=reward_panel(current_user, row, data),
        case_notices=notices.notices_of_case(row),
        deadlines=loaded.runner.deadlines(loaded.running),
        attachments=attachments,
        reached=loaded.running.reached(),
        active=[t.element_id for t in tasks],
        can_see_reporter=access.can_see_reporter(current_user),
        may_take_over=jurisdiction.may_take_over(current_user, row),
        linked=jurisdiction.visible_links(current_user, events),
        may_act=access.has_any(current_user, access.HANDLING_ROLES),
        withdrawal_recorded=casework.withdrawal_recorded(loaded.running.data, (t.form_id for t in tasks)),
        deadline_labels=packversions.DEADLINE_LABELS,
        pack_name=packindex.entry(row.pack).display_name,
        version_date=packversions.published_on(row.pack, row.pack_version),
        process_name=PROCESS_NAMES.get(row.process_id, row.process_id),
    )


@bp.get("/cases/<int:case_id>/diagram.bpmn")
def diagram(case_id: int):
    row = visibility.case_for(current_user, case_id)
    compiled = packversions.compiled_version(row.pack, row.pack_version)
    return compiled.pack.file("bpmn", row.process_id), 200, {"Content-Type": "application/xml; charset=utf-8"}


@bp.route("/cases/<int:case_id>/tasks/<task_id>", methods=["GET", "POST"])
def task(case_id: int, task_id: str):
    row = visibility.case_for(current_user, case_id)
    try:
        entry = visibility.task_for(current_user, row, task_id)
    except NotFound:
        # The case is this user's to see, the task is gone: someone completed it a moment ago.
        flash(_("该任务已被他人办理完毕。任务已办理完毕后不能再次提交，案件未作改动"), "error")
        return redirect(url_for("cases.case", case_id=case_id))
    compiled = packversions.compiled_version(row.pack, row.pack_version)
    definition = compiled.forms[entry.form_id].definition
    errors: dict = {}
    changes: list = []
    back = "inbox" if (request.values.get("back") == "inbox") else "case"
    if request.method == "POST":
        values = data_from_post(definition, request.form)
        lock = request.form.get("lock_version")
        try:
            casework.complete_task(
                current_user, row, task_id, values, int(lock) if lock and lock.isdigit() else None
            )
        except ValidationError as exc:
            errors = exc.messages
        except Conflict as exc:
            flash(str(exc), "error")
            db.session.rollback()
            try:  # the task is still to do: the form again, as typed, with what changed meanwhile
                entry = visibility.task_for(current_user, row, task_id)
            except CaseworkError:
                return redirect(url_for("cases.case", case_id=case_id))
            changes = _events_after(row, request.form.get("seen_event"))
        except CaseworkError as exc:
            flash(str(exc), "error")
        else:
            flash(_("「%(task)s」已办理（%(number)s）", task=entry.name, number=row.number))
            if back == "inbox":
                return redirect(url_for("cases.inbox"))
            return redirect(url_for("cases.case", case_id=case_id))
    # The case is restored only to show the form (completing it restores it itself).
    data = casestore.load(row).running.data
    if request.method != "POST":
        values = {
            **casework.form_values(row, entry, data),
            **notices.task_prefill(row, entry.form_id, task_id),
        }
    return render_template(
        "cases/task.html",
        case=row,
        entry=entry,
        definition=definition,
        values=values,
        errors=errors,
        field_keys={c["key"] for c in input_components(definition["components"])},
        data=data,
        task_notice=notices.notice_for_task(row, entry.form_id, entry.task_id),
        changes=changes,
        back=back,
        seen_event=db.session.execute(select(func.max(CaseEvent.id)).filter_by(case_id=row.id)).scalar() or 0,
    )


def _events_after(row: Case, seen_event: str | None) -> list[CaseEvent]:
    """The timeline entries made after a form was shown (what a stale page did not know)."""
    if not (seen_event or "").isdigit():
        return []
    query = select(CaseEvent).filter_by(case_id=row.id).where(CaseEvent.id > int(seen_event or 0))
    return list(db.session.execute(query.order_by(CaseEvent.id)).scalars())


@bp.post("/cases/<int:case_id>/tasks/<task_id>/claim")
def claim(case_id: int, task_id: str):
    row = visibility.case_for(current_user, case_id)
    casework.claim(current_user, row, task_id)
    return redirect(request.referrer or url_for("cases.inbox"))


@bp.post("/cases/<int:case_id>/tasks/<task_id>/release")
def release(case_id: int, task_id: str):
    row = visibility.case_for(current_user, case_id)
    casework.release(current_user, row, task_id)
    return redirect(request.referrer or url_for("cases.inbox"))


EVENTS = {
    "withdrawal": N_("登记举报人撤回举报（CQH 第二十三条）"),
    "recusal_request": N_("提出回避申请（CQH 第十八条）"),
}


@bp.post("/cases/<int:case_id>/events/<message>")
def send(case_id: int, message: str):
    if message not in EVENTS:
        abort(404)
    row = visibility.case_for(current_user, case_id)
    try:
        casework.send_event(current_user, row, message, EVENTS[message])
    except CaseworkError as exc:
        flash(str(exc), "error")
    else:
        flash(_("%(event)s：已进入待办", event=_(EVENTS[message])))
    return redirect(url_for("cases.case", case_id=case_id))


@bp.post("/cases/<int:case_id>/recusals")
def recuse(case_id: int):
    row = visibility.case_for(current_user, case_id)
    try:
        casework.recuse(
            current_user,
            row,
            (request.form.get("username") or "").strip(),
            (request.form.get("reason") or "").strip(),
        )
    except CaseworkError as exc:
        flash(str(exc), "error")
    else:
        flash(_("回避决定已记录，该工作人员不再能查看本案"))
    return redirect(url_for("cases.case", case_id=case_id))


@bp.post("/cases/<int:case_id>/take-over")
def take_over(case_id: int):
    row = visibility.case_for(current_user, case_id)
    try:
        new = jurisdiction.take_over(current_user, row, (request.form.get("reason") or "").strip())
    except CaseworkError as exc:
        flash(str(exc), "error")
        return redirect(url_for("cases.case", case_id=case_id))
    flash(_("已提级办理，市局案件编号 %(number)s", number=new.number))
    return redirect(url_for("cases.case", case_id=new.id))


@bp.get("/cases/<int:case_id>/registration")
def registration_sheet(case_id: int):
    row = visibility.case_for(current_user, case_id)
    if row.process_id != casestore.INTAKE_PROCESS:  # a reward or supervisor case has no 登记表 of its own
        abort(404)
    loaded = casestore.load(row)
    compiled = packversions.compiled_version(row.pack, row.pack_version)
    return render_template(
        "cases/registration_sheet.html",
        case=row,
        data=access.masked(current_user, loaded.running.data),
        definition=compiled.forms[casestore.REGISTRATION_FORM].definition,
    )
