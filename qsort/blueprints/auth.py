"""Researcher and interviewer login, logout, and the ``login_required`` guard.

Rate limit: failed logins are counted per (email, address) in LoginAttempt rows; after LOGIN_ATTEMPTS_PER_15_MIN
failures in 15 minutes that email is refused from that address without checking the password (so a stranger
cannot lock a real user out from elsewhere, and users behind one proxy do not lock each other out). An attempt
is recorded and committed *before* its password is checked, and counted after: of any number of parallel
attempts at most the limit get a password check. The address is ``request.remote_addr``; behind a reverse
proxy it is the proxy's unless the app is configured to trust X-Forwarded-For (README, ProxyFix).

Sessions: a login session is permanent (PERMANENT_SESSION_LIFETIME) and carries the account's
``session_version``; logout and a password change raise it, which ends every session of the account.
"""
from __future__ import annotations

import functools
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import delete, func, select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length, Regexp

from ..accounts import EMAIL_PATTERN, end_sessions, find_user_by_email, verify_password
from ..db import get_session
from ..models import LoginAttempt, User, utcnow

bp = Blueprint("auth", __name__, url_prefix="/auth")

RATE_WINDOW = timedelta(minutes=15)


class LoginForm(FlaskForm):
    email = EmailField(validators=[DataRequired(), Length(max=254), Regexp(EMAIL_PATTERN)])
    password = PasswordField(validators=[DataRequired(), Length(max=200)])


@bp.before_app_request
def load_logged_in_user() -> None:
    """``g.user``: the logged-in user, unless their session was ended (logout or password change elsewhere)."""
    user_id = session.get("user_id")
    user = get_session().get(User, user_id) if user_id is not None else None
    if user is not None and session.get("session_version") != user.session_version:
        session.clear()
        user = None
    g.user = user


def login_required(view=None, *, roles: tuple[str, ...] = ("researcher", "admin", "interviewer")):
    """Send anonymous visitors to the login page; refuse (403) users whose role is not in ``roles``."""
    if view is None:
        return functools.partial(login_required, roles=roles)

    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.get("user") is None:
            # request.full_path ends in "?" when there is no query string
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if g.user.role not in roles:
            abort(403)
        return view(**kwargs)

    return wrapped


def _record_attempt(email: str, address: str) -> LoginAttempt:
    """Record a login attempt, committed before its password is checked (and old attempts forgotten)."""
    db = get_session()
    db.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - RATE_WINDOW))
    attempt = LoginAttempt(email=email, remote_addr=address)
    db.add(attempt)
    db.commit()
    return attempt


def _over_the_limit(email: str, address: str) -> bool:
    """Whether this (email, address) has more attempts in the window than the limit, counting the one just
    recorded: the k-th attempt committed sees at least k, so at most the limit pass, however many run at once."""
    count = get_session().scalar(select(func.count(LoginAttempt.id)).where(
        LoginAttempt.email == email, LoginAttempt.remote_addr == address,
        LoginAttempt.at >= utcnow() - RATE_WINDOW))
    return count > current_app.config["LOGIN_ATTEMPTS_PER_15_MIN"]


def _forget(*conditions) -> None:
    get_session().execute(delete(LoginAttempt).where(*conditions))
    get_session().commit()


def _safe_next(target: str | None, user: User) -> str:
    """Only follow ``next`` to a path on this site (no open redirect); else the user's home page:
    the studio for researchers, their studies and sessions for interviewers (who have no studio)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("studio.index") if user.role in ("researcher", "admin") else url_for("interview.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email, address = form.email.data.strip().lower(), (request.remote_addr or "")[:64]
        attempt = _record_attempt(email, address)
        if _over_the_limit(email, address):
            _forget(LoginAttempt.id == attempt.id)       # refused unchecked: it does not prolong the wait
            flash(_("Too many failed attempts. Wait 15 minutes and try again."), "error")
            return render_template("auth/login.html", form=form), 429
        user = find_user_by_email(get_session(), email)
        if verify_password(user, form.password.data):   # one hash, known email or not
            _forget(LoginAttempt.email == email, LoginAttempt.remote_addr == address)
            language = session.get("lang")  # the language chosen on the login page outlives the new session
            session.clear()
            if language:
                session["lang"] = language
            session.permanent = True
            session["user_id"] = user.id
            session["session_version"] = user.session_version
            return redirect(_safe_next(request.args.get("next"), user))
        flash(_("Email or password is not right."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Log out here and on every other device: a copy of the session cookie no longer works."""
    if g.get("user") is not None:
        end_sessions(get_session(), g.user)
    session.clear()
    return redirect(url_for("auth.login"))
