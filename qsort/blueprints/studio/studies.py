"""Studio views: the study list, the study builder (texts, statements, grid, questions, settings), the preview,
the lifecycle, copying, sharing and deleting.

The rules live in ``qsort.studies``; a view here reads its form, calls one function there, commits, and on a
``StudyError`` shows the message beside the field it names (status 400, nothing saved).
"""
from __future__ import annotations

import re

from flask import Response, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import (BooleanField, EmailField, IntegerField, RadioField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ... import studies
from ...db import get_session
from ...models import COMMENT_MODES, Question, Statement, Study
from ...respond_forms import choices
from ..auth import login_required
from . import bp, load_study, visible_studies_query

RESEARCHERS = ("researcher", "admin")
guard = login_required(roles=RESEARCHERS)

# Which tab a studio endpoint belongs to (the participants and data modules own theirs by module name).
TAB_OF_ENDPOINT = {
    "studio.texts": "studio.texts",
    "studio.statements": "studio.statements", "studio.statement_edit": "studio.statements",
    "studio.statements_translate": "studio.statements", "studio.statements_download": "studio.statements",
    "studio.grid": "studio.grid",
    "studio.questions": "studio.questions", "studio.question_edit": "studio.questions",
    "studio.settings": "studio.settings",
}


@bp.context_processor
def studio_context() -> dict:
    endpoint = request.endpoint or ""
    tab = TAB_OF_ENDPOINT.get(endpoint, "studio.study")
    view = current_app.view_functions.get(endpoint)
    module = getattr(view, "__module__", "") if view else ""
    if module.endswith(".participants"):
        tab = "studio.participants"
    elif module.endswith(".data"):
        tab = "studio.data"
    return {"studio_tab": tab, "status_label": status_label, "language_name": language_name}


def status_label(status: str) -> str:
    return {"draft": _("Draft"), "open": _("Open"), "closed": _("Closed")}.get(status, status)


def language_name(code: str) -> str:
    return current_app.config["LANGUAGES"].get(code, code)


def text_titles() -> dict[str, str]:
    return {
        "welcome": _("Welcome"), "consent": _("Consent"), "instruction": _("Instruction (condition of instruction)"),
        "presort_instruction": _("Pre-sort instruction"), "sort_instruction": _("Sorting instruction"),
        "postsort_instruction": _("Comment instruction"), "thank_you": _("Thank you"),
        "declined": _("When someone declines to take part"),
    }


def label_titles() -> dict[str, str]:
    return {"most": _("Most important end of the grid"), "least": _("Least important end of the grid"),
            "agree": _("Pile: more important"), "neutral": _("Pile: neutral"),
            "disagree": _("Pile: less important")}


def label_defaults() -> dict[str, str]:
    """What participants see when a label is left empty (the respond pages' own wording)."""
    return {"most": _("Most important"), "least": _("Least important"), "agree": _("More important"),
            "neutral": _("Neutral"), "disagree": _("Less important")}


def kind_labels() -> dict[str, str]:
    return {"text": _("Free text"), "single": _("One choice"), "multiple": _("Several choices"),
            "number": _("Number"), "likert": _("Likert scale")}


def comment_labels() -> dict[str, str]:
    return {"off": _("Off"), "optional": _("Optional"), "required": _("Required")}


def _refuse(form: FlaskForm | None, error: studies.StudyError):
    """Put the error beside its field when the form has one, else flash it."""
    get_session().rollback()
    field = form._fields.get(error.field) if form is not None and error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


def _form_errors(form: FlaskForm) -> None:
    """A form that failed validation: name the fields in a flash message too (the page shows them inline)."""
    names = [str(getattr(form, name).label.text) for name in form.errors if name != "csrf_token"]
    if "csrf_token" in form.errors:
        flash(_("The form expired. Please try again."), "error")
    elif names:
        flash(_("Please correct: %(fields)s.", fields=", ".join(names)), "error")


def _saved(message: str | None = None) -> None:
    get_session().commit()
    flash(message or _("Saved."), "ok")


# --------------------------------------------------------------------------------------------- forms

class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def language_choices():
    return choices([(code, name) for code, name in current_app.config["LANGUAGES"].items()
                    if code in studies.LANGUAGES])


class BasicsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    languages = MultiCheckboxField(_l("Languages"))
    default_language = SelectField(_l("Default language"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages.choices = language_choices()
        self.default_language.choices = language_choices()


class SettingsForm(BasicsForm):
    extreme_comments = RadioField(_l("Comments on the cards at both extremes"),
                                  choices=choices(list(zip(COMMENT_MODES, COMMENT_MODES))))
    ask_would_pay = BooleanField(_l("Ask \"Would you pay more for this?\" about the most important cards"))
    redirect_url = StringField(_l("Send participants to this address when they finish (optional)"),
                               validators=[Optional(), Length(max=1000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extreme_comments.choices = choices(list(comment_labels().items()))


class ConfirmForm(FlaskForm):
    """A form of just a CSRF token (a button)."""


def per_language_form(study: Study, base: type = FlaskForm, fields: dict | None = None) -> type:
    """A form class with a field ``<name>_<language>`` per study language for each
    ``name: (label, max_length, field_class)`` in ``fields``."""
    attributes = {}
    for name, (label, max_length, field_class) in (fields or {}).items():
        for language in study.languages:
            attributes[f"{name}_{language}"] = field_class(f"{label} ({language})",
                                                           validators=[Optional(), Length(max=max_length)])
    return type("PerLanguageForm", (base,), attributes)


class StatementForm(FlaskForm):
    text = TextAreaField(_l("Statement"), validators=[DataRequired(), Length(max=2000)])
    code = StringField(_l("Code"), validators=[Optional(), Length(max=40)])
    tags = MultiCheckboxField(_l("Archetype"), choices=[], validate_choice=False)
    other_tags = StringField(_l("Other tags (comma separated)"), validators=[Optional(), Length(max=300)])

    def all_tags(self) -> list[str]:
        return studies.parse_tags(list(self.tags.data or []) + studies.SPLIT_TAGS.split(self.other_tags.data or ""))


def statement_form_class(study: Study) -> type:
    """StatementForm plus a ``text_<language>`` translation field per non-default study language."""
    attributes = {f"text_{language}": TextAreaField(language_name(language),
                                                    validators=[Optional(), Length(max=2000)])
                  for language in study.languages if language != study.default_language}
    return type("StudyStatementForm", (StatementForm,), attributes)


class BulkForm(FlaskForm):
    bulk = TextAreaField(_l("Statements, one per line"), validators=[DataRequired()])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class GridForm(FlaskForm):
    min_score = IntegerField(_l("Lowest score"), validators=[InputRequired(message=_l("Give the lowest score."))])
    max_score = IntegerField(_l("Highest score"), validators=[InputRequired(message=_l("Give the highest score."))])
    free_distribution = BooleanField(_l("Free distribution: participants may put any number of cards in a column"))


class ShareForm(FlaskForm):
    email = EmailField(_l("Colleague's email"), validators=[DataRequired(), Length(max=254)])


class DeleteForm(FlaskForm):
    confirm_title = StringField(_l("Type the study's title to confirm"), validators=[DataRequired()])


def question_form_class(study: Study) -> type:
    attributes = {
        "phase": RadioField(_l("When"), choices=choices([("pre", _("Before the sort")), ("post", _("After the sort"))]),
                            default="post"),
        "kind": SelectField(_l("Type"), choices=choices(list(kind_labels().items())), default="text"),
        "required": BooleanField(_l("An answer is required")),
        "min": StringField(_l("Smallest number"), validators=[Optional(), Length(max=12)]),
        "max": StringField(_l("Largest number"), validators=[Optional(), Length(max=12)]),
        "points": StringField(_l("Points on the scale"), validators=[Optional(), Length(max=3)], default="5"),
    }
    for language in study.languages:
        attributes[f"prompt_{language}"] = TextAreaField(f"{_('Question')} ({language})",
                                                         validators=[Optional(), Length(max=1000)])
        attributes[f"options_{language}"] = TextAreaField(f"{_('Options, one per line')} ({language})",
                                                          validators=[Optional(), Length(max=5000)])
    return type("QuestionForm", (FlaskForm,), attributes)


# --------------------------------------------------------------------------------------------- list, new, overview

@bp.get("/")
@guard
def index():
    db = get_session()
    rows = db.scalars(visible_studies_query().order_by(Study.created_at.desc())).all()
    counts = studies.study_counts(db, [study.id for study in rows])
    return render_template("studio/index.html", studies=rows, counts=counts)


@bp.route("/new", methods=["GET", "POST"])
@guard
def new():
    form = BasicsForm()
    if request.method == "GET":
        form.languages.data = ["en"]
        form.default_language.data = "en"
    if form.validate_on_submit():
        try:
            study = studies.create_study(get_session(), g.user, form.title.data, form.languages.data,
                                         form.default_language.data)
        except studies.StudyError as error:
            _refuse(form, error)
        else:
            _saved(_("Study created. Next: add the statements."))
            return redirect(url_for("studio.statements", study_id=study.id))
    elif request.method == "POST":
        _form_errors(form)
    return render_template("studio/new.html", form=form), 400 if request.method == "POST" else 200


@bp.get("/<int:study_id>")
@guard
def study(study_id: int):
    study = load_study(study_id)
    db = get_session()
    return render_template(
        "studio/study.html", study=study, counts=studies.study_counts(db, [study.id])[study.id],
        problems=studies.readiness_problems(study), grid_problems=studies.grid_problems(study),
        locked=studies.has_responses(db, study), form=ConfirmForm(),
        preview=db.scalar(select(studies.Participant).where(studies.Participant.study_id == study.id,
                                                            studies.Participant.source == studies.PREVIEW_SOURCE)),
    )


@bp.post("/<int:study_id>/status")
@guard
def set_status(study_id: int):
    study = load_study(study_id)
    form = ConfirmForm()
    status = request.form.get("status", "")
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("studio.study", study_id=study.id)), 400
    try:
        studies.set_status(study, status)
    except studies.StudyError as error:
        _refuse(None, error)
        return redirect(url_for("studio.study", study_id=study.id))
    messages = {"open": _("The study is open: participants can respond."),
                "closed": _("The study is closed: no new responses are accepted.")}
    _saved(messages.get(status))
    return redirect(url_for("studio.study", study_id=study.id))


@bp.post("/<int:study_id>/preview")
@guard
def preview(study_id: int):
    """Open the participant flow as a participant sees it (a preview participant, left out of data)."""
    study = load_study(study_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    participant = studies.preview_participant(get_session(), study)
    get_session().commit()
    return redirect(f"{request.script_root}/s/{participant.token}")


@bp.post("/<int:study_id>/preview/reset")
@guard
def preview_reset(study_id: int):
    study = load_study(study_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    studies.reset_preview(get_session(), study)
    _saved(_("The preview starts afresh next time."))
    return redirect(url_for("studio.study", study_id=study.id))


@bp.post("/<int:study_id>/copy")
@guard
def copy(study_id: int):
    study = load_study(study_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    copied = studies.copy_study(get_session(), study, g.user)
    _saved(_("This is an editable copy of \"%(title)s\".", title=study.title))
    return redirect(url_for("studio.study", study_id=copied.id))


# --------------------------------------------------------------------------------------------- texts and settings

def texts_form(study: Study):
    fields = {name: (title, 10000, TextAreaField) for name, title in text_titles().items()}
    fields.update({f"label_{name}": (title, 200, StringField) for name, title in label_titles().items()})
    form = per_language_form(study, fields=fields)()
    if request.method == "GET":
        for name in studies.TEXT_NAMES:
            for language in study.languages:
                form[f"{name}_{language}"].data = (study.texts or {}).get(name, {}).get(language, "")
        for name in studies.LABEL_NAMES:
            for language in study.languages:
                form[f"label_{name}_{language}"].data = (study.labels or {}).get(name, {}).get(language, "")
    return form


@bp.route("/<int:study_id>/texts", methods=["GET", "POST"])
@guard
def texts(study_id: int):
    study = load_study(study_id)
    form = texts_form(study)
    if form.validate_on_submit():
        texts_data = {name: {lang: form[f"{name}_{lang}"].data for lang in study.languages}
                      for name in studies.TEXT_NAMES}
        labels_data = {name: {lang: form[f"label_{name}_{lang}"].data for lang in study.languages}
                       for name in studies.LABEL_NAMES}
        studies.set_texts(study, texts_data, labels_data)
        _saved()
        return redirect(url_for("studio.texts", study_id=study.id))
    if request.method == "POST":
        _form_errors(form)
    return render_template("studio/texts.html", study=study, form=form, text_titles=text_titles(),
                           label_titles=label_titles(), label_defaults=label_defaults()
                           ), 400 if request.method == "POST" else 200


@bp.route("/<int:study_id>/settings", methods=["GET", "POST"])
@guard
def settings(study_id: int):
    study = load_study(study_id)
    form = SettingsForm(obj=study if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            studies.set_basics(study, form.title.data, form.languages.data, form.default_language.data)
            studies.set_settings(study, extreme_comments=form.extreme_comments.data,
                                 ask_would_pay=form.ask_would_pay.data, redirect_url=form.redirect_url.data)
        except studies.StudyError as error:
            _refuse(form, error)
        else:
            _saved()
            return redirect(url_for("studio.settings", study_id=study.id))
    elif request.method == "POST":
        _form_errors(form)
    return render_template("studio/settings.html", study=study, form=form,
                           is_owner=study.owner_id == g.user.id), 400 if request.method == "POST" else 200


# --------------------------------------------------------------------------------------------- statements

def _statement(study: Study, statement_id: int) -> Statement:
    statement = get_session().get(Statement, statement_id)
    if statement is None or statement.study_id != study.id:
        abort(404)
    return statement


def _statements_page(study: Study, *, add_form=None, bulk_form=None, import_form=None, code=200):
    db = get_session()
    return render_template(
        "studio/statements.html", study=study, locked=studies.has_responses(db, study),
        open_lock=study.status == "open",
        add_form=add_form or statement_form_class(study)(formdata=None), bulk_form=bulk_form or BulkForm(formdata=None),
        import_form=import_form or ImportForm(formdata=None), suggested_tags=studies.SUGGESTED_TAGS,
        other_languages=[lang for lang in study.languages if lang != study.default_language],
        move_form=ConfirmForm(formdata=None), grid_problems=studies.grid_problems(study),
        tag_counts=studies.tag_counts(study),
    ), code


def _translations(form, study: Study) -> dict[str, str]:
    return {lang: form[f"text_{lang}"].data or "" for lang in study.languages if lang != study.default_language}


@bp.route("/<int:study_id>/statements", methods=["GET", "POST"])
@guard
def statements(study_id: int):
    """The list of statements; POST adds one."""
    study = load_study(study_id)
    if request.method == "GET":
        return _statements_page(study)
    form = statement_form_class(study)()
    if form.validate_on_submit():
        try:
            statement = studies.add_statement(get_session(), study, form.text.data, form.code.data, form.all_tags(),
                                              _translations(form, study))
        except studies.StudyError as error:
            _refuse(form, error)
        else:
            _saved(_("Statement %(code)s added.", code=statement.code))
            return redirect(url_for("studio.statements", study_id=study.id) + "#add")
    else:
        _form_errors(form)
    return _statements_page(study, add_form=form, code=400)


@bp.post("/<int:study_id>/statements/bulk")
@guard
def statements_bulk(study_id: int):
    study = load_study(study_id)
    form = BulkForm()
    if form.validate_on_submit():
        try:
            added = studies.add_bulk(get_session(), study, form.bulk.data)
        except studies.StudyError as error:
            _refuse(form, error)
        else:
            _saved(_("%(n)s statements added.", n=len(added)))
            return redirect(url_for("studio.statements", study_id=study.id))
    else:
        _form_errors(form)
    return _statements_page(study, bulk_form=form, code=400)


@bp.post("/<int:study_id>/statements/import")
@guard
def statements_import(study_id: int):
    study = load_study(study_id)
    form = ImportForm()
    if form.validate_on_submit():
        try:
            added = studies.import_csv(get_session(), study, form.file.data.read())
        except studies.StudyError as error:
            _refuse(form, error)
        else:
            _saved(_("%(n)s statements imported.", n=len(added)))
            return redirect(url_for("studio.statements", study_id=study.id))
    else:
        _form_errors(form)
    return _statements_page(study, import_form=form, code=400)


@bp.get("/<int:study_id>/statements.csv")
@guard
def statements_download(study_id: int):
    """The statements as a CSV that the import reads back (UTF-8 with a BOM, so Excel shows the accents)."""
    study = load_study(study_id)
    filename = re.sub(r"[^A-Za-z0-9._-]+", "-", study.title).strip("-")[:60] or "study"
    return Response("\ufeff" + studies.statements_csv(study), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}-statements.csv"'})


@bp.post("/<int:study_id>/statements/reorder")
@guard
def statements_reorder(study_id: int):
    """JSON: {"order": [statement ids]} from the drag-and-drop list (header X-CSRFToken)."""
    study = load_study(study_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify({"ok": False, "error": _("Send a JSON object."), "field": "order"}), 400
    try:
        studies.reorder_statements(get_session(), study, payload.get("order"))
    except studies.StudyLocked as error:
        get_session().rollback()
        return jsonify({"ok": False, "error": error.message, "field": error.field}), 409
    except studies.StudyError as error:
        get_session().rollback()
        return jsonify({"ok": False, "error": error.message, "field": error.field}), 400
    get_session().commit()
    return jsonify({"ok": True, "order": [s.id for s in study.statements]})


@bp.route("/<int:study_id>/statements/<int:statement_id>", methods=["GET", "POST"])
@guard
def statement_edit(study_id: int, statement_id: int):
    study = load_study(study_id)
    statement = _statement(study, statement_id)
    form = statement_form_class(study)()
    if request.method == "GET":
        form.text.data, form.code.data = statement.text, statement.code
        form.tags.data = [t for t in statement.tags or [] if t in studies.SUGGESTED_TAGS]
        form.other_tags.data = ", ".join(t for t in statement.tags or [] if t not in studies.SUGGESTED_TAGS)
        for language in study.languages:
            if language != study.default_language:
                form[f"text_{language}"].data = (statement.translations or {}).get(language, "")
    elif form.validate_on_submit():
        try:
            studies.update_statement(get_session(), study, statement, text=form.text.data, code=form.code.data,
                                     tags=form.all_tags(), translations=_translations(form, study))
        except studies.StudyError as error:
            _refuse(form, error)
        else:
            _saved(_("Statement %(code)s saved.", code=statement.code))
            return redirect(url_for("studio.statements", study_id=study.id))
    else:
        _form_errors(form)
    return render_template("studio/statement_edit.html", study=study, statement=statement, form=form,
                           locked=studies.has_responses(get_session(), study), open_lock=study.status == "open",
                           suggested_tags=studies.SUGGESTED_TAGS, delete_form=ConfirmForm(formdata=None),
                           other_languages=[lang for lang in study.languages if lang != study.default_language]
                           ), 400 if request.method == "POST" else 200


@bp.route("/<int:study_id>/statements/translate/<language>", methods=["GET", "POST"])
@guard
def statements_translate(study_id: int, language: str):
    """All statements on one page with their translation into ``language``."""
    study = load_study(study_id)
    if language not in study.languages or language == study.default_language:
        abort(404)
    form_class = type("TranslationsForm", (FlaskForm,), {
        f"t_{statement.id}": TextAreaField(statement.code, validators=[Optional(), Length(max=2000)])
        for statement in study.statements})
    form = form_class(data={f"t_{s.id}": (s.translations or {}).get(language, "") for s in study.statements}
                      if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            texts = {s.id: form[f"t_{s.id}"].data for s in study.statements}
            try:
                changed = studies.set_translations(get_session(), study, language, texts)
            except studies.StudyError as error:
                _refuse(form, error)
            else:
                _saved(_("%(n)s translations saved.", n=changed))
                return redirect(url_for("studio.statements", study_id=study.id))
        else:
            _form_errors(form)
    return render_template("studio/statements_translate.html", study=study, form=form, language=language,
                           locked=studies.has_responses(get_session(), study)), status


@bp.post("/<int:study_id>/statements/<int:statement_id>/delete")
@guard
def statement_delete(study_id: int, statement_id: int):
    study = load_study(study_id)
    statement = _statement(study, statement_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        code = statement.code
        studies.delete_statement(get_session(), study, statement)
    except studies.StudyError as error:
        _refuse(None, error)
        return _statements_page(study, code=400)
    _saved(_("Statement %(code)s deleted.", code=code))
    return redirect(url_for("studio.statements", study_id=study.id))


@bp.post("/<int:study_id>/statements/<int:statement_id>/move")
@guard
def statement_move(study_id: int, statement_id: int):
    study = load_study(study_id)
    statement = _statement(study, statement_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        studies.move_statement(get_session(), study, statement, request.form.get("direction", ""))
    except studies.StudyError as error:
        _refuse(None, error)
    else:
        get_session().commit()
    return redirect(url_for("studio.statements", study_id=study.id) + f"#statement-{statement.id}")


# --------------------------------------------------------------------------------------------- grid

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
    """The columns to show: those just posted when they make a sensible range, else the saved ones (or -4..+4)."""
    low, high = form.min_score.data, form.max_score.data
    if isinstance(low, int) and isinstance(high, int) and -studies.MAX_SCORE <= low < high <= studies.MAX_SCORE:
        return list(range(low, high + 1))
    return list(study.grid_scores or range(-4, 5))


@bp.route("/<int:study_id>/grid", methods=["GET", "POST"])
@guard
def grid(study_id: int):
    study = load_study(study_id)
    db = get_session()
    form = GridForm(data={"min_score": (study.grid_scores or [-4])[0], "max_score": (study.grid_scores or [4])[-1],
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
                _refuse(None, error)
            else:
                _saved(_("Quasi-normal grid for %(n)s statements applied.", n=len(study.statements)))
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
                _refuse(form, error)  # min_score errors show at the field, the others as a message
            else:
                _saved(_("Grid saved."))
                return redirect(url_for("studio.grid", study_id=study.id))
            heights = dict(zip(scores, heights))
        elif action == "columns" and form.validate_on_submit():
            status = 200  # only show the new range of columns; nothing is saved
            heights = {score: _int_or(request.form.get(f"height_{score}"), 1)
                       for score in _display_scores(study, form)}
        else:
            _form_errors(form)
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


# --------------------------------------------------------------------------------------------- questions

def _question(study: Study, question_id: int) -> Question:
    question = get_session().get(Question, question_id)
    if question is None or question.study_id != study.id:
        abort(404)
    return question


def _save_question(study: Study, question: Question | None, form) -> Question:
    languages = study.languages
    return studies.set_question(
        study, question, phase=form.phase.data, kind=form.kind.data,
        prompts={lang: form[f"prompt_{lang}"].data or "" for lang in languages},
        options={lang: form[f"options_{lang}"].data or "" for lang in languages},
        required=form.required.data, settings={"min": form.min.data, "max": form.max.data,
                                               "points": form.points.data},
        answered=question is not None and studies.question_has_answers(get_session(), question),
    )


@bp.route("/<int:study_id>/questions", methods=["GET", "POST"])
@guard
def questions(study_id: int):
    study = load_study(study_id)
    form = question_form_class(study)(formdata=None if request.method == "GET" else request.form)
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                _save_question(study, None, form)
            except studies.StudyError as error:
                _refuse(form, error)
            else:
                _saved(_("Question added."))
                return redirect(url_for("studio.questions", study_id=study.id))
        else:
            _form_errors(form)
    return render_template("studio/questions.html", study=study, form=form, kind_labels=kind_labels(),
                           small_form=ConfirmForm(formdata=None)), status


@bp.route("/<int:study_id>/questions/<int:question_id>", methods=["GET", "POST"])
@guard
def question_edit(study_id: int, question_id: int):
    study = load_study(study_id)
    question = _question(study, question_id)
    form = question_form_class(study)(formdata=None if request.method == "GET" else request.form)
    status = 200
    if request.method == "GET":
        form.phase.data, form.kind.data, form.required.data = question.phase, question.kind, question.required
        form.min.data = str(question.settings.get("min", "")) if question.settings else ""
        form.max.data = str(question.settings.get("max", "")) if question.settings else ""
        form.points.data = str((question.settings or {}).get("points", 5))
        for language in study.languages:
            form[f"prompt_{language}"].data = (question.prompt or {}).get(language, "")
            if question.kind == "likert":
                labels = [label.get(language, "") for label in (question.settings or {}).get("labels", [])]
            else:
                labels = [option["label"].get(language, "") for option in question.options or []]
            form[f"options_{language}"].data = "\n".join(labels) if any(labels) else ""
    elif form.validate_on_submit():
        try:
            _save_question(study, question, form)
        except studies.StudyError as error:
            _refuse(form, error)
        else:
            _saved(_("Question saved."))
            return redirect(url_for("studio.questions", study_id=study.id))
        status = 400
    else:
        _form_errors(form)
        status = 400
    return render_template("studio/question_edit.html", study=study, question=question, form=form,
                           kind_labels=kind_labels(), small_form=ConfirmForm(formdata=None)), status


@bp.post("/<int:study_id>/questions/<int:question_id>/delete")
@guard
def question_delete(study_id: int, question_id: int):
    study = load_study(study_id)
    question = _question(study, question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        studies.delete_question(get_session(), study, question)
    except studies.StudyError as error:
        _refuse(None, error)
    else:
        _saved(_("Question deleted."))
    return redirect(url_for("studio.questions", study_id=study.id))


@bp.post("/<int:study_id>/questions/<int:question_id>/move")
@guard
def question_move(study_id: int, question_id: int):
    study = load_study(study_id)
    question = _question(study, question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    studies.move_question(study, question, request.form.get("direction", ""))
    get_session().commit()
    return redirect(url_for("studio.questions", study_id=study.id))


# --------------------------------------------------------------------------------------------- sharing, deleting

def _owner_only(study: Study) -> None:
    """Sharing and deleting are the owner's; a colleague the study is shared with gets 403."""
    if study.owner_id != g.user.id and g.user.role != "admin":
        abort(403)


@bp.route("/<int:study_id>/share", methods=["GET", "POST"])
@guard
def share(study_id: int):
    study = load_study(study_id)
    form = ShareForm()
    status = 200
    if request.method == "POST":
        _owner_only(study)
        status = 400
        if form.validate_on_submit():
            try:
                added = studies.share_with(get_session(), study, form.email.data)
            except studies.StudyError as error:
                _refuse(form, error)
            else:
                _saved(_("Shared with %(email)s.", email=added.user.email))
                return redirect(url_for("studio.share", study_id=study.id))
        else:
            _form_errors(form)
    return render_template("studio/share.html", study=study, form=form, remove_form=ConfirmForm(formdata=None),
                           is_owner=study.owner_id == g.user.id or g.user.role == "admin"), status


@bp.post("/<int:study_id>/share/<int:share_id>/remove")
@guard
def share_remove(study_id: int, share_id: int):
    study = load_study(study_id)
    _owner_only(study)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        studies.unshare(study, share_id)
    except studies.StudyError:
        abort(404)
    _saved(_("No longer shared."))
    return redirect(url_for("studio.share", study_id=study.id))


@bp.route("/<int:study_id>/delete", methods=["GET", "POST"])
@guard
def delete(study_id: int):
    study = load_study(study_id)
    _owner_only(study)
    form = DeleteForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            title = study.title
            try:
                studies.delete_study(get_session(), study, form.confirm_title.data)
            except studies.StudyError as error:
                _refuse(form, error)
            else:
                _saved(_("The study \"%(title)s\" was deleted.", title=title))
                return redirect(url_for("studio.index"))
        else:
            _form_errors(form)
    counts = studies.study_counts(get_session(), [study.id])[study.id]
    return render_template("studio/delete.html", study=study, form=form, counts=counts), status
