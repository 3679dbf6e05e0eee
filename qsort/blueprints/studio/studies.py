"""Studio views of a study as a whole: the list of studies, a new study, the overview, the lifecycle, the
preview, copying, texts and labels, settings, sharing and deleting.

The rules live in ``qsort.studies``; a view here reads its form, calls one function there and commits
(``save_form``), or on a ``StudyError`` shows the message beside the field it names (status 400, nothing saved).
"""
from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import StringField, TextAreaField

from ... import flow, studies
from ...db import get_session
from ...models import Participant, Study
from .blueprint import (bp, form_errors, is_owner, load_study, owner_only, page_status, refuse, save_form, saved,
                        visible_studies_query)
from .forms import (BasicsForm, ConfirmForm, DeleteForm, SettingsForm, ShareForm, label_titles, per_language_form,
                    text_titles)


# -- list, new, overview ---------------------------------------------------------------------------------------

@bp.get("/")
def index():
    db = get_session()
    rows = db.scalars(visible_studies_query().order_by(Study.created_at.desc())).all()
    counts = studies.study_counts(db, [study.id for study in rows])
    return render_template("studio/index.html", studies=rows, counts=counts)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = BasicsForm()
    if request.method == "GET":
        form.languages.data = ["en"]
        form.default_language.data = "en"
    done = save_form(form, lambda: studies.create_study(get_session(), g.user, form.title.data, form.languages.data,
                                                        form.default_language.data),
                     _("Study created. Next: add the statements."),
                     lambda study: url_for("studio.statements", study_id=study.id))
    return done or (render_template("studio/new.html", form=form), page_status())


@bp.get("/<int:study_id>")
def study(study_id: int):
    study = load_study(study_id)
    db = get_session()
    return render_template(
        "studio/study.html", study=study, counts=studies.study_counts(db, [study.id])[study.id],
        problems=studies.readiness_problems(study), grid_problems=studies.grid_problems(study),
        locked=studies.has_responses(db, study), form=ConfirmForm(),
        preview=db.scalar(select(Participant).where(Participant.study_id == study.id,
                                                    Participant.source == flow.PREVIEW)),
    )


@bp.post("/<int:study_id>/status")
def set_status(study_id: int):
    study = load_study(study_id)
    form = ConfirmForm()
    status = request.form.get("status", "")
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(url_for("studio.study", study_id=study.id)), 400
    try:
        studies.set_status(study, status)
    except studies.StudyError as error:
        refuse(None, error)
        return redirect(url_for("studio.study", study_id=study.id))
    messages = {"open": _("The study is open: participants can respond."),
                "closed": _("The study is closed: no new responses are accepted.")}
    saved(messages.get(status))
    return redirect(url_for("studio.study", study_id=study.id))


@bp.post("/<int:study_id>/preview")
def preview(study_id: int):
    """Open the participant flow as a participant sees it (a preview participant, left out of data)."""
    study = load_study(study_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    participant = studies.preview_participant(get_session(), study)
    get_session().commit()
    return redirect(f"{request.script_root}/s/{participant.token}")


@bp.post("/<int:study_id>/preview/reset")
def preview_reset(study_id: int):
    study = load_study(study_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    studies.reset_preview(get_session(), study)
    saved(_("The preview starts afresh next time."))
    return redirect(url_for("studio.study", study_id=study.id))


@bp.post("/<int:study_id>/copy")
def copy(study_id: int):
    study = load_study(study_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    copied = studies.copy_study(get_session(), study, g.user)
    saved(_("This is an editable copy of \"%(title)s\".", title=study.title))
    return redirect(url_for("studio.study", study_id=copied.id))


# -- texts and settings ----------------------------------------------------------------------------------------

def texts_form(study: Study):
    fields = {name: (title, 300, StringField) if name == "title" else (title, 10000, TextAreaField)
              for name, title in text_titles().items()}
    fields.update({f"label_{name}": (title, 200, StringField) for name, title in label_titles().items()})
    form = per_language_form(study, fields=fields)()
    if request.method == "GET":
        for name in studies.TEXT_NAMES:
            for language in study.languages:
                form[f"{name}_{language}"].data = (study.texts or {}).get(name, {}).get(language, "")
        for name in flow.LABEL_NAMES:
            for language in study.languages:
                form[f"label_{name}_{language}"].data = (study.labels or {}).get(name, {}).get(language, "")
    return form


@bp.route("/<int:study_id>/texts", methods=["GET", "POST"])
def texts(study_id: int):
    study = load_study(study_id)
    form = texts_form(study)

    def change() -> None:
        texts_data = {name: {lang: form[f"{name}_{lang}"].data for lang in study.languages}
                      for name in studies.TEXT_NAMES}
        labels_data = {name: {lang: form[f"label_{name}_{lang}"].data for lang in study.languages}
                       for name in flow.LABEL_NAMES}
        studies.set_texts(study, texts_data, labels_data)

    done = save_form(form, change, None, url_for("studio.texts", study_id=study.id))
    return done or (render_template("studio/texts.html", study=study, form=form, text_titles=text_titles(),
                                    label_titles=label_titles(), label_defaults=flow.default_labels()),
                    page_status())


@bp.route("/<int:study_id>/settings", methods=["GET", "POST"])
def settings(study_id: int):
    study = load_study(study_id)
    form = SettingsForm(obj=study if request.method == "GET" else None)
    if request.method == "GET":
        form.would_pay_excluded.data = ", ".join(study.would_pay_excluded_tags or [])

    def change() -> None:
        studies.set_basics(study, form.title.data, form.languages.data, form.default_language.data)
        studies.set_settings(study, extreme_comments=form.extreme_comments.data,
                             ask_would_pay=form.ask_would_pay.data, redirect_url=form.redirect_url.data,
                             would_pay_excluded=form.would_pay_excluded.data,
                             show_statement_numbers=form.show_statement_numbers.data)

    done = save_form(form, change, None, url_for("studio.settings", study_id=study.id))
    return done or (render_template("studio/settings.html", study=study, form=form,
                                    is_owner=study.owner_id == g.user.id), page_status())


# -- sharing, deleting -----------------------------------------------------------------------------------------

@bp.route("/<int:study_id>/share", methods=["GET", "POST"])
def share(study_id: int):
    study = load_study(study_id)
    form = ShareForm()
    if request.method == "POST":
        owner_only(study)
    done = save_form(form, lambda: studies.share_with(get_session(), study, form.email.data),
                     lambda added: _("Shared with %(email)s.", email=added.user.email),
                     url_for("studio.share", study_id=study.id))
    return done or (render_template("studio/share.html", study=study, form=form,
                                    remove_form=ConfirmForm(formdata=None), is_owner=is_owner(study)),
                    page_status())


@bp.post("/<int:study_id>/share/<int:share_id>/remove")
def share_remove(study_id: int, share_id: int):
    study = load_study(study_id)
    owner_only(study)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        studies.unshare(study, share_id)
    except studies.StudyError:
        abort(404)
    saved(_("No longer shared."))
    return redirect(url_for("studio.share", study_id=study.id))


@bp.route("/<int:study_id>/delete", methods=["GET", "POST"])
def delete(study_id: int):
    study = load_study(study_id)
    owner_only(study)
    form = DeleteForm()
    title = study.title
    done = save_form(form, lambda: studies.delete_study(get_session(), study, form.confirm_title.data),
                     _("The study \"%(title)s\" was deleted.", title=title), url_for("studio.index"))
    counts = None if done else studies.study_counts(get_session(), [study.id])[study.id]
    return done or (render_template("studio/delete.html", study=study, form=form, counts=counts), page_status())
