"""Routes of the outbox. Thin: read the request, call one function of webapp.usecases.notices, render."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp import access, clock
from webapp.errors import CaseworkError, Forbidden, NotFound
from webapp.store import noticetexts, outbox, packversions
from webapp.usecases import notices, pages
from webapp.web.outbox import bp

STATE_FILTERS = ("pending", "delivered", "all")


@bp.before_request
@login_required
def _login_first():
    """Every outbox page needs a logged-in user."""


@bp.get("")
def index():
    state = request.args.get("state") if request.args.get("state") in STATE_FILTERS else "pending"
    today = clock.local_today()
    listed = pages.of_list(
        lambda limit: notices.outbox(current_user, state=state, limit=limit),
        pages.page_number(request.args.get("page")),
        pages.TASKS_PER_PAGE,
    )
    rows = listed.items
    return render_template(
        "outbox/index.html",
        notices=rows,
        listed=listed,
        state=state,
        today=today,
        left=packversions.working_days_left(rows, today),
        kinds=outbox.KIND_NAMES,
        states=outbox.STATE_NAMES,
        basis=outbox.KIND_BASIS,
    )


@bp.get("/<int:notice_id>")
def notice(notice_id: int):
    row = notices.notice_for(current_user, notice_id)
    return _notice_page(row, {}, {})


def _document_url(row) -> str | None:
    """Where the notice's own printed document is (the reward's 领奖通知书), if it has one."""
    kind = notices.printed_document(current_user, row)
    return url_for("rewards.document", case_id=row.case_id, kind=kind) if kind else None


def _notice_page(row, values, errors, status=200):
    today = clock.local_today()
    return render_template(
        "outbox/notice.html",
        notice=row,
        shown=notices.shown(current_user, row),
        today=today,
        left=packversions.working_days_left([row], today)[row.id],
        kinds=outbox.KIND_NAMES,
        states=outbox.STATE_NAMES,
        channels=outbox.CHANNEL_NAMES,
        basis=outbox.KIND_BASIS,
        methods=outbox.LETTER_METHODS,
        may_send=bool(access.NOTICE_SENDER_ROLES & current_user.roles),
        document=_document_url(row),
        values=values,
        errors=errors,
    ), status


@bp.get("/<int:notice_id>/letter")
def letter(notice_id: int):
    row = notices.notice_for(current_user, notice_id)
    document = _document_url(row)
    if document:  # the claim notice is the reward's numbered 领奖通知书: one document, printed there
        return redirect(document)
    issued = noticetexts.cn_date(row.delivered_on or clock.local_today())
    return render_template(
        "outbox/letter.html", notice=row, shown=notices.shown(current_user, row), issued=issued
    )


@bp.post("/<int:notice_id>/send")
def send(notice_id: int):
    values = {k: (request.form.get(k) or "").strip() for k in ("delivered_on", "method", "receipt_ref")}
    try:
        row = notices.deliver(current_user, notice_id, **values)
    except notices.InvalidDelivery as exc:
        return _notice_page(notices.notice_for(current_user, notice_id), values, exc.messages, 422)
    except notices.AlreadySent as exc:
        flash(str(exc), "warn")
    except (NotFound, Forbidden):
        raise  # the blueprint's 404 / 403 pages
    except CaseworkError as exc:
        flash(str(exc), "error")
    else:
        flash(_("告知书 %(number)s 已送达并记录", number=row.number))
    return redirect(url_for("outbox.notice", notice_id=notice_id))


@bp.app_template_global()
def notice_label(notice):
    return f"{_(outbox.KIND_NAMES[notice.kind])}（{_(outbox.STATE_NAMES[notice.state])}）"
