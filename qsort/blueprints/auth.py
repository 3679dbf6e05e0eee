"""Researcher and interviewer login, logout, and the ``login_required`` guard.

Failed logins are counted per email and per address (LoginAttempt rows); after
LOGIN_ATTEMPTS_PER_15_MIN failures in 15 minutes further attempts are refused without checking the password.
"""
from __future__ import annotations

import functools
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import delete, func, or_, select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length, Regexp

from ..accounts import EMAIL_PATTERN, find_user_by_email, verify_password
from ..db import get_session
from ..models import LoginAttempt, User, utcnow

bp = Blueprint("auth", __name__, url_prefix="/auth")

RATE_WINDOW = timedelta(minutes=15)


class LoginForm(FlaskForm):
    email = EmailField(validators=[DataRequired(), Length(max=254), Regexp(EMAIL_PATTERN)])
    password = PasswordField(validators=[DataRequired(), Length(max=200)])


@bp.before_app_request
def load_logged_in_user() -> None:
    user_id = session.get("user_id")
    g.user = get_session().get(User, user_id) if user_id is not None else None


def login_required(view=None, *, roles: tuple[str, ...] = ("researcher", "admin", "interviewer")):
    """Send anonymous visitors to the login page; refuse (403) users whose role is not in ``roles``."""
    if view is None:
        return functools.partial(login_required, roles=roles)

    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.get("user") is None:
            return redirect(url_for("auth.login", next=request.full_path))
        if g.user.role not in roles:
            abort(403)
        return view(**kwargs)

    return wrapped


def _too_many_failures(email: str) -> bool:
    since = utcnow() - RATE_WINDOW
    count = get_session().scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.at >= since,
            or_(LoginAttempt.email == email.lower(), LoginAttempt.remote_addr == (request.remote_addr or "")),
        )
    )
    return count >= current_app.config["LOGIN_ATTEMPTS_PER_15_MIN"]


def _record_failure(email: str) -> None:
    db = get_session()
    db.add(LoginAttempt(email=email.lower(), remote_addr=request.remote_addr or ""))
    db.commit()


def _safe_next(target: str | None, user: User) -> str:
    """Only follow ``next`` to a path on this site (no open redirect); else the user's home page:
    the studio for researchers, the front page for interviewers (who have no studio)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("studio.index") if user.role in ("researcher", "admin") else url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip()
        if _too_many_failures(email):
            flash(_("Too many failed attempts. Wait 15 minutes and try again."), "error")
            return render_template("auth/login.html", form=form), 429
        user = find_user_by_email(get_session(), email)
        if verify_password(user, form.password.data):
            get_session().execute(delete(LoginAttempt).where(LoginAttempt.email == email.lower()))
            get_session().commit()
            session.clear()
            session["user_id"] = user.id
            return redirect(_safe_next(request.args.get("next"), user))
        _record_failure(email)
        flash(_("Email or password is not right."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("auth.login"))
