"""Studio view of a study's grid: its columns and their heights, free distribution, and the quasi-normal
suggestion for the number of statements.

The rules live in ``qsort.studies`` (set_grid, apply_suggested_grid, grid_problems); the shape of a
quasi-normal grid comes from the analysis engine (analysis.grid).
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from ... import flow, studies
from ...db import get_session
from ...models import Study
from .blueprint import bp, form_errors, load_study, refuse, saved
from .forms import ConfirmForm, GridForm


def _heights_from_form(scores: range) -> tuple[list, str | None]:
    """The height_<score> inputs as ints (a non-number stays as text for the logic to refuse)."""
    heights = []
    for score in scores:
        raw = (request.form.get(f"height_{score}") or "").strip()
        try:
            heights.append(int(raw))
        except ValueError:
            return heights, _("Column %(score)s: the height must be a whole number.", score=f"{score:+d}")
    return heights, None


def _int_or(raw: str | None, default: int) -> int:
    try:
        return int(raw or "")
    except ValueError:
        return default


def _display_scores(study: Study, form: GridForm) -> list[int]:
    """The columns to show: those just posted when they make a sensible range, else the saved ones (or the
    default grid)."""
    low, high = form.min_score.data, form.max_score.data
    if isinstance(low, int) and isinstance(high, int) and -studies.MAX_SCORE <= low < high <= studies.MAX_SCORE:
        return list(range(low, high + 1))
    return list(study.grid_scores or flow.DEFAULT_GRID_SCORES)


@bp.route("/<int:study_id>/grid", methods=["GET", "POST"])
def grid(study_id: int):
    study = load_study(study_id)
    db = get_session()
    scores = study.grid_scores or flow.DEFAULT_GRID_SCORES
    form = GridForm(data={"min_score": scores[0], "max_score": scores[-1],
                          "free_distribution": study.free_distribution} if request.method == "GET" else None)
    heights = dict(zip(study.grid_scores or [], study.grid_heights or []))
    status = 200
    if request.method == "POST":
        status = 400
        action = request.form.get("action", "save")
        if action == "suggest" and ConfirmForm().validate_on_submit():
            try:
                studies.apply_suggested_grid(db, study)
            except studies.StudyError as error:
                refuse(None, error)
            else:
                saved(_("Quasi-normal grid for %(n)s statements applied.", n=len(study.statements)))
                return redirect(url_for("studio.grid", study_id=study.id))
        elif action == "save" and form.validate_on_submit():
            scores = range(form.min_score.data, form.max_score.data + 1)
            heights, problem = _heights_from_form(scores)
            try:
                if problem:
                    raise studies.StudyError(problem, "heights")
                studies.set_grid(db, study, form.min_score.data, form.max_score.data, heights,
                                 form.free_distribution.data)
            except studies.StudyError as error:
                refuse(form, error)  # min_score errors show at the field, the others as a message
            else:
                saved(_("Grid saved."))
                return redirect(url_for("studio.grid", study_id=study.id))
            heights = dict(zip(scores, heights))
        elif action == "columns" and form.validate_on_submit():
            status = 200  # only show the new range of columns; nothing is saved
            heights = {score: _int_or(request.form.get(f"height_{score}"), 1)
                       for score in _display_scores(study, form)}
        else:
            form_errors(form)
    suggestion = None
    if len(study.statements) >= 3:
        try:
            suggestion = studies.suggest_grid(len(study.statements))
        except (ImportError, ValueError):
            suggestion = None
    if request.method == "GET" and not study.grid_scores and suggestion:
        # Nothing saved yet: start the editor from the suggestion (still to be saved).
        form.min_score.data, form.max_score.data = suggestion[0][0], suggestion[0][-1]
        heights = dict(zip(*suggestion))
    scores = _display_scores(study, form)
    return render_template(
        "studio/grid.html", study=study, form=form, scores=scores,
        heights={score: heights.get(score, 0) for score in scores}, n_statements=len(study.statements),
        locked=studies.has_responses(db, study), open_lock=study.status == "open",
        problems=studies.grid_problems(study), suggestion=suggestion,
        suggest_form=ConfirmForm(formdata=None),
    ), status
