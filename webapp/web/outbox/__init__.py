"""The outbox pages: notices to reporters waiting to be sent, each notice, its printed letter."""

from flask import Blueprint

bp = Blueprint("outbox", __name__, url_prefix="/outbox")

from webapp.web.outbox import views  # noqa: E402,F401  (routes register on the blueprint)
