"""Routes of the clerk's pages. Thin: read the request, call one case-work function, render."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from engine.errors import ValidationError

from .. import casework
from ..extensions import db
from ..models import Attachment, Case, CaseEvent
from . import bp
from .formview import data_from_post, field_components

PROCESS_NAMES = {"report_handling": "举报线索处理", "reward": "举报奖励", "supervisor": "社会监督员"}


@bp.before_request
@login_required
def _login_first():
    """Every clerk page needs a logged-in user."""


@bp.errorhandler(casework.NotFound)
def _not_found(error):
    return render_template("errors.html", code=404, title="页面不存在", message=str(error)), 404


@bp.errorhandler(casework.Forbidden)
def _forbidden(error):
    return render_template("errors.html", code=403, title="没有权限", message=str(error)), 403


@bp.get("/")
def inbox():
    process = request.args.get("process") or None
    pack = request.args.get("pack") or None
    overdue = request.args.get("overdue") == "1"
    today = date.today()
    tasks = casework.inbox(current_user, process=process, pack=pack, overdue=overdue, today=today)
    left = {t.id: casework.working_days_left(t.pack, today, t.due) for t in tasks}
    return render_template("cases/inbox.html", tasks=tasks, left=left, today=today, process=process, pack=pack,
                           overdue=overdue, process_names=PROCESS_NAMES)


@bp.get("/cases")
def search():
    number = (request.args.get("q") or "").strip()
    query = casework.visible_cases(current_user)
    if number:
        query = query.where((Case.number.contains(number)) | (Case.reported_unit.contains(number))
                            | (Case.reported_person.contains(number)))
    cases = db.session.execute(query.order_by(Case.created_at.desc()).limit(100)).scalars().all()
    return render_template("cases/search.html", cases=cases, q=number)


def _intake_defaults() -> dict:
    today = date.today().isoformat()
    return {"registered_on": today, "received_on": today, "recorded_on": today,
            "recorder": current_user.display_name, "repeat_of": "none", "request_kind": "report",
            "reporter_kind": "natural_person"}


@bp.route("/intake", methods=["GET", "POST"])
def intake():
    if "registrar" not in current_user.roles:
        abort(403)
    version = casework.current_version(current_user.bureau.pack)
    compiled = casework.compiled_version(current_user.bureau.pack, version.version)
    definition = compiled.forms[casework.REGISTRATION_FORM].definition
    values, errors, duplicates = _intake_defaults(), {}, []
    if request.method == "POST":
        values = data_from_post(definition, request.form)
        duplicates = casework.duplicates(current_user, values.get("reported_person_name") or None,
                                         values.get("reported_unit_name") or None)
        if duplicates and request.form.get("duplicates_seen") != "1":
            flash("被举报人或单位与已有案件相同，请核对后再次提交（CQH 第十三条第一、二项）", "error")
        else:
            try:
                case = casework.register_report(current_user, values)
            except ValidationError as exc:
                errors = exc.messages
            except casework.CaseworkError as exc:
                flash(str(exc), "error")
            else:
                flash(f"已登记，编号 {case.number}")
                return redirect(url_for("cases.case", case_id=case.id))
    return render_template("cases/intake.html", definition=definition, values=values, errors=errors,
                           duplicates=duplicates, field_keys={c["key"] for c in field_components(definition["components"])},
                           pack=current_user.bureau.pack)


@bp.get("/cases/<int:case_id>")
def case(case_id: int):
    row = casework.case_for(current_user, case_id)
    loaded = casework.load(row)
    events = db.session.execute(select(CaseEvent).filter_by(case_id=row.id).order_by(CaseEvent.at)).scalars().all()
    attachments = db.session.execute(select(Attachment).filter_by(case_id=row.id)).scalars().all()
    tasks = db.session.execute(select(casework.TaskEntry).filter_by(case_id=row.id)).scalars().all()
    return render_template("cases/case.html", case=row, data=loaded.running.data, events=events, tasks=tasks,
                           deadlines=loaded.runner.deadlines(loaded.running), attachments=attachments,
                           reached=loaded.running.reached(), active=[t.element_id for t in tasks],
                           can_see_reporter=bool({"registrar", "case_officer", "division_head", "bureau_head"}
                                                 & current_user.roles),
                           process_name=PROCESS_NAMES.get(row.process_id, row.process_id))


@bp.get("/cases/<int:case_id>/diagram.bpmn")
def diagram(case_id: int):
    row = casework.case_for(current_user, case_id)
    compiled = casework.compiled_version(row.pack, row.pack_version)
    return compiled.pack.file("bpmn", row.process_id), 200, {"Content-Type": "application/xml; charset=utf-8"}


@bp.route("/cases/<int:case_id>/tasks/<task_id>", methods=["GET", "POST"])
def task(case_id: int, task_id: str):
    row = casework.case_for(current_user, case_id)
    entry = casework.task_for(current_user, row, task_id)
    compiled = casework.compiled_version(row.pack, row.pack_version)
    definition = compiled.forms[entry.form_id].definition
    loaded = casework.load(row)
    values, errors = dict(loaded.running.data), {}
    if request.method == "POST":
        values = data_from_post(definition, request.form)
        lock = request.form.get("lock_version")
        try:
            casework.complete_task(current_user, row, task_id, values, int(lock) if lock and lock.isdigit() else None)
        except ValidationError as exc:
            errors = exc.messages
        except casework.CaseworkError as exc:
            flash(str(exc), "error")
            if isinstance(exc, casework.Conflict):
                return redirect(url_for("cases.case", case_id=case_id))
        else:
            flash(f"「{entry.name}」已办理")
            return redirect(url_for("cases.case", case_id=case_id))
    return render_template("cases/task.html", case=row, entry=entry, definition=definition, values=values,
                           errors=errors, field_keys={c["key"] for c in field_components(definition["components"])},
                           data=loaded.running.data)


@bp.post("/cases/<int:case_id>/tasks/<task_id>/claim")
def claim(case_id: int, task_id: str):
    row = casework.case_for(current_user, case_id)
    casework.claim(current_user, row, task_id)
    return redirect(request.referrer or url_for("cases.inbox"))


@bp.post("/cases/<int:case_id>/tasks/<task_id>/release")
def release(case_id: int, task_id: str):
    row = casework.case_for(current_user, case_id)
    casework.release(current_user, row, task_id)
    return redirect(request.referrer or url_for("cases.inbox"))


EVENTS = {"withdrawal": "登记举报人撤回举报（CQH 第二十三条）",
          "recusal_request": "提出回避申请（CQH 第十八条）"}


@bp.post("/cases/<int:case_id>/events/<message>")
def send(case_id: int, message: str):
    if message not in EVENTS:
        abort(404)
    row = casework.case_for(current_user, case_id)
    try:
        casework.send_event(current_user, row, message, EVENTS[message])
    except casework.CaseworkError as exc:
        flash(str(exc), "error")
    else:
        flash(EVENTS[message] + "：已进入待办")
    return redirect(url_for("cases.case", case_id=case_id))


@bp.post("/cases/<int:case_id>/recusals")
def recuse(case_id: int):
    row = casework.case_for(current_user, case_id)
    try:
        casework.recuse(current_user, row, (request.form.get("username") or "").strip(),
                        (request.form.get("reason") or "").strip())
    except casework.CaseworkError as exc:
        flash(str(exc), "error")
    else:
        flash("回避决定已记录，该工作人员不再能查看本案")
    return redirect(url_for("cases.case", case_id=case_id))


@bp.get("/cases/<int:case_id>/registration")
def registration_sheet(case_id: int):
    row = casework.case_for(current_user, case_id)
    loaded = casework.load(row)
    compiled = casework.compiled_version(row.pack, row.pack_version)
    return render_template("cases/registration_sheet.html", case=row, data=loaded.running.data,
                           definition=compiled.forms[casework.REGISTRATION_FORM].definition)
