"""The rule book's pages (/rules): packs and their versions, drafts, files, examples, try-it, diff,
moving running cases, copy/export/import, and the audit log. Views are thin: they read the request,
call one use case of webapp.usecases.rulebook, and render."""

from flask import Blueprint

bp = Blueprint("editor", __name__, url_prefix="/rules")

from webapp.web.editor import examples_views, tools_views, views  # noqa: E402,F401  (the routes register themselves on bp)
