"""Diff, moving running cases, copy, export, import, attaching a bureau, and the audit log."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.diff import diff_files
from webapp.store import packindex
from webapp.usecases.rulebook import auditlog, moving, transfer
from webapp.usecases.rulebook import drafts as uc
from webapp.web.editor import bp
from webapp.web.editor.views import refused


def _files_of(pack: str, ref: str) -> tuple[str, dict[str, str]]:
    """(label, files) of `ref`: a stored version of the pack or `draft:<id>`."""
    if ref.startswith("draft:"):
        try:
            draft = uc.draft_for(current_user, int(ref[6:]))
        except ValueError:
            abort(404)
        if draft.pack != pack:
            abort(404)
        return _("草稿 %(id)s", id=draft.id), dict(draft.files)
    row = packindex.version_row(pack, ref)
    if row is None:
        abort(404, description=_("没有这个版本"))
    return _("版本 %(v)s", v=ref), dict(row.files)


@bp.get("/diff")
def diff():
    pack = request.args.get("pack", "")
    uc.pack_for(current_user, pack)
    current = packindex.publication(pack)
    old_ref = request.args.get("from") or (current.version if current else "")
    new_ref = request.args.get("to") or ""
    if not new_ref:
        abort(400, description=_("请指定要比较的版本或草稿（to）"))
    old_label, old = _files_of(pack, old_ref)
    new_label, new = _files_of(pack, new_ref)
    diffs = []
    for d in diff_files(
        {p: t.encode("utf-8") for p, t in old.items()}, {p: t.encode("utf-8") for p, t in new.items()}
    ):
        diffs.append(
            {"diff": d, "old_xml": old.get(d.path, ""), "new_xml": new.get(d.path, ""), "changes": d.elements}
        )
    return render_template(
        "editor/diff.html",
        pack=pack,
        diffs=diffs,
        old_label=old_label,
        new_label=new_label,
        old_ref=old_ref,
        new_ref=new_ref,
    )


@bp.get("/packs/<pack>/migration")
def migration(pack: str):
    try:
        target, candidates = moving.dry_run(current_user, pack)
    except uc.Forbidden:
        raise
    except uc.RulebookError as error:
        return refused(error, url_for("editor.pack", pack=pack))
    return render_template(
        "editor/migration.html",
        pack=uc.pack_for(current_user, pack),
        target=target,
        candidates=candidates,
        can_publish=uc.can_publish(current_user),
    )


@bp.post("/packs/<pack>/migration")
def migrate(pack: str):
    ids = [int(v) for v in request.form.getlist("case") if v.isdigit()]
    try:
        moved = moving.apply(current_user, pack, ids)
    except uc.Forbidden:
        raise
    except uc.RulebookError as error:
        return refused(error, url_for("editor.migration", pack=pack))
    flash(
        _(
            "已将 %(n)s 个案件迁移到正在使用的版本：%(cases)s",
            n=len(moved),
            cases="、".join(c.number for c in moved),
        )
    )
    return redirect(url_for("editor.migration", pack=pack))


@bp.route("/copy", methods=["GET", "POST"])
def copy():
    if not uc.can_edit(current_user):
        abort(403, description=_("只有市级医保局的规则管理员可以复制规则包"))
    parents = list(packindex.index().values())
    form = (
        request.form
        if request.method == "POST"
        else {"parent": request.args.get("parent", current_user.bureau.pack)}
    )
    problems = []
    if request.method == "POST":
        try:
            draft = transfer.copy_pack(
                current_user,
                form.get("parent", ""),
                form.get("name", ""),
                form.get("display_name", ""),
                form.get("calendar", ""),
                form.get("case_prefix", ""),
            )
        except transfer.ImportRefused as error:
            problems = error.reasons
        else:
            flash(_("已新建规则包 %(name)s 及其第一份草稿：继承上级规则包的全部文件", name=draft.pack))
            return redirect(url_for("editor.draft", draft_id=draft.id))
    return render_template(
        "editor/copy.html",
        parents=parents,
        form=form,
        problems=problems,
        regions=sorted(transfer.calendar_regions()),
    ), 422 if problems else 200


@bp.get("/packs/<pack>/export")
def export(pack: str):
    try:
        name, data = transfer.export_zip(current_user, pack, request.args.get("version") or None)
    except uc.Forbidden:
        raise
    except uc.RulebookError as error:
        return refused(error, url_for("editor.pack", pack=pack))
    return Response(
        data, content_type="application/zip", headers={"Content-Disposition": f"attachment; filename={name}"}
    )


@bp.route("/import", methods=["GET", "POST"])
def import_pack():
    if not uc.can_edit(current_user):
        abort(403, description=_("只有市级医保局的规则管理员可以导入规则包"))
    reasons = []
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            reasons = [_("请选择要导入的 zip 文件")]
        else:
            try:
                draft = transfer.import_zip(current_user, upload.read(transfer.MAX_ZIP + 1))
            except transfer.ImportRefused as error:
                reasons = error.reasons
            except uc.Forbidden:
                raise
            except uc.RulebookError as error:
                reasons = [str(error)]
            else:
                flash(_("已导入为草稿 %(id)s（规则包 %(pack)s）", id=draft.id, pack=draft.pack))
                return redirect(url_for("editor.draft", draft_id=draft.id))
    return render_template("editor/import.html", reasons=reasons), 422 if reasons else 200


@bp.route("/bureau", methods=["GET", "POST"])
def bureau():
    if request.method == "POST":
        try:
            transfer.attach_bureau(current_user, request.form.get("pack", ""))
        except uc.Forbidden:
            raise
        except uc.RulebookError as error:
            return refused(error, url_for("editor.bureau"))
        flash(
            _(
                "本局及下属区县此后登记的案件使用规则包 %(p)s；办理中的案件不受影响",
                p=request.form.get("pack"),
            )
        )
        return redirect(url_for("editor.bureau"))
    if "administrator" not in current_user.roles:
        abort(403)
    choices = [p for p in transfer.owned_packs(current_user) if packindex.publication(p.name)]
    return render_template("editor/bureau.html", choices=choices, bureau=current_user.bureau)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@bp.get("/audit")
def audit_log():
    args = request.args
    rows = auditlog.entries(
        current_user,
        action=args.get("action", ""),
        pack=args.get("pack", ""),
        username=args.get("user", "").strip(),
        since=_day(args.get("from")),
        until=_day(args.get("to")),
    )
    return render_template(
        "editor/audit.html",
        rows=rows,
        args=args,
        actions=auditlog.ACTIONS,
        packs=uc.visible_packs(current_user),
    )
