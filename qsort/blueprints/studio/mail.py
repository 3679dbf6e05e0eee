"""Studio views: e-mail invitations and reminders (write and preview the texts, send, see what was sent).

The rules are in qsort/mail.py; these views only read forms, call them and show the result. Sending queues
rows and answers at once: a thread started after the request and/or cron's ``qsort send-mail`` send them.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import AnyOf, Length

from ... import invites, mail, progress
from ...db import get_session
from ...models import MAIL_STATUSES
from ...respond_forms import choices
from ...studies import StudyError
from .blueprint import bp, form_errors, load_study, refuse
from .participants import status_labels


class MailTextForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[Length(max=mail.MAX_SUBJECT)])
    body = TextAreaField(_l("Text"), validators=[Length(max=mail.MAX_BODY)])
    preview_for = HiddenField()  # the participant the preview is rendered for (their id)


class SendForm(FlaskForm):
    kind = RadioField(_l("Mail"), choices=choices([(kind, kind) for kind in mail.KINDS]), default="invite",
                      validators=[AnyOf(mail.KINDS)])
    audience = RadioField(_l("Send to"), choices=choices([(a, a) for a in mail.AUDIENCES]), default="selected",
                          validators=[AnyOf(mail.AUDIENCES)])
    participants = SelectMultipleField(_l("Participants"), coerce=int, validate_choice=True)
    batch = HiddenField(validators=[Length(min=16, max=64)])


def audience_labels() -> dict[str, str]:
    return {"selected": _("The participants ticked below"), "not_started": _("Everyone who has not started"),
            "not_finished": _("Everyone who has not finished")}


def _chosen(name: str, allowed, default):
    value = request.args.get(name) or default
    return value if value in allowed else abort(400)


def _page(study, *, kind: str, language: str, form: MailTextForm | None = None, send_form: SendForm | None = None,
          preview_texts: tuple[str, str] | None = None, code: int = 200):
    session = get_session()
    people = mail.study_participants(session, study)
    subject, body, own = mail.mail_text(session, study, kind, language)
    if form is None:
        form = MailTextForm(data={"subject": subject, "body": body})
    if send_form is None:
        send_form = SendForm(data={"batch": mail.new_batch_id(), "kind": kind})
    preview_id = form.preview_for.data or request.args.get("participant")
    person = next((p for p in people if str(p.id) == str(preview_id)), None) or (people[0] if people else None)
    return render_template(
        "studio/mail.html", study=study, kind=kind, language=language, own=own, form=form, send_form=send_form,
        people=people, person=person, preview=_preview(study, kind, language, person, preview_texts or (
            form.subject.data or "", form.body.data or "")),
        statuses={p.id: progress.status_of(p) for p in people}, status_labels=status_labels(),
        last_mails=mail.last_mails(session, study), mail_status_labels=mail.status_labels(),
        audience_labels=audience_labels(), kinds={k: mail.kind_label(k) for k in mail.KINDS},
        audience_counts={a: len(mail.audience(people, a, set())) for a in ("not_started", "not_finished")},
        missing_settings=mail.missing_settings(current_app.config),
        public_url_set=bool(current_app.config.get("PUBLIC_URL")), base_url=invites.public_base_url(),
        placeholders=mail.PLACEHOLDERS, batches=mail.recent_batches(session, study),
    ), code


def _preview(study, kind, language, person, texts: tuple[str, str]) -> dict | None:
    """The edited text (saved or not) rendered for ``person`` in the editor's language; None if it is invalid."""
    subject, body = texts
    try:
        mail.check_text(subject, body, language)
    except StudyError:
        return None
    name = person.name if person else _("Jane Example")
    link = invites.invite_link(person) if person else invites.public_base_url() + "/s/EXAMPLE"
    subject, body = mail.render(subject, body, name=name, link=link, study_title=study.participant_title(language),
                                language=language)
    return {"to": f"{mail.one_line(name)} <{person.email}>" if person and person.email else mail.one_line(name),
            "subject": subject, "body": body,
            "own_language": mail.mail_language(person, study) if person else language}


@bp.route("/<int:study_id>/mail", methods=["GET", "POST"])
def mail_texts(study_id: int):
    """The mail page: one text (kind x language) in the editor with its preview, and the send form."""
    study = load_study(study_id)
    kind = _chosen("kind", mail.KINDS, "invite")
    language = _chosen("language", study.languages or [study.default_language], study.default_language)
    if request.method == "GET":
        return _page(study, kind=kind, language=language)
    form = MailTextForm()
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in ("save", "preview", "reset"):
        form_errors(form)
        return _page(study, kind=kind, language=language, form=form, code=400)
    here = url_for("studio.mail_texts", study_id=study.id, kind=kind, language=language,
                   participant=form.preview_for.data or None)
    if action == "reset":
        mail.reset_text(get_session(), study, kind, language)
        get_session().commit()
        flash(_("The standard text is used again."), "ok")
        return redirect(here)
    try:
        texts = (form.subject.data or "", form.body.data or "")
        if action == "preview":
            mail.check_text(*texts, language)
            return _page(study, kind=kind, language=language, form=form, preview_texts=texts)
        mail.save_text(get_session(), study, kind, language, *texts)
    except StudyError as error:
        refuse(form, error)
        return _page(study, kind=kind, language=language, form=form, code=400)
    get_session().commit()
    flash(_("Saved."), "ok")
    return redirect(here)


@bp.post("/<int:study_id>/mail/send")
def mail_send(study_id: int):
    """Queue the mails and answer at once; the sender thread (and cron) sends them at the set rate."""
    study = load_study(study_id)
    session = get_session()
    people = mail.study_participants(session, study)
    form = SendForm()
    form.participants.choices = choices([(p.id, p.label) for p in people])
    kind = form.kind.data if form.kind.data in mail.KINDS else "invite"
    if not form.validate_on_submit():
        if "batch" in form.errors:  # only a tampered or very old page has no proper batch id
            form.errors.pop("batch")
            flash(_("The form expired. Please try again."), "error")
        form_errors(form)
        return _page(study, kind=kind, language=study.default_language, send_form=form, code=400)
    if mail.missing_settings(current_app.config):
        flash(_("Sending is not configured, so nothing was sent."), "error")
        return _page(study, kind=kind, language=study.default_language, send_form=form, code=400)
    recipients = mail.audience(people, form.audience.data, set(form.participants.data or []))
    try:
        batch = mail.queue_batch(session, study, kind, form.batch.data, recipients, invites.public_base_url())
    except StudyError as error:
        refuse(form, error)
        if error.field == "participants":  # the send form shows no field for it: say it at the top too
            flash(error.message, "error")
        return _page(study, kind=kind, language=study.default_language, send_form=form, code=400)
    if batch.repeated:
        flash(_("This form was already sent: nothing was queued again."), "ok")
    else:
        flash(_("%(n)d mails queued, %(skipped)d participants skipped.", n=len(batch.queued),
                skipped=len(batch.skipped)), "ok")
        mail.start_sender_thread(current_app._get_current_object())
    return redirect(url_for("studio.mail_batch", study_id=study.id, batch=batch.batch))


@bp.get("/<int:study_id>/mail/batches/<batch>")
def mail_batch(study_id: int, batch: str):
    """What one send did: each mail's status (queued, sent, failed with the reason) and who was skipped, why."""
    study = load_study(study_id)
    if not mail.BATCH_PATTERN.match(batch):  # a malformed id never reaches SQL (PostgreSQL refuses a NUL byte)
        abort(404)
    result = mail.batch_rows(get_session(), study, batch)
    if not result.queued and not result.skipped:
        abort(404)
    counts = {status: 0 for status in MAIL_STATUSES}
    for row in result.queued + result.skipped:
        counts[row.status] = counts.get(row.status, 0) + 1
    return render_template("studio/mail_batch.html", study=study, batch=result, counts=counts,
                           kinds={k: mail.kind_label(k) for k in mail.KINDS}, mail_status_labels=mail.status_labels(),
                           configured=not mail.missing_settings(current_app.config))
