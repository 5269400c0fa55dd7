"""Routes of the clerk's pages. Thin: read the request, call one case-work function, render."""

from __future__ import annotations

import io
import uuid

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from engine.errors import ValidationError
from webapp import access, clock
from webapp.errors import CaseworkError, Conflict, NotFound
from webapp.extensions import db
from webapp.models import Attachment, Case, CaseEvent, TaskEntry
from webapp.store import casestore, deadline_index, evidence, packindex, packversions, uploads, visibility
from webapp.translation import N_
from webapp.usecases import calendar_edits, casework, jurisdiction, notices, notifications
from webapp.web.cases import bp
from webapp.web.cases.formview import data_from_post, field_components
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
    tasks = casework.inbox(current_user, process=process, pack=pack, overdue=overdue, today=today)
    left = packversions.working_days_left(tasks, today)
    return render_template(
        "cases/inbox.html",
        tasks=tasks,
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
    number = (request.args.get("q") or "").strip()
    query = visibility.visible_cases(current_user)
    if number:
        query = query.where(
            (Case.number.contains(number))
            | (Case.reported_unit.contains(number))
            | (Case.reported_person.contains(number))
        )
    cases = db.session.execute(query.order_by(Case.created_at.desc()).limit(100)).scalars().all()
    return render_template("cases/search.html", cases=cases, q=number)


def _intake_defaults() -> dict:
    today = clock.local_today().isoformat()
    return {
        "registered_on": today,
        "received_on": today,
        "recorded_on": today,
        "recorder": current_user.display_name,
        "repeat_of": "none",
        "request_kind": "report",
        "reporter_kind": "natural_person",
    }


# Posted by the page itself, not 登记表 fields (submission: the page's one-time token).
INTAKE_CONTROLS = ("duplicates_seen", "evidence_pending", "submission")


@bp.route("/intake", methods=["GET", "POST"])
def intake():
    if "registrar" not in current_user.roles:
        abort(403)
    version = packversions.current_version(current_user.bureau.pack)
    compiled = packversions.compiled_version(current_user.bureau.pack, version.version)
    definition = compiled.forms[casestore.REGISTRATION_FORM].definition
    values, errors, duplicates, pending = _intake_defaults(), {}, [], []
    submission = request.form.get("submission") or uuid.uuid4().hex
    earlier = casework.registered_by(current_user, submission) if request.method == "POST" else None
    if earlier is not None:  # the same page sent twice: the first sending registered it
        flash(_("此登记表已提交，编号 %(number)s（重复提交未再次登记）", number=earlier.number))
        return redirect(url_for("cases.case", case_id=earlier.id))
    if request.method == "POST":
        values = data_from_post(definition, request.form)
        for key in INTAKE_CONTROLS:
            values.pop(key, None)
        # Files are checked and stored first: a refused one re-shows the form with everything typed
        # and the accepted files kept, so the clerk only chooses the refused one again.
        folder, secret = current_app.config["UPLOAD_FOLDER"], current_app.config["SECRET_KEY"]
        pending = evidence.from_tokens(secret, current_user, request.form.getlist("evidence_pending"), folder)
        received, refused = evidence.receive(request.files.getlist("evidence"), folder, _max_file_size())
        pending += [r for r in received if r not in pending]
        duplicates = visibility.duplicates(
            current_user, values.get("reported_person_name") or None, values.get("reported_unit_name") or None
        )
        if refused:
            errors = {"evidence": refused}
        elif duplicates and request.form.get("duplicates_seen") != "1":
            flash(_("被举报人或单位与已有案件相同，请核对后再次提交（CQH 第十三条第一、二项）"), "error")
        else:
            try:
                case = casework.register_report(current_user, values, evidence=pending, submission=submission)
            except ValidationError as exc:
                errors = exc.messages
            except CaseworkError as exc:
                flash(str(exc), "error")
            else:
                flash(
                    _("已登记，编号 %(number)s", number=case.number)
                    + (_("，证据材料 %(count)s 件", count=len(pending)) if pending else "")
                )
                return redirect(url_for("cases.case", case_id=case.id))
    tokens = [(evidence.pending_token(current_app.config["SECRET_KEY"], current_user, p), p) for p in pending]
    return render_template(
        "cases/intake.html",
        definition=definition,
        values=values,
        errors=errors,
        duplicates=duplicates,
        field_keys={c["key"] for c in field_components(definition["components"])},
        pack=current_user.bureau.pack,
        pending=tokens,
        submission=submission,
        allowed=uploads.ALLOWED_TEXT,
        max_file_mb=_max_file_size() // (1024 * 1024),
        max_request_mb=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024) or None,
    )


def _max_file_size() -> int:
    return current_app.config.get("EVIDENCE_MAX_FILE_SIZE", uploads.MAX_FILE_SIZE)


@bp.post("/cases/<int:case_id>/evidence")
def upload_evidence(case_id: int):
    """Evidence added on the case page (multipart, field `evidence`, several files)."""
    row = visibility.case_for(current_user, case_id)
    folder = current_app.config["UPLOAD_FOLDER"]
    if not access.EVIDENCE_UPLOAD_ROLES & current_user.roles:
        abort(403)
    received, refused = evidence.receive(request.files.getlist("evidence"), folder, _max_file_size())
    for message in refused:
        flash(message, "error")
    if received:
        try:
            evidence.attach(current_user, row, received)
        except evidence.NotAllowed as exc:
            flash(str(exc), "error")
        else:
            flash(_("已添加证据材料：%(files)s", files="、".join(r.filename for r in received)))
    elif not refused:
        flash(_("请选择要上传的文件"), "error")
    return redirect(url_for("cases.case", case_id=case_id))


@bp.get("/cases/<int:case_id>/evidence/<int:attachment_id>")
def download_evidence(case_id: int, attachment_id: int):
    """An evidence file, to users who can see the case, after its checksum is verified."""
    row = visibility.case_for(current_user, case_id)
    attachment = db.session.execute(
        select(Attachment).filter_by(id=attachment_id, case_id=row.id)
    ).scalar_one_or_none()
    if attachment is None:
        abort(404)
    try:
        data = evidence.read_verified(current_app.config["UPLOAD_FOLDER"], attachment)
    except evidence.Tampered as exc:
        current_app.logger.error(
            "evidence %s (%s) of case %s not served to %s: %s",
            attachment.id,
            attachment.filename,
            row.number,
            current_user.username,
            exc.detail,
        )
        evidence.record_failure(current_user, attachment, exc)
        return render_template("errors.html", code=409, title="证据材料校验失败", message=str(exc)), 409
    current_app.logger.info(
        "evidence %s of case %s downloaded by %s", attachment.id, row.number, current_user.username
    )
    response = send_file(
        io.BytesIO(data),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


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
        may_act=access.has_any(current_user, access.HANDLING_ROLES),
        withdrawal_recorded=casework.withdrawal_recorded(row, loaded.running.data),
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
        field_keys={c["key"] for c in field_components(definition["components"])},
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
    loaded = casestore.load(row)
    compiled = packversions.compiled_version(row.pack, row.pack_version)
    return render_template(
        "cases/registration_sheet.html",
        case=row,
        data=access.masked(current_user, loaded.running.data),
        definition=compiled.forms[casestore.REGISTRATION_FORM].definition,
    )
