"""What the auditor reads: the audit log of the packs a user's bureau adopts (and calendar changes,
which concern every pack), filtered by action, pack, user and date range (Beijing dates)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from webapp.access import AUDIT_LOG_ROLES, has_any, of_city_bureau
from webapp.clock import LOCAL_ZONE
from webapp.extensions import db
from webapp.models import AuditEntry, User
from webapp.usecases.rulebook.drafts import Forbidden, visible_packs

ACTIONS = {
    "draft.open": "新建草稿",
    "draft.save": "保存文件",
    "draft.delete_file": "删除文件",
    "draft.submit": "提交审核",
    "draft.approve": "审核通过",
    "draft.discard": "放弃草稿",
    "pack.publish": "发布",
    "pack.republish": "重新发布",
    "pack.copy": "复制规则包",
    "pack.import": "导入规则包",
    "pack.export": "导出规则包",
    "case.migrate": "案件迁移版本",
    "bureau.attach": "更换本局规则包",
}


def can_read(user: User) -> bool:
    return has_any(user, AUDIT_LOG_ROLES) and of_city_bureau(user)


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), LOCAL_ZONE)


def entries(
    user: User,
    *,
    action: str = "",
    pack: str = "",
    username: str = "",
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
) -> list[AuditEntry]:
    if not can_read(user):
        raise Forbidden(_("只有市级医保局的审计员和系统管理员可以查看审计日志"))
    packs = [p.name for p in visible_packs(user)]
    if pack and pack not in packs:
        return []
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    query = (
        query.where(AuditEntry.subject == pack)
        if pack
        else query.where(or_(AuditEntry.subject.in_(packs), AuditEntry.action.startswith("calendar.")))
    )
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if username:
        query = query.join(User, AuditEntry.user_id == User.id).where(
            or_(User.username == username, User.display_name.contains(username))
        )
    if since:
        query = query.where(AuditEntry.at >= _start(since))
    if until:
        query = query.where(AuditEntry.at < _start(until + timedelta(days=1)))
    return list(db.session.execute(query).scalars())
