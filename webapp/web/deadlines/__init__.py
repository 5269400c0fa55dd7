"""Deadlines seen from above: the overdue board of a bureau (a city sees its districts), the timers
that fail to fire, and the notifications on each user's inbox."""

from flask import Blueprint

bp = Blueprint("deadlines", __name__)

from webapp.web.deadlines import views  # noqa: E402,F401  (routes register on the blueprint)
