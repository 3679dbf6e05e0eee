"""Studio views: data out (exports of the complete sorts, the whole study) and data in (imports of sorts)."""
from __future__ import annotations

from pathlib import Path

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from werkzeug.utils import secure_filename

from ... import exchange, matrix
from ...db import get_session
from .blueprint import bp, load_study


class SortImportForm(FlaskForm):
    files = MultipleFileField()


def export_choices() -> list[dict]:
    """The exports offered on the data page, in the order shown."""
    return [
        {"format": "xlsx", "name": _("Excel workbook (.xlsx)"),
         "hint": _("Sheets: sorts, statements (codes, tags, translations), comments, answers, notes, timings, "
                   "participants with attributes.")},
        {"format": "csv", "name": _("CSV (statements × participants)"),
         "hint": _("The layout 'qsort analyze' reads: a row per statement, a column per participant.")},
        {"format": "pqmethod", "name": _("PQMethod (.DAT + .STA)"),
         "hint": _("A ZIP with the .DAT sorts file and the .STA statements file. Needs a forced grid and "
                   "participant codes of at most 10 characters.")},
        {"format": "kenq", "name": _("Ken-Q Analysis (CSV + statements .txt)"),
         "hint": _("A ZIP with the sorts CSV (a row per participant) and the statements, one per line.")},
        {"format": "kade", "name": _("KADE project (.zip)"),
         "hint": _("Opens in KADE: sorts, statements, grid pattern and title.")},
        {"format": "json", "name": _("Whole study (JSON)"),
         "hint": _("Settings, texts, statements, grid, questions, participants and every sort with its moves, "
                   "comments, answers and notes. 'qsort import FILE' restores it on another installation.")},
    ]


def origin_labels() -> dict[str, str]:
    """Where complete sorts came from (qsort.flow.SORT_ORIGINS), as the Data page names them."""
    return {"online": _("Online"), "interview": _("With an interviewer"), "paper": _("Typed in from paper"),
            "import": _("Imported from a file"), "demo": _("Simulated (demo)")}


@bp.get("/<int:study_id>/data")
def data(study_id: int):
    study = load_study(study_id)
    by_origin = matrix.count_complete_sorts_by_origin(get_session(), study)
    return render_template("studio/data.html", study=study, n_complete=sum(by_origin.values()),
                           by_origin=by_origin, origin_labels=origin_labels(), choices=export_choices(),
                           form=SortImportForm())


@bp.get("/<int:study_id>/data/export/<fmt>")
def data_export(study_id: int, fmt: str):
    study = load_study(study_id)
    if fmt not in exchange.EXPORT_FORMATS:
        abort(404)
    try:
        result = exchange.export_study(get_session(), study, fmt)
    except exchange.ExchangeError as error:
        flash(_("This export could not be made: %(why)s", why=str(error)), "error")
        return redirect(url_for("studio.data", study_id=study.id))
    return Response(result.content, mimetype=result.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{result.filename}"'})


@bp.route("/<int:study_id>/data/import", methods=["GET", "POST"])
def data_import(study_id: int):
    """Add sorts from a file to the study: all of them or none, with the problems named."""
    study = load_study(study_id)
    form = SortImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        uploads = [f for f in form.files.data or [] if f and f.filename]
        if not uploads:
            problems = [_("Choose a file to upload.")]
        else:
            problems = _import_uploads(study, uploads)
            if not problems:
                return redirect(url_for("studio.participants", study_id=study.id, status="completed"))
    elif form.is_submitted():
        abort(400)  # no or wrong CSRF token
    return render_template("studio/import.html", study=study, form=form, problems=problems,
                           n_statements=len(study.statements)), (400 if problems else 200)


def _where(error) -> str:
    """A reader's FormatError as the researcher reads it: "sorts.csv, line 3, column 6 (S05): what is wrong"."""
    parts = [Path(error.file).name if "!" not in error.file else error.file.rsplit("/", 1)[-1]]
    if error.line is not None:
        parts.append(_("line %(n)d", n=error.line))
    if getattr(error, "column", None) is not None and "column" not in (error.field or ""):
        parts.append(_("column %(n)d", n=error.column))
    if error.field:
        parts.append(error.field)
    return ", ".join(parts) + ": " + error.message


def _import_uploads(study, uploads) -> list[str]:
    """Read the uploads in memory with analysis.formats (no temporary files), import; the problems if any."""
    from analysis.formats import FormatError

    files: dict[str, bytes] = {}
    for upload in uploads:
        name = secure_filename(upload.filename) or "upload"
        if Path(name).suffix.lower() not in exchange.IMPORT_SUFFIXES:
            return [_("%(file)s: not a file type that holds sorts (.csv, .dat, .sta, .txt, .zip, .json).",
                      file=upload.filename)]
        files[name] = upload.read()     # within the app's MAX_CONTENT_LENGTH
    try:
        data, shown = exchange.read_upload(files)
        report = exchange.import_sorts(get_session(), study, data, shown)
    except (FormatError, exchange.ExchangeError) as error:
        get_session().rollback()
        return error.problems if isinstance(error, exchange.ExchangeError) else [_where(error)]
    except Exception as error:  # a ZIP that is not one, a file we cannot decode: say so, save nothing
        get_session().rollback()
        if isinstance(error, (OSError, ValueError)) or error.__class__.__name__ == "BadZipFile":
            return [_("%(file)s could not be read: %(why)s", file=", ".join(files), why=str(error))]
        raise
    how = _("by code") if report.matched_by == "code" else _("by position")
    flash(_("Imported %(n)d sorts from %(file)s; statements matched %(how)s.", n=len(report.participants),
            file=report.file, how=how), "success")
    return []
