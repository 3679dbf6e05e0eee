"""The results pages: set up an analysis, read it, name its viewpoints, export segments (thin views over
qsort/runs.py, which calls the engine).

URLs live under the study, ``/studio/<study_id>/results/...``; the studio's rules apply (researchers only, a
study the user owns or that is shared with them, else 404), and a run is looked up within its study.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from .. import pictures, runs
from ..db import get_session
from .studio.blueprint import load_study, researchers_only, status_label

bp = Blueprint("results", __name__, url_prefix="/studio/<int:study_id>/results")
bp.before_request(researchers_only)

LEVELS = {"0.05": 0.05, "0.01": 0.01}


@bp.context_processor
def results_context() -> dict:
    return {"studio_tab": "results.index", "status_label": status_label}


def _run_or_404(study, run_id: int):
    run = runs.load_run(get_session(), study, run_id)
    if run is None:
        abort(404)
    return run


def _back(study_id: int, run_id: int, anchor: str = ""):
    return redirect(url_for("results.run", study_id=study_id, run_id=run_id, _anchor=anchor or None))


@bp.get("/")
def index(study_id: int):
    session = get_session()
    study = load_study(study_id)
    return render_template("results/index.html", study=study, runs=runs.study_runs(session, study))


@bp.route("/new", methods=["GET", "POST"])
def setup(study_id: int):
    """GET: the evidence for the number of factors and the solutions side by side for the chosen sorts and
    options; POST: make the run."""
    session = get_session()
    study = load_study(study_id)
    form = request.form if request.method == "POST" else request.args
    attribute, value = form.get("attribute", "").strip(), form.get("value", "").strip()
    attributes = runs.attribute_values(session, study)
    error = overview = None
    params = {"nfactors": 3, "cor_method": "pearson", "extraction": "pca", "rotation": "varimax"}
    try:
        if attribute and attribute not in attributes:
            raise runs.RunError(_("Filter: no participant attribute %(name)r.", name=attribute))
        params = runs.parse_params(form) if form else params
        if request.method == "POST":
            run = runs.create_run(session, study, _user(), params, attribute, value)
            flash(_("Analysis saved."), "success")
            return redirect(url_for("results.run", study_id=study.id, run_id=run.id))
        snapshot = runs.take_snapshot(session, study, attribute, value)
        overview = runs.setup_overview(snapshot, params)
        evidence = overview["suggestions"]
        overview["scree"] = pictures.scree_svg(evidence["eigenvalues"], evidence["parallel"].get("thresholds"), {
            "title": _("Eigenvalues"), "eigen": _("Eigenvalues"), "parallel": _("Random sorts (95th percentile)"),
            "kaiser": _("Eigenvalue 1"), "factor": _("Factor")})
    except runs.RunError as problem:
        error = str(problem)
    except ValueError as problem:
        error = str(problem)
    return render_template("results/setup.html", study=study, attributes=attributes, attribute=attribute,
                           value=value, params=params, overview=overview, error=error, choices=_choices()), \
        (400 if error and request.method == "POST" else 200)


def _choices() -> dict:
    return {
        "cor_method": [("pearson", _("Pearson")), ("spearman", _("Spearman")), ("kendall", _("Kendall"))],
        "extraction": [("pca", _("Principal components")), ("centroid", _("Centroid"))],
        "rotation": [("varimax", _("Varimax")), ("none", _("None")), ("quartimax", _("Quartimax")),
                     ("equamax", _("Equamax")), ("promax", _("Promax (oblique)")), ("oblimin", _("Oblimin (oblique)"))],
    }


def _user():
    from flask import g

    return g.user


@bp.get("/<int:run_id>")
def run(study_id: int, run_id: int):
    session = get_session()
    study = load_study(study_id)
    record = _run_or_404(study, run_id)
    analysis = runs.compute(record)
    rows = runs.segment_rows(session, analysis)
    keys = runs.attribute_keys(rows)
    attribute = request.args.get("attribute") or (keys[0] if keys else "")
    cross = runs.cross_table(rows, attribute) if attribute in keys else None
    swatches = {vid: Markup(render_template("results/_swatch.html", colour=analysis.colour(vid)))
                for vid in analysis.found.ids}
    return render_template("results/run.html", study=study, record=record, analysis=analysis, rows=rows,
                           swatches=swatches,
                           keys=keys, cross=cross, newer=runs.newer_sorts(session, record), choices=_choices())


@bp.post("/<int:run_id>/flag")
def flag(study_id: int, run_id: int):
    session = get_session()
    record = _run_or_404(load_study(study_id), run_id)
    factor, _bar, participant = request.form.get("cell", "").partition("|")  # "<factor>|<participant id>"
    try:
        runs.toggle_flag(session, record, participant, int(factor))
    except (runs.RunError, ValueError) as problem:
        flash(str(problem), "error")
    return _back(study_id, run_id, "loadings")


@bp.post("/<int:run_id>/undo")
def undo(study_id: int, run_id: int):
    record = _run_or_404(load_study(study_id), run_id)
    if not runs.undo(get_session(), record):
        flash(_("There is no flag change to undo."), "error")
    return _back(study_id, run_id, "loadings")


@bp.post("/<int:run_id>/reset")
def reset(study_id: int, run_id: int):
    record = _run_or_404(load_study(study_id), run_id)
    runs.reset_flags(get_session(), record)
    return _back(study_id, run_id, "loadings")


@bp.post("/<int:run_id>/rename")
def rename(study_id: int, run_id: int):
    record = _run_or_404(load_study(study_id), run_id)
    try:
        runs.rename(get_session(), record, request.form.get("name", ""))
        flash(_("Analysis renamed."), "success")
    except runs.RunError as problem:
        flash(str(problem), "error")
    return _back(study_id, run_id)


@bp.post("/<int:run_id>/delete")
def delete(study_id: int, run_id: int):
    record = _run_or_404(load_study(study_id), run_id)
    runs.delete_run(get_session(), record)
    flash(_("Analysis deleted."), "success")
    return redirect(url_for("results.index", study_id=study_id))


@bp.post("/<int:run_id>/names")
def names(study_id: int, run_id: int):
    """Name viewpoints: one form with a name and colour per viewpoint, or "accept the suggestions"."""
    session = get_session()
    record = _run_or_404(load_study(study_id), run_id)
    analysis = runs.compute(record)
    try:
        if request.form.get("accept"):
            runs.accept_suggestions(session, analysis)
        else:
            for vid in analysis.found.ids:
                if f"name-{vid}" in request.form:
                    runs.name_viewpoint(session, analysis, vid, request.form.get(f"name-{vid}", ""),
                                        request.form.get(f"colour-{vid}", ""))
        flash(_("Viewpoint names saved."), "success")
    except runs.RunError as problem:
        session.rollback()
        flash(str(problem), "error")
    return _back(study_id, run_id, "viewpoints")


def _viewpoint(analysis, viewpoint_id: str) -> int:
    try:
        return analysis.found.index(viewpoint_id)
    except KeyError:
        abort(404)


def _legend() -> list[tuple[str, str]]:
    return [("*", _("distinguishing, p < .05")), ("**", _("distinguishing, p < .01")),
            ("\u25ba", _("ranked higher than in every other viewpoint")),
            ("\u25c4", _("ranked lower than in every other viewpoint")),
            ("consensus", _("consensus statement (shaded): no two viewpoints differ, p < .05"))]


def _grid_svg(analysis, viewpoint_id: str) -> str:
    from analysis.cribsheet import composite_grid

    grid = composite_grid(analysis.found, viewpoint_id, analysis.snapshot["texts"])
    title = _("Composite sort: %(name)s (%(id)s)", name=analysis.name(viewpoint_id), id=viewpoint_id)
    return pictures.grid_svg(grid, title, analysis.colour(viewpoint_id), _legend())


@bp.get("/<int:run_id>/viewpoint/<viewpoint_id>")
def viewpoint(study_id: int, run_id: int, viewpoint_id: str):
    from analysis.cribsheet import crib_sheet

    session = get_session()
    study = load_study(study_id)
    record = _run_or_404(study, run_id)
    analysis = runs.compute(record)
    v = _viewpoint(analysis, viewpoint_id)
    level_key = request.args.get("level", "0.05")
    level = LEVELS.get(level_key, 0.05)
    found = analysis.found
    texts = analysis.snapshot["texts"]
    distinguishing = [int(i) for i in found.distinguishing(level)[v]]
    consensus = [int(i) for i in found.consensus(level)]
    return render_template(
        "results/viewpoint.html", study=study, record=record, analysis=analysis, vp=found.viewpoints[v], v=v,
        grid_svg=_grid_svg(analysis, viewpoint_id), sheet=crib_sheet(found, viewpoint_id, texts),
        distinguishing=sorted(distinguishing, key=lambda i: -found.zscores[i, v]), consensus=consensus,
        level=level_key, quotes=runs.quotes(session, analysis, viewpoint_id),
        would_pay=runs.would_pay(session, analysis, viewpoint_id), texts=texts)


@bp.get("/<int:run_id>/viewpoint/<viewpoint_id>/grid.svg")
def grid_svg(study_id: int, run_id: int, viewpoint_id: str):
    record = _run_or_404(load_study(study_id), run_id)
    analysis = runs.compute(record)
    _viewpoint(analysis, viewpoint_id)
    svg = _grid_svg(analysis, viewpoint_id)
    name = f"composite-{record.id}-{viewpoint_id.replace('+', 'pos').replace('-', 'neg')}.svg"
    return Response(svg, mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/<int:run_id>/segments.<fmt>")
def segments(study_id: int, run_id: int, fmt: str):
    record = _run_or_404(load_study(study_id), run_id)
    rows = runs.segment_rows(get_session(), runs.compute(record))
    stem = f"segments-run-{record.id}"
    if fmt == "csv":
        return Response(runs.segments_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'})
    if fmt == "xlsx":
        return Response(runs.segments_xlsx(rows),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'})
    abort(404)
