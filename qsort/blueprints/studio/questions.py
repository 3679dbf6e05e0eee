"""Studio views of a study's questions, asked before or after the sort: the list (which adds one), editing,
ordering and deleting.

The rules live in ``qsort.questions``; a view here reads its form, calls one function there and commits, or
shows the refusal beside its field (status 400, nothing saved).
"""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...db import get_session
from ...models import Question, Study
from ...questions import LIKERT_POINTS, delete_question, likert_lines, move_question, question_has_answers, set_question
from ...studies import StudyError
from .blueprint import bp, load_study, page_status, refuse, save_form, saved
from .forms import ConfirmForm, kind_labels, question_form_class


def _question(study: Study, question_id: int) -> Question:
    question = get_session().get(Question, question_id)
    if question is None or question.study_id != study.id:
        abort(404)
    return question


def _save_question(study: Study, question: Question | None, form) -> Question:
    languages = study.languages
    return set_question(
        study, question, phase=form.phase.data, kind=form.kind.data,
        prompts={lang: form[f"prompt_{lang}"].data or "" for lang in languages},
        options={lang: form[f"options_{lang}"].data or "" for lang in languages},
        required=form.required.data, settings={"min": form.min.data, "max": form.max.data,
                                               "points": form.points.data},
        answered=question is not None and question_has_answers(get_session(), question),
    )


def _fill(form, study: Study, question: Question) -> None:
    """Show the stored question in the form (what a save of the unchanged form stores again)."""
    settings = question.settings or {}
    form.phase.data, form.kind.data, form.required.data = question.phase, question.kind, question.required
    form.min.data = str(settings.get("min", ""))
    form.max.data = str(settings.get("max", ""))
    form.points.data = str(settings.get("points", LIKERT_POINTS))
    for language in study.languages:
        form[f"prompt_{language}"].data = (question.prompt or {}).get(language, "")
        if question.kind == "likert":
            labels = likert_lines(settings, language)
        else:
            labels = [option["label"].get(language, "") for option in question.options or []]
        form[f"options_{language}"].data = "\n".join(labels) if any(labels) else ""


@bp.route("/<int:study_id>/questions", methods=["GET", "POST"])
def questions(study_id: int):
    study = load_study(study_id)
    form = question_form_class(study)(formdata=None if request.method == "GET" else request.form)
    done = save_form(form, lambda: _save_question(study, None, form), _("Question added."),
                     url_for("studio.questions", study_id=study.id))
    return done or (render_template("studio/questions.html", study=study, form=form, kind_labels=kind_labels(),
                                    small_form=ConfirmForm(formdata=None)), page_status())


@bp.route("/<int:study_id>/questions/<int:question_id>", methods=["GET", "POST"])
def question_edit(study_id: int, question_id: int):
    study = load_study(study_id)
    question = _question(study, question_id)
    form = question_form_class(study)(formdata=None if request.method == "GET" else request.form)
    if request.method == "GET":
        _fill(form, study, question)
    done = save_form(form, lambda: _save_question(study, question, form), _("Question saved."),
                     url_for("studio.questions", study_id=study.id))
    return done or (render_template("studio/question_edit.html", study=study, question=question, form=form,
                                    kind_labels=kind_labels(), small_form=ConfirmForm(formdata=None)),
                    page_status())


@bp.post("/<int:study_id>/questions/<int:question_id>/delete")
def question_delete(study_id: int, question_id: int):
    study = load_study(study_id)
    question = _question(study, question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        delete_question(get_session(), study, question)
    except StudyError as error:
        refuse(None, error)
    else:
        saved(_("Question deleted."))
    return redirect(url_for("studio.questions", study_id=study.id))


@bp.post("/<int:study_id>/questions/<int:question_id>/move")
def question_move(study_id: int, question_id: int):
    study = load_study(study_id)
    question = _question(study, question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    move_question(study, question, request.form.get("direction", ""))
    get_session().commit()
    return redirect(url_for("studio.questions", study_id=study.id))
