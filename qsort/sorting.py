"""The sorting page's JSON API (``/s/<token>/api/...``): the state the page starts from, draft saves as the
participant sorts, and the submitted grid. The ``respond`` blueprint is a thin HTTP layer over this module; the
endpoints, bodies and answers are described in docs/RESPOND_API.md.

- :func:`sort_state`: GET ``api/state``;
- :func:`parse_draft` and :func:`save_draft`: POST ``api/draft``, moves always kept; a draft built on the stored
  revision (``base_revision``) replaces the state, one built on an older revision (another device saved since) is
  merged by its new moves (:func:`merge_moves`) or refused with the stored state;
- :func:`parse_submission` and :func:`submit_sort`: POST ``api/submit``, validated against the study's grid
  (``analysis.grid.Grid``), idempotent.

Every parse function raises :class:`PayloadError` naming the field (``placements[3].score``); every save starts
by locking the sort row (:func:`_lock_sort_for_draft`, the one-statement form of
:func:`qsort.responses.lock_sort`), so two tabs saving at once are serialised (see qsort/responses.py).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from . import draft_sql
from .flow import PILES, SORTING_STEPS, STEPS, study_labels
from .models import Move, Participant, Placement, Sort, Statement, Study, utcnow
from .responses import (
    TOKEN_PATTERN,
    accepts_responses,
    complete_step,
    forget_comments_off_the_ends,
    forget_loaded_sort,
    grid_is_locked,
    step_index,
    steps_for,
    write_sort_changes,
)

MAX_MOVES_PER_SAVE = 5000
MAX_MOVES_PER_SORT = 20_000  # a person sorting 60 cards makes a few hundred; bounds the log and its pages
MAX_PLACE_LENGTH = 30  # Move.from_place / to_place
# Whole numbers in a body fit the database's 32-bit INTEGER columns; a revision leaves room for a million
# later saves above it, so no body can push the stored revision to where no later save fits.
MAX_INT = 2**31 - 1
MAX_REVISION = MAX_INT - 2**20
MAX_SLOT = 10_000


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
    base_revision: int = 0  # the stored revision this state was built on (0: built on nothing)


@dataclass
class Submission:
    """A validated grid submission: the placements and the page's revision when it sent them."""

    placements: list[dict[str, int]]
    revision: int


@dataclass
class Outcome:
    """What a draft save or a submission came to: an HTTP status and the JSON body to answer with."""

    status: int
    body: dict[str, Any]


def sort_state(participant: Participant, language: str) -> dict[str, Any]:
    """The JSON the sorting page starts from (GET /s/<token>/api/state; shape in docs/RESPOND_API.md).

    Statements, placements and the move log's last seq are read with Core statements (one each): as ORM
    objects they cost several times more, and the page needs only these plain values."""
    study, sort = participant.study, participant.sort
    session = object_session(participant)
    last_seq = session.connection().execute(
        select(func.coalesce(func.max(MOVE.c.client_seq), 0)).where(MOVE.c.sort_id == sort.id)).scalar_one()
    return {
        "study": {
            "title": study.participant_title(language),
            "language": language,
            "free_distribution": bool(study.free_distribution),
            "grid": [{"score": score, "height": height} for score, height in study.grid],
            "labels": study_labels(study, language),
            "texts": {
                "presort_instruction": study.text("presort_instruction", language),
                "sort_instruction": study.text("sort_instruction", language),
            },
        },
        "statements": participant_statements(study, language, session),
        "state": {**stored_state(sort, session), "last_seq": last_seq, "locked": grid_is_locked(participant),
                  # sent before and reopened with "Change my sort" (qsort.responses.reopen_grid): the page says so
                  "submitted_before": sort.grid_submitted_at is not None},
    }


def participant_statements(study: Study, language: str, session: Session) -> list[dict[str, Any]]:
    """The statements as a participant may see them: id and text, plus a neutral number (1..n in the study's
    order) when the study shows numbers. Never the researcher's codes ("PC01" tells that it is about price)."""
    rows = session.connection().execute(
        select(STATEMENT.c.id, STATEMENT.c.text, STATEMENT.c.translations)
        .where(STATEMENT.c.study_id == study.id).order_by(STATEMENT.c.position, STATEMENT.c.id))
    return [{"id": statement_id, "text": (translations or {}).get(language) or text,  # as Statement.text_in
             **({"number": number} if study.show_statement_numbers else {})}
            for number, (statement_id, text, translations) in enumerate(rows, 1)]


def _participant_name(study: Study, number: int, statement: Any) -> str:
    """How a message to the participant names a statement: its neutral number, or its first words."""
    if study.show_statement_numbers:
        return str(number)
    words = statement.text.split()
    return "“" + " ".join(words[:6]) + ("…" if len(words) > 6 else "") + "”"



def stored_state(sort: Sort, session: Session) -> dict[str, Any]:
    """The stored sort as the page loads it: step, revision, presort, placements (by column and slot), seconds."""
    return state_of(sort, _stored_placements(session, sort.id))


def state_of(sort: Sort | LockedSort, placements: list[dict[str, int]]) -> dict[str, Any]:
    """:func:`stored_state` of a sort row and its placements."""
    return {
        "step": sort.step if sort.step in SORTING_STEPS else "grid",
        "revision": sort.revision,
        "presort": dict(sort.presort or {}),
        "placements": sorted(placements, key=lambda p: (p["score"] or 0, p["slot"])),
        "seconds": dict(sort.step_seconds or {}),
    }


MAX_JSON_DEPTH = 8  # a draft is 4 levels deep ({"moves": [{...}]})


def parse_json_body(raw: bytes) -> Any:
    """Parse a request body as JSON for the sorting API; :class:`PayloadError` when it cannot be used.

    Refused: not UTF-8 JSON, nesting deeper than ``MAX_JSON_DEPTH`` (100,000 ``[`` stop the parser at its
    recursion limit: RecursionError), and lone UTF-16 surrogates (``"\\udc80"``), which no database stores.
    """
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise PayloadError(_("The request body must be a JSON object."), "body") from None
    _check_depth(body)
    if _may_hold_surrogates(raw):
        _check_text(body)
    return body


# A \uD800-\uDFFF escape: the only way a strict UTF-8 body can give json.loads a surrogate.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


def _may_hold_surrogates(raw: bytes) -> bool:
    """Whether a parsed string of ``raw`` may hold a UTF-16 surrogate. json.loads decodes bytes with
    "surrogatepass", so surrogates come from encoded surrogate bytes (refused by a strict decode) or from
    escapes; a page's save has neither, so the walk over every string (:func:`_check_text`) is skipped."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return SURROGATE_ESCAPE.search(raw) is not None


def _check_depth(body: Any) -> None:
    """Nothing deeper than MAX_JSON_DEPTH: no non-empty list or object at that level. Only containers are
    walked (a save holds a few hundred numbers and a few dozen containers)."""
    containers = [(body, 0)] if isinstance(body, (list, dict)) else []
    while containers:
        value, level = containers.pop()
        if value and level >= MAX_JSON_DEPTH:
            raise PayloadError(_("The request body is nested too deeply."), "body")
        for item in value.values() if isinstance(value, dict) else value:
            if isinstance(item, (list, dict)):
                containers.append((item, level + 1))


def _check_text(body: Any) -> None:
    """Every string (keys too) encodes as UTF-8; the field of the first that does not is named in the error."""
    field = _field_of_bad_text(body, "body")
    if field is not None:
        raise PayloadError(_("%(field)s contains a character that is not valid text.", field=field), field)


def _field_of_bad_text(value: Any, where: str) -> str | None:
    """Where in ``value`` a string that does not encode as UTF-8 is (``body.moves[0].from``)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where
        return None
    items = enumerate(value) if isinstance(value, list) else value.items() if isinstance(value, dict) else ()
    for key, item in items:
        here = f"{where}[{key}]" if isinstance(value, list) else f"{where}.{key}"
        found = _field_of_bad_text(key, where) if isinstance(key, str) else None
        found = found or _field_of_bad_text(item, here)
        if found:
            return found
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require_int(value: Any, where: str, minimum: int | None = None, maximum: int = MAX_INT) -> int:
    if not _is_int(value):
        raise PayloadError(_("%(field)s must be a whole number.", field=where), where)
    if minimum is not None and value < minimum:
        raise PayloadError(_("%(field)s must be at least %(minimum)s.", field=where, minimum=minimum), where)
    if value > maximum or value < -MAX_INT:
        raise PayloadError(_("%(field)s must be at most %(maximum)s.", field=where, maximum=maximum), where)
    return value


def _statement_id(value: Any, where: str, known: frozenset[int]) -> int:
    statement_id = _require_int(value, where)
    if statement_id not in known:
        raise PayloadError(_("%(field)s: statement %(id)s is not in this study.", field=where, id=statement_id),
                           where)
    return statement_id


# Statement ids of open studies: (database, study id, study.updated_at) -> ids. Statements cannot be added or
# removed while a study is open (qsort.studies.ensure_editable), and closing or reopening it changes updated_at,
# so a key never goes stale. Bounded: cleared when it grows past STATEMENT_CACHE_SIZE studies.
_open_study_statements: dict[tuple[str, int, datetime], frozenset[int]] = {}
STATEMENT_CACHE_SIZE = 1000


def statement_ids(study: Study | SortingStudy, session: Session | None = None) -> frozenset[int]:
    """The ids of the study's statements: from the loaded statements, else from the cache of open studies, else
    one small query (no texts). ``session``: for a :class:`SortingStudy`, which belongs to none."""
    if "statements" in study.__dict__:
        return frozenset(s.id for s in study.statements)
    session = session or object_session(study)
    key = (str(session.get_bind().url), study.id, study.updated_at)
    ids = _open_study_statements.get(key) if study.status == "open" else None
    if ids is None:
        ids = frozenset(session.scalars(select(Statement.id).where(Statement.study_id == study.id)))
        if study.status == "open":
            if len(_open_study_statements) >= STATEMENT_CACHE_SIZE:
                _open_study_statements.clear()
            _open_study_statements[key] = ids
    return ids


def parse_placements(study: Study, value: Any, where: str = "placements",
                     known: frozenset[int] | None = None) -> list[dict[str, int]]:
    """Check a list of ``{"statement_id", "score", "slot"}``: the study's statements, each once, grid scores."""
    if not isinstance(value, list):
        raise PayloadError(_("%(field)s must be a list.", field=where), where)
    known = statement_ids(study) if known is None else known
    scores = frozenset(study.grid_scores)
    seen: set[int] = set()
    placements = []
    for i, item in enumerate(value):
        placement = _plain_placement(item, known, scores, seen) or _placement(item, f"{where}[{i}]", known, scores,
                                                                              seen)
        seen.add(placement["statement_id"])
        placements.append(placement)
    return placements


def _plain_placement(item: Any, known: frozenset[int], scores: frozenset[int],
                     seen: set[int]) -> dict[str, int] | None:
    """The placement when every value of ``item`` is right (what a page sends), in few Python steps; None when
    something is wrong, for :func:`_placement` to say what."""
    if type(item) is not dict:
        return None
    statement_id, score, slot = item.get("statement_id"), item.get("score"), item.get("slot", 0)
    # type() is int: a bool is an int to isinstance, and True is no statement id
    if type(statement_id) is int and statement_id in known and statement_id not in seen \
            and type(score) is int and score in scores and type(slot) is int and 0 <= slot <= MAX_SLOT:
        return {"statement_id": statement_id, "score": score, "slot": slot}
    return None


def _placement(item: Any, here: str, known: frozenset[int], scores: frozenset[int],
               seen: set[int]) -> dict[str, int]:
    """One placement checked value by value; :class:`PayloadError` naming the first wrong field."""
    if not isinstance(item, dict):
        raise PayloadError(_("%(field)s must be an object.", field=here), here)
    statement_id = _statement_id(item.get("statement_id"), f"{here}.statement_id", known)
    if statement_id in seen:
        raise PayloadError(_("%(field)s: statement %(id)s is placed twice.",
                             field=f"{here}.statement_id", id=statement_id), f"{here}.statement_id")
    score = _require_int(item.get("score"), f"{here}.score")
    if score not in scores:
        raise PayloadError(_("%(field)s: %(score)s is not a column of the grid.",
                             field=f"{here}.score", score=score), f"{here}.score")
    slot = _require_int(item.get("slot", 0), f"{here}.slot", minimum=0, maximum=MAX_SLOT)
    return {"statement_id": statement_id, "score": score, "slot": slot}


def _parse_presort(study: Study, value: Any, known_ids: frozenset[int]) -> dict[str, str]:
    if not isinstance(value, dict):
        raise PayloadError(_("%(field)s must be an object.", field="presort"), "presort")
    known = {str(i) for i in known_ids}
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


def _parse_moves(study: Study, value: Any, known: frozenset[int]) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise PayloadError(_("%(field)s must be a list.", field="moves"), "moves")
    if len(value) > MAX_MOVES_PER_SAVE:
        raise PayloadError(_("%(field)s: at most %(n)s per save.", field="moves", n=MAX_MOVES_PER_SAVE), "moves")
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


def parse_draft(study: Study | SortingStudy, body: Any, session: Session | None = None) -> Draft:
    """Validate a draft body (POST /api/draft). Raises :class:`PayloadError` naming the field."""
    if not isinstance(body, dict):
        raise PayloadError(_("The request body must be a JSON object."), "body")
    revision = _require_int(body.get("revision"), "revision", minimum=0, maximum=MAX_REVISION)
    base_revision = _require_int(body.get("base_revision", 0), "base_revision", minimum=0, maximum=MAX_INT)
    step = body.get("step")
    if step not in SORTING_STEPS:
        raise PayloadError(_("%(field)s must be one of: %(choices)s.", field="step",
                             choices=", ".join(SORTING_STEPS)), "step")
    known = statement_ids(study, session)
    presort = _parse_presort(study, body["presort"], known) if body.get("presort") is not None else None
    placements = parse_placements(study, body["placements"], known=known) \
        if body.get("placements") is not None else None
    moves = _parse_moves(study, body.get("moves") or [], known)
    seconds = _parse_seconds(body.get("seconds") or {})
    return Draft(revision, step, presort, placements, moves, seconds, base_revision)


def parse_submission(study: Study, body: Any) -> Submission:
    """Validate a submission body (POST /api/submit). Raises :class:`PayloadError` naming the field."""
    if not isinstance(body, dict):
        raise PayloadError(_("The request body must be a JSON object."), "body")
    placements = parse_placements(study, body.get("placements"))
    revision = _require_int(body.get("revision", 0), "revision", minimum=0, maximum=MAX_REVISION)
    return Submission(placements, revision)


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


# The draft path reads and writes with the SQL of qsort/draft_sql.py (no ORM objects, no unit-of-work flush, no
# statement built per call): a draft save is the most frequent request of the app (one every ~2 s per participant).
# The state and submit read and write with Core statements on these tables.
SORT, MOVE, PLACEMENT, STATEMENT = Sort.__table__, Move.__table__, Placement.__table__, Statement.__table__


@dataclass(frozen=True)
class SortingStudy:
    """What the draft path reads of a study. ``grid_scores``: the grid's columns."""

    id: int
    status: str
    updated_at: datetime
    grid_scores: list[int]


@dataclass(frozen=True)
class Sorter:
    """The participant saving a draft, as :func:`qsort.responses.accepts_responses` reads one: ``id``, ``source``
    and ``study``. One query by token (:func:`find_sorter`) instead of two ORM objects: on this path the
    ORM's loading cost more than every statement of the save itself."""

    id: int
    source: str
    study: SortingStudy
    sort_step: str | None = None  # the sort as it was read, unlocked: only a hint (the save locks and reads again)
    sort_revision: int | None = None


def find_sorter(session: Session, token: str) -> Sorter | None:
    """The participant whose link this is, with their study; None for a malformed or unknown token."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    row = draft_sql.find_sorter(session.connection(), token)
    if row is None:
        return None
    participant_id, source, sort_step, sort_revision, *study = row
    return Sorter(participant_id, source, SortingStudy(*study), sort_step, sort_revision)


@dataclass
class LockedSort:
    """The participant's sort row as the draft path's lock returned it, plus the length of its move log.

    It has the attributes :func:`_not_sorting` reads and :func:`qsort.responses.complete_step` changes; the save
    writes what changed back with one UPDATE (:func:`_write_sort`)."""

    id: int
    state: str
    step: str
    revision: int
    presort: dict[str, str] | None
    step_seconds: dict[str, float] | None
    submitted_at: datetime | None
    move_count: int


def _append_moves(session: Session, sort_id: int, moves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Append the moves not stored yet and return them, in seq order. A move is a repeat when its seq, card
    and time match a stored one (a resend after a lost response); a second device that restarts its seq still
    has its moves kept. One SELECT of the candidates, one bulk INSERT for the new ones."""
    if not moves:
        return []
    connection = session.connection()
    stored = draft_sql.moves_among(connection, sort_id, {move["seq"] for move in moves})
    new = []
    for move in sorted(moves, key=lambda m: m["seq"]):
        key = (move["seq"], move["statement_id"], move["client_time"])
        if key in stored:
            continue
        stored.add(key)
        new.append(move)
    if new:
        recorded_at = utcnow()
        draft_sql.insert_moves(connection, [
            {"sort_id": sort_id, "statement_id": m["statement_id"], "from_place": m["from"], "to_place": m["to"],
             "client_seq": m["seq"], "client_time": m["client_time"], "recorded_at": recorded_at} for m in new])
    return new


def _write_placements(session: Session, sort_id: int, placements: list[dict[str, int]],
                      stored: list[dict[str, int]] | None = None) -> None:
    """Only the rows that changed (no objects; see draft_sql.write_placements). The caller expires an ORM Sort's
    ``placements``."""
    draft_sql.write_placements(session.connection(), sort_id, placements, stored)


def _stored_placements(session: Session, sort_id: int) -> list[dict[str, int]]:
    return draft_sql.stored_placements(session.connection(), sort_id)


def merge_moves(state: dict[str, Any], moves: list[dict[str, Any]],
                grid_scores: set[int]) -> tuple[dict[str, str], list[dict[str, int]]] | None:
    """Apply another device's moves on top of the stored state; None when they conflict with it.

    ``state`` is :func:`stored_state`; ``moves`` are in seq order, with ``from``/``to`` places ("deck",
    "pile:<pile>", "grid:<score>"). A move conflicts when its card is no longer where that device saw it
    (``from`` is not the card's stored place: the other device moved it too) or when its ``to`` is no place
    of this study. A card moved into a column goes to the column's end. Returns (presort, placements).
    """
    presort = {str(k): v for k, v in state["presort"].items()}
    columns: dict[int, list[int]] = {score: [] for score in grid_scores}
    for p in sorted(state["placements"], key=lambda p: (p["score"], p["slot"])):
        columns.setdefault(p["score"], []).append(p["statement_id"])
    where = {int(k): f"pile:{v}" for k, v in presort.items()}
    where.update({sid: f"grid:{score}" for score, ids in columns.items() for sid in ids})
    for move in moves:
        card, to = move["statement_id"], move["to"]
        if move["from"] != where.get(card, "deck"):
            return None
        if to.startswith("grid:"):
            try:
                score = int(to[5:])
            except ValueError:
                return None
            if score not in grid_scores:
                return None
        elif to != "deck" and not (to.startswith("pile:") and to[5:] in PILES):
            return None
        if where.get(card, "").startswith("grid:"):
            columns[int(where[card][5:])].remove(card)
        if to.startswith("grid:"):
            columns[int(to[5:])].append(card)  # the presort pile stays, as on the page
        elif to.startswith("pile:"):
            presort[str(card)] = to[5:]
        else:
            presort.pop(str(card), None)
        where[card] = to
    placements = [{"statement_id": sid, "score": score, "slot": slot}
                  for score, ids in sorted(columns.items()) for slot, sid in enumerate(ids)]
    return presort, placements


def save_draft(session: Session, participant: Participant | Sorter, draft: Draft) -> Outcome:
    """Save a draft in one transaction. The moves are always logged (deduplicated). Then:

    - built on the stored revision (``base_revision``): its state replaces the stored one;
    - built on an older one (another device saved since): its new moves are applied on top of the stored
      state (:func:`merge_moves`), answered with ``"merged": true`` and the resulting ``state`` to load;
    - when those moves conflict: nothing but the moves changes, 409 ``{"conflict": true, "state"}``.

    A client cannot win by raising its ``revision``: only ``base_revision`` decides. The stored revision then
    becomes ``max(stored + 1, revision)``. 200 ``{"ok": true, "revision"}``; 409 without ``revision`` when the
    grid is already submitted or the instructions are not done yet.

    The hot path of the app: the SQL of qsort/draft_sql.py, 7 statements on a plain save (lock, moves seen, moves
    added, placements deleted and added, the sort updated, COMMIT), counted by tests/app/test_save_path.py.
    """
    sort = _lock_sort_for_draft(session, participant)
    refusal = _draft_refusal(participant, sort, draft)
    if refusal is not None:
        session.rollback()
        return refusal
    new_moves = _append_moves(session, sort.id, draft.moves)
    merged = draft.base_revision != sort.revision
    presort, placements = draft.presort, draft.placements
    stored_rows = None
    if merged:
        stored_rows = _stored_placements(session, sort.id)
        stored = state_of(sort, stored_rows)
        result = merge_moves(stored, new_moves, set(participant.study.grid_scores))
        if result is None:
            session.commit()
            return Outcome(409, {"ok": False, "conflict": True, "revision": sort.revision, "state": stored,
                                 "error": _("This sort was changed on another device or tab. The latest saved "
                                            "version is shown; your last changes here clashed with it and "
                                            "were not kept.")})
        presort, placements = result
    _store_draft(session, participant, sort, draft, presort, placements, stored_rows)
    forget_loaded_sort(session, sort.id)
    if merged:
        return Outcome(200, {"ok": True, "revision": sort.revision, "merged": True, "state": state_of(sort, placements),
                             "message": _("This sort was also changed on another device or tab; your changes "
                                          "were combined with it and saved.")})
    return Outcome(200, {"ok": True, "revision": sort.revision})


def save_plain_draft(session: Session, sorter: Sorter, draft: Draft) -> dict[str, Any] | None:
    """:func:`save_draft` for the usual save alone, which needs no word for a person to read (qsort/draft_wsgi.py):
    built on the stored revision, of a sort that is sorting and stays in its step. Stored exactly as save_draft
    stores it; answered with save_draft's 200 body. None for any other save, with nothing stored (the lock is
    rolled back): save_draft then answers it, in the participant's language.

    The usual declines (a merge, the first save on the grid) are seen in the sort as :func:`find_sorter` read it,
    before the lock: they end with nothing written, so their transaction ends with COMMIT. A rollback would make
    psycopg drop every statement it prepared on the connection (see qsort/db.py close_session)."""
    if draft.base_revision != sorter.sort_revision or _enters_grid(draft, sorter.sort_step):
        return None
    sort = _lock_sort_for_draft(session, sorter)
    if (_draft_refusal(sorter, sort, draft) is not None or draft.base_revision != sort.revision
            or _enters_grid(draft, sort.step)):
        session.rollback()
        return None
    _append_moves(session, sort.id, draft.moves)
    _store_draft(session, sorter, sort, draft, draft.presort, draft.placements)
    return {"ok": True, "revision": sort.revision}


def _store_draft(session: Session, participant: Participant | Sorter, sort: LockedSort, draft: Draft,
                 presort: dict[str, str] | None, placements: list[dict[str, int]] | None,
                 stored_rows: list[dict[str, int]] | None = None) -> None:
    """Write the draft's placements (those that changed) and its sort row, and commit: the end of every save that
    is stored, plain or merged (``stored_rows``: the placements as read for the merge)."""
    if placements is not None:
        _write_placements(session, sort.id, placements, stored_rows)
    _write_sort(session, participant, sort, draft, presort)
    session.commit()


def _draft_refusal(participant: Participant | Sorter, sort: LockedSort | None, draft: Draft) -> Outcome | None:
    """Why this draft cannot be saved (409: not sorting or already on the grid's submit; 413: move log full)."""
    refusal = _not_sorting(participant, sort)
    if refusal is None and sort.state == "sorted":
        refusal = Outcome(409, {"ok": False, "error": _("This sort has already been submitted.")})
    if refusal is None and draft.moves and sort.move_count + len(draft.moves) > MAX_MOVES_PER_SORT:
        refusal = Outcome(413, {"ok": False, "too_many_moves": True, "field": "moves",
                                "error": _("This sort's move log is full (%(n)s moves): save it again without "
                                           "moves; its cards are kept, further moves are not logged.",
                                           n=MAX_MOVES_PER_SORT)})
    return refusal


def _enters_grid(draft: Draft, step: str | None) -> bool:
    """The first save on the grid (the sort's ``step`` is presort): it completes the presort step (through the
    ORM, :func:`_write_sort`)."""
    return draft.step == "grid" and step == "presort"


def _lock_sort_for_draft(session: Session, participant: Participant | Sorter) -> LockedSort | None:
    """:func:`qsort.responses.lock_sort` in one statement, for the hot path: the no-op UPDATE of the sort row
    takes the write lock (SQLite) or the row lock (PostgreSQL) and RETURNING gives the sort as it is now, with
    the length of its move log. The participant and study were read at the start of this request.

    On PostgreSQL the count comes from the statement's snapshot: two devices saving at the very same moment may
    pass MAX_MOVES_PER_SORT by one save's moves (the cap bounds the log; it need not be exact)."""
    row = draft_sql.lock_sort(session.connection(), participant.id, utcnow())
    return LockedSort(*row) if row is not None else None


def _write_sort(session: Session, participant: Participant | Sorter, sort: LockedSort, draft: Draft,
                presort: dict[str, str] | None) -> None:
    """The sort row after the draft: the new revision, the larger running seconds, the presort if sent, and the
    step moved on when the draft is the first one on the grid. One UPDATE of what changed."""
    changes: dict[str, Any] = {"revision": min(max(sort.revision + 1, draft.revision), MAX_INT)}
    totals = dict(sort.step_seconds or {})
    for step, seconds in draft.seconds.items():
        # The page sends its running total for the step (it starts from state.seconds); keep the larger.
        totals[step] = round(max(float(totals.get(step, 0.0)), seconds), 1)
    if totals != sort.step_seconds:
        changes["step_seconds"] = totals
    if presort is not None:
        changes["presort"] = presort
    if _enters_grid(draft, sort.step):
        before = (sort.step, sort.state, sort.submitted_at)
        complete_step(session.get(Study, participant.study.id), sort, "presort")  # once per sort: ORM is fine
        changes.update({name: getattr(sort, name) for name, old in zip(("step", "state", "submitted_at"), before)
                        if getattr(sort, name) != old})
    for name, value in changes.items():
        setattr(sort, name, value)
    draft_sql.update_sort(session.connection(), sort.id, {**changes, "updated_at": utcnow()})


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
    missing = []
    if not statement_ids(study) <= placed:  # (cached ids: the statements themselves only to name the missing)
        # never the codes: they reveal the category scheme to the participant
        missing = [_participant_name(study, number, s) for number, s in enumerate(study.statements, 1)
                   if s.id not in placed]
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


def submit_sort(session: Session, participant: Participant, submission: Submission) -> tuple[Outcome, str | None]:
    """Submit the grid: validate, store, move on. Returns the outcome and the next step (None when refused).

    Idempotent: the same placements again give 200 again; different ones after submission 409 with the next step
    (the first submission stands; so does 409 once the whole study is completed). A refused sort
    (422) leaves the stored draft as it was.

    Core statements, as the draft path (:func:`save_draft`): the lock returns the sort row, so two submits at
    once are serialised and the second sees the first one's "sorted"; the sort row's changes go through
    :func:`qsort.responses.write_sort_changes` (an interview's timer hears of the new step). 6 statements and
    COMMIT on a first submit (counted by tests/app/test_flow_queries.py).
    """
    placements = submission.placements
    sort = _lock_sort_for_draft(session, participant)
    refusal = _not_sorting(participant, sort)
    if refusal is not None:
        session.rollback()
        # Completed (in another tab): the page moves on to the end ("next") instead of showing an error.
        return refusal, "done" if sort is not None and sort.state == "submitted" else None
    steps = steps_for(participant.study)
    following = steps[step_index(steps, "grid") + 1]
    if sort.state == "sorted":
        stored = {p["statement_id"]: p["score"] for p in _stored_placements(session, sort.id)}
        session.rollback()
        if {p["statement_id"]: p["score"] for p in placements} == stored:
            return Outcome(200, {"ok": True}), following
        # Submitted from another tab with other cards: the first submission stands; this tab moves on.
        return Outcome(409, {"ok": False, "error": _("This sort has already been submitted.")}), following
    problems = grid_problems(participant.study, placements)
    if problems:
        session.rollback()
        return Outcome(422, {"ok": False, "error": problems[0], "problems": problems}), None
    _write_placements(session, sort.id, placements)
    # submitted again after going back to the grid: answers about cards that left the ends go
    forget_comments_off_the_ends(session, sort.id, participant.study,
                                 {p["statement_id"]: p["score"] for p in placements})
    before = {"revision": sort.revision, "state": sort.state, "step": sort.step, "submitted_at": sort.submitted_at}
    sort.revision = min(max(sort.revision + 1, submission.revision), MAX_INT)
    if sort.state == "started":
        sort.state = "presorted"
    following = complete_step(participant.study, sort, "grid")
    if sort.state != "submitted":
        sort.state = "sorted"
    changes = {name: getattr(sort, name) for name, old in before.items() if getattr(sort, name) != old}
    # kept when the participant goes back to the grid: the page then says this sort was sent before
    changes["grid_submitted_at"] = utcnow()
    write_sort_changes(session, sort.id, changes)
    session.commit()
    forget_loaded_sort(session, sort.id)
    return Outcome(200, {"ok": True}), following
