"""Rewards to reporters (URU 第三至二十二条): starting a reward from a concluded report, the reports of
one act, the reward process's task rules, the documents, top-ups, clawbacks, and the pages for them."""

from flask import Blueprint

bp = Blueprint("rewards", __name__)

from webapp.web.rewards import views  # noqa: E402,F401  (routes register on the blueprint)
