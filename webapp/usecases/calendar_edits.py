"""Policy staff editing the calendars: a year of a region, its holiday periods and make-up workdays, its
source document, and confirming it. Each use case checks who may edit, validates with Chinese messages
(ValidationError, field → messages; nothing saved), records the change and an audit entry, commits,
and then counts again the deadlines of open cases that the change concerns.

Who may edit: policy editors and administrators, for the calendar region of their own bureau's pack
(Chongqing's staff edit CN, Urumqi's CN-XJ); everyone logged in may read.

The rules of a year (periods that overlap, dates outside the year, make-up workdays) are the engine's
(`engine.calendars.checks`); here the form's input is read and the problems found are said in Chinese.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from engine.calendars.checks import CalendarProblem, makeup_problems, period_problems
from engine.errors import ClueflowError, ValidationError
from webapp.access import CALENDAR_EDIT_ROLES
from webapp.clock import clock
from webapp.extensions import db
from webapp.models import CalendarChange, CalendarYear, HolidayPeriod, MakeupWorkday, User
from webapp.store import audit, calendaring, deadline_index, packindex
from webapp.transaction import transaction
from webapp.usecases import recounts

YEARS = range(2000, 2101)


class NotAllowed(Exception):
    """The user may read this calendar but not change it."""


def own_region(user: User) -> str | None:
    """The calendar region of the user's bureau's pack."""
    row = packindex.entry(user.bureau.pack)
    return row.calendar if row else None


def can_edit(user: User, region: str) -> bool:
    return bool(CALENDAR_EDIT_ROLES & user.roles) and region == own_region(user)


def _check(user: User, region: str) -> None:
    if not can_edit(user, region):
        raise NotAllowed(
            _(
                "只有本地区（%(region)s）的规则管理员或系统管理员可以修改此日历",
                region=own_region(user) or "—",
            )
        )


def parse_day(value: str | None, key: str, errors: dict[str, list[str]]) -> date | None:
    text = (value or "").strip()
    if not text:
        errors.setdefault(key, []).append(_("请填写日期"))
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else date.fromisoformat("x")
    except ValueError:
        errors.setdefault(key, []).append(_("日期格式应为 YYYY-MM-DD"))
        return None


def _said(problem: CalendarProblem) -> str:
    """A problem the engine found in the year, in the editor's words."""
    v = problem.values
    match problem.code:
        case "period_reversed":
            return _("结束日期不能早于开始日期")
        case "period_outside_year":
            return _("日期须在 %(year)s 年内（跨年的元旦假期除外）", year=v["year"])
        case "period_overlap":
            return _(
                "与「%(name)s」（%(first)s 至 %(last)s）重叠",
                name=v["name"],
                first=v["first"],
                last=v["last"],
            )
        case "period_contains_makeup":
            return _("假期不能包含调休上班日 %(day)s", day=v["day"])
        case "makeup_outside_year":
            return _("日期须在 %(year)s 年内", year=v["year"])
        case "makeup_not_weekend":
            return _("调休上班日应为星期六或星期日")
        case "makeup_listed_twice":
            return _("%(day)s 已是调休上班日", day=v["day"])
        case "makeup_in_holiday":
            return _("%(day)s 在假期「%(name)s」内，不能设为调休上班日", day=v["day"], name=v["name"])
    raise ValueError(f"no words for the calendar problem {problem.code}")


# -- use cases -------------------------------------------------------------------------------------


def add_year(user: User, region: str, year_text: str) -> CalendarYear:
    """A new, unconfirmed year of a region already kept (its parent layer as in the other years)."""
    _check(user, region)
    known = calendaring.years_by_region()
    if region not in known:
        raise ValidationError({"year": [_("未知的日历地区 %(region)s", region=region)]})
    try:
        year = int((year_text or "").strip())
    except ValueError:
        year = None
    if year not in YEARS:
        raise ValidationError({"year": [_("年度应为 2000 至 2100 之间的整数")]})
    if calendaring.year_row(region, year) is not None:
        raise ValidationError({"year": [_("%(region)s %(year)s 年的日历已存在", region=region, year=year)]})
    row = CalendarYear(
        region=region,
        year=year,
        parent=known[region][0].parent,
        confirmed=False,
        source="",
        updated_by_id=user.id,
        updated_at=clock()(),
    )
    db.session.add(row)
    db.session.flush()
    _changed(user, row, "year.add", f"新增 {row.label} 年度日历（未确认）", {})
    return row


def save_period(
    user: User, row: CalendarYear, period_id: int | None, name: str, first_text: str, last_text: str
) -> CalendarChange:
    """Add a holiday period, or change one (period_id)."""
    _check(user, row.region)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("请填写节假日名称")]
    elif len(name) > 40:
        errors["name"] = [_("名称不超过 40 个字")]
    first = parse_day(first_text, "first_day", errors)
    last = parse_day(last_text, "last_day", errors)
    period = None
    if period_id is not None:
        period = next((p for p in row.periods if p.id == period_id), None)
        if period is None:
            raise ValidationError({"name": [_("该假期已被删除，请刷新页面")]})
    if first and last:
        others = [(p.name, p.first_day, p.last_day) for p in row.periods if p is not period]
        for problem in period_problems(row.year, name, first, last, others, [m.day for m in row.makeups]):
            errors.setdefault(problem.field, []).append(_said(problem))
    if errors:
        raise ValidationError(errors)
    span = f"{first.isoformat()} 至 {last.isoformat()}"
    if period is None:
        row.periods.append(HolidayPeriod(name=name, first_day=first, last_day=last))
        return _changed(
            user, row, "period.add", f"{row.label} 新增假期 {name} {span}", {"name": name, "span": span}
        )
    else:
        before = f"{period.name} {period.first_day.isoformat()} 至 {period.last_day.isoformat()}"
        period.name, period.first_day, period.last_day = name, first, last
        return _changed(
            user,
            row,
            "period.edit",
            f"{row.label} 修改假期 {before} → {name} {span}",
            {"before": before, "after": f"{name} {span}"},
        )


def delete_period(user: User, row: CalendarYear, period_id: int) -> CalendarChange:
    _check(user, row.region)
    period = next((p for p in row.periods if p.id == period_id), None)
    if period is None:
        raise ValidationError({"name": [_("该假期已被删除，请刷新页面")]})
    text = f"{period.name} {period.first_day.isoformat()} 至 {period.last_day.isoformat()}"
    row.periods.remove(period)
    return _changed(user, row, "period.delete", f"{row.label} 删除假期 {text}", {"period": text})


def add_makeup(user: User, row: CalendarYear, day_text: str) -> CalendarChange:
    """A Saturday or Sunday worked in exchange for a holiday, outside every holiday period."""
    _check(user, row.region)
    errors: dict[str, list[str]] = {}
    day = parse_day(day_text, "day", errors)
    if day:
        periods = [(p.name, p.first_day, p.last_day) for p in row.periods]
        problems = makeup_problems(row.year, day, periods, [m.day for m in row.makeups])
        if problems:  # the first of them
            errors[problems[0].field] = [_said(problems[0])]
    if errors:
        raise ValidationError(errors)
    row.makeups.append(MakeupWorkday(day=day))
    return _changed(
        user, row, "makeup.add", f"{row.label} 新增调休上班日 {day.isoformat()}", {"day": day.isoformat()}
    )


def delete_makeup(user: User, row: CalendarYear, makeup_id: int) -> CalendarChange:
    _check(user, row.region)
    makeup = next((m for m in row.makeups if m.id == makeup_id), None)
    if makeup is None:
        raise ValidationError({"day": [_("该调休上班日已被删除，请刷新页面")]})
    row.makeups.remove(makeup)
    return _changed(
        user,
        row,
        "makeup.delete",
        f"{row.label} 删除调休上班日 {makeup.day.isoformat()}",
        {"day": makeup.day.isoformat()},
    )


def set_source(user: User, row: CalendarYear, source: str) -> CalendarChange:
    _check(user, row.region)
    source = (source or "").strip()
    if len(source) > 400:
        raise ValidationError({"source": [_("依据文件不超过 400 个字")]})
    if row.confirmed and not source:
        raise ValidationError({"source": [_("已确认的日历必须注明依据文件")]})
    before = row.source
    row.source = source
    return _changed(
        user,
        row,
        "source",
        f"{row.label} 依据文件：{source or '（空）'}",
        {"before": before, "after": source},
    )


def confirm(user: User, row: CalendarYear, comment: str = "") -> CalendarChange:
    """Confirm a year: its deadlines are counted on it from now on, and those waiting for it get dates."""
    _check(user, row.region)
    if row.confirmed:
        raise ValidationError({"confirm": [_("%(label)s 已经确认", label=row.label)]})
    if not (row.source or "").strip():
        raise ValidationError({"source": [_("确认前请填写依据文件（如 国办发明电〔2026〕xx号）")]})
    row.confirmed, row.confirmed_by_id, row.confirmed_at = True, user.id, clock()()
    return _changed(
        user,
        row,
        "confirm",
        f"确认 {row.label} 年度日历（{row.source}）",
        {"source": row.source, "comment": comment or None},
    )


def recount(user: User, change: CalendarChange) -> int:
    """Count again the deadlines a change concerns (after a recount was cut short); returns how many moved.
    Raises recounts.RecountBusy while the timer worker (or another request) is counting it."""
    _check(user, change.region)
    with transaction():
        audit.record(
            user, "calendar.recount", f"{change.region} {change.year}", change.summary, {"change": change.id}
        )
    return recounts.recompute_after(change)


def _changed(user: User, row: CalendarYear, action: str, summary: str, detail: dict) -> CalendarChange:
    """Check the year as the engine will read it, record the change, commit, recount deadlines."""
    with transaction():
        try:
            engine_year = calendaring.as_region_year(row)
        except ClueflowError as exc:  # the checks above should have caught it; nothing is saved
            raise ValidationError({"name": [_("日历数据不一致：%(error)s", error=str(exc))]}) from exc
        now = clock()()
        row.updated_by_id, row.updated_at = user.id, now
        change = CalendarChange(
            region=row.region, year=row.year, action=action, summary=summary[:200], user_id=user.id, at=now
        )
        db.session.add(change)
        audit.record(
            user,
            f"calendar.{action}",
            row.label,
            summary,
            {**detail, "version": engine_year.version, "confirmed": row.confirmed},
        )
    # Deadlines count on a confirmed national year only (an unconfirmed one waits); a regional year
    # counts the days it knows, confirmed or not (provisionally until confirmed).
    # A few affected cases are counted before the page returns; many are left to the timer worker.
    if row.confirmed or row.parent:
        affected = deadline_index.affected_cases(change)
        if len(affected) <= recounts.inline_limit():
            try:
                recounts.recompute_after(change, ids=affected)
            except recounts.RecountBusy:  # a worker took it up first: it is counted there
                pass
    else:
        with transaction():
            change.recomputed_at = clock()()
    return change


def next_year_alert(user: User, today: date) -> str | None:
    """From 1 November, while next year's national calendar is not confirmed, its editors and the
    administrators are told so on their inbox (RULES §B.13): deadlines reaching into it wait."""
    if today.month < 11 or not (CALENDAR_EDIT_ROLES & user.roles):
        return None
    row = calendaring.year_row("CN", today.year + 1)
    if row is not None and row.confirmed:
        return None
    return _(
        "%(year)s 年全国节假日安排尚未确认：跨入该年的期限只显示按周末估算的预计日期，不会到期督办。国务院办公厅通知发布后，请录入并确认 %(year)s 年全国日历。",
        year=today.year + 1,
    )
