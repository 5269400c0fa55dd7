"""The refusals the use cases give, in words a clerk can act on (Chinese; the pages translate them).

Web pages turn NotFound into a 404 and Forbidden into a 403; the others are shown on the page.
"""

from __future__ import annotations

from flask_babel import gettext as _

from engine.calendars import CalendarNotConfirmed
from engine.deadlines import UnknownDeadlineRule
from engine.feel import FeelError


class CaseworkError(Exception):
    """A refusal to show the user, in Chinese."""


class NotFound(CaseworkError):
    """No such case or task for this user (also when it exists but is not theirs to see)."""


class Conflict(CaseworkError):
    """Someone else changed the case first; nothing was saved."""


class Forbidden(CaseworkError):
    """The user may see the case but not do this."""


def stale_case() -> Conflict:
    """The refusal of a save whose case someone else changed since it was read."""
    return Conflict(_("此案件已被他人更新，请刷新页面后重新办理"))


def explain(exc: BaseException) -> str:
    """An engine failure in words a clerk can act on (the engine speaks English to operators)."""
    seen, current = set(), exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, CalendarNotConfirmed):
            return (
                f"{current.region} {current.year} 年的节假日安排尚未确认，无法计算期限。"
                "请系统管理员录入并确认该年度日历后再办理。"
            )
        if isinstance(current, UnknownDeadlineRule):
            return _("规则包缺少期限规则：%(rule)s。请联系规则管理员。", rule=str(current))
        if isinstance(current, FeelError):
            return _("规则包中的表达式出错（%(error)s）。请联系规则管理员。", error=str(current))
        current = getattr(current, "exception", None) or current.__cause__ or current.__context__
    return _("流程无法继续（%(error)s）。请联系规则管理员。", error=str(exc))
