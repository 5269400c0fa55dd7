"""The calendar pages: each region's years, a year's holidays and make-up workdays with their editor,
the deadlines waiting for a calendar year, and the deadlines a calendar change moved."""

from flask import Blueprint

bp = Blueprint("calendars", __name__)

from webapp.web.calendars import views  # noqa: E402,F401  (the routes register themselves on bp)
