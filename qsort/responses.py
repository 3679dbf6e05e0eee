"""The participant's flow: where a participant is, what they may see, and saving what they do.

The ``respond`` blueprint (qsort/blueprints/respond.py) is a thin HTTP layer over this module. Here live:

- the **steps** of the flow and the rules between them (:func:`steps_for`, :func:`may_view`, :func:`complete_step`);
- **consent** (:func:`give_consent`, :func:`decline_consent`: declining stores only the refusal);
- the **sorting page's JSON**: its state (:func:`sort_state`), draft saves (:func:`parse_draft`, :func:`save_draft`)
  and the submitted grid (:func:`parse_placements`, :func:`submit_sort`), validated against ``analysis.grid.Grid``;
- the **post-sort** comments and the **questions** (:func:`extreme_cards`, :func:`save_comments`, :func:`save_answers`);
- **time per step** (:func:`note_view`, :func:`seconds_since_view`, :func:`add_step_seconds`).

Concurrency: every write starts with :func:`_lock`, a no-op UPDATE of the participant's row. On SQLite (WAL) that
takes the database's write lock for the rest of the transaction, waiting up to the busy timeout; on PostgreSQL it
locks the row. Everything a save compares (the stored revision, the sort's state) is read after that, inside the
same transaction, so two tabs saving at once are serialised and a stale save can never overwrite a newer one.
"""
from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .flow import PILES, PREVIEW, SORTING_STEPS, STEPS, is_complete, is_finished, study_labels
from .models import (
    WOULD_PAY_CHOICES,
    Answer,
    CardComment,
    Move,
    Participant,
    Placement,
    Question,
    Sort,
    Statement,
    Study,
    utcnow,
)

# Invite and open-link tokens are URL-safe base64 (models.new_token); anything else is not worth a query.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

MAX_MOVES_PER_SAVE = 5000
MAX_PLACE_LENGTH = 30  # Move.from_place / to_place
MAX_COMMENT_LENGTH = 4000


# --------------------------------------------------------------------------------------------------------------
# Finding participants and studies
# --------------------------------------------------------------------------------------------------------------

def find_participant(session: Session, token: str) -> Participant | None:
    """The participant whose invite token this is, or None for a malformed or unknown token."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    return session.scalar(select(Participant).where(Participant.token == token))


def find_open_study(session: Session, open_token: str) -> Study | None:
    """The study whose open link this is, when the link is switched on and the study is open."""
    if not TOKEN_PATTERN.match(open_token or ""):
        return None
    study = session.scalar(select(Study).where(Study.open_link_token == open_token))
    if study is None or not study.open_link_enabled or study.status != "open":
        return None
    return study


def participant_for_code(session: Session, study: Study, code: str) -> tuple[Participant | None, bool]:
    """The open-link participant with this code: an existing one (to resume) or a new one.

    Returns ``(participant, created)``; ``(None, False)`` when the code belongs to someone who did not come
    through the open link (an invite, an import, an interview): typing a guessable code such as P001 must never
    open another person's sort. The caller checks whether an existing one has already completed.
    """
    existing = session.scalar(select(Participant).where(Participant.study_id == study.id,
                                                        Participant.code == code))
    if existing is not None:
        return (existing, False) if existing.source == "open" else (None, False)
    participant = Participant(study=study, code=code, source="open")
    session.add(participant)
    session.commit()
    return participant, True


# --------------------------------------------------------------------------------------------------------------
# Steps and the rules between them
# --------------------------------------------------------------------------------------------------------------

def steps_for(study: Study) -> list[str]:
    """The steps of this study's flow, in order: flow.STEPS without the ones the study has nothing for."""
    phases = {question.phase for question in study.questions}
    has_postsort = study.extreme_comments != "off" or study.ask_would_pay
    skip = set()
    if "pre" not in phases:
        skip.add("pre_questions")
    if "post" not in phases:
        skip.add("questions")
    if not has_postsort:
        skip.add("postsort")
    return [step for step in STEPS if step not in skip]


def current_step(participant: Participant) -> str:
    """The furthest step the participant has reached (welcome until consent is given)."""
    sort = participant.sort
    return sort.step if sort is not None else "welcome"


def is_completed(participant: Participant) -> bool:
    """True once the last step is done: the link is used up."""
    return is_finished(participant.sort)


def grid_is_locked(participant: Participant) -> bool:
    """True once the grid has been submitted (a complete sort): the sort itself can no longer change."""
    return is_complete(participant.sort)


def may_view(participant: Participant, step: str) -> bool:
    """Whether the participant may open ``step`` now.

    Never ahead of the furthest step reached; back to earlier steps only until the grid is submitted (after that,
    only the post-sort steps up to the current one). Nothing but the thank-you page once completed.
    """
    if is_completed(participant):
        return step == "done"
    steps = steps_for(participant.study)
    if step not in steps:
        return False
    reached = current_step(participant)
    position, furthest = _index(steps, step), _index(steps, reached)
    if position > furthest:
        return False
    if grid_is_locked(participant) and position <= _index(steps, "grid"):
        return False
    return True


def complete_step(study: Study, sort: Sort, step: str) -> str:
    """Mark ``step`` done: move ``sort.step`` on to the next step (never backwards) and return that next step.

    The sort is "submitted" (completed) when the next step is the thank-you page. The caller commits.
    """
    steps = steps_for(study)
    following = steps[min(_index(steps, step) + 1, len(steps) - 1)]
    if _index(steps, following) > _index(steps, sort.step):
        sort.step = following
    if sort.step == "grid" and sort.state == "started":
        sort.state = "presorted"
    if following == "done" and sort.state != "submitted":
        sort.state = "submitted"
        sort.submitted_at = utcnow()
    return following


def _index(steps: list[str], step: str) -> int:
    """Position of ``step`` in ``steps``; a step the study skips counts as the last step before it."""
    if step in steps:
        return steps.index(step)
    before = [s for s in STEPS[: STEPS.index(step)] if s in steps]
    return steps.index(before[-1]) if before else 0


# --------------------------------------------------------------------------------------------------------------
# Time per step
# --------------------------------------------------------------------------------------------------------------

VIEWS_KEY = "respond_views"


def note_view(store: MutableMapping, participant: Participant, step: str) -> None:
    """Remember when ``step``'s page was first shown (``store`` is Flask's session); reloads keep the first time."""
    views = store.get(VIEWS_KEY)
    if not isinstance(views, dict) or views.get("participant") != participant.id:
        views = {"participant": participant.id, "at": {}}
    if step not in views["at"]:
        views = {"participant": participant.id, "at": {**views["at"], step: time.time()}}
        store[VIEWS_KEY] = views


def seconds_since_view(store: MutableMapping, participant: Participant, step: str) -> float:
    """Seconds from the first view of ``step``'s page to now (0 when it was not seen in this browser); forgets it."""
    views = store.get(VIEWS_KEY)
    if not isinstance(views, dict) or views.get("participant") != participant.id:
        return 0.0
    at = dict(views.get("at") or {})
    started = at.pop(step, None)
    store[VIEWS_KEY] = {"participant": participant.id, "at": at}
    if not isinstance(started, (int, float)):
        return 0.0
    return max(0.0, time.time() - started)


def add_step_seconds(sort: Sort, step: str, seconds: float) -> None:
    """Add time to ``sort.step_seconds[step]`` (a new dict, so the JSON column notices the change)."""
    if seconds <= 0:
        return
    totals = dict(sort.step_seconds or {})
    totals[step] = round(float(totals.get(step, 0.0)) + seconds, 1)
    sort.step_seconds = totals


# --------------------------------------------------------------------------------------------------------------
# Locking
# --------------------------------------------------------------------------------------------------------------

def _lock(session: Session, participant: Participant) -> Sort | None:
    """Start the write transaction and return the participant's sort as it is now in the database.

    The no-op UPDATE takes SQLite's write lock (PostgreSQL: the row lock) before anything is read, so the
    revision and state read afterwards cannot change until this transaction commits or rolls back.
    """
    session.execute(update(Participant).where(Participant.id == participant.id)
                    .values(consent=Participant.consent))
    session.refresh(participant)
    return session.scalar(select(Sort).where(Sort.participant_id == participant.id)
                          .execution_options(populate_existing=True))


# --------------------------------------------------------------------------------------------------------------
# Consent
# --------------------------------------------------------------------------------------------------------------

def give_consent(session: Session, participant: Participant, language: str, seconds: float) -> str:
    """Consent given: start the sort (once, even from two tabs) and return the next step."""
    sort = _lock(session, participant)
    participant.consent = "given"
    participant.consent_at = utcnow()
    participant.language = language
    if sort is None:
        sort = Sort(participant=participant, step="welcome", state="started")
        session.add(sort)
    add_step_seconds(sort, "welcome", seconds)
    following = complete_step(participant.study, sort, "welcome")
    session.commit()
    return following


def decline_consent(session: Session, participant: Participant) -> None:
    """Consent declined: store only the refusal (and its time). A sort begun earlier is deleted with its data."""
    sort = _lock(session, participant)
    if sort is not None and sort.state == "submitted":
        session.rollback()
        return
    if sort is not None:
        session.delete(sort)
    participant.consent = "declined"
    participant.consent_at = utcnow()
    session.commit()


def finish_simple_step(session: Session, participant: Participant, step: str, seconds: float) -> str:
    """A step with nothing to save but its time (the instructions): record it, advance, return the next step."""
    return _save_step(session, participant, step, seconds)


# --------------------------------------------------------------------------------------------------------------
# The sorting page: state, drafts, submission
# --------------------------------------------------------------------------------------------------------------

class PayloadError(ValueError):
    """A JSON body the server refuses (400); ``field`` says where, e.g. ``placements[3].score``."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Draft:
    """A validated draft save. ``presort``/``placements`` None means "not sent: keep what is stored"."""

    revision: int
    step: str
    presort: dict[str, str] | None
    placements: list[dict[str, int]] | None
    moves: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class Outcome:
    """What a draft save or a submission came to: an HTTP status and the JSON body to answer with."""

    status: int
    body: dict[str, Any]


def sort_state(participant: Participant, language: str) -> dict[str, Any]:
    """The JSON the sorting page starts from (GET /s/<token>/api/state; shape in notes/RESPOND_API.md)."""
    study, sort = participant.study, participant.sort
    step = sort.step if sort.step in SORTING_STEPS else "grid"
    last_seq = max((move.client_seq for move in sort.moves), default=0)
    return {
        "study": {
            "title": study.title,
            "language": language,
            "free_distribution": bool(study.free_distribution),
            "grid": [{"score": score, "height": height} for score, height in study.grid],
            "labels": study_labels(study, language),
            "texts": {
                "presort_instruction": study.text("presort_instruction", language),
                "sort_instruction": study.text("sort_instruction", language),
            },
        },
        "statements": [{"id": s.id, "code": s.code, "text": s.text_in(language)} for s in study.statements],
        "state": {
            "step": step,
            "revision": sort.revision,
            "presort": dict(sort.presort or {}),
            "placements": [{"statement_id": p.statement_id, "score": p.score, "slot": p.slot}
                           for p in sorted(sort.placements, key=lambda p: (p.score or 0, p.slot))],
            "seconds": dict(sort.step_seconds or {}),
            "last_seq": last_seq,
            "locked": grid_is_locked(participant),
        },
    }


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require_int(value: Any, where: str, minimum: int | None = None) -> int:
    if not _is_int(value):
        raise PayloadError(_("%(field)s must be a whole number.", field=where), where)
    if minimum is not None and value < minimum:
        raise PayloadError(_("%(field)s must be at least %(minimum)s.", field=where, minimum=minimum), where)
    return value


def _statement_id(value: Any, where: str, known: set[int]) -> int:
    statement_id = _require_int(value, where)
    if statement_id not in known:
        raise PayloadError(_("%(field)s: statement %(id)s is not in this study.", field=where, id=statement_id),
                           where)
    return statement_id


def parse_placements(study: Study, value: Any, where: str = "placements") -> list[dict[str, int]]:
    """Check a list of ``{"statement_id", "score", "slot"}``: the study's statements, each once, grid scores."""
    if not isinstance(value, list):
        raise PayloadError(_("%(field)s must be a list.", field=where), where)
    known = {s.id for s in study.statements}
    scores = set(study.grid_scores)
    seen: set[int] = set()
    placements = []
    for i, item in enumerate(value):
        here = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise PayloadError(_("%(field)s must be an object.", field=here), here)
        statement_id = _statement_id(item.get("statement_id"), f"{here}.statement_id", known)
        if statement_id in seen:
            raise PayloadError(_("%(field)s: statement %(id)s is placed twice.",
                                 field=f"{here}.statement_id", id=statement_id), f"{here}.statement_id")
        seen.add(statement_id)
        score = _require_int(item.get("score"), f"{here}.score")
        if score not in scores:
            raise PayloadError(_("%(field)s: %(score)s is not a column of the grid.",
                                 field=f"{here}.score", score=score), f"{here}.score")
        slot = _require_int(item.get("slot", 0), f"{here}.slot", minimum=0)
        placements.append({"statement_id": statement_id, "score": score, "slot": slot})
    return placements


def _parse_presort(study: Study, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise PayloadError(_("%(field)s must be an object.", field="presort"), "presort")
    known = {str(s.id) for s in study.statements}
    presort = {}
    for key, pile in value.items():
        where = f"presort.{key}"
        if str(key) not in known:
            raise PayloadError(_("%(field)s: statement %(id)s is not in this study.", field=where, id=key), where)
        if pile not in PILES:
            raise PayloadError(_("%(field)s must be one of: %(choices)s.", field=where, choices=", ".join(PILES)),
                               where)
        presort[str(key)] = pile
    return presort


def _parse_moves(study: Study, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise PayloadError(_("%(field)s must be a list.", field="moves"), "moves")
    if len(value) > MAX_MOVES_PER_SAVE:
        raise PayloadError(_("%(field)s: at most %(n)s per save.", field="moves", n=MAX_MOVES_PER_SAVE), "moves")
    known = {s.id for s in study.statements}
    moves = []
    for i, item in enumerate(value):
        here = f"moves[{i}]"
        if not isinstance(item, dict):
            raise PayloadError(_("%(field)s must be an object.", field=here), here)
        statement_id = _statement_id(item.get("statement_id"), f"{here}.statement_id", known)
        places = []
        for key in ("from", "to"):
            place = item.get(key)
            if place is None:
                place = ""
            if not isinstance(place, str) or len(place) > MAX_PLACE_LENGTH:
                raise PayloadError(_("%(field)s must be text of at most %(n)s characters.",
                                     field=f"{here}.{key}", n=MAX_PLACE_LENGTH), f"{here}.{key}")
            places.append(place)
        seq = _require_int(item.get("seq"), f"{here}.seq", minimum=0)
        stamp = item.get("t")
        client_time = None
        if stamp is not None:
            if isinstance(stamp, bool) or not isinstance(stamp, (int, float)) or not math.isfinite(stamp) \
                    or not 0 <= stamp < 32503680000000:  # before the year 3000, in milliseconds
                raise PayloadError(_("%(field)s must be a time in milliseconds since 1970.", field=f"{here}.t"),
                                   f"{here}.t")
            client_time = datetime.fromtimestamp(stamp / 1000, timezone.utc).replace(tzinfo=None)
        moves.append({"statement_id": statement_id, "from": places[0], "to": places[1], "seq": seq,
                      "client_time": client_time})
    return moves


def _parse_seconds(value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        raise PayloadError(_("%(field)s must be an object.", field="seconds"), "seconds")
    seconds = {}
    for step, amount in value.items():
        where = f"seconds.{step}"
        if step not in SORTING_STEPS:
            raise PayloadError(_("%(field)s must be one of: %(choices)s.", field="seconds",
                                 choices=", ".join(SORTING_STEPS)), where)
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not math.isfinite(amount) \
                or not 0 <= amount <= 10_000_000:
            raise PayloadError(_("%(field)s must be a number of seconds.", field=where), where)
        seconds[step] = float(amount)
    return seconds


def parse_draft(study: Study, body: Any) -> Draft:
    """Validate a draft body (POST /api/draft). Raises :class:`PayloadError` naming the field."""
    if not isinstance(body, dict):
        raise PayloadError(_("The request body must be a JSON object."), "body")
    revision = _require_int(body.get("revision"), "revision", minimum=0)
    step = body.get("step")
    if step not in SORTING_STEPS:
        raise PayloadError(_("%(field)s must be one of: %(choices)s.", field="step",
                             choices=", ".join(SORTING_STEPS)), "step")
    presort = _parse_presort(study, body["presort"]) if body.get("presort") is not None else None
    placements = parse_placements(study, body["placements"]) if body.get("placements") is not None else None
    moves = _parse_moves(study, body.get("moves") or [])
    seconds = _parse_seconds(body.get("seconds") or {})
    return Draft(revision, step, presort, placements, moves, seconds)


def accepts_responses(participant: Participant) -> bool:
    """Only an "open" study takes responses; a studio preview participant may go through any study."""
    return participant.study.status == "open" or participant.source == PREVIEW


def _not_sorting(participant: Participant, sort: Sort | None) -> Outcome | None:
    """409 when the sorting page has nothing to do: study not open, earlier steps unfinished, or completed.

    These bodies carry no "revision": the page would otherwise take them for a stale save and send again.
    """
    if not accepts_responses(participant):
        return Outcome(409, {"ok": False, "error": _("This study is not accepting responses (closed).")})
    if sort is None or STEPS.index(sort.step) < STEPS.index("presort"):
        return Outcome(409, {"ok": False, "error": _("Please finish the earlier steps first.")})
    if sort.state == "submitted":
        return Outcome(409, {"ok": False, "error": _("You have already completed this study.")})
    return None


def sorting_refusal(participant: Participant) -> Outcome | None:
    """Why GET /api/state has nothing to give (an Outcome), or None when the sorting page may load."""
    return _not_sorting(participant, participant.sort)


def _append_moves(session: Session, sort: Sort, moves: list[dict[str, Any]]) -> int:
    """Append moves not stored yet. A move is a repeat when its seq, card and time match a stored one
    (a resend after a lost response); a second device that restarts its seq still has its moves kept."""
    if not moves:
        return 0
    seqs = {move["seq"] for move in moves}
    stored = {(seq, statement_id, client_time) for seq, statement_id, client_time in session.execute(
        select(Move.client_seq, Move.statement_id, Move.client_time)
        .where(Move.sort_id == sort.id, Move.client_seq.in_(seqs)))}
    added = 0
    for move in sorted(moves, key=lambda m: m["seq"]):
        key = (move["seq"], move["statement_id"], move["client_time"])
        if key in stored:
            continue
        stored.add(key)
        session.add(Move(sort_id=sort.id, statement_id=move["statement_id"], from_place=move["from"],
                         to_place=move["to"], client_seq=move["seq"], client_time=move["client_time"]))
        added += 1
    return added


def _replace_placements(session: Session, sort: Sort, placements: list[dict[str, int]]) -> None:
    # A bulk delete first: replacing the collection would let the flush insert before it deletes and trip
    # the (sort, statement) unique constraint.
    session.execute(delete(Placement).where(Placement.sort_id == sort.id))
    session.add_all(Placement(sort_id=sort.id, statement_id=p["statement_id"], score=p["score"], slot=p["slot"])
                    for p in placements)
    session.expire(sort, ["placements"])


def save_draft(session: Session, participant: Participant, draft: Draft) -> Outcome:
    """Save a draft in one transaction: moves always (deduplicated); the rest only when its revision is newer.

    200 ``{"ok": true, "revision"}``; 409 ``{"ok": false, "revision": stored, "error"}`` when stale, when the
    grid is already submitted, or when the instructions are not done yet.
    """
    sort = _lock(session, participant)
    refusal = _not_sorting(participant, sort)
    if refusal is None and sort.state == "sorted":
        refusal = Outcome(409, {"ok": False, "error": _("This sort has already been submitted.")})
    if refusal is not None:
        session.rollback()
        return refusal
    _append_moves(session, sort, draft.moves)
    if draft.revision <= sort.revision:
        session.commit()
        return Outcome(409, {"ok": False, "revision": sort.revision,
                             "error": _("A newer version of this sort is already saved.")})
    if draft.placements is not None:
        _replace_placements(session, sort, draft.placements)
    if draft.presort is not None:
        sort.presort = draft.presort
    totals = dict(sort.step_seconds or {})
    for step, seconds in draft.seconds.items():
        # The page sends its running total for the step (it starts from state.seconds); keep the larger.
        totals[step] = round(max(float(totals.get(step, 0.0)), seconds), 1)
    sort.step_seconds = totals
    sort.revision = draft.revision
    if draft.step == "grid" and sort.step == "presort":
        complete_step(participant.study, sort, "presort")
    session.commit()
    return Outcome(200, {"ok": True, "revision": sort.revision})


def grid_problems(study: Study, placements: list[dict[str, int]]) -> list[str]:
    """Everything wrong with ``placements`` as a finished sort of ``study`` (empty when it is fine).

    Every statement exactly once; a forced grid also needs each column at its height (``analysis.grid.Grid``),
    a free distribution only scores in range (already checked by :func:`parse_placements`).
    """
    from analysis.grid import Grid

    grid = None
    if not study.free_distribution or not study.grid_scores:
        try:
            grid = Grid(tuple(study.grid_scores), tuple(study.grid_heights))
        except ValueError as error:  # a study set up wrongly (e.g. a preview before the grid is saved)
            return [_("This study's grid is not set up correctly (%(why)s); please tell the researcher.",
                      why=str(error))]
    placed = {p["statement_id"] for p in placements}
    missing = [s.code or str(s.id) for s in study.statements if s.id not in placed]
    problems = []
    if missing:
        problems.append(_("%(n)s statements are not placed yet: %(codes)s.", n=len(missing),
                          codes=", ".join(missing)))
    if not study.free_distribution and not missing:
        mismatch = grid.mismatch([p["score"] for p in placements])
        if mismatch:
            problems.extend(_column_problems(study, placements) or [mismatch])
    return problems


def _column_problems(study: Study, placements: list[dict[str, int]]) -> list[str]:
    """Per column, in words the participant can act on ("Column +4 holds 3 cards; it takes 2.")."""
    counts: dict[int, int] = {}
    for p in placements:
        counts[p["score"]] = counts.get(p["score"], 0) + 1
    problems = []
    for score, height in study.grid:
        held = counts.get(score, 0)
        if held != height:
            problems.append(_("Column %(column)s holds %(held)s cards; it takes %(height)s.",
                              column=f"{score:+d}" if score else "0", held=held, height=height))
    return problems


def submit_sort(session: Session, participant: Participant, placements: list[dict[str, int]],
                revision: int) -> tuple[Outcome, str | None]:
    """Submit the grid: validate, store, move on. Returns the outcome and the next step (None when refused).

    Idempotent: the same placements again give 200 again; different ones after submission 409. A refused sort
    (422) leaves the stored draft as it was.
    """
    sort = _lock(session, participant)
    refusal = _not_sorting(participant, sort)
    if refusal is not None:
        session.rollback()
        return refusal, None
    steps = steps_for(participant.study)
    if sort.state == "sorted":
        session.rollback()
        submitted = {p["statement_id"]: p["score"] for p in placements}
        if submitted == sort.scores():
            return Outcome(200, {"ok": True}), steps[_index(steps, "grid") + 1]
        return Outcome(409, {"ok": False, "error": _("This sort has already been submitted.")}), None
    problems = grid_problems(participant.study, placements)
    if problems:
        session.rollback()
        return Outcome(422, {"ok": False, "error": problems[0], "problems": problems}), None
    _replace_placements(session, sort, placements)
    sort.revision = max(sort.revision, revision)
    if sort.state == "started":
        sort.state = "presorted"
    following = complete_step(participant.study, sort, "grid")
    if sort.state != "submitted":
        sort.state = "sorted"
    session.commit()
    return Outcome(200, {"ok": True}), following


# --------------------------------------------------------------------------------------------------------------
# Post-sort: comments on the extreme cards, would-pay on the top ones
# --------------------------------------------------------------------------------------------------------------

@dataclass
class Card:
    """A card as the post-sort page shows it."""

    statement: Statement
    text: str
    score: int
    ask_comment: bool
    ask_would_pay: bool


def extreme_cards(participant: Participant, language: str) -> list[Card]:
    """The cards in the most and least important columns (most first), with what to ask about each."""
    study, sort = participant.study, participant.sort
    if not study.grid_scores:
        return []
    top, bottom = max(study.grid_scores), min(study.grid_scores)
    ask_comment = study.extreme_comments != "off"
    placements = sorted((p for p in sort.placements if p.score in (top, bottom)),
                        key=lambda p: (-p.score, p.slot))
    return [Card(p.statement, p.statement.text_in(language), p.score, ask_comment,
                 study.ask_would_pay and p.score == top)
            for p in placements]


def save_comments(session: Session, participant: Participant, entries: dict[int, dict[str, str | None]],
                  seconds: float) -> str:
    """Store the post-sort answers ``{statement_id: {"text", "would_pay"}}`` (replacing earlier ones) and advance."""
    def write(sort: Sort) -> None:
        existing = _stored_rows(session, CardComment, sort, CardComment.statement_id)
        for statement_id, entry in entries.items():
            would_pay = entry.get("would_pay") if entry.get("would_pay") in WOULD_PAY_CHOICES else None
            comment = existing.get(statement_id)
            if comment is None:
                comment = CardComment(sort_id=sort.id, statement_id=statement_id)
                session.add(comment)
            comment.text = (entry.get("text") or "").strip()[:MAX_COMMENT_LENGTH]
            comment.would_pay = would_pay

    return _save_step(session, participant, "postsort", seconds, write)


def _save_step(session: Session, participant: Participant, step: str, seconds: float,
               write: Callable[[Sort], None] | None = None) -> str:
    """The end of a form step: lock the sort, let ``write`` store the step's rows, record the time, advance,
    commit, and return the step that follows. A participant who declined in another tab meanwhile has no
    sort any more: nothing is saved and they go back to the welcome page."""
    sort = _lock(session, participant)
    if sort is None:
        session.rollback()
        return "welcome"
    if write is not None:
        write(sort)
    return _finish_step(session, participant, sort, step, seconds)


def _stored_rows(session: Session, model, sort: Sort, key_column) -> dict:
    """The sort's stored rows of ``model`` (CardComment, Answer) by ``key_column``, fresh from the database
    (populate_existing: another tab may have written them since this session last looked)."""
    rows = session.scalars(select(model).where(model.sort_id == sort.id).execution_options(populate_existing=True))
    return {getattr(row, key_column.key): row for row in rows}


def _finish_step(session: Session, participant: Participant, sort: Sort, step: str, seconds: float) -> str:
    """Add the time spent on ``step``, mark it done, commit, and return the step that follows."""
    add_step_seconds(sort, step, seconds)
    following = complete_step(participant.study, sort, step)
    session.commit()
    return following


# --------------------------------------------------------------------------------------------------------------
# Questions
# --------------------------------------------------------------------------------------------------------------

def questions_for(study: Study, step: str) -> list[Question]:
    """The questions asked at ``step`` (pre_questions: phase "pre"; questions: phase "post")."""
    phase = "pre" if step == "pre_questions" else "post"
    return [q for q in study.questions if q.phase == phase]


def stored_answers(participant: Participant) -> dict[int, Any]:
    """question id -> the stored answer, to fill the form in again when the participant comes back."""
    sort = participant.sort
    return {a.question_id: a.value for a in sort.answers} if sort is not None else {}


def save_answers(session: Session, participant: Participant, step: str, values: dict[int, Any],
                 seconds: float) -> str:
    """Store answers ``{question_id: value}`` (None: unanswered) for ``step``, advance, return the next step."""
    def write(sort: Sort) -> None:
        existing = _stored_rows(session, Answer, sort, Answer.question_id)
        for question_id, value in values.items():
            answer = existing.get(question_id)
            if answer is None:
                answer = Answer(sort_id=sort.id, question_id=question_id)
                session.add(answer)
            answer.value = value

    return _save_step(session, participant, step, seconds, write)
