"""The door check of a whole-study JSON (``qsort import``): every value the pages rely on, in one place, before
anything is written.

:func:`check_study_document` walks the document once and raises :class:`ExchangeError` at the first value that
does not fit, naming its JSON path (``participants[3].sort.step``) and what was expected. What passes is a study
whose every page renders: known steps, states, languages and question kinds; a grid of whole numbers whose
heights match the statements; numbers within the database's bounds; placements on known statements and inside
the grid; unique participant codes; readable timestamps; texts that are strings a database can store.
"""
from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from ..flow import LABEL_NAMES, LANGUAGES, PILES, PREVIEW, SORT_STATES, STEPS
from ..models import COMMENT_MODES, NOTE_KINDS, QUESTION_KINDS, SORT_SOURCES, STUDY_STATES, WOULD_PAY_CHOICES
from ..open_link import RESUME_ALPHABET, RESUME_SECRET_LENGTH
from ..questions import QUESTION_PHASES
from ..sorting import MAX_INT, MAX_MOVES_PER_SORT as MAX_MOVES, MAX_REVISION, MAX_SLOT
from ..studies import MAX_SCORE, MAX_STATEMENTS, StudyError, validate_redirect_url
from .errors import ExchangeError

MAX_DEPTH = 12  # the deepest part of an export is an answer list inside a sort inside a participant: 6 levels
MAX_SECONDS = 10**8  # time spent on a step: three years is already nonsense
MAX_ANSWER_NUMBER = 10**15  # what a number answer may hold (qsort.responses keeps them exact below this)
PARTICIPANT_SOURCES = ("invite", "open", "import", "interview")
CONSENTS = ("given", "declined")
TEXT_LIMITS = {"title": 300, "code": 100, "name": 200, "email": 254, "from": 30, "to": 30}


def check_study_document(document: Any) -> None:
    """Raise ExchangeError naming the first value of ``document`` that a study cannot hold (see the module)."""
    _check_texts_and_depth(document, "", 0)
    _dict(document, "the document")
    from .study_json import STUDY_JSON_FORMAT, STUDY_JSON_VERSION

    if document.get("format") != STUDY_JSON_FORMAT:
        raise ExchangeError(f"format: expected {STUDY_JSON_FORMAT!r} (a file from 'qsort export --format json'), "
                            f"found {document.get('format')!r}")
    if document.get("version") != STUDY_JSON_VERSION:
        raise ExchangeError(f"version: this installation reads version {STUDY_JSON_VERSION}, "
                            f"the file is version {document.get('version')!r}")
    statements = _list(document.get("statements"), "statements")
    if len(statements) > MAX_STATEMENTS:
        raise ExchangeError(f"statements: {len(statements)} statements, a study holds at most {MAX_STATEMENTS}")
    settings = _dict(document.get("study"), "study")
    languages = _check_settings(settings, len(statements))
    for k, item in enumerate(statements):
        _check_statement(item, f"statements[{k}]", languages)
    codes = [s.get("code", "").strip().lower() for s in statements if s.get("code", "").strip()]
    if len(set(codes)) != len(codes):
        twice = next(c for c in codes if codes.count(c) > 1)
        raise ExchangeError(f"statements: the code {twice!r} appears twice (codes match imported sorts)")
    questions = _list(document.get("questions", []), "questions")
    for k, item in enumerate(questions):
        _check_question(item, f"questions[{k}]")
    grid = dict(zip(settings.get("grid_scores", []), settings.get("grid_heights", [])))
    forced = bool(grid) and not settings.get("free_distribution", False)
    seen_codes: dict[str, int] = {}
    for k, item in enumerate(_list(document.get("participants", []), "participants")):
        where = f"participants[{k}]"
        _check_participant(item, where)
        code = item.get("code")
        if code is not None:
            if code.strip().lower() in seen_codes:
                raise ExchangeError(f"{where}.code: {code!r} is also the code of participants"
                                    f"[{seen_codes[code.strip().lower()]}] (codes are compared without case)")
            seen_codes[code.strip().lower()] = k
        if item.get("sort") is not None:
            _check_sort(item["sort"], f"{where}.sort", len(statements), len(questions), grid, forced)


# -- the study's settings ------------------------------------------------------------------------------------

def _check_settings(settings: dict, n_statements: int) -> list[str]:
    """The study's own fields; returns its languages."""
    _text(settings.get("title"), "study.title", empty=False)
    _choice(settings.get("status", "draft"), STUDY_STATES, "study.status")
    languages = _list(settings.get("languages", ["en"]), "study.languages")
    if not languages:
        raise ExchangeError("study.languages: a study has at least one language")
    for k, language in enumerate(languages):
        _choice(language, tuple(LANGUAGES), f"study.languages[{k}]")
    if len(set(languages)) != len(languages):
        raise ExchangeError("study.languages: a language appears twice")
    if settings.get("default_language", "en") not in languages:
        raise ExchangeError(f"study.default_language: {settings.get('default_language', 'en')!r} is not one of "
                            f"the study's languages ({', '.join(languages)})")
    for name, value in _dict(settings.get("texts", {}), "study.texts").items():
        _by_language(value, f"study.texts.{name}", allow_plain=True)
    for name, value in _dict(settings.get("labels", {}), "study.labels").items():
        _choice(name, LABEL_NAMES, f"study.labels.{name}")
        _by_language(value, f"study.labels.{name}")
    _check_grid(settings, n_statements)
    for name in ("free_distribution", "ask_would_pay", "open_link_enabled", "show_statement_numbers"):
        if name in settings:
            _bool(settings[name], f"study.{name}")
    _choice(settings.get("extreme_comments", "optional"), COMMENT_MODES, "study.extreme_comments")
    if settings.get("redirect_url") not in (None, ""):
        try:
            validate_redirect_url(_text(settings["redirect_url"], "study.redirect_url"))
        except StudyError as error:
            raise ExchangeError(f"study.redirect_url: {error}") from None
    if settings.get("open_link_token") is not None:
        _text(settings["open_link_token"], "study.open_link_token", limit=64)
    for k, item in enumerate(_list(settings.get("interview_guide", []), "study.interview_guide")):
        _by_language(item, f"study.interview_guide[{k}]", allow_plain=True)
    for k, tag in enumerate(_list(settings.get("would_pay_excluded_tags", []), "study.would_pay_excluded_tags")):
        _text(tag, f"study.would_pay_excluded_tags[{k}]", limit=100)
    status = settings.get("status", "draft")
    if status != "draft" and n_statements < 3:
        raise ExchangeError(f"study.status: a {status} study has at least 3 statements, the file has {n_statements}")
    return languages


def _check_grid(settings: dict, n_statements: int) -> None:
    scores = _list(settings.get("grid_scores", []), "study.grid_scores")
    heights = _list(settings.get("grid_heights", []), "study.grid_heights")
    for k, score in enumerate(scores):
        _int(score, f"study.grid_scores[{k}]", -MAX_SCORE, MAX_SCORE)
    for k, height in enumerate(heights):
        _int(height, f"study.grid_heights[{k}]", 0, MAX_STATEMENTS)
    if len(scores) != len(heights):
        raise ExchangeError(f"study.grid_heights: {len(heights)} heights for {len(scores)} scores (one per column)")
    if scores and scores != list(range(scores[0], scores[0] + len(scores))):
        raise ExchangeError(f"study.grid_scores: {scores} is not a run of whole numbers, lowest first")
    if scores and len(scores) < 2:
        raise ExchangeError("study.grid_scores: a grid has at least two columns")
    status = settings.get("status", "draft")
    if not scores and status != "draft":
        raise ExchangeError(f"study.grid_scores: a {status} study needs a grid")
    if scores and not settings.get("free_distribution", False):
        if sum(heights) != n_statements:
            raise ExchangeError(f"study.grid_heights: the heights add up to {sum(heights)}, the study has "
                                f"{n_statements} statements (a forced grid has a place for each)")
        if 0 in heights:
            raise ExchangeError(f"study.grid_heights[{heights.index(0)}]: a column of a forced grid holds at least "
                                "one card")


def _check_statement(item: Any, where: str, languages: list[str]) -> None:
    _dict(item, where)
    _text(item.get("code", ""), f"{where}.code", limit=40)
    _text(item.get("text"), f"{where}.text", empty=False, limit=5000)
    for k, tag in enumerate(_list(item.get("tags", []), f"{where}.tags")):
        _text(tag, f"{where}.tags[{k}]", limit=100)
    _by_language(item.get("translations", {}), f"{where}.translations")


def _check_question(item: Any, where: str) -> None:
    _dict(item, where)
    _choice(item.get("phase", "post"), QUESTION_PHASES, f"{where}.phase")
    kind = _choice(item.get("kind", "text"), QUESTION_KINDS, f"{where}.kind")
    _by_language(item.get("prompt", {}), f"{where}.prompt")
    if "required" in item:
        _bool(item["required"], f"{where}.required")
    for k, option in enumerate(_list(item.get("options", []), f"{where}.options")):
        at = f"{where}.options[{k}]"
        _dict(option, at)
        _text(option.get("value"), f"{at}.value", empty=False, limit=100)
        _by_language(option.get("label"), f"{at}.label")
    settings = _dict(item.get("settings", {}), f"{where}.settings")
    if kind == "number":
        for name in ("min", "max"):
            if settings.get(name) is not None:
                _int(settings[name], f"{where}.settings.{name}", -MAX_ANSWER_NUMBER, MAX_ANSWER_NUMBER)
    if kind == "likert":
        points = _int(settings.get("points", 5), f"{where}.settings.points", 2, 11)
        labels = settings.get("labels")
        if labels is not None:
            if len(_list(labels, f"{where}.settings.labels")) != points:
                raise ExchangeError(f"{where}.settings.labels: {len(labels)} labels for {points} points")
            for k, label in enumerate(labels):
                _by_language(label, f"{where}.settings.labels[{k}]")
        for end in ("low", "high"):
            if end in settings:
                _by_language(settings[end], f"{where}.settings.{end}")


# -- participants and their sorts ------------------------------------------------------------------------------

def _check_participant(item: Any, where: str) -> None:
    _dict(item, where)
    if item.get("code") is not None:
        _text(item["code"], f"{where}.code", empty=False, limit=TEXT_LIMITS["code"])
    for name in ("name", "email"):
        if item.get(name) is not None:
            _text(item[name], f"{where}.{name}", limit=TEXT_LIMITS[name])
    for key, value in _dict(item.get("attributes", {}), f"{where}.attributes").items():
        if not (value is None or isinstance(value, str) or _is_number(value) or isinstance(value, bool)):
            raise ExchangeError(f"{where}.attributes.{key}: expected a text or a number, found "
                                f"{type(value).__name__}")
    if item.get("source") not in (None, ""):
        if item["source"] == PREVIEW:
            raise ExchangeError(f"{where}.source: preview participants are never exported nor imported")
        _choice(item["source"], PARTICIPANT_SOURCES, f"{where}.source")
    if item.get("language") is not None:
        _choice(item["language"], tuple(LANGUAGES), f"{where}.language")
    if item.get("consent") is not None:
        _choice(item["consent"], CONSENTS, f"{where}.consent")
    for name in ("consent_at", "created_at"):
        _moment(item.get(name), f"{where}.{name}")
    if item.get("token") is not None:
        _text(item["token"], f"{where}.token", limit=64)
    if item.get("resume_secret") is not None:
        secret = _text(item["resume_secret"], f"{where}.resume_secret")
        if len(secret) != RESUME_SECRET_LENGTH or any(ch not in RESUME_ALPHABET for ch in secret):
            raise ExchangeError(f"{where}.resume_secret: {_show(secret)} is not a resume secret "
                                f"({RESUME_SECRET_LENGTH} of {RESUME_ALPHABET})")


def _check_sort(item: Any, where: str, n_statements: int, n_questions: int, grid: dict[int, int],
                forced: bool) -> None:
    _dict(item, where)
    state = _choice(item.get("state", "started"), SORT_STATES, f"{where}.state")
    _choice(item.get("step", "welcome"), STEPS, f"{where}.step")
    if item.get("revision") is not None:
        _int(item["revision"], f"{where}.revision", 0, MAX_REVISION)
    for key, pile in _dict(item.get("presort", {}), f"{where}.presort").items():
        if not key.isdigit() or int(key) >= n_statements:
            raise ExchangeError(f"{where}.presort.{key}: not the index of one of the {n_statements} statements")
        _choice(pile, PILES, f"{where}.presort.{key}")
    for step, seconds in _dict(item.get("step_seconds", {}), f"{where}.step_seconds").items():
        if not _is_number(seconds) or not 0 <= seconds <= MAX_SECONDS:
            raise ExchangeError(f"{where}.step_seconds.{step}: expected a number of seconds from 0 to "
                                f"{MAX_SECONDS}, found {_show(seconds)}")
    if item.get("entered_by") is not None:
        _text(item["entered_by"], f"{where}.entered_by", limit=254)
    if item.get("source") not in (None, ""):
        _choice(item["source"], SORT_SOURCES, f"{where}.source")
    for name in ("started_at", "updated_at", "submitted_at", "grid_submitted_at"):
        _moment(item.get(name), f"{where}.{name}")
    _check_placements(item.get("placements", []), f"{where}.placements", n_statements, grid, forced,
                      complete=state in ("sorted", "submitted"))
    moves = _list(item.get("moves", []), f"{where}.moves")
    if len(moves) > MAX_MOVES:
        raise ExchangeError(f"{where}.moves: {len(moves)} moves, a sort keeps at most {MAX_MOVES}")
    for k, move in enumerate(moves):
        at = f"{where}.moves[{k}]"
        _dict(move, at)
        _index(move.get("statement"), n_statements, f"{at}.statement")
        for name in ("from", "to"):
            _text(move.get(name, ""), f"{at}.{name}", limit=TEXT_LIMITS[name])
        if move.get("seq") is not None:
            _int(move["seq"], f"{at}.seq", 0, MAX_INT)
        for name in ("client_time", "recorded_at"):
            _moment(move.get(name), f"{at}.{name}")
    commented: set[int] = set()
    for k, comment in enumerate(_list(item.get("comments", []), f"{where}.comments")):
        at = f"{where}.comments[{k}]"
        _dict(comment, at)
        statement = _index(comment.get("statement"), n_statements, f"{at}.statement")
        if statement in commented:
            raise ExchangeError(f"{at}.statement: a second comment on statement {statement}")
        commented.add(statement)
        if comment.get("text") is not None:
            _text(comment["text"], f"{at}.text", limit=20_000)
        if comment.get("would_pay") is not None:
            _choice(comment["would_pay"], WOULD_PAY_CHOICES, f"{at}.would_pay")
    answered: set[int] = set()
    for k, answer in enumerate(_list(item.get("answers", []), f"{where}.answers")):
        at = f"{where}.answers[{k}]"
        _dict(answer, at)
        question = _index(answer.get("question"), n_questions, f"{at}.question")
        if question in answered:
            raise ExchangeError(f"{at}.question: a second answer to question {question}")
        answered.add(question)
        _check_answer_value(answer.get("value"), f"{at}.value")
    for k, note in enumerate(_list(item.get("notes", []), f"{where}.notes")):
        at = f"{where}.notes[{k}]"
        _dict(note, at)
        if note.get("statement") is not None:
            _index(note["statement"], n_statements, f"{at}.statement")
        _text(note.get("text", ""), f"{at}.text", limit=20_000)
        if note.get("author") is not None:
            _text(note["author"], f"{at}.author", limit=254)
        if note.get("kind") is not None:
            _choice(note["kind"], NOTE_KINDS, f"{at}.kind")
        for name in ("created_at", "updated_at"):
            _moment(note.get(name), f"{at}.{name}")


def _check_placements(value: Any, where: str, n_statements: int, grid: dict[int, int], forced: bool,
                      complete: bool) -> None:
    placed: set[int] = set()
    cells: set[tuple[int, int]] = set()
    counts: dict[int, int] = {}
    for k, placement in enumerate(_list(value, where)):
        at = f"{where}[{k}]"
        _dict(placement, at)
        statement = _index(placement.get("statement"), n_statements, f"{at}.statement")
        if statement in placed:
            raise ExchangeError(f"{at}.statement: statement {statement} is placed twice")
        placed.add(statement)
        score = placement.get("score")
        if score is not None:
            _int(score, f"{at}.score", -MAX_SCORE, MAX_SCORE)
            if score not in grid:
                raise ExchangeError(f"{at}.score: {score} is not a column of the grid ({_columns(grid)})")
            counts[score] = counts.get(score, 0) + 1
        slot = _int(placement.get("slot", 0) or 0, f"{at}.slot", 0, MAX_SLOT)
        if score is not None:
            if (score, slot) in cells:
                raise ExchangeError(f"{at}.slot: two cards in column {score}, slot {slot}")
            cells.add((score, slot))
    if complete:
        if len(placed) != n_statements or sum(counts.values()) != n_statements:
            raise ExchangeError(f"{where}: a complete sort places all {n_statements} statements in the grid, "
                                f"this one places {sum(counts.values())}")
    if forced:
        for score, count in sorted(counts.items()):
            if count > grid[score]:
                raise ExchangeError(f"{where}: {count} cards in column {score}, which holds {grid[score]}")


def _check_answer_value(value: Any, where: str) -> None:
    """An answer is a text, a number, true/false, or a list of texts (several options); or nothing."""
    if value is None or isinstance(value, (str, bool)):
        return
    if _is_number(value):
        if abs(value) > MAX_ANSWER_NUMBER:
            raise ExchangeError(f"{where}: {_show(value)} is beyond ±{MAX_ANSWER_NUMBER}")
        return
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return
    raise ExchangeError(f"{where}: expected a text, a number or a list of texts, found {_show(value)}")


# -- the small checks ------------------------------------------------------------------------------------------

def _check_texts_and_depth(value: Any, where: str, depth: int) -> None:
    """No nesting deeper than MAX_DEPTH; every text (key or value) encodes as UTF-8 and has no NUL, which no
    database stores (a lone surrogate such as "\\udc80" comes from a broken file)."""
    if depth > MAX_DEPTH:
        raise ExchangeError(f"{where or 'the document'}: nested more than {MAX_DEPTH} levels deep; not a study "
                            "export")
    if isinstance(value, str):
        if "\x00" in value:
            raise ExchangeError(f"{where}: contains a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ExchangeError(f"{where}: contains a character that is not valid text (a lone surrogate)") from None
    elif isinstance(value, list):
        for k, item in enumerate(value):
            _check_texts_and_depth(item, f"{where}[{k}]", depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            here = f"{where}.{key}" if where else str(key)
            _check_texts_and_depth(key, here, depth + 1)
            _check_texts_and_depth(item, here, depth + 1)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a text", bool: "true/false", type(None): "null"}.get(
        type(value), "a number" if _is_number(value) else type(value).__name__)


def _dict(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ExchangeError(f"{where}: expected an object, found {_kind(value)}")
    return value


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ExchangeError(f"{where}: expected a list, found {_kind(value)}")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ExchangeError(f"{where}: expected true or false, found {_show(value)}")
    return value


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _int(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExchangeError(f"{where}: expected a whole number, found {_show(value)}")
    if not low <= value <= high:
        shown = _show(value) if abs(value) < 10**30 else f"a number of {len(str(abs(value)))} digits"
        raise ExchangeError(f"{where}: {shown} is outside {low}..{high}")
    return value


def _text(value: Any, where: str, *, empty: bool = True, limit: int = 100_000) -> str:
    if not isinstance(value, str):
        raise ExchangeError(f"{where}: expected a text, found {_kind(value)}")
    if not empty and not value.strip():
        raise ExchangeError(f"{where}: must not be empty")
    if len(value) > limit:
        raise ExchangeError(f"{where}: {len(value)} characters, at most {limit}")
    return value


def _choice(value: Any, choices: tuple, where: str) -> Any:
    if not isinstance(value, str) or value not in choices:
        raise ExchangeError(f"{where}: {_show(value)} is not one of {', '.join(choices)}")
    return value


def _index(value: Any, count: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
        raise ExchangeError(f"{where}: {_show(value)} is not the index of one of the {count} entries")
    return value


def _by_language(value: Any, where: str, *, allow_plain: bool = False) -> None:
    """A text per language: ``{"en": "...", "nl": "..."}`` with known languages (or a plain text, for fields
    written before they were translated)."""
    if allow_plain and isinstance(value, str):
        _text(value, where)
        return
    for language, text in _dict(value, where).items():
        _choice(language, tuple(LANGUAGES), f"{where}.{language}")
        _text(text, f"{where}.{language}")


def _moment(value: Any, where: str) -> datetime | None:
    """A readable ISO 8601 timestamp (or nothing)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ExchangeError(f"{where}: expected a date and time (ISO 8601), found {_show(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ExchangeError(f"{where}: {_show(value)} is not a date and time (ISO 8601)") from None
    if not 1970 <= moment.year <= 9000:
        raise ExchangeError(f"{where}: {_show(value)} is not a plausible date")
    return moment


def _columns(grid: dict[int, int]) -> str:
    return f"{min(grid)}..{max(grid)}" if grid else "no columns"
