"""Log in (hashed passwords, a session cookie) and log out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from webapp.extensions import db, login_manager
from webapp.models import User
from webapp.web.auth import bp


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("cases.inbox")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("cases.inbox"))
    error = None
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        user = db.session.execute(select(User).filter_by(username=username)).scalar_one_or_none()
        if user is None or not user.active or not user.check_password(request.form.get("password") or ""):
            error = _("用户名或密码不正确")
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("您已退出登录"))
    return redirect(url_for("auth.login"))
