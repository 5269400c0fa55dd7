"""Routes of the calendar pages. Thin: read the form, call one calendar_edits use case, redirect or
re-render the year with the messages (everything typed kept)."""

from __future__ import annotations

import calendar as stdcal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.errors import ValidationError
from webapp.extensions import db
from webapp.models import CalendarChange
from webapp.store import calendaring, deadline_index
from webapp.transaction import discard
from webapp.usecases import calendar_edits, recounts
from webapp.web.calendars import bp


@bp.before_app_request
def _seed_once():
    """The seed files enter the database before the first request (nothing else is pending then)."""
    calendaring.ensure_seeded()


@bp.before_request
@login_required
def _login_first():
    """Every calendar page needs a logged-in user."""


@bp.errorhandler(calendar_edits.NotAllowed)
def _not_allowed(error):
    return render_template("errors.html", code=403, title="没有权限", message=str(error)), 403


@bp.get("/calendars/")
def index():
    regions = calendaring.years_by_region()
    own = calendar_edits.own_region(current_user)
    changes = db.session.query(CalendarChange).order_by(CalendarChange.id.desc()).limit(20).all()
    return render_template(
        "calendars/index.html",
        regions=regions,
        own=own,
        can_edit=calendar_edits.can_edit(current_user, own or ""),
        waiting=deadline_index.waiting(current_user),
        changes=changes,
    )


@bp.post("/calendars/years")
def add_year():
    region = (request.form.get("region") or "").strip()
    try:
        row = calendar_edits.add_year(current_user, region, request.form.get("year") or "")
    except ValidationError as exc:
        for messages in exc.messages.values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for("calendars.index"))
    flash(_("已新增 %(label)s 年度日历（未确认）", label=row.label))
    return redirect(url_for("calendars.year", region=row.region, year=row.year))


def _row(region: str, year: int):
    row = calendaring.year_row(region, year)
    if row is None:
        abort(404, description=_("没有 %(region)s %(year)s 年的日历", region=region, year=year))
    return row


def _grid(row):
    """Twelve months of the year, each a list of weeks of (day, kind, holiday name) or None."""
    holidays = {}
    for p in row.periods:
        day = p.first_day
        while day <= p.last_day:
            holidays[day] = p.name
            day = day.fromordinal(day.toordinal() + 1)
    makeups = {m.day for m in row.makeups}
    months = []
    for month in range(1, 13):
        weeks = []
        for week in stdcal.Calendar().monthdatescalendar(row.year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                elif day in holidays:
                    cells.append((day, "holiday", holidays[day]))
                elif day in makeups:
                    cells.append((day, "makeup", ""))
                elif day.weekday() >= 5:
                    cells.append((day, "weekend", ""))
                else:
                    cells.append((day, "work", ""))
            weeks.append(cells)
        months.append((month, weeks))
    return months


def _render_year(row, form: str | None = None, errors=None, values=None, status: int = 200):
    return render_template(
        "calendars/year.html",
        row=row,
        grid=_grid(row),
        can_edit=calendar_edits.can_edit(current_user, row.region),
        form=form,
        errors=errors or {},
        values=values or {},
    ), status


@bp.get("/calendars/<region>/<int:year>")
def year(region: str, year: int):
    return _render_year(_row(region, year))


@bp.post("/calendars/<region>/<int:year>")
def change(region: str, year: int):
    """Every edit of a year posts here; `form` names which one (period-new, period-<id>, …)."""
    row = _row(region, year)
    form = request.form.get("form") or ""
    values = request.form.to_dict()
    try:
        if form == "period-new":
            change = calendar_edits.save_period(
                current_user,
                row,
                None,
                values.get("name", ""),
                values.get("first_day", ""),
                values.get("last_day", ""),
            )
            done = _("假期已保存")
        elif form.startswith("period-") and form[7:].isdigit():
            if request.form.get("delete"):
                change = calendar_edits.delete_period(current_user, row, int(form[7:]))
                done = _("假期已删除")
            else:
                change = calendar_edits.save_period(
                    current_user,
                    row,
                    int(form[7:]),
                    values.get("name", ""),
                    values.get("first_day", ""),
                    values.get("last_day", ""),
                )
                done = _("假期已保存")
        elif form == "makeup":
            change = calendar_edits.add_makeup(current_user, row, values.get("day", ""))
            done = _("调休上班日已保存")
        elif form.startswith("makeup-") and form[7:].isdigit():
            change = calendar_edits.delete_makeup(current_user, row, int(form[7:]))
            done = _("调休上班日已删除")
        elif form == "source":
            change = calendar_edits.set_source(current_user, row, values.get("source", ""))
            done = _("依据文件已保存")
        elif form == "confirm":
            change = calendar_edits.confirm(current_user, row, values.get("comment", ""))
            flash(_("%(label)s 已确认", label=row.label))
            return redirect(url_for("calendars.moved", change_id=change.id))
        else:
            abort(400)
    except ValidationError as exc:
        discard()  # what the refused edit left in the session
        row = _row(region, year)
        shown = {"period-new", "makeup", "source", "confirm"} | {f"period-{p.id}" for p in row.periods}
        if form not in shown:  # a period or day deleted meanwhile: no field to put the message under
            for messages in exc.messages.values():
                for message in messages:
                    flash(message, "error")
        return _render_year(row, form, exc.messages, values)
    if change.recomputed_at is None:  # many affected cases: the timer worker counts them
        flash(_("%(done)s；受影响的案件较多，期限由定时任务在后台重新计算", done=done))
        return redirect(url_for("calendars.moved", change_id=change.id))
    if change.moved_count:
        flash(_("%(done)s；%(n)s 个期限已按新日历重新计算", done=done, n=change.moved_count))
        return redirect(url_for("calendars.moved", change_id=change.id))
    flash(done)
    return redirect(url_for("calendars.year", region=region, year=year))


@bp.get("/calendars/changes/<int:change_id>")
def moved(change_id: int):
    """What a calendar change moved, in the user's bureaus (and how many elsewhere)."""
    change = db.session.get(CalendarChange, change_id)
    if change is None:
        abort(404)
    mine, elsewhere = deadline_index.moved(change, current_user)
    return render_template(
        "calendars/moved.html",
        change=change,
        moved=mine,
        elsewhere=elsewhere,
        can_edit=calendar_edits.can_edit(current_user, change.region),
    )


@bp.post("/calendars/changes/<int:change_id>/recount")
def recount(change_id: int):
    """Count now the deadlines of a change left to the timer worker, or whose recount was cut short."""
    change = db.session.get(CalendarChange, change_id)
    if change is None:
        abort(404)
    try:
        calendar_edits.recount(current_user, change)
    except recounts.RecountBusy:
        flash(_("后台正在重新计算这次变更的期限，请稍后刷新本页查看结果"), "warn")
    else:
        flash(_("受影响的期限已重新计算"))
    return redirect(url_for("calendars.moved", change_id=change_id))
