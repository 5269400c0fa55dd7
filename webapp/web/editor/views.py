"""Packs, drafts and files: list, open a draft, edit and save a file, submit, approve, publish."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.store import packindex
from webapp.usecases.rulebook import drafts as uc
from webapp.usecases.rulebook.checking import check_files, pack_info
from webapp.web.editor import bp

FILE_KINDS = {"bpmn": "bpmn", "dmn": "dmn", "forms": "form", "examples": "examples", "notices": "notices"}


@bp.before_request
@login_required
def _login_first():
    """Every rule-book page needs a logged-in user."""


@bp.errorhandler(uc.NotFound)
def _not_found(error):
    if request.is_json:
        return jsonify(error=str(error)), 404
    return render_template("errors.html", code=404, title=_("页面不存在"), message=str(error)), 404


@bp.errorhandler(uc.Forbidden)
def _forbidden(error):
    if request.is_json:
        return jsonify(error=str(error)), 403
    return render_template("errors.html", code=403, title=_("没有权限"), message=str(error)), 403


def refused(error: uc.RulebookError, to: str):
    """A refusal shown on the page the user came from; unknown things and missing rights stay 404/403."""
    if isinstance(error, (uc.NotFound, uc.Forbidden)):
        raise error
    flash(str(error), "error")
    return redirect(to)


@bp.get("/", endpoint="index")
def index():
    packs = uc.visible_packs(current_user)
    if not packs:
        abort(403, description=_("只有市级医保局的规则管理员、局负责人、审计员和系统管理员可以查看规则管理"))
    rows = [(p, packindex.publication(p.name), uc.drafts_of(p.name)) for p in packs]
    return render_template(
        "editor/index.html", rows=rows, can_edit=uc.can_edit(current_user), status_labels=uc.STATUS_LABELS
    )


@bp.get("/packs/<pack>")
def pack(pack: str):
    row = uc.pack_for(current_user, pack)
    return render_template(
        "editor/pack.html",
        pack=row,
        publications=packindex.publications(pack),
        current=packindex.publication(pack),
        drafts=uc.drafts_of(pack, include_closed=True),
        can_edit=uc.can_edit(current_user),
        can_publish=uc.can_publish(current_user),
        status_labels=uc.STATUS_LABELS,
    )


@bp.post("/packs/<pack>/drafts")
def open_draft(pack: str):
    try:
        draft = uc.open_draft(current_user, pack)
    except uc.RulebookError as error:
        return refused(error, url_for("editor.pack", pack=pack))
    flash(_("已新建草稿 %(id)s（复制自正在使用的版本）", id=draft.id))
    return redirect(url_for("editor.draft", draft_id=draft.id))


@bp.post("/packs/<pack>/republish")
def republish(pack: str):
    try:
        uc.republish(current_user, pack, request.form.get("version", ""), request.form.get("comment", ""))
    except uc.RulebookError as error:
        return refused(error, url_for("editor.pack", pack=pack))
    flash(_("已重新发布版本 %(v)s：此后新登记的案件使用这个版本", v=request.form.get("version")))
    return redirect(url_for("editor.pack", pack=pack))


@bp.get("/drafts/<int:draft_id>")
def draft(draft_id: int):
    row = uc.draft_for(current_user, draft_id)
    check = check_files(row.pack, dict(row.files))
    files = sorted(row.files)
    return render_template(
        "editor/draft.html",
        draft=row,
        check=check,
        files=files,
        blockers=uc.blockers(check),
        can_edit=uc.can_edit(current_user),
        can_publish=uc.can_publish(current_user),
        status_labels=uc.STATUS_LABELS,
        decisions=pack_info(dict(row.files))["decisions"],
        current=packindex.publication(row.pack),
    )


@bp.get("/drafts/<int:draft_id>/files/<path:path>", endpoint="edit_file")
def edit_file(draft_id: int, path: str):
    row = uc.draft_for(current_user, draft_id)
    kind_dir = path.split("/", 1)[0]
    if kind_dir not in FILE_KINDS:
        abort(404)
    text = row.files.get(path)
    if text is None:
        if request.args.get("new") != "1":
            abort(404, description=_("草稿中没有这个文件"))
        text = ""
    return render_template(
        _file_template(FILE_KINDS[kind_dir]),
        draft=row,
        path=path,
        kind=FILE_KINDS[kind_dir],
        text=text,
        save_url=url_for("editor.save_file", draft_id=row.id, path=path),
        back_url=url_for("editor.draft", draft_id=row.id),
        pack_info=pack_info(dict(row.files)),
    )


@bp.get("/drafts/<int:draft_id>/new-file")
def new_file(draft_id: int):
    row = uc.draft_for(current_user, draft_id)
    path = (request.args.get("path") or "").strip()
    from webapp.usecases.rulebook.checking import PATH_RE

    if not PATH_RE.match(path):
        flash(
            _(
                "文件路径不合规：只能是 bpmn/<id>.bpmn、dmn/<id>.dmn、forms/<id>.form、examples/<id>.json 或 notices/<种类>.txt"
            ),
            "error",
        )
        return redirect(url_for("editor.draft", draft_id=row.id))
    return redirect(url_for("editor.edit_file", draft_id=row.id, path=path, new=1))


@bp.post("/drafts/<int:draft_id>/files/<path:path>", endpoint="save_file")
def save_file(draft_id: int, path: str):
    row = uc.draft_for(current_user, draft_id)
    as_json = request.is_json
    if as_json:
        body = request.get_json(silent=True)
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str):
            return jsonify(
                saved=False,
                version=row.version,
                problems=[
                    {
                        "file": path,
                        "element": "",
                        "rule": "",
                        "column": "",
                        "severity": "error",
                        "message": _("请求中没有文件内容（text）"),
                    }
                ],
                examples={"passed": 0, "failed": 0, "results": []},
            ), 400
        seen = body.get("version") if isinstance(body.get("version"), str) else None
    else:
        text, seen = request.form.get("text", ""), None
    try:
        saved, check = uc.save_file(current_user, row, path, text, seen)
    except uc.Forbidden:
        raise
    except uc.RulebookError as error:
        if as_json:
            return jsonify(
                saved=False,
                version=row.version,
                problems=[
                    {
                        "file": path,
                        "element": "",
                        "rule": "",
                        "column": "",
                        "severity": "error",
                        "message": str(error),
                    }
                ],
                examples={"passed": 0, "failed": 0, "results": []},
            ), 409
        return refused(error, url_for("editor.draft", draft_id=row.id))
    if as_json:
        return jsonify(saved=saved, version=row.version, problems=check.problems, examples=check.examples)
    if not saved:
        flash(_("未保存：%(why)s", why=check.problems[0]["message"]), "error")
        kind = FILE_KINDS.get(path.split("/")[0], "")
        return render_template(
            _file_template(kind),
            draft=row,
            path=path,
            kind=kind,
            text=text,
            save_url=url_for("editor.save_file", draft_id=row.id, path=path),
            back_url=url_for("editor.draft", draft_id=row.id),
            pack_info=pack_info(dict(row.files)),
        ), 422
    flash(
        _("已保存：%(e)s 个错误，%(f)s 个示例未通过", e=check.errors, f=check.failed),
        "warn" if check.errors or check.failed else "info",
    )
    return redirect(url_for("editor.draft", draft_id=row.id))


@bp.post("/drafts/<int:draft_id>/delete-file")
def delete_file(draft_id: int):
    row = uc.draft_for(current_user, draft_id)
    try:
        uc.delete_file(current_user, row, request.form.get("path", ""))
    except uc.RulebookError as error:
        if isinstance(error, uc.Forbidden):
            raise
        return refused(error, url_for("editor.draft", draft_id=row.id))
    flash(_("已从草稿中删除文件 %(p)s", p=request.form.get("path")))
    return redirect(url_for("editor.draft", draft_id=row.id))


def _step(draft_id: int, action, done: str):
    row = uc.draft_for(current_user, draft_id)
    try:
        action(row)
    except uc.Forbidden:
        raise
    except uc.RulebookError as error:
        return refused(error, url_for("editor.draft", draft_id=row.id))
    flash(done)
    return redirect(url_for("editor.draft", draft_id=row.id))


@bp.post("/drafts/<int:draft_id>/submit")
def submit(draft_id: int):
    return _step(
        draft_id,
        lambda d: uc.submit(current_user, d, request.form.get("comment", "")),
        _("已提交审核：须由另一位有发布权限的人员审核"),
    )


@bp.post("/drafts/<int:draft_id>/approve")
def approve(draft_id: int):
    return _step(draft_id, lambda d: uc.approve(current_user, d), _("已审核通过，可以发布"))


@bp.post("/drafts/<int:draft_id>/publish")
def publish(draft_id: int):
    return _step(
        draft_id,
        lambda d: uc.publish(current_user, d),
        _("已发布：此后新登记的案件使用这个版本，办理中的案件仍用原版本"),
    )


@bp.post("/drafts/<int:draft_id>/discard")
def discard(draft_id: int):
    return _step(draft_id, lambda d: uc.discard(current_user, d), _("已放弃草稿"))


def _file_template(kind: str) -> str:
    """Processes, decisions and forms open in their bpmn.io editor; other files (examples, notice
    wording) as text."""
    return "editor/file.html" if kind in ("bpmn", "dmn", "form") else "editor/file_text.html"
