"""Accounts: log in and out, the current user, role checks."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from webapp.web.auth import views  # noqa: E402,F401  (routes register on the blueprint)
