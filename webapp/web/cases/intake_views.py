"""Routes of registering a report (the 登记表 and its evidence files) and of a case's evidence. Thin:
read the request, call one case-work function, render."""

from __future__ import annotations

import io
import uuid

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from engine.errors import ValidationError
from engine.forms.definition import input_components
from webapp import access, clock
from webapp.errors import CaseworkError
from webapp.extensions import db
from webapp.models import Attachment
from webapp.store import casestore, evidence, packversions, uploads, visibility
from webapp.usecases import casework
from webapp.web.cases import bp
from webapp.web.cases.formview import data_from_post

PROCESS_NAMES = {
    "report_handling": "举报线索处理",
    "reward": "举报奖励",
    "supervisor": "社会监督员",
    "district_report": "区县报送",
}


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
        field_keys={c["key"] for c in input_components(definition["components"])},
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
