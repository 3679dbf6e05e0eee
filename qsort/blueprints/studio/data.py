"""Studio views: data out (exports) and data in (imports of sorts)."""
from __future__ import annotations

from flask import render_template

from ..auth import login_required
from . import bp, load_study


@bp.get("/<int:study_id>/data")
@login_required(roles=("researcher", "admin"))
def data(study_id: int):
    study = load_study(study_id)
    return render_template("studio/data.html", study=study)
