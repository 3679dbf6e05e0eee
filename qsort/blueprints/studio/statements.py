"""Studio views of a study's statements (its Q-set): the list, adding one, pasting many, a CSV in and out, the
order (drag and drop, or up and down), editing, translating and deleting.

The rules live in ``qsort.statements``; a view here reads its form, calls one function there and commits, or
shows the refusal beside its field (status 400, nothing saved).
"""
from __future__ import annotations

import re

from flask import Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...db import get_session
from ...models import Statement, Study
from ...sorting import PayloadError, parse_json_body
from ...statements import (SUGGESTED_TAGS, add_bulk, add_statement, delete_statement, import_csv, move_statement,
                           reorder_statements, set_translations, statements_csv, tag_counts, update_statement)
from ...studies import StudyError, StudyLocked, grid_problems, has_responses
from .blueprint import bp, load_study, page_status, refuse, save_form, saved
from .forms import BulkForm, ConfirmForm, ImportForm, statement_form_class, translations_form_class


def _statement(study: Study, statement_id: int) -> Statement:
    statement = get_session().get(Statement, statement_id)
    if statement is None or statement.study_id != study.id:
        abort(404)
    return statement


def _statements_page(study: Study, *, add_form=None, bulk_form=None, import_form=None, code=200):
    db = get_session()
    return render_template(
        "studio/statements.html", study=study, locked=has_responses(db, study),
        open_lock=study.status == "open",
        add_form=add_form or statement_form_class(study)(formdata=None), bulk_form=bulk_form or BulkForm(formdata=None),
        import_form=import_form or ImportForm(formdata=None), suggested_tags=SUGGESTED_TAGS,
        other_languages=[lang for lang in study.languages if lang != study.default_language],
        move_form=ConfirmForm(formdata=None), grid_problems=grid_problems(study),
        tag_counts=tag_counts(study),
    ), code


def _translations(form, study: Study) -> dict[str, str]:
    return {lang: form[f"text_{lang}"].data or "" for lang in study.languages if lang != study.default_language}


def _list_url(study: Study) -> str:
    return url_for("studio.statements", study_id=study.id)


@bp.route("/<int:study_id>/statements", methods=["GET", "POST"])
def statements(study_id: int):
    """The list of statements; POST adds one."""
    study = load_study(study_id)
    if request.method == "GET":
        return _statements_page(study)
    form = statement_form_class(study)()
    done = save_form(form, lambda: add_statement(get_session(), study, form.text.data, form.code.data,
                                                 form.all_tags(), _translations(form, study)),
                     lambda statement: _("Statement %(code)s added.", code=statement.code), _list_url(study) + "#add")
    return done or _statements_page(study, add_form=form, code=400)


@bp.post("/<int:study_id>/statements/bulk")
def statements_bulk(study_id: int):
    study = load_study(study_id)
    form = BulkForm()
    done = save_form(form, lambda: add_bulk(get_session(), study, form.bulk.data),
                     lambda added: _("%(n)s statements added.", n=len(added)), _list_url(study))
    return done or _statements_page(study, bulk_form=form, code=400)


@bp.post("/<int:study_id>/statements/import")
def statements_import(study_id: int):
    study = load_study(study_id)
    form = ImportForm()
    done = save_form(form, lambda: import_csv(get_session(), study, form.file.data.read()),
                     lambda added: _("%(n)s statements imported.", n=len(added)), _list_url(study))
    return done or _statements_page(study, import_form=form, code=400)


@bp.get("/<int:study_id>/statements.csv")
def statements_download(study_id: int):
    """The statements as a CSV that the import reads back (UTF-8 with a BOM, so Excel shows the accents)."""
    study = load_study(study_id)
    filename = re.sub(r"[^A-Za-z0-9._-]+", "-", study.title).strip("-")[:60] or "study"
    return Response("\ufeff" + statements_csv(study), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}-statements.csv"'})


@bp.post("/<int:study_id>/statements/reorder")
def statements_reorder(study_id: int):
    """JSON: {"order": [statement ids]} from the drag-and-drop list (header X-CSRFToken)."""
    study = load_study(study_id)
    try:  # the sorting API's body check: deep nesting, NaN/Infinity and lone surrogates are a 400, not a 500
        payload = parse_json_body(request.get_data(cache=False))
    except PayloadError as error:
        return jsonify({"ok": False, "error": error.message, "field": "order"}), 400
    if not isinstance(payload, dict):
        return jsonify({"ok": False, "error": _("Send a JSON object."), "field": "order"}), 400
    try:
        reorder_statements(get_session(), study, payload.get("order"))
    except StudyLocked as error:
        get_session().rollback()
        return jsonify({"ok": False, "error": error.message, "field": error.field}), 409
    except StudyError as error:
        get_session().rollback()
        return jsonify({"ok": False, "error": error.message, "field": error.field}), 400
    get_session().commit()
    return jsonify({"ok": True, "order": [s.id for s in study.statements]})


@bp.route("/<int:study_id>/statements/<int:statement_id>", methods=["GET", "POST"])
def statement_edit(study_id: int, statement_id: int):
    study = load_study(study_id)
    statement = _statement(study, statement_id)
    form = statement_form_class(study)()
    if request.method == "GET":
        form.text.data, form.code.data = statement.text, statement.code
        form.tags.data = [t for t in statement.tags or [] if t in SUGGESTED_TAGS]
        form.other_tags.data = ", ".join(t for t in statement.tags or [] if t not in SUGGESTED_TAGS)
        for language in study.languages:
            if language != study.default_language:
                form[f"text_{language}"].data = (statement.translations or {}).get(language, "")
    done = save_form(form, lambda: update_statement(get_session(), study, statement, text=form.text.data,
                                                    code=form.code.data, tags=form.all_tags(),
                                                    translations=_translations(form, study)),
                     lambda _result: _("Statement %(code)s saved.", code=statement.code), _list_url(study))
    return done or (render_template("studio/statement_edit.html", study=study, statement=statement, form=form,
                                    locked=has_responses(get_session(), study), open_lock=study.status == "open",
                                    suggested_tags=SUGGESTED_TAGS, delete_form=ConfirmForm(formdata=None),
                                    other_languages=[lang for lang in study.languages
                                                     if lang != study.default_language]),
                    page_status())


@bp.route("/<int:study_id>/statements/translate/<language>", methods=["GET", "POST"])
def statements_translate(study_id: int, language: str):
    """All statements on one page with their translation into ``language``."""
    study = load_study(study_id)
    if language not in study.languages or language == study.default_language:
        abort(404)
    form = translations_form_class(study)(
        data={f"t_{s.id}": (s.translations or {}).get(language, "") for s in study.statements}
        if request.method == "GET" else None)
    done = save_form(form, lambda: set_translations(get_session(), study, language,
                                                    {s.id: form[f"t_{s.id}"].data for s in study.statements}),
                     lambda changed: _("%(n)s translations saved.", n=changed), _list_url(study))
    return done or (render_template("studio/statements_translate.html", study=study, form=form, language=language,
                                    locked=has_responses(get_session(), study)), page_status())


@bp.post("/<int:study_id>/statements/<int:statement_id>/delete")
def statement_delete(study_id: int, statement_id: int):
    study = load_study(study_id)
    statement = _statement(study, statement_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    code = statement.code
    try:
        delete_statement(get_session(), study, statement)
    except StudyError as error:
        refuse(None, error)
        return _statements_page(study, code=400)
    saved(_("Statement %(code)s deleted.", code=code))
    return redirect(_list_url(study))


@bp.post("/<int:study_id>/statements/<int:statement_id>/move")
def statement_move(study_id: int, statement_id: int):
    study = load_study(study_id)
    statement = _statement(study, statement_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        move_statement(get_session(), study, statement, request.form.get("direction", ""))
    except StudyError as error:
        refuse(None, error)
    else:
        get_session().commit()
    return redirect(_list_url(study) + f"#statement-{statement.id}")
