"""The rule packs, as read-only pages: the list of packs, one pack's diagrams and tables, raw files."""

from flask import Blueprint

bp = Blueprint("packs", __name__)

from webapp.web.packs import views  # noqa: E402,F401  (the routes register themselves on bp)
