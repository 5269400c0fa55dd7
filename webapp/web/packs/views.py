"""Routes of the packs blueprint: thin — read through the catalogue, render or answer 404."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, render_template
from flask_babel import gettext as _

from engine.errors import PackError
from webapp.web.packs import bp
from webapp.web.packs.catalogue import KIND_LABELS, raw_file, summary
from webapp.web.packs.catalogue import all_packs as list_packs


def _viewer_built() -> bool:
    return (Path(current_app.static_folder) / "dist" / "viewer.js").is_file()


@bp.get("/packs/", endpoint="index")
def index():
    return render_template("packs/index.html", packs=list_packs(), kind_labels=KIND_LABELS)


@bp.get("/packs/<pack>")
def pack(pack: str):
    found = summary(pack)
    if found is None:
        abort(404, description=_("没有名为“%(pack)s”的规则包。", pack=pack))
    return render_template(
        "packs/pack.html", pack=found, kind_labels=KIND_LABELS, viewer_built=_viewer_built()
    )


@bp.get("/packs/<pack>/files/<kind>/<stem>")
def file(pack: str, kind: str, stem: str):
    found = raw_file(pack, kind, stem)
    if found is None:
        abort(404, description=_("没有这个文件：规则包、文件类别或文件名不存在。"))
    content, media_type = found
    response = Response(content, content_type=f"{media_type}; charset=utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.app_errorhandler(PackError)
def pack_error(error: PackError):
    current_app.logger.error("rule packs cannot be read: %s", error)
    return render_template("packs/broken.html", problems=error.problems), 500
