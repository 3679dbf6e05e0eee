"""Studio views: participants (invites one by one or from a CSV, their links, the open link, the progress
table, and one finished sort drawn as the grid)."""
from __future__ import annotations

from collections import Counter

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from ... import flow, invites, mail, progress
from ...db import get_session
from ...models import Participant
from ...questions import answer_label
from .blueprint import bp, load_study


class InviteForm(FlaskForm):
    name = StringField(validators=[Optional(), Length(max=200)])
    email = EmailField(validators=[Optional(), Length(max=254), Regexp(flow.EMAIL_PATTERN)])
    account = StringField(validators=[Optional(), Length(max=invites.MAX_FIELD)])
    crm_id = StringField(validators=[Optional(), Length(max=invites.MAX_FIELD)])
    relationship_stage = StringField(validators=[Optional(), Length(max=invites.MAX_FIELD)])
    revenue_band = StringField(validators=[Optional(), Length(max=invites.MAX_FIELD)])
    code = StringField(validators=[Optional(), Regexp(invites.CODE_PATTERN)])
    # The study's languages, filled in per study (invite_form); "" lets the participant's browser choose.
    language = SelectField(choices=[], default="")


def invite_form(study) -> InviteForm:
    """The invite form of ``study``: its language choices are the study's languages."""
    form = InviteForm()
    form.language.choices = [("", _("Browser's choice"))] + [
        (code, flow.LANGUAGES.get(code, code)) for code in (study.languages or [study.default_language])]
    return form


class InviteImportForm(FlaskForm):
    file = FileField(validators=[FileRequired()])


class OpenLinkForm(FlaskForm):
    enabled = BooleanField()


def attribute_labels() -> dict[str, str]:
    """The known attributes with their translated labels (the others show their key)."""
    return {"account": _("Customer account"), "crm_id": _("CRM id"),
            "relationship_stage": _("Relationship stage"), "revenue_band": _("Revenue band"),
            "buying_role": _("Role in the buying decision")}


def status_labels() -> dict[str, str]:
    return {"not_started": _("Not started"), "in_progress": _("In progress"),
            "completed": _("Completed"), "declined": _("Declined")}


def step_labels() -> dict[str, str]:
    return {"welcome": _("Welcome"), "pre_questions": _("Questions before"), "instructions": _("Instructions"),
            "presort": _("Pre-sort"), "grid": _("Grid"), "postsort": _("Comments"), "questions": _("Questions"),
            "done": _("Done")}


def _page(study, form=None, status=None, code=200):
    rows_all = progress.progress_rows(get_session(), study)
    rows = [row for row in rows_all if status is None or row.status == status]
    median_seconds, n_timed = progress.median_completion(rows_all)
    return render_template(
        "studio/participants.html", study=study, rows=rows, counts=progress.status_counts(rows_all),
        total=len(rows_all), status=status, form=form or invite_form(study), open_form=OpenLinkForm(),
        open_link=invites.open_link(study), base_url=invites.public_base_url(), invite_link=invites.invite_link,
        median_seconds=median_seconds, n_timed=n_timed, format_duration=progress.format_duration,
        status_labels=status_labels(), step_labels=step_labels(), attribute_labels=attribute_labels(),
        last_mails=mail.last_mails(get_session(), study), mail_status_labels=mail.status_labels(),
        kinds={kind: mail.kind_label(kind) for kind in mail.KINDS},
    ), code


@bp.get("/<int:study_id>/participants")
def participants(study_id: int):
    study = load_study(study_id)
    status = request.args.get("status") or None
    if status not in (None, *progress.STATUSES):
        abort(400)
    return _page(study, status=status)


@bp.post("/<int:study_id>/participants/invite")
def participants_invite(study_id: int):
    study = load_study(study_id)
    form = invite_form(study)
    if not form.validate_on_submit():
        flash(_("The invite was not created: check the marked fields."), "error")
        return _page(study, form=form, code=400)
    def value(name: str) -> str:
        return (getattr(form, name).data or "").strip()

    attributes = {key: value(key) for key, _label in invites.KNOWN_ATTRIBUTES}
    invitee = invites.Invitee(code=value("code"), name=value("name"), email=value("email"),
                              language=value("language"), attributes=attributes)
    try:
        [participant] = invites.create_participants(get_session(), study, [invitee])
    except invites.InviteError as error:
        form.code.errors = [problem.split(": ", 1)[-1] for problem in error.problems]
        flash(_("The invite was not created: check the marked fields."), "error")
        return _page(study, form=form, code=400)
    flash(_("Invited %(who)s. Copy the link from the table below.", who=participant.name or participant.code),
          "success")
    return redirect(url_for("studio.participants", study_id=study.id) + f"#p-{participant.id}")


@bp.route("/<int:study_id>/participants/import", methods=["GET", "POST"])
def participants_import(study_id: int):
    study = load_study(study_id)
    form = InviteImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            created = invites.import_invite_csv(get_session(), study, form.file.data.read())
        except invites.InviteError as error:
            get_session().rollback()
            problems = error.problems
        else:
            flash(_("Invited %(n)d participants from %(file)s.", n=len(created), file=form.file.data.filename),
                  "success")
            return redirect(url_for("studio.participants", study_id=study.id))
    elif request.method == "POST":
        problems = [_("Choose a CSV file to upload.")]
    return render_template("studio/invite_import.html", study=study, form=form, problems=problems,
                           max_shown=invites.MAX_ERRORS_SHOWN), (400 if problems else 200)


@bp.get("/<int:study_id>/participants/links.csv")
def participants_links(study_id: int):
    study = load_study(study_id)
    rows = progress.progress_rows(get_session(), study)
    wanted = [row.participant for row in rows if row.participant.source == "invite"]
    return Response(invites.links_csv(wanted), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="study-{study.id}-links.csv"'})


@bp.post("/<int:study_id>/participants/open-link")
def participants_open_link(study_id: int):
    study = load_study(study_id)
    form = OpenLinkForm()
    if not form.validate_on_submit():
        abort(400)
    study.open_link_enabled = bool(form.enabled.data)
    get_session().commit()
    flash(_("The open link is on.") if study.open_link_enabled else _("The open link is off."), "success")
    return redirect(url_for("studio.participants", study_id=study.id) + "#open-link")


@bp.get("/<int:study_id>/participants/<int:participant_id>")
def participants_one(study_id: int, participant_id: int):
    study = load_study(study_id)
    person = _participant_or_404(study, participant_id)
    row = progress.progress_row(get_session(), person)
    return render_template("studio/participant.html", study=study, person=person, row=row,
                           sort=person.sort, columns=grid_columns(study, person.sort),
                           comments=_comments(person.sort), comment_rows=comment_rows(person.sort),
                           answers=_answers(study, person.sort),
                           notes=_notes(person.sort), moves=move_summary(person.sort),
                           statement_of={s.id: (k + 1, s.text) for k, s in enumerate(study.statements)},
                           link=invites.invite_link(person), format_duration=progress.format_duration,
                           delete_form=FlaskForm(),
                           status_labels=status_labels(), step_labels=step_labels(),
                           attribute_labels=attribute_labels())


@bp.post("/<int:study_id>/participants/<int:participant_id>/delete")
def participants_delete(study_id: int, participant_id: int):
    """Withdraw an invite that was never used (someone who started keeps their data: close the study instead)."""
    study = load_study(study_id)
    person = _participant_or_404(study, participant_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if person.sort is not None or person.consent is not None:
        flash(_("%(who)s has already opened the link; their data stays.", who=person.code or person.label), "error")
        return redirect(url_for("studio.participants_one", study_id=study.id, participant_id=person.id))
    label = person.code or person.label
    get_session().delete(person)
    get_session().commit()
    flash(_("The invite for %(who)s was withdrawn; its link no longer works.", who=label), "success")
    return redirect(url_for("studio.participants", study_id=study.id))


def _participant_or_404(study, participant_id: int) -> Participant:
    person = get_session().scalar(select(Participant).where(
        Participant.id == participant_id, Participant.study_id == study.id, Participant.source != flow.PREVIEW))
    if person is None:
        abort(404)
    return person


def grid_columns(study, sort) -> list[dict]:
    """The grid as columns, lowest score first: ``{"score", "height", "cards": [statement, ...]}``.

    A free distribution (or cards at scores outside the grid) still shows every placed card: its column is
    added. Cards within a column keep the participant's order (slot).
    """
    placements = [p for p in (sort.placements if sort else []) if p.score is not None]
    heights = dict(zip(study.grid_scores or [], study.grid_heights or []))
    scores = sorted(set(heights) | {p.score for p in placements})
    by_score = {score: [] for score in scores}
    for placement in sorted(placements, key=lambda p: (p.score, p.slot, p.statement.position)):
        by_score[placement.score].append(placement.statement)
    return [{"score": score, "height": heights.get(score), "cards": by_score[score]} for score in scores]


def _comments(sort) -> dict[int, object]:
    return {c.statement_id: c for c in (sort.comments if sort else [])}


def comment_rows(sort) -> list[tuple[int, object]]:
    """(score, comment) for every comment or would-pay answer, most agreed-with first."""
    if sort is None:
        return []
    scores = sort.scores()
    rows = [(scores.get(c.statement_id, 0), c) for c in sort.comments if c.text or c.would_pay]
    return sorted(rows, key=lambda row: (-row[0], row[1].statement.position))


def _answers(study, sort) -> list[dict]:
    """Each question of the study with this sort's answer, in study order (pre-sort questions first)."""
    by_question = {a.question_id: a.value for a in (sort.answers if sort else [])}
    language = study.default_language
    rows = []
    for question in sorted(study.questions, key=lambda q: (q.phase != "pre", q.position)):
        value = by_question.get(question.id)
        # A choice or Likert answer by the label participants saw (questions.answer_label, as in the xlsx).
        if value is None:
            shown = ""
        else:
            shown = answer_label(question, value, language, language) or (
                "; ".join(map(str, value)) if isinstance(value, list) else str(value))
        prompt = flow.in_language(question.prompt, language)
        rows.append({"question": question, "prompt": prompt, "answer": shown})
    return rows


def _notes(sort) -> list:
    return sorted(sort.notes if sort else [], key=lambda n: n.created_at)


def move_summary(sort) -> dict:
    """How the participant got to their sort: number of moves, how many were in the grid, the cards
    moved most often, and the time between the first and the last move."""
    moves = list(sort.moves) if sort else []
    if not moves:
        return {"count": 0}
    per_card = Counter(m.statement_id for m in moves)
    grid_moves = [m for m in moves if m.to_place.startswith("grid") and m.from_place.startswith("grid")]
    times = [m.client_time or m.recorded_at for m in moves]
    statements = {p.statement_id: p.statement for p in sort.placements}
    most = [(statements.get(sid), n) for sid, n in per_card.most_common(3) if n > 1]
    return {"count": len(moves), "cards": len(per_card), "within_grid": len(grid_moves),
            "most_moved": [(st, n) for st, n in most if st is not None],
            "span_seconds": (max(times) - min(times)).total_seconds()}
