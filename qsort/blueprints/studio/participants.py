"""Studio views: participants (invites, the open link, the progress table, one finished sort)."""
from __future__ import annotations

from flask import render_template

from ..auth import login_required
from . import bp, load_study


@bp.get("/<int:study_id>/participants")
@login_required(roles=("researcher", "admin"))
def participants(study_id: int):
    study = load_study(study_id)
    return render_template("studio/participants.html", study=study)
