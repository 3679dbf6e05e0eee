"""The participant's flow: no login, the token in the link is the key.

HTTP only: look up the participant, check the step rules, render or redirect. What the rules are and how
things are saved lives in qsort/responses.py (the flow) and qsort/sorting.py (the sorting page's JSON API);
the forms in qsort/respond_forms.py. The JSON API: docs/RESPOND_API.md (steps: welcome -> pre-questions ->
instructions -> sort (presort + grid) -> postsort -> questions -> done).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .. import flow, interviews, responses, sorting
from ..db import get_session
from ..i18n import use_study_languages
from ..models import Participant
from ..open_link import OpenLinkOutcome, participant_for_code, shown_secret
from ..respond_forms import (
    WelcomeForm,
    answer_values,
    continue_form,
    open_link_form,
    postsort_entries,
    postsort_form,
    pressed,
    questions_form,
)

bp = Blueprint("respond", __name__, url_prefix="/s")

STEP_ENDPOINTS = {
    "welcome": "respond.welcome",
    "pre_questions": "respond.pre_questions",
    "instructions": "respond.instructions",
    "presort": "respond.sort_page",
    "grid": "respond.sort_page",
    "postsort": "respond.postsort",
    "questions": "respond.questions",
    "done": "respond.done",
}


@bp.app_template_filter("resume_secret")
def resume_secret_filter(secret: str | None) -> str:
    """An open-link participant's resume secret as people read it (ABCD-EFGH); the studio shows it too."""
    return shown_secret(secret)


def step_url(token: str, step: str) -> str:
    """The page of ``step`` under the link ``token`` the participant came by (their own, or an interview's
    customer link). Not ``participant.token``: after a commit, reading it would reload the participant."""
    return url_for(STEP_ENDPOINTS[step], token=token)


def language() -> str:
    return str(get_locale() or "en")


def participant_or_404(token: str) -> Participant:
    participant = responses.find_participant(get_session(), token) or customer_link_participant(token)
    if participant is None:
        abort(404)
    use_study_languages(participant.study)
    return participant


def customer_link_participant(key: str) -> Participant | None:
    """An interview's customer link (``InterviewSession.customer_key``): the session's participant while the
    session runs; a page saying it has ended after that. The key then stands in for the participant's own token
    in every URL of the flow (``keep_customer_key``), so the customer's device never learns that token."""
    interview = interviews.find_by_customer_key(get_session(), key)
    if interview is None:
        return None
    if interview.ended_at is not None:
        abort(make_response(render_template("interview/customer_ended.html", study=interview.study), 410))
    g.customer_link = (interview.participant.token, key)
    return interview.participant


@bp.route("/join", methods=["GET", "POST"])
def join():
    """The customer's device without a camera: type the interview's short customer code, go to the customer link."""
    code = request.form.get("code", "")[:20] if request.method == "POST" else ""
    if code:
        interview = interviews.find_by_customer_code(get_session(), code)
        if interview is not None:
            return redirect(url_for("respond.start", token=interview.customer_key))
    return render_template("interview/join.html", code=code, wrong=bool(code)), 422 if code else 200


@bp.url_defaults
def keep_customer_key(endpoint: str, values: dict) -> None:
    """On a page reached by a customer link, links to the participant's own token use the link's key instead."""
    token, key = g.get("customer_link") or (None, None)
    if token is not None and values.get("token") == token:
        values["token"] = key


def render_step(template: str, participant: Participant, step: str, **context):
    """Render a step's page with what every respond page shows (title, progress, language switch)."""
    steps = responses.steps_for(participant.study)
    shown = [s for s in steps if s not in ("grid", "done")]  # presort+grid are one page; done is no step
    page = "presort" if step == "grid" else step
    position = shown.index(page) + 1 if page in shown else None
    return render_template(template, participant=participant, study=participant.study, step=step,
                           progress=(position, len(shown)) if position else None, lang=language(), **context)


def guard(token: str, step: str):
    """The participant if they may see ``step`` now, else a response to send instead (404, a page, a redirect)."""
    participant = participant_or_404(token)
    if responses.is_completed(participant) and step != "done":
        return None, render_step("respond/completed.html", participant, "done")
    if not responses.accepts_responses(participant) and not responses.is_completed(participant):
        return None, render_step("respond/closed.html", participant, step)
    if participant.consent == "declined" and step != "welcome":
        return None, render_step("respond/declined.html", participant, "welcome")
    if not responses.may_view(participant, step):
        return None, redirect(step_url(token, responses.current_step(participant)))
    return participant, None


@bp.get("/<token>")
def start(token: str):
    """The link itself: go to where the participant is (or say it is already completed / declined)."""
    position = responses.find_position(get_session(), token)  # the usual case, a redirect: no ORM objects
    if (position is not None and not responses.is_completed(position) and responses.accepts_responses(position)
            and position.consent != "declined"):
        return redirect(step_url(token, responses.current_step(position)))
    participant = participant_or_404(token)
    if responses.is_completed(participant):
        return render_step("respond/completed.html", participant, "done")
    if not responses.accepts_responses(participant):
        return render_step("respond/closed.html", participant, "welcome")
    if participant.consent == "declined":
        return render_step("respond/declined.html", participant, "welcome")
    return redirect(step_url(token, responses.current_step(participant)))


@bp.route("/<token>/welcome", methods=["GET", "POST"])
def welcome(token: str):
    participant, refusal = guard(token, "welcome")
    if refusal:
        return refusal
    study = participant.study
    consent_label = study.text("consent", language()) or _("I have read the information above and agree to take part.")
    form = WelcomeForm(consent_label, participant.consent == "given")
    db = get_session()
    if request.method == "POST":
        if pressed("decline"):
            responses.decline_consent(db, participant)
            return render_step("respond/declined.html", participant, "welcome")
        if form.validate():
            seconds = responses.seconds_since_view(session, participant, "welcome")
            following = responses.give_consent(db, participant, language(), seconds)
            return redirect(step_url(token, following))
    else:
        responses.note_view(session, participant, "welcome")
    return render_step("respond/welcome.html", participant, "welcome", form=form), 200 if not form.errors else 422


def _questions_step(token: str, step: str):
    participant, refusal = guard(token, step)
    if refusal:
        return refusal
    study = participant.study
    questions = responses.questions_for(get_session(), participant, step)
    form = questions_form(questions, language(), study.default_language,
                          {question.id: question.answer for question in questions})
    can_change_sort = step == "questions" and responses.may_reopen_grid(participant)
    if pressed("back_to_grid"):
        # back to the grid, keeping the answers given so far (those that are valid: an unfinished form is fine)
        if not can_change_sort:  # the sort is final (or this is before the sort): no going back
            return redirect(step_url(token, responses.current_step(participant)))
        form.validate()
        answered = [q for q in questions if not form["q" + str(q.id)].errors]
        values = answer_values(form, answered)
        return redirect(step_url(token, responses.reopen_grid(
            get_session(), participant, responses.answers_writer(get_session(), values))))
    elif request.method == "POST":
        if form.validate():
            seconds = responses.seconds_since_view(session, participant, step)
            following = responses.save_answers(get_session(), participant, step, answer_values(form, questions),
                                               seconds)
            return redirect(step_url(token, following))
    else:
        responses.note_view(session, participant, step)
    return render_step("respond/questions.html", participant, step, form=form, can_change_sort=can_change_sort), \
        200 if not form.errors else 422


@bp.route("/<token>/questions/pre", methods=["GET", "POST"])
def pre_questions(token: str):
    return _questions_step(token, "pre_questions")


@bp.route("/<token>/questions", methods=["GET", "POST"])
def questions(token: str):
    return _questions_step(token, "questions")


@bp.route("/<token>/instructions", methods=["GET", "POST"])
def instructions(token: str):
    participant, refusal = guard(token, "instructions")
    if refusal:
        return refusal
    form = continue_form()
    if request.method == "POST":
        seconds = responses.seconds_since_view(session, participant, "instructions")
        following = responses.finish_simple_step(get_session(), participant, "instructions", seconds)
        return redirect(step_url(token, following))
    responses.note_view(session, participant, "instructions")
    return render_step("respond/instructions.html", participant, "instructions", form=form)


@bp.get("/<token>/sort")
def sort_page(token: str):
    """The sorting page (presort and grid). The page itself, its JS and CSS belong to the frontend."""
    participant, refusal = guard(token, "presort")
    if refusal:
        return refusal
    step = responses.current_step(participant)
    steps = responses.steps_for(participant.study)
    return render_step(
        "respond/sort.html", participant, step if step in flow.SORTING_STEPS else "grid",
        state_url=url_for("respond.api_state", token=token),
        draft_url=url_for("respond.api_draft", token=token),
        submit_url=url_for("respond.api_submit", token=token),
        next_url=step_url(token, steps[steps.index("grid") + 1]),
        after_grid=steps[steps.index("grid") + 1:],  # what a sort sent again keeps (the notice on the grid)
        strings=sort_page_strings(language()),
        study_title=participant.study.title,
    )


# The sorting script's texts by language: ~60 translations a page would otherwise look up on every load.
_sort_page_strings: dict[str, dict[str, str]] = {}


def sort_page_strings(lang: str) -> dict[str, str]:
    """The texts the sorting page's script shows (its placeholders {card}, {pile}, ... filled in by the script),
    translated into ``lang`` once per worker: the catalogues do not change while it runs."""
    if lang not in _sort_page_strings:
        _sort_page_strings[lang] = {
            "presortProgress": _("%(done)s of %(total)s cards on a pile", done="{done}", total="{total}"),
            "putOnPile": _("Put on “%(pile)s”.", pile="{pile}"),
            "allPresorted": _("All cards are on a pile. Check a pile if you like, then continue to the grid."),
            "undone": _("Undone: “%(card)s” is back where it was.", card="{card}"),
            "moveTo": _("To “%(pile)s”", pile="{pile}"),
            "movedToPile": _("“%(card)s” moved to “%(pile)s”.", card="{card}", pile="{pile}"),
            "showPile": _("Show the cards on this pile"),
            "hidePile": _("Hide the cards on this pile"),
            "emptyPile": _("No cards here."),
            "openCard": _("Show the whole statement"),
            "columnName": _("Column %(column)s", column="{column}"),
            "columnCount": _("%(count)s of %(height)s places filled", count="{count}", height="{height}"),
            "columnsOverview": _("Columns"),
            "pickedKeyboard": _("Picked up “%(card)s”. Left and right arrows or a typed score choose the "
                                "column, Enter places the card, Escape cancels.", card="{card}"),
            "pickedTouch": _("Selected “%(card)s”. Choose a column, then tap “Place here”.", card="{card}"),
            "pickedPointer": _("Selected “%(card)s”. Click a column to put it there, or drag it.", card="{card}"),
            "target": _("Column %(column)s: %(count)s of %(height)s.",
                        column="{column}", count="{count}", height="{height}"),
            "placed": _("“%(card)s” placed in column %(column)s, %(count)s of %(height)s.",
                        card="{card}", column="{column}", count="{count}", height="{height}"),
            "overfullNow": _("Column %(column)s now holds too many cards: move one out.", column="{column}"),
            "returned": _("“%(card)s” is back on the pile “%(pile)s”.", card="{card}", pile="{pile}"),
            "cancelled": _("Move cancelled."),
            "noSuchColumn": _("There is no column %(column)s.", column="{column}"),
            "cardsLeft": _("Cards still to place: %(count)s.", count="{count}"),
            "columnsOverfull": _("Over-full columns (marked red): %(count)s.", count="{count}"),
            "columnsToFix": _("Columns to fix (marked): %(count)s. Each column needs exactly as many cards "
                              "as it has places.", count="{count}"),
            "gridComplete": _("Every card is in place. You can still change things, then continue."),
            "columnTooMany": _("Column %(column)s is over-full: %(count)s cards where %(height)s fit.",
                               column="{column}", count="{count}", height="{height}"),
            "columnTooFew": _("Column %(column)s is not full yet: %(count)s of %(height)s cards.",
                              column="{column}", count="{count}", height="{height}"),
            "previousColumn": _("Previous column"),
            "nextColumn": _("Next column"),
            "placeHere": _("Place here (%(column)s)", column="{column}"),
            "placeHereShort": _("Place here"),
            "backToPile": _("Back to its pile"),
            "cancelSelection": _("Cancel the selection"),
            "trayTitle": _("Cards to place: %(count)s", count="{count}"),
            "reviewOpen": _("See your whole sort"),
            "reviewTitle": _("Your whole sort"),
            "reviewIntro": _("Check every column. Tap a card to move it, or a column to open it."),
            "reviewBack": _("Back to the columns"),
            "reviewContinue": _("This is my sort: continue"),
            "reviewIncomplete": _("Place every card first: each column needs exactly as many cards as it has places."),
            "columnMissing": _("%(count)s missing", count="{count}"),
            "columnExtra": _("%(count)s too many", count="{count}"),
            "allPlaced": _("All cards are in the grid."),
            "saved": _("All changes saved"),
            "saving": _("Saving…"),
            "notSavedRetrying": _("Not saved yet: no connection. Your work is kept on this device and sent "
                                  "when the connection is back."),
            "notSavedError": _("Not saved: %(error)s", error="{error}"),
            "submitFailed": _("The sort could not be checked. Please try again."),
            "submitOffline": _("No connection: the sort was not sent. Your work is kept; please try again "
                               "in a moment."),
        }
    return _sort_page_strings[lang]


@bp.route("/<token>/postsort", methods=["GET", "POST"])
def postsort(token: str):
    participant, refusal = guard(token, "postsort")
    if refusal:
        return refusal
    study = participant.study
    cards = responses.extreme_cards(participant, language())
    form = postsort_form(cards, study.extreme_comments == "required")
    can_change_sort = responses.may_reopen_grid(participant)
    if pressed("back_to_grid"):  # back to the grid: a half-filled form is fine
        if not can_change_sort:
            return redirect(step_url(token, responses.current_step(participant)))
        entries = postsort_entries(form, cards)  # the comments typed so far are kept
        return redirect(step_url(token, responses.reopen_grid(
            get_session(), participant, responses.comments_writer(get_session(), entries))))
    elif request.method == "POST":
        if form.validate():
            seconds = responses.seconds_since_view(session, participant, "postsort")
            following = responses.save_comments(get_session(), participant, postsort_entries(form, cards), seconds)
            return redirect(step_url(token, following))
    else:
        responses.note_view(session, participant, "postsort")
    return render_step("respond/postsort.html", participant, "postsort", form=form, cards=cards,
                       can_change_sort=can_change_sort), 200 if not form.errors else 422


@bp.get("/<token>/done")
def done(token: str):
    participant, refusal = guard(token, "done")
    if refusal:
        return refusal
    redirect_url = participant.study.redirect_url or ""
    if not redirect_url.startswith(("https://", "http://")):  # never a javascript: or relative URL
        redirect_url = None
    return render_step("respond/done.html", participant, "done", redirect_url=redirect_url)


# ---------------------------------------------------------------------------------------------------------------
# JSON for the sorting page
# ---------------------------------------------------------------------------------------------------------------

@bp.get("/<token>/api/state")
def api_state(token: str):
    participant = participant_or_404(token)
    refusal = sorting.sorting_refusal(participant)
    if refusal is not None:
        return refusal.body, refusal.status
    # A fresh CSRF token too, so a page open for hours can recover from an expired one.
    return {**sorting.sort_state(participant, language()), "csrf_token": generate_csrf()}


def json_body():
    """The request's JSON body, or a PayloadError: not JSON, nested too deep, or text no database can store."""
    return sorting.parse_json_body(request.get_data(cache=False))


@bp.post("/<token>/api/draft")
def api_draft(token: str):
    db = get_session()
    sorter = sorting.find_sorter(db, token)  # the hot path: no ORM objects (see sorting.Sorter)
    if sorter is None:
        # not a participant's own token: an interview's customer link (410 once its session has ended), or nothing
        linked = customer_link_participant(token)
        sorter = sorting.find_sorter(db, linked.token) if linked is not None else None
    if sorter is None:
        abort(404)
    try:
        draft = sorting.parse_draft(sorter.study, json_body(), db)
    except sorting.PayloadError as error:
        return {"ok": False, "error": error.message, "field": error.field}, 400
    outcome = sorting.save_draft(db, sorter, draft)
    return outcome.body, outcome.status


@bp.post("/<token>/api/submit")
def api_submit(token: str):
    participant = participant_or_404(token)
    try:
        submission = sorting.parse_submission(participant.study, json_body())
    except sorting.PayloadError as error:
        return {"ok": False, "error": error.message, "field": error.field}, 400
    outcome, following = sorting.submit_sort(get_session(), participant, submission)
    if following is not None:
        outcome.body["next"] = step_url(token, following)
    return outcome.body, outcome.status


# ---------------------------------------------------------------------------------------------------------------
# The open link
# ---------------------------------------------------------------------------------------------------------------

@bp.route("/open/<open_token>", methods=["GET", "POST"])
def open_link(open_token: str):
    """Ask for a participant code; start a new participant, or resume the one with that code in the browser that
    started it or with their resume secret (qsort/open_link.py)."""
    db = get_session()
    study = responses.find_open_study(db, open_token)
    if study is None:
        abort(404)
    use_study_languages(study)
    form = open_link_form()
    ask_secret = bool(form.secret.data)
    if form.validate_on_submit():
        known = _browser_participants()
        outcome = participant_for_code(db, study, form.code.data, secret=form.secret.data or "",
                                       same_browser_ids=known)
        participant = outcome.participant
        if participant is None:
            ask_secret = outcome.refusal != "invite"
            (form.secret if ask_secret else form.code).errors.append(_refusal_message(outcome))
            return render_template("respond/open_link.html", study=study, form=form, lang=language(),
                                   participant=None, progress=None, ask_secret=ask_secret), \
                429 if outcome.refusal == "locked" else 422
        if responses.is_completed(participant):
            response = make_response(render_step("respond/completed.html", participant, "done"))
        else:
            response = redirect(url_for("respond.start", token=participant.token))
        _remember_in_browser(response, known, participant.id)
        return response
    return render_template("respond/open_link.html", study=study, form=form, lang=language(),
                           participant=None, progress=None, ask_secret=ask_secret), 200 if not form.errors else 422


def _refusal_message(outcome: OpenLinkOutcome) -> str:
    if outcome.refusal == "invite":
        return _("This code belongs to a personal invitation. Please use the link from your invitation, or choose "
                 "another code.")
    if outcome.refusal == "secret_needed":
        return _("This code is already in use. To continue that sort in this browser, enter the resume secret shown "
                 "on its pages. If it is not yours, choose another code.")
    if outcome.refusal == "locked":
        return _("Too many wrong resume secrets for this code. Try again in %(n)s minutes.", n=outcome.wait_minutes)
    return _("This resume secret does not belong to this code. Check it and try again.")


# The participants this browser started or resumed through an open link: a signed cookie of their ids, so the same
# browser resumes without the secret. Signed with the app's secret key; only the open link reads it.
RESUME_COOKIE = "qsort_open"
RESUME_COOKIE_DAYS = 180
# A computer shared by a team: each of the last 10 who started there resumes there by code alone (like any browser
# that stays signed in); on their own devices they need their secret.
RESUME_COOKIE_KEEPS = 10


def _resume_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="open-link-resume")


def _browser_participants() -> list[int]:
    raw = request.cookies.get(RESUME_COOKIE)
    if not raw:
        return []
    try:
        ids = _resume_signer().loads(raw, max_age=RESUME_COOKIE_DAYS * 86400)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)] if isinstance(ids, list) else []


def _remember_in_browser(response, known: list[int], participant_id: int) -> None:
    ids = ([i for i in known if i != participant_id] + [participant_id])[-RESUME_COOKIE_KEEPS:]
    response.set_cookie(RESUME_COOKIE, _resume_signer().dumps(ids), max_age=RESUME_COOKIE_DAYS * 86400,
                        path=url_for("respond.open_link", open_token="x").rsplit("/", 1)[0] + "/",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), httponly=True, samesite="Lax")
