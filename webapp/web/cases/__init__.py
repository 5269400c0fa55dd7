"""The clerk's pages: the inbox, intake, task pages and the case page."""

from flask import Blueprint

bp = Blueprint("cases", __name__)

from webapp.web.cases import intake_views, views  # noqa: E402,F401  (routes register on the blueprint)
