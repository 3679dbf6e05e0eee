"""Interviewer pages: assigned studies, sessions (one or two devices), the live panel's JSON, replay, paper-sort
entry and printables; and for the study's researchers, the interviewer team and the interview guide.

Thin: parse the request, call a rule in qsort/interviews.py, render. Access: logged-in users only; a study is
reachable for its researchers (owner, colleagues, admin) and its assigned interviewers, else 404; a session for
its interviewer and the study's researchers, else 404; the team and guide pages for researchers only (403 for an
assigned interviewer). Every POST carries the CSRF token (CSRFProtect covers the whole app).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import interviews
from ..db import get_session
from ..interviews import InterviewError
from ..models import InterviewerAssignment, InterviewSession, Study

bp = Blueprint("interview", __name__, url_prefix="/interview")

ROLES = ("interviewer", "researcher", "admin")


@bp.before_request
def logged_in_only():
    if g.get("user") is None:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))  # no stray "?"
    if g.user.role not in ROLES:
        abort(403)
    return None


def language() -> str:
    return str(get_locale() or "en")


def load_study(study_id: int) -> Study:
    """The study if the user may interview for it, else 404 (never reveal that it exists)."""
    study = get_session().get(Study, study_id)
    if study is None or not interviews.may_interview(g.user, study):
        abort(404)
    return study


def researcher_study(study_id: int) -> Study:
    """The study for its researchers; an assigned interviewer gets 403 (they know it exists), others 404."""
    study = load_study(study_id)
    if not interviews.is_researcher_of(g.user, study):
        abort(403)
    return study


def load_interview(session_id: int) -> InterviewSession:
    interview = get_session().get(InterviewSession, session_id)
    if interview is None or not interviews.may_open_session(g.user, interview):
        abort(404)
    return interview


def refused(error: InterviewError) -> None:
    get_session().rollback()
    flash(error.message, "error")


@bp.context_processor
def labels() -> dict:
    return {"buying_roles": interviews.buying_role_labels(),
            "relationship_stages": interviews.relationship_stage_labels(),
            "step_labels": {"welcome": _("Welcome"), "pre_questions": _("Questions before"),
                            "instructions": _("Instructions"), "presort": _("Pre-sort"), "grid": _("Grid"),
                            "postsort": _("Comments"), "questions": _("Questions after"), "done": _("Done")}}


# -- home, pairing ---------------------------------------------------------------------------------------------

@bp.get("/")
def index():
    db = get_session()
    return render_template("interview/index.html", studies=interviews.studies_for(db, g.user),
                           sessions=interviews.sessions_for(db, g.user))


@bp.post("/pair")
def pair():
    """The interviewer's second device: the code the customer's screen shows opens the session's panel."""
    interview = interviews.find_by_pairing_code(get_session(), request.form.get("code", ""))
    if interview is None or not interviews.may_open_session(g.user, interview):
        flash(_("No running session of yours has this code. Check the pairing code on the session's hand-over page."),
              "error")
        return redirect(url_for("interview.index")), 303
    return redirect(url_for("interview.panel", session_id=interview.id)), 303


# -- a study ---------------------------------------------------------------------------------------------------

@bp.route("/studies/<int:study_id>", methods=["GET", "POST"])
def study(study_id: int):
    """Start a session: with an invited participant, or with one created on the spot."""
    study = load_study(study_id)
    db = get_session()
    if request.method == "POST":
        try:
            participant = chosen_participant(study, source="interview")
            interview = interviews.start_session(db, study, g.user, participant, request.form.get("mode", "two"))
            db.commit()
        except InterviewError as error:
            refused(error)
        else:
            endpoint = "interview.customer" if interview.mode == "two" else "interview.panel"
            return redirect(url_for(endpoint, session_id=interview.id)), 303
    return render_template("interview/study.html", study=study, waiting=interviews.waiting_participants(study),
                           sessions=interviews.sessions_for(db, g.user, study),
                           researcher=interviews.is_researcher_of(g.user, study)), \
        400 if request.method == "POST" else 200


def chosen_participant(study: Study, source: str):
    """The participant the form names: an invited one (``participant``), or one created on the spot
    (``who=new``: code, name, account, role) with ``source`` "interview" or "paper"."""
    form = request.form
    if form.get("who") == "new":
        return interviews.new_participant(get_session(), study, interviews.NewParticipant(
            code=form.get("code", "")[:100], name=form.get("name", "")[:200], account=form.get("account", "")[:200],
            buying_role=form.get("buying_role", ""), relationship_stage=form.get("relationship_stage", "")),
            source=source)
    return interviews.invited_participant(study, _int(form.get("participant")))


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


# -- a session -------------------------------------------------------------------------------------------------

@bp.get("/sessions/<int:session_id>/customer")
def customer(session_id: int):
    """On the interviewer's device: the customer link and its QR code, which open the participant's normal
    sorting flow on the customer's device (no login there), and the pairing code for another device of the
    interviewer's own."""
    interview = load_interview(session_id)
    if interview.ended_at is not None:
        return redirect(url_for("interview.replay", session_id=interview.id)), 303
    from ..qr import qr_svg

    customer_url = url_for("respond.start", token=customer_key(interview), _external=True)
    return render_template("interview/customer.html", interview=interview, study=interview.study,
                           qr=qr_svg(customer_url), customer_url=customer_url,
                           join_url=url_for("respond.join", _external=True))


def customer_key(interview: InterviewSession) -> str:
    """The key of the session's customer link (made now for a session from before customer links)."""
    if interview.customer_key is None or interview.customer_code is None:
        interviews.customer_access(get_session(), interview)
        get_session().commit()
    return interview.customer_key


@bp.get("/pair/<code>")
def pair_page(code: str):
    """Where the QR code leads: the pairing form, filled in."""
    return render_template("interview/pair.html", code=interviews.normalise_pairing_code(code)[:12])


@bp.get("/sessions/<int:session_id>")
def panel(session_id: int):
    interview = load_interview(session_id)
    study = interview.study
    return render_template("interview/panel.html", interview=interview, study=study,
                           guide=interviews.guide_questions(study, language()),
                           participant=interview.participant,
                           sort_url=url_for("respond.start", token=customer_key(interview)))


@bp.get("/sessions/<int:session_id>/api/live")
def api_live(session_id: int):
    interview = load_interview(session_id)
    return interviews.live_state(interview, g.user, language())


@bp.post("/sessions/<int:session_id>/api/notes")
def api_notes(session_id: int):
    interview = load_interview(session_id)
    sort = interview.participant.sort
    db = get_session()
    try:
        notes = interviews.parse_notes(interview.study, request.get_json(silent=True))
        saved = interviews.save_notes(db, sort, g.user, notes)
        db.commit()
    except InterviewError as error:
        db.rollback()
        return {"ok": False, "error": error.message, "field": error.field}, 400
    return {"ok": True, "saved": [n.client_id for n in saved]}


@bp.post("/sessions/<int:session_id>/context")
def context(session_id: int):
    """The relationship context, recorded on the spot as participant attributes."""
    interview = load_interview(session_id)
    try:
        interviews.record_context(interview.participant, request.form.get("buying_role", ""),
                                  request.form.get("relationship_stage", ""))
        get_session().commit()
        flash(_("Saved."), "ok")
    except InterviewError as error:
        refused(error)
    return redirect(url_for("interview.panel", session_id=session_id)), 303


@bp.post("/sessions/<int:session_id>/end")
def end(session_id: int):
    interview = load_interview(session_id)
    interviews.end_session(interview)
    get_session().commit()
    return redirect(url_for("interview.replay", session_id=session_id)), 303


@bp.get("/sessions/<int:session_id>/replay")
def replay(session_id: int):
    """After the session: the move log as a timeline beside the notes."""
    interview = load_interview(session_id)
    sort = interview.participant.sort
    timeline = interviews.replay(sort, language()) if sort else []
    notes = interviews.notes_on_timeline(sort, g.user) if sort else []
    return render_template("interview/replay.html", interview=interview, study=interview.study,
                           timeline=timeline, notes=notes, numbers=interviews.numbers(interview.study))


# -- paper -----------------------------------------------------------------------------------------------------

@bp.route("/studies/<int:study_id>/paper", methods=["GET", "POST"])
def paper(study_id: int):
    """Type in a paper sort column by column; every mistake is shown at once, and nothing is stored until none
    is left."""
    study = load_study(study_id)
    db = get_session()
    columns = {score: "" for score in study.grid_scores}
    check = None
    if request.method == "POST":
        form = request.form
        columns = {score: form.get(f"column{score}", "")[:2000] for score in study.grid_scores}
        check = interviews.check_paper_sort(study, {s: interviews.parse_column(t) for s, t in columns.items()})
        try:
            participant = chosen_participant(study, source="paper")
            if check.ok:
                comments = interviews.paper_comments(study, dict(form))
                interviews.store_paper_sort(db, participant, check, comments, g.user)
                db.commit()
                flash(_("The paper sort of %(who)s is stored.", who=participant.label), "ok")
                return redirect(url_for("interview.paper", study_id=study.id)), 303
            db.rollback()
        except InterviewError as error:
            refused(error)
    return render_template("interview/paper.html", study=study, waiting=interviews.waiting_participants(study),
                           columns=columns, check=check,
                           form=request.form), 400 if request.method == "POST" else 200


@bp.get("/studies/<int:study_id>/print/<what>")
def printable(study_id: int, what: str):
    """Print-ready pages: the card deck, an empty grid sheet, the interview guide, in a study language."""
    study = load_study(study_id)
    if what not in ("cards", "grid", "guide"):
        abort(404)
    chosen = request.args.get("language") or study.default_language
    if chosen not in (study.languages or []):
        chosen = study.default_language
    # Codes (e.g. "P3-price") can give the archetype away to the customer: printed only when asked for.
    hide_codes = request.args.get("codes") != "1"
    return render_template(f"interview/print_{what}.html", study=study, print_language=chosen,
                           hide_codes=hide_codes, guide=interviews.guide_questions(study, chosen),
                           tallest=max(study.grid_heights or [0]))


# -- for the study's researchers: the team and the guide -------------------------------------------------------

@bp.route("/studies/<int:study_id>/team", methods=["GET", "POST"])
def team(study_id: int):
    study = researcher_study(study_id)
    if request.method == "POST":
        try:
            interviews.assign_interviewer(get_session(), study, request.form.get("email", "")[:254],
                                          request.form.get("sees_all_notes") == "on")
            get_session().commit()
            flash(_("Saved."), "ok")
            return redirect(url_for("interview.team", study_id=study.id)), 303
        except InterviewError as error:
            refused(error)
    return render_template("interview/team.html", study=study, **_studio_frame()), \
        400 if request.method == "POST" else 200


@bp.post("/studies/<int:study_id>/team/<int:assignment_id>/remove")
def team_remove(study_id: int, assignment_id: int):
    study = researcher_study(study_id)
    found = get_session().get(InterviewerAssignment, assignment_id)
    if found is None or found.study_id != study.id:
        abort(404)
    get_session().delete(found)
    get_session().commit()
    flash(_("Removed."), "ok")
    return redirect(url_for("interview.team", study_id=study.id)), 303


@bp.route("/studies/<int:study_id>/guide", methods=["GET", "POST"])
def guide(study_id: int):
    study = researcher_study(study_id)
    if request.method == "POST":
        try:
            interviews.set_guide(study, {lang: request.form.get(f"guide_{lang}", "")[:20000]
                                         for lang in study.languages or [study.default_language]})
            get_session().commit()
            flash(_("Saved."), "ok")
            return redirect(url_for("interview.guide", study_id=study.id)), 303
        except InterviewError as error:
            refused(error)
    texts = {lang: request.form.get(f"guide_{lang}") if request.method == "POST"
             else interviews.guide_text(study, lang) for lang in study.languages or [study.default_language]}
    return render_template("interview/guide.html", study=study, texts=texts, **_studio_frame()), \
        400 if request.method == "POST" else 200


def _studio_frame() -> dict:
    """What the studio's page frame needs, for the two pages that sit under the study's "Interviews" tab."""
    from .studio.blueprint import language_name, status_label

    return {"studio_tab": "interview.team", "status_label": status_label, "language_name": language_name}
