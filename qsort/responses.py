"""The participant's flow: where a participant is, what they may see, and saving what they do.

The ``respond`` blueprint (qsort/blueprints/respond.py) is a thin HTTP layer over this module. Here live:

- the **steps** of the flow and the rules between them (:func:`steps_for`, :func:`may_view`, :func:`complete_step`);
- **consent** (:func:`give_consent`, :func:`decline_consent`: declining stores only the refusal);
- who may **sort** now (:func:`accepts_responses`; the sorting page's JSON API is qsort/sorting.py);
- the **post-sort** comments and the **questions** (:func:`extreme_cards`, :func:`save_comments`, :func:`save_answers`);
- **time per step** (:func:`note_view`, :func:`seconds_since_view`, :func:`add_step_seconds`).

Concurrency: every write (here and in qsort/sorting.py) starts with an UPDATE: of the participant's row for
consent (:func:`give_consent` stores it so, :func:`lock_sort` is a no-op: there may be no sort yet), of the sort's
row after that (:func:`lock_sort_row`, and the draft save and submit in qsort/sorting.py). On SQLite (WAL) that
takes the database's write lock for the rest of the transaction, waiting up to the busy timeout; on PostgreSQL it
locks the row. Everything a save compares (the stored revision, the sort's state) is read after that, inside the
same transaction, so two tabs saving at once are serialised and a stale save can never overwrite a newer one.
"""
from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.orm import Session, joinedload, object_session
from sqlalchemy.orm.util import identity_key

from .flow import PREVIEW, STEPS, is_complete, is_finished
from .models import (
    WOULD_PAY_CHOICES,
    Answer,
    CardComment,
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

MAX_COMMENT_LENGTH = 4000

# --------------------------------------------------------------------------------------------------------------
# Finding participants and studies
# --------------------------------------------------------------------------------------------------------------

def find_participant(session: Session, token: str) -> Participant | None:
    """The participant whose invite token this is, or None for a malformed or unknown token. Its study, its sort
    and whether the study asks questions before and after the sort (:func:`steps_for`) come in the same query:
    every page and API call of the flow reads them, and each lazy load would be one more query."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    return session.scalar(_BY_TOKEN, {"token": token})


# What the flow reads with a participant, in the same query (find_participant, lock_sort).
_WITH_STUDY_AND_SORT = (joinedload(Participant.study, innerjoin=True).undefer_group("question_phases"),
                        joinedload(Participant.sort))
# Built once: the statement and its options cost more Python to build on each request than the query itself.
_BY_TOKEN = select(Participant).where(Participant.token == bindparam("token")).options(*_WITH_STUDY_AND_SORT)
_BY_ID = select(Participant).where(Participant.id == bindparam("id")).options(*_WITH_STUDY_AND_SORT) \
    .execution_options(populate_existing=True)


@dataclass(frozen=True)
class PositionStudy:
    """What :func:`steps_for` and :func:`accepts_responses` read of a study, as plain values."""

    status: str
    extreme_comments: str
    ask_would_pay: bool
    asks_pre_questions: bool
    asks_post_questions: bool


@dataclass(frozen=True)
class PositionSort:
    step: str
    state: str


@dataclass(frozen=True)
class Position:
    """Where a participant is in the flow, as plain values with the attribute names of a Participant (so the
    rules below read either): enough to send the link on to the right page (:func:`find_position`)."""

    id: int
    source: str
    consent: str | None
    study: PositionStudy
    sort: PositionSort | None


def find_position(session: Session, token: str) -> Position | None:
    """:func:`find_participant` for the link itself, which only redirects: one Core query, no ORM objects
    (their loading cost several times the query). None for a malformed or unknown token."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    row = session.connection().execute(_POSITION_BY_TOKEN, {"token": token}).first()
    if row is None:
        return None
    participant_id, source, consent, *study_values, step, state = row
    return Position(participant_id, source, consent, PositionStudy(*study_values),
                    PositionSort(step, state) if step is not None else None)


def _position_by_token():
    participant, study, sort = Participant.__table__, Study.__table__, Sort.__table__
    return (select(participant.c.id, participant.c.source, participant.c.consent, study.c.status,
                   study.c.extreme_comments, study.c.ask_would_pay, Study.asks_pre_questions.expression,
                   Study.asks_post_questions.expression, sort.c.step, sort.c.state)
            .join_from(participant, study, participant.c.study_id == study.c.id)
            .outerjoin(sort, sort.c.participant_id == participant.c.id)
            .where(participant.c.token == bindparam("token")))


_POSITION_BY_TOKEN = _position_by_token()  # built once, as _BY_TOKEN


def find_open_study(session: Session, open_token: str) -> Study | None:
    """The study whose open link this is, when the link is switched on and the study is open."""
    if not TOKEN_PATTERN.match(open_token or ""):
        return None
    study = session.scalar(select(Study).where(Study.open_link_token == open_token))
    if study is None or not study.open_link_enabled or study.status != "open":
        return None
    return study


# --------------------------------------------------------------------------------------------------------------
# Steps and the rules between them
# --------------------------------------------------------------------------------------------------------------

def steps_for(study: Study) -> list[str]:
    """The steps of this study's flow, in order: flow.STEPS without the ones the study has nothing for."""
    if "questions" in study.__dict__:  # loaded (perhaps changed and not flushed yet): they are the truth
        phases = {question.phase for question in study.questions}
    else:  # read with the participant (find_participant), no question loaded
        phases = {phase for phase, asked in (("pre", study.asks_pre_questions), ("post", study.asks_post_questions))
                  if asked}
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
    position, furthest = step_index(steps, step), step_index(steps, reached)
    if position > furthest:
        return False
    if grid_is_locked(participant) and position <= step_index(steps, "grid"):
        return False
    return True


def complete_step(study: Study, sort: Sort, step: str) -> str:
    """Mark ``step`` done: move ``sort.step`` on to the next step (never backwards) and return that next step.

    The sort is "submitted" (completed) when the next step is the thank-you page. The caller commits.
    """
    steps = steps_for(study)
    following = steps[min(step_index(steps, step) + 1, len(steps) - 1)]
    if step_index(steps, following) > step_index(steps, sort.step):
        sort.step = following
    if sort.step == "grid" and sort.state == "started":
        sort.state = "presorted"
    if following == "done" and sort.state != "submitted":
        sort.state = "submitted"
        sort.submitted_at = utcnow()
    return following


def step_index(steps: list[str], step: str) -> int:
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

def lock_sort(session: Session, participant: Participant) -> Sort | None:
    """Start the write transaction and return the participant's sort as it is now in the database.

    The no-op UPDATE takes SQLite's write lock (PostgreSQL: the row lock) before anything is read, so the
    revision and state read afterwards cannot change until this transaction commits or rolls back.
    """
    # Core, not an ORM UPDATE: nothing in the session needs synchronising with a no-op.
    table = Participant.__table__
    session.connection().execute(update(table).where(table.c.id == participant.id).values(consent=table.c.consent))
    # One SELECT reads the participant, their study and sort afresh (populate_existing: another tab, or the
    # researcher, may have changed them since this request found the participant).
    session.scalar(_BY_ID, {"id": participant.id})
    return participant.sort


@dataclass
class StepSort:
    """The participant's sort row as :func:`lock_sort_row` returned it: what a form step reads and changes
    (:func:`add_step_seconds`, :func:`complete_step`), written back by :func:`_write_step_sort`."""

    id: int | None  # None: a sort not stored yet (give_consent)
    state: str
    step: str
    step_seconds: dict[str, float] | None
    submitted_at: Any


STEP_FIELDS = ("state", "step", "step_seconds", "submitted_at")


def lock_sort_row(session: Session, participant: Participant) -> StepSort | None:
    """:func:`lock_sort` for the steps after consent, in one Core statement (as the draft save does): the no-op
    UPDATE of the sort row takes SQLite's write lock (PostgreSQL: the row lock, which drafts and submits take
    too) and RETURNING gives the row as it is now. None when there is no sort (declined in another tab)."""
    sort = Sort.__table__
    row = session.connection().execute(
        update(sort).where(sort.c.participant_id == participant.id).values(revision=sort.c.revision)
        .returning(sort.c.id, *(sort.c[name] for name in STEP_FIELDS))).first()
    return StepSort(*row) if row is not None else None


def _write_step_sort(session: Session, sort: StepSort, before: tuple) -> None:
    """Write what changed in ``sort`` since ``before`` (its STEP_FIELDS when locked)."""
    write_sort_changes(session, sort.id, {name: getattr(sort, name) for name, old in zip(STEP_FIELDS, before)
                                          if getattr(sort, name) != old})


def write_sort_changes(session: Session, sort_id: int, changes: dict[str, Any]) -> None:
    """Write changed fields of a locked sort row (the form steps, the submit): one Core UPDATE. An interview's
    sort goes through the session's Sort object instead (the flow loads it with the participant): the interview's
    timer per step listens to ``Sort.step`` on it (qsort/interviews.py) and the commit's flush writes the changes
    in one UPDATE. Only an interview's sort has such a timer; the ORM's flush costs several times the UPDATE."""
    if not changes:
        return
    loaded = session.identity_map.get(identity_key(Sort, sort_id))
    if loaded is not None and loaded.source == "interview":
        for name, value in changes.items():
            setattr(loaded, name, value)
        return
    table = Sort.__table__
    session.connection().execute(update(table).where(table.c.id == sort_id).values(**changes))


def forget_loaded_sort(session: Session, sort_id: int) -> None:
    """After a commit of Core statements on a sort: the session's Sort object (if any) may no longer hold what is
    stored (a draft from another tab, the placements), so it reloads on its next use."""
    loaded = session.identity_map.get(identity_key(Sort, sort_id))
    if loaded is not None:
        session.expire(loaded)


# --------------------------------------------------------------------------------------------------------------
# Consent
# --------------------------------------------------------------------------------------------------------------

def give_consent(session: Session, participant: Participant, language: str, seconds: float) -> str:
    """Consent given: start the sort (once, even from two tabs) and return the next step.

    Core statements: the UPDATE of the participant's row stores the consent and takes the write lock (PostgreSQL:
    the row lock) before the sort is read, so two tabs consenting at once make one sort. A new sort is inserted
    with its first step done; a sort begun earlier (another tab, an interview's) moves on like any form step."""
    table = Participant.__table__
    session.connection().execute(update(table).where(table.c.id == participant.id)
                                 .values(consent="given", consent_at=utcnow(), language=language))
    sort = lock_sort_row(session, participant)
    if sort is None:
        sort = StepSort(None, "started", "welcome", {}, None)
        add_step_seconds(sort, "welcome", seconds)
        following = complete_step(participant.study, sort, "welcome")
        session.connection().execute(insert(Sort.__table__).values(
            participant_id=participant.id, **{name: getattr(sort, name) for name in STEP_FIELDS}))
    else:
        before = tuple(getattr(sort, name) for name in STEP_FIELDS)
        add_step_seconds(sort, "welcome", seconds)
        following = complete_step(participant.study, sort, "welcome")
        _write_step_sort(session, sort, before)
    session.commit()
    session.expire(participant)  # its consent and sort, written with Core, are read afresh if read again
    if sort.id is not None:
        forget_loaded_sort(session, sort.id)
    return following


def decline_consent(session: Session, participant: Participant) -> None:
    """Consent declined: store only the refusal (and its time). A sort begun earlier is deleted with its data."""
    sort = lock_sort(session, participant)
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


def accepts_responses(participant: Participant) -> bool:
    """Only an "open" study takes responses; a studio preview participant may go through any study."""
    return participant.study.status == "open" or participant.source == PREVIEW


# --------------------------------------------------------------------------------------------------------------
# Post-sort: comments on the extreme cards, would-pay on the top ones
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    """A card as the post-sort page shows it, with the answers stored about it (None: none yet)."""

    statement_id: int
    text: str
    score: int
    ask_comment: bool
    ask_would_pay: bool
    comment: str | None = None
    would_pay: str | None = None


def extreme_cards(participant: Participant, language: str) -> list[Card]:
    """The cards in the most and least important columns (most first), with what to ask about each and what the
    participant answered before. One Core query: the end columns' placements, their statements and comments."""
    study, sort = participant.study, participant.sort
    if not study.grid_scores or sort is None:
        return []
    top, bottom = max(study.grid_scores), min(study.grid_scores)
    ask_comment = study.extreme_comments != "off"
    excluded = set(study.would_pay_excluded_tags or [])  # Statement.asks_would_pay, without loading statements
    rows = object_session(participant).connection().execute(_END_CARDS, {"sort_id": sort.id, "top": top,
                                                                         "bottom": bottom})
    cards = []
    for statement_id, score, text, translations, tags, comment, would_pay in rows:
        asks_would_pay = study.ask_would_pay and score == top and not set(tags or []) & excluded
        cards.append(Card(statement_id, (translations or {}).get(language) or text, score, ask_comment,
                          asks_would_pay, comment, would_pay))
    return cards


def _end_cards():
    placement, statement, comment = Placement.__table__, Statement.__table__, CardComment.__table__
    return (select(placement.c.statement_id, placement.c.score, statement.c.text, statement.c.translations,
                   statement.c.tags, comment.c.text, comment.c.would_pay)
            .join_from(placement, statement, statement.c.id == placement.c.statement_id)
            .outerjoin(comment, (comment.c.sort_id == placement.c.sort_id)
                       & (comment.c.statement_id == placement.c.statement_id))
            .where(placement.c.sort_id == bindparam("sort_id"),
                   placement.c.score.in_([bindparam("top"), bindparam("bottom")]))
            .order_by(placement.c.score.desc(), placement.c.slot))


_END_CARDS = _end_cards()  # built once, as _BY_TOKEN


def save_comments(session: Session, participant: Participant, entries: dict[int, dict[str, str | None]],
                  seconds: float) -> str:
    """Store the post-sort answers ``{statement_id: {"text", "would_pay"}}`` (replacing earlier ones) and advance."""
    return _save_step(session, participant, "postsort", seconds, comments_writer(session, entries))


def comments_writer(session: Session, entries: dict[int, dict[str, str | None]]) -> Callable[[StepSort], None]:
    """What stores post-sort answers on a locked sort (for :func:`_save_step` and :func:`reopen_grid`)."""
    def write(sort: StepSort) -> None:
        rows = [{"statement_id": statement_id, "text": (entry.get("text") or "").strip()[:MAX_COMMENT_LENGTH],
                 "would_pay": entry.get("would_pay") if entry.get("would_pay") in WOULD_PAY_CHOICES else None}
                for statement_id, entry in entries.items()]
        _store_rows(session, CardComment, sort, "statement_id", rows)

    return write


def forget_comments_off_the_ends(session: Session, sort_id: int, study: Study, scores: dict[int, int]) -> None:
    """After the grid was submitted again: drop the post-sort answers on cards no longer in an end column
    (a "why is this most important?" must not stay with a card that now sits in the middle). One Core DELETE
    (the submit writes with Core statements, see qsort.sorting.submit_sort)."""
    if not study.grid_scores:
        return
    ends = {max(study.grid_scores), min(study.grid_scores)}
    at_the_ends = [statement_id for statement_id, score in scores.items() if score in ends]
    comments = CardComment.__table__
    session.connection().execute(delete(comments).where(comments.c.sort_id == sort_id,
                                                        comments.c.statement_id.not_in(at_the_ends)))


# --------------------------------------------------------------------------------------------------------------
# Back to the grid before the final submit
# --------------------------------------------------------------------------------------------------------------

def may_reopen_grid(participant: Participant) -> bool:
    """Whether the participant may still change the submitted grid: it is submitted (a complete sort) but the
    last step is not done yet. A finished sort stays locked."""
    sort = participant.sort
    return sort is not None and sort.state == "sorted" and accepts_responses(participant)


def reopen_grid(session: Session, participant: Participant, write: Callable[[StepSort], None] | None = None) -> str:
    """Back from a post-sort step to the grid: store what that page holds (``write``: comments or answers typed
    so far), then the grid is a draft again (no longer a complete sort) until it is submitted again, which
    leads through the post-sort steps once more. Returns the step to show: "grid", or where the participant
    is when the grid can no longer change (the study completed, e.g. in another tab)."""
    sort = lock_sort_row(session, participant)
    if sort is None:
        session.rollback()
        return "welcome"
    if sort.state != "sorted" or not accepts_responses(participant):
        step = sort.step
        session.rollback()
        return step
    before = tuple(getattr(sort, name) for name in STEP_FIELDS)
    if write is not None:
        write(sort)
    sort.state = "presorted"
    sort.step = "grid"
    _write_step_sort(session, sort, before)
    session.commit()
    forget_loaded_sort(session, sort.id)
    return "grid"


def _save_step(session: Session, participant: Participant, step: str, seconds: float,
               write: Callable[[StepSort], None] | None = None) -> str:
    """The end of a form step: lock the sort, let ``write`` store the step's rows, record the time, advance,
    commit, and return the step that follows. A participant who declined in another tab meanwhile has no
    sort any more: nothing is saved and they go back to the welcome page."""
    sort = lock_sort_row(session, participant)
    if sort is None:
        session.rollback()
        return "welcome"
    before = tuple(getattr(sort, name) for name in STEP_FIELDS)
    if write is not None:
        write(sort)
    add_step_seconds(sort, step, seconds)
    following = complete_step(participant.study, sort, step)
    _write_step_sort(session, sort, before)
    session.commit()
    forget_loaded_sort(session, sort.id)
    return following


def _store_rows(session: Session, model, sort: StepSort, key: str, rows: list[dict[str, Any]]) -> None:
    """Store the sort's rows of ``model`` (CardComment, Answer), one per ``key`` (a statement or question id):
    a stored one is updated, a new one inserted. One Core INSERT ... ON CONFLICT DO UPDATE for all the rows
    (the table's unique (sort_id, key)), run after the sort's lock, instead of an ORM object per row."""
    if not rows:
        return
    connection = session.connection()
    statement = _upsert(connection.dialect.name, model.__table__, key, tuple(name for name in rows[0] if name != key))
    connection.execute(statement, [{"sort_id": sort.id, **row} for row in rows])


# INSERT ... ON CONFLICT (...) DO UPDATE: both engines qsort runs on have it, with the same API in SQLAlchemy.
_INSERTS = {"sqlite": sqlite_dialect.insert, "postgresql": postgresql_dialect.insert}


@functools.cache
def _upsert(dialect: str, table, key: str, changed: tuple[str, ...]):
    """The statement :func:`_store_rows` runs, built once per engine, table and columns."""
    statement = _INSERTS[dialect](table)
    return statement.on_conflict_do_update(index_elements=[table.c.sort_id, table.c[key]],
                                           set_={name: statement.excluded[name] for name in changed})


# --------------------------------------------------------------------------------------------------------------
# Questions
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AskedQuestion:
    """A question as the participant's form reads it (what :func:`qsort.questions.shown_choices` reads of a
    Question), with the participant's stored answer (None: none yet)."""

    id: int
    kind: str
    prompt: dict[str, Any]
    options: list[Any]
    settings: dict[str, Any]
    required: bool
    answer: Any = None


def questions_for(session: Session, participant: Participant, step: str) -> list[AskedQuestion]:
    """The questions asked at ``step`` (pre_questions: phase "pre"; questions: phase "post") in their order,
    with the participant's stored answers: one Core query."""
    phase = "pre" if step == "pre_questions" else "post"
    sort_id = participant.sort.id if participant.sort is not None else None
    rows = session.connection().execute(_ASKED_QUESTIONS, {"study_id": participant.study_id, "phase": phase,
                                                           "sort_id": sort_id})
    return [AskedQuestion(*row) for row in rows]


def _asked_questions():
    question, answer = Question.__table__, Answer.__table__
    return (select(question.c.id, question.c.kind, question.c.prompt, question.c.options, question.c.settings,
                   question.c.required, answer.c.value)
            .outerjoin(answer, (answer.c.question_id == question.c.id) & (answer.c.sort_id == bindparam("sort_id")))
            .where(question.c.study_id == bindparam("study_id"), question.c.phase == bindparam("phase"))
            .order_by(question.c.position, question.c.id))


_ASKED_QUESTIONS = _asked_questions()  # built once, as _BY_TOKEN


def save_answers(session: Session, participant: Participant, step: str, values: dict[int, Any],
                 seconds: float) -> str:
    """Store answers ``{question_id: value}`` (None: unanswered) for ``step``, advance, return the next step."""
    return _save_step(session, participant, step, seconds, answers_writer(session, values))


def answers_writer(session: Session, values: dict[int, Any]) -> Callable[[StepSort], None]:
    """What stores answers ``{question_id: value}`` on a locked sort (for :func:`_save_step`, :func:`reopen_grid`)."""
    def write(sort: StepSort) -> None:
        rows = [{"question_id": question_id, "value": value} for question_id, value in values.items()]
        _store_rows(session, Answer, sort, "question_id", rows)

    return write
