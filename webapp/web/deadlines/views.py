"""Routes of the overdue board and of the inbox notifications. Thin: check the role, call, render."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp import clock
from webapp.usecases import notifications, overdue
from webapp.web.deadlines import bp


@bp.before_request
@login_required
def _login_first():
    """Every page here needs a logged-in user."""


@bp.get("/overdue")
def board():
    if not overdue.may_see(current_user):
        abort(403)
    today = clock.local_today()
    counts, tasks, left = overdue.board(current_user, today)
    return render_template(
        "deadlines/overdue.html",
        counts=counts,
        tasks=tasks,
        left=left,
        today=today,
        failures=overdue.failing_timers(current_user),
    )


@bp.post("/notifications/<int:notification_id>/read")
def read(notification_id: int):
    notifications.mark_read(current_user, notification_id, clock.clock()())
    return redirect(_back())


@bp.post("/notifications/read")
def read_all():
    notifications.mark_read(current_user, None, clock.clock()())
    return redirect(_back())


def _back() -> str:
    target = request.form.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else url_for("cases.inbox")
