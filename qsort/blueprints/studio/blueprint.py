"""The studio blueprint and what all its views share: the researchers-only check, loading a study the user may
see, the tab a page belongs to, and the one shape of a form POST (validate, call a rule, commit or refuse).

Every view module (studies, statements, grid, questions, participants, data) imports ``bp`` from here; nothing
here imports a view module, so no view imports back up.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import or_, select

from ...db import get_session
from ...models import Study, StudyShare
from ...studies import StudyError

bp = Blueprint("studio", __name__, url_prefix="/studio")

# The roles that may use the studio (interviewers have their own pages).
RESEARCHERS = ("researcher", "admin")


@bp.before_request
def researchers_only():
    """Every studio page: anonymous visitors go to the login page, users of another role get 403."""
    if g.get("user") is None:
        # request.full_path ends in "?" when there is no query string
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if g.user.role not in RESEARCHERS:
        abort(403)
    return None


def visible_studies_query():
    """Studies the logged-in user owns or that are shared with them."""
    shared = select(StudyShare.study_id).where(StudyShare.user_id == g.user.id)
    return select(Study).where(or_(Study.owner_id == g.user.id, Study.id.in_(shared)))


def load_study(study_id: int) -> Study:
    """The study if the logged-in user may see it, else 404 (never 403: do not reveal that it exists)."""
    study = get_session().scalar(visible_studies_query().where(Study.id == study_id))
    if study is None:
        abort(404)
    return study


def is_owner(study: Study) -> bool:
    """Sharing and deleting are the owner's (and an admin's), not a colleague's the study is shared with."""
    return study.owner_id == g.user.id or g.user.role == "admin"


def owner_only(study: Study) -> None:
    """403 for a colleague the study is shared with."""
    if not is_owner(study):
        abort(403)


# -- the page's tab and the names templates show ----------------------------------------------------------------

# The tab a page belongs to: its view module's; the studies module's pages are the study's overview tab except
# the two listed here.
TAB_OF_MODULE = {"statements": "studio.statements", "grid": "studio.grid", "questions": "studio.questions",
                 "participants": "studio.participants", "mail": "studio.participants", "data": "studio.data"}
TAB_OF_ENDPOINT = {"studio.texts": "studio.texts", "studio.settings": "studio.settings"}


@bp.context_processor
def studio_context() -> dict:
    endpoint = request.endpoint or ""
    view = current_app.view_functions.get(endpoint)
    module = getattr(view, "__module__", "").rsplit(".", 1)[-1]
    tab = TAB_OF_ENDPOINT.get(endpoint) or TAB_OF_MODULE.get(module, "studio.study")
    return {"studio_tab": tab, "status_label": status_label, "language_name": language_name}


def status_label(status: str) -> str:
    return {"draft": _("Draft"), "open": _("Open"), "closed": _("Closed")}.get(status, status)


def language_name(code: str) -> str:
    return current_app.config["LANGUAGES"].get(code, code)


# -- saving a form ---------------------------------------------------------------------------------------------

def refuse(form: FlaskForm | None, error: StudyError) -> None:
    """Nothing is saved: put the error beside its field when the form has one, else flash it."""
    get_session().rollback()
    field = form._fields.get(error.field) if form is not None and error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


def form_errors(form: FlaskForm) -> None:
    """A form that failed validation: name the fields in a flash message too (the page shows them inline)."""
    names = [str(getattr(form, name).label.text) for name in form.errors if name != "csrf_token"]
    if "csrf_token" in form.errors:
        flash(_("The form expired. Please try again."), "error")
    elif names:
        flash(_("Please correct: %(fields)s.", fields=", ".join(names)), "error")


def saved(message: str | None = None) -> None:
    """Commit, and say so."""
    get_session().commit()
    flash(message or _("Saved."), "ok")


def save_form(form: FlaskForm, change: Callable[[], Any], message: str | Callable[[Any], str] | None,
              target: str | Callable[[Any], str]):
    """The shape of every studio form POST: validate ``form``, call ``change()`` (a rule, which raises
    StudyError to refuse), commit, flash ``message`` and redirect to ``target``.

    Returns that redirect, or None when the form was not posted, is invalid, or the rule refused (the errors
    are then beside their fields or flashed, nothing is saved): the view shows its page again, with 400 for a
    POST. ``message`` and ``target`` may be functions of what ``change`` returned.
    """
    if not form.validate_on_submit():
        if form.is_submitted():
            form_errors(form)
        return None
    try:
        result = change()
    except StudyError as error:
        refuse(form, error)
        return None
    saved(message(result) if callable(message) else message)
    return redirect(target(result) if callable(target) else target)


def page_status() -> int:
    """The status of a page shown again after a POST: 400 (the POST was refused), 200 for a GET."""
    return 400 if request.method == "POST" else 200
