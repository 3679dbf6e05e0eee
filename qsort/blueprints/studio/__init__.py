"""The researcher's studio: studies, statements, grid, participants, data in and out.

One blueprint in a few modules, because it is large: ``studies`` (the study builder and lifecycle),
``participants`` (invites, progress) and ``data`` (exports and imports). Every view loads its study through
``load_study``, which answers 404 for a study that is not the user's own or shared with them.
"""
from __future__ import annotations

from flask import Blueprint, abort, g
from sqlalchemy import or_, select

from ...db import get_session
from ...models import Study, StudyShare

bp = Blueprint("studio", __name__, url_prefix="/studio")


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


# The views register themselves on ``bp``; imported last because they import ``bp`` from here.
from . import studies, participants, data  # noqa: E402,F401
