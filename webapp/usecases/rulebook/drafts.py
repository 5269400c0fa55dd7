"""Drafts of a pack and their way to publication, and who may do what.

Roles: a `policy_editor` of a city bureau opens drafts of the packs of that bureau (the pack its
cases run on, and packs it created by copying or importing), saves files and submits with a
comment citing the document. A SECOND user of the same bureau with the publishing role
(`policy_editor` or `bureau_head`), never the author, approves; a user with the publishing role then
publishes (or re-publishes an older version). District bureaus apply the city's rules: they edit
nothing. Every step is in the audit log; each use case commits once.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select

from webapp.access import (
    RULEBOOK_EDIT_ROLE,
    RULEBOOK_PUBLISH_ROLES,
    RULEBOOK_READ_ROLES,
    has_any,
    of_city_bureau,
)
from webapp.clock import clock
from webapp.extensions import db
from webapp.models import PackDraft, PackPublication, RulePack, User
from webapp.store import audit, packindex
from webapp.transaction import transaction
from webapp.usecases.rulebook.checking import Check, check_files, unreadable

STATUS_LABELS = {
    "open": "编辑中",
    "submitted": "待审核",
    "approved": "已审核待发布",
    "published": "已发布",
    "discarded": "已放弃",
}


class RulebookError(Exception):
    """A refusal to show the user, in Chinese."""


class NotFound(RulebookError):
    """No such pack or draft for this user (also when it exists but belongs to another bureau)."""


class Forbidden(RulebookError):
    """The user's role does not allow this."""


# -- who sees what -----------------------------------------------------------------------------------


def visible_packs(user: User) -> list[RulePack]:
    """The packs a user's bureau adopts rules for: its own pack and the packs it created (city only)."""
    if not (of_city_bureau(user) and has_any(user, RULEBOOK_READ_ROLES)):
        return []
    rows = packindex.index()
    return [r for r in rows.values() if r.name == user.bureau.pack or r.owner_bureau_id == user.bureau_id]


def pack_for(user: User, name: str) -> RulePack:
    found = next((r for r in visible_packs(user) if r.name == name), None)
    if found is None:
        raise NotFound(_("没有这个规则包，或它不属于本局"))
    return found


def draft_for(user: User, draft_id: int) -> PackDraft:
    draft = db.session.get(PackDraft, draft_id)
    if draft is None or draft.pack not in {r.name for r in visible_packs(user)}:
        raise NotFound(_("没有这个草稿，或它不属于本局"))
    return draft


def drafts_of(pack: str, *, include_closed: bool = False) -> list[PackDraft]:
    query = select(PackDraft).filter_by(pack=pack).order_by(PackDraft.id.desc())
    if not include_closed:
        query = query.where(
            or_(PackDraft.status == "open", PackDraft.status == "submitted", PackDraft.status == "approved")
        )
    return list(db.session.execute(query).scalars())


def can_edit(user: User) -> bool:
    return RULEBOOK_EDIT_ROLE in user.roles and of_city_bureau(user)


def can_publish(user: User) -> bool:
    return has_any(user, RULEBOOK_PUBLISH_ROLES) and of_city_bureau(user)


def require_edit(user: User) -> None:
    if not can_edit(user):
        raise Forbidden(_("只有市级医保局的规则管理员可以修改规则"))


def require_publish(user: User) -> None:
    if not can_publish(user):
        raise Forbidden(_("只有市级医保局的规则管理员或局负责人可以审核和发布规则"))


def _require_open(draft: PackDraft) -> None:
    if draft.status in ("published", "discarded"):
        raise RulebookError(_("该草稿已%(state)s，不能再修改", state=_(STATUS_LABELS[draft.status])))


# -- use cases ---------------------------------------------------------------------------------------


def open_draft(user: User, pack_name: str) -> PackDraft:
    """A new draft: a copy of the pack's published files."""
    require_edit(user)
    pack_for(user, pack_name)
    row = packindex.published_row(pack_name)
    files = dict(row.files) if row else {}
    with transaction():
        draft = new_draft(user, pack_name, files, row.version if row else None)
        audit.record(user, "draft.open", pack_name, detail={"draft": draft.id, "base": draft.base_version})
    return draft


def new_draft(user: User, pack_name: str, files: dict[str, str], base: str | None) -> PackDraft:
    now = clock()()
    check = check_files(pack_name, files)
    draft = PackDraft(
        pack=pack_name,
        base_version=base,
        files=files,
        version=packindex.version_of(files),
        status="open",
        author_id=user.id,
        errors=check.errors,
        failed_examples=check.failed,
        created_at=now,
        updated_at=now,
    )
    db.session.add(draft)
    db.session.flush()
    return draft


def check_draft(draft: PackDraft) -> Check:
    return check_files(draft.pack, dict(draft.files))


def save_file(
    user: User, draft: PackDraft, path: str, text: str, seen_version: str | None = None
) -> tuple[bool, Check]:
    """Store one file of a draft and check the whole pack. A text that cannot be parsed at all is
    not stored (the old text stays); a parseable file with errors is stored and blocks submission.
    Saving a submitted or approved draft sends it back to editing (the approval no longer holds).
    `seen_version`, when given, is the draft version the editor started from: if someone saved the
    draft since, nothing is stored (no silent overwrite of a colleague's change)."""
    require_edit(user)
    _require_open(draft)
    reason = unreadable(path, text)
    if not reason and seen_version and seen_version != draft.version:
        reason = _("草稿已被他人修改（当前版本 %(v)s），请重新打开后再保存；您的修改未保存", v=draft.version)
    if reason:
        check = Check(
            problems=[
                {
                    "file": path,
                    "element": "",
                    "rule": "",
                    "row": None,
                    "rule_id": "",
                    "column": "",
                    "severity": "error",
                    "message": reason,
                }
            ]
        )
        return False, check
    files = dict(draft.files)
    files[path] = text
    check = check_files(draft.pack, files)
    _store(user, draft, files, check, {"path": path})
    return True, check


def delete_file(user: User, draft: PackDraft, path: str) -> Check:
    require_edit(user)
    _require_open(draft)
    files = dict(draft.files)
    if path not in files:
        raise NotFound(_("草稿中没有这个文件"))
    del files[path]
    check = check_files(draft.pack, files)
    _store(user, draft, files, check, {"path": path, "deleted": True}, action="draft.delete_file")
    return check


def replace_files(user: User, draft: PackDraft, files: dict[str, str], what: str) -> Check:
    """Store a whole new file set (imports) in the caller's transaction, then commit."""
    check = check_files(draft.pack, files)
    _store(user, draft, files, check, {"what": what})
    return check


def _store(
    user: User,
    draft: PackDraft,
    files: dict[str, str],
    check: Check,
    detail: dict,
    action: str = "draft.save",
) -> None:
    with transaction():
        draft.files = files
        draft.version = packindex.version_of(files)
        draft.errors, draft.failed_examples = check.errors, check.failed
        draft.updated_at = clock()()
        if draft.status in ("submitted", "approved"):
            draft.status, draft.approved_by_id, draft.approved_at = "open", None, None
        audit.record(
            user,
            action,
            draft.pack,
            detail={
                "draft": draft.id,
                "version": draft.version,
                "errors": check.errors,
                "failed_examples": check.failed,
                **detail,
            },
        )


def blockers(check: Check) -> list[str]:
    """Why a draft cannot go on (errors, red examples), in Chinese."""
    out = []
    if check.errors:
        out.append(_("草稿有 %(n)s 个错误", n=check.errors))
    if check.failed:
        out.append(_("有 %(n)s 个示例未通过", n=check.failed))
    return out


def submit(user: User, draft: PackDraft, comment: str) -> None:
    require_edit(user)
    _require_open(draft)
    comment = (comment or "").strip()
    if not comment:
        raise RulebookError(_("请填写修改依据（例如 乌医保规〔2026〕1号）"))
    if draft.status != "open":
        raise RulebookError(_("该草稿已提交"))
    refused = blockers(check_draft(draft))
    if refused:
        raise RulebookError(_("不能提交：%(why)s", why="；".join(refused)))
    with transaction():
        draft.status, draft.comment, draft.submitted_at = "submitted", comment[:400], clock()()
        audit.record(user, "draft.submit", draft.pack, comment, {"draft": draft.id, "version": draft.version})


def approve(user: User, draft: PackDraft) -> None:
    require_publish(user)
    if draft.status != "submitted":
        raise RulebookError(_("只能审核已提交的草稿"))
    if draft.author_id == user.id:
        raise Forbidden(_("不能审核自己起草的修改：须由另一位有发布权限的人员审核（双人复核）"))
    refused = blockers(check_draft(draft))
    if refused:
        raise RulebookError(_("不能审核通过：%(why)s", why="；".join(refused)))
    with transaction():
        draft.status, draft.approved_by_id, draft.approved_at = "approved", user.id, clock()()
        audit.record(
            user, "draft.approve", draft.pack, draft.comment, {"draft": draft.id, "version": draft.version}
        )


def publish(user: User, draft: PackDraft) -> PackPublication:
    """Make an approved draft the version new cases of the pack start on."""
    require_publish(user)
    if draft.status != "approved" or not draft.approved_by_id:
        raise RulebookError(_("草稿须先经另一位人员审核通过才能发布"))
    refused = blockers(check_draft(draft))
    if refused:
        raise RulebookError(_("不能发布：%(why)s", why="；".join(refused)))
    with transaction():
        row = packindex.store_version(draft.pack, dict(draft.files))
        now = clock()()
        publication = PackPublication(
            pack=draft.pack,
            version=row.version,
            draft_id=draft.id,
            published_by_id=user.id,
            approved_by_id=draft.approved_by_id,
            comment=draft.comment or "",
            at=now,
        )
        db.session.add(publication)
        draft.status, draft.published_at = "published", now
        audit.record(
            user,
            "pack.publish",
            draft.pack,
            draft.comment,
            {
                "draft": draft.id,
                "version": row.version,
                "author": draft.author_id,
                "approved_by": draft.approved_by_id,
            },
        )
    return publication


def republish(user: User, pack_name: str, version: str, comment: str) -> PackPublication:
    """Publish again a version that was published before (e.g. to undo a change)."""
    require_publish(user)
    pack_for(user, pack_name)
    comment = (comment or "").strip()
    if not comment:
        raise RulebookError(_("请填写重新发布的依据"))
    before = [p for p in packindex.publications(pack_name) if p.version == version]
    if not before:
        raise NotFound(_("这个版本从未发布过"))
    current = packindex.publication(pack_name)
    if current and current.version == version:
        raise RulebookError(_("这个版本正在使用中"))
    with transaction():
        publication = PackPublication(
            pack=pack_name,
            version=version,
            published_by_id=user.id,
            approved_by_id=before[-1].approved_by_id,
            comment=comment[:400],
            at=clock()(),
        )
        db.session.add(publication)
        audit.record(user, "pack.republish", pack_name, comment, {"version": version})
    return publication


def discard(user: User, draft: PackDraft) -> None:
    require_edit(user)
    _require_open(draft)
    with transaction():
        draft.status = "discarded"
        audit.record(user, "draft.discard", draft.pack, detail={"draft": draft.id})
