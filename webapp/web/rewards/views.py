"""Routes of the reward pages. Thin: read the request, call one reward use case, render or redirect."""

from __future__ import annotations

import io
from itertools import zip_longest

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.errors import ValidationError
from webapp import access
from webapp.errors import CaseworkError, NotFound
from webapp.extensions import db
from webapp.models import Case
from webapp.store import visibility
from webapp.usecases.rewards import documents, later, process
from webapp.usecases.rewards.documents import KINDS
from webapp.web.rewards import bp


@bp.before_request
@login_required
def _login_first():
    """Every reward page needs a logged-in user."""


@bp.post("/cases/<int:case_id>/reward")
def start(case_id: int):
    report = visibility.case_for(current_user, case_id)
    form = request.form
    columns = [form.getlist(f"co_{key}") for key in process.CO_REPORTER_FIELDS]  # a row per other reporter
    co = [
        dict(zip(process.CO_REPORTER_FIELDS, row, strict=True)) for row in zip_longest(*columns, fillvalue="")
    ]
    done, row = _tried(
        lambda: process.start_reward(
            current_user,
            report,
            same_act=[int(i) for i in form.getlist("same_act") if i.isdigit()],
            joint=form.get("joint") == "1",
            co_reporters=co,
            representative=form.get("representative") or "",
        )
    )
    if done:
        flash(_("已启动举报奖励，奖励案件 %(n)s", n=row.number))
        return redirect(url_for("cases.case", case_id=row.id))
    return redirect(url_for("cases.case", case_id=case_id))


def _tried(action) -> tuple[bool, object]:
    """(True, what a reward use case returned), or (False, None) after flashing why it refused: the
    messages of its fields, or case work's message."""
    try:
        return True, action()
    except ValidationError as exc:
        flash("；".join(m for ms in exc.messages.values() for m in ms), "error")
    except CaseworkError as exc:
        flash(str(exc), "error")
    return False, None


def _reward_case(case_id: int) -> Case:
    row = visibility.case_for(current_user, case_id)
    if row.process_id != process.REWARD_PROCESS:
        abort(404)
    if process.reward_of_case(row) is None:
        raise NotFound(process.missing_reward_message())
    return row


def _issued_document(case_id: int, kind: str):
    """An issued document of a reward case, for users who may see the reporter (else 404 / 403)."""
    row = _reward_case(case_id)
    doc = documents.issued(process.reward_of_case(row), kind)
    if kind not in KINDS or doc is None:
        abort(404)
    if not access.can_see_reporter(current_user):
        abort(403)
    return doc


@bp.get("/rewards/<int:case_id>/documents/<kind>")
def document(case_id: int, kind: str):
    return _issued_document(case_id, kind).html


@bp.get("/rewards/<int:case_id>/documents/<kind>/pdf")
def document_pdf(case_id: int, kind: str):
    doc = _issued_document(case_id, kind)
    # The case number and kind first: a browser that takes only the ASCII name still gets one that says
    # which document of which case it is (the Chinese document number follows in the full name).
    case = db.session.get(Case, case_id)
    return send_file(
        io.BytesIO(documents.pdf(doc.html)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{case.number}-{kind}-{doc.number}.pdf",
        max_age=0,
    )


@bp.get("/rewards/<int:case_id>/reporter-brief")
def reporter_brief(case_id: int):
    row = _reward_case(case_id)
    if not access.can_see_reporter(current_user):
        abort(403)
    return render_template("rewards/reporter_brief.html", case=row, brief=later.reporter_brief(row))


@bp.post("/rewards/<int:case_id>/top-up")
def top_up(case_id: int):
    row = _reward_case(case_id)
    done, new = _tried(
        lambda: later.start_top_up(current_user, row, request.form.get("criminal_basis") or "")
    )
    if done:
        flash(_("已启动补发奖励，奖励案件 %(n)s", n=new.number))
        return redirect(url_for("cases.case", case_id=new.id))
    return redirect(url_for("cases.case", case_id=case_id))


@bp.post("/rewards/<int:case_id>/clawbacks")
def clawback(case_id: int):
    row = _reward_case(case_id)
    form = request.form
    done, _row = _tried(
        lambda: later.open_clawback(
            current_user, row, form.get("ground") or "", form.get("amount") or "", form.get("reason") or ""
        )
    )
    if done:
        flash(_("已登记追回奖励"))
    return redirect(url_for("cases.case", case_id=case_id))


@bp.post("/rewards/<int:case_id>/clawbacks/<int:clawback_id>/recoveries")
def recovery(case_id: int, clawback_id: int):
    row = _reward_case(case_id)
    form = request.form
    done, _row = _tried(
        lambda: later.record_recovery(
            current_user,
            row,
            clawback_id,
            form.get("amount") or "",
            form.get("recovered_on") or "",
            form.get("reference") or "",
        )
    )
    if done:
        flash(_("已登记追回款"))
    return redirect(url_for("cases.case", case_id=case_id))
