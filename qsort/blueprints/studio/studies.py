"""Studio views: the study list, the study builder and the study lifecycle."""
from flask import render_template

from ...db import get_session
from ...models import Study
from ..auth import login_required
from . import bp, visible_studies_query


@bp.get("/")
@login_required(roles=("researcher", "admin"))
def index():
    studies = get_session().scalars(visible_studies_query().order_by(Study.created_at.desc())).all()
    return render_template("studio/index.html", studies=studies)
