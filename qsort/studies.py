"""The study builder's rules, apart from the web pages: creating, changing, copying and deleting studies,
their statements, grid and questions, the lock once responses exist, the lifecycle, sharing and the preview.

The studio views (qsort/blueprints/studio/studies.py) only parse forms and call these functions. Every function
that refuses raises ``StudyError`` whose message says what is wrong and ``field`` which input it is about;
nothing is changed in the database when one is raised (callers commit only after success).
"""
from __future__ import annotations

import copy
import csv
import io
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from .accounts import find_user_by_email
from .flow import COMPLETE_STATES, LABEL_NAMES, LANGUAGES, PREVIEW
from .models import (
    COMMENT_MODES,
    QUESTION_KINDS,
    STUDY_STATES,
    Participant,
    Placement,
    Question,
    Sort,
    Statement,
    Study,
    StudyShare,
    User,
)

# The study texts a researcher writes per language, in the order the participant meets them.
TEXT_NAMES = ("welcome", "consent", "instruction", "presort_instruction", "sort_instruction",
              "postsort_instruction", "thank_you", "declined")
SUGGESTED_TAGS = ("price", "added-value", "strategy")
QUESTION_PHASES = ("pre", "post")
MAX_STATEMENTS = 200
MAX_SCORE = 7  # columns run at most from -7 to +7


class StudyError(ValueError):
    """A change was refused; ``field`` names the form field (or None for the study as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StudyLocked(StudyError):
    """Statements or grid of a study with responses cannot change (the collected sorts refer to them)."""


# --------------------------------------------------------------------------------------------- studies

def create_study(db: Session, owner: User, title: str, languages: list[str], default_language: str) -> Study:
    study = Study(owner=owner, status="draft")
    set_basics(study, title, languages, default_language)
    db.add(study)
    db.flush()
    return study


def set_basics(study: Study, title: str, languages: list[str], default_language: str) -> None:
    """Title and languages; the default language must be one of the study's languages."""
    title = (title or "").strip()
    if not title:
        raise StudyError(_("Give the study a title."), "title")
    if len(title) > 300:
        raise StudyError(_("The title is longer than 300 characters."), "title")
    languages = [language for language in LANGUAGES if language in (languages or [])]
    if not languages:
        raise StudyError(_("Choose at least one language."), "languages")
    if default_language not in languages:
        raise StudyError(_("The default language must be one of the study's languages."), "default_language")
    study.title = title
    study.languages = languages
    study.default_language = default_language


def set_texts(study: Study, texts: dict[str, dict[str, str]], labels: dict[str, dict[str, str]]) -> None:
    """Replace the study texts and labels (``{name: {language: text}}``); empty strings are dropped."""
    study.texts = {name: _clean_by_language(texts.get(name), study.languages) for name in TEXT_NAMES}
    study.labels = {name: _clean_by_language(labels.get(name), study.languages) for name in LABEL_NAMES}


def _clean_by_language(values: dict[str, str] | None, languages: list[str]) -> dict[str, str]:
    return {lang: text.strip() for lang, text in (values or {}).items() if lang in languages and text and text.strip()}


def set_settings(study: Study, *, extreme_comments: str, ask_would_pay: bool, redirect_url: str) -> None:
    if extreme_comments not in COMMENT_MODES:
        raise StudyError(_("Comments on the extreme cards must be one of: %(modes)s.",
                           modes=", ".join(COMMENT_MODES)), "extreme_comments")
    study.extreme_comments = extreme_comments
    study.ask_would_pay = bool(ask_would_pay)
    study.redirect_url = validate_redirect_url(redirect_url)


def validate_redirect_url(url: str | None) -> str | None:
    """An absolute http(s) URL, or None when empty."""
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise StudyError(_("The redirect URL must start with http:// or https:// and name a site."), "redirect_url")
    if len(url) > 1000:
        raise StudyError(_("The redirect URL is longer than 1000 characters."), "redirect_url")
    return url


def copy_study(db: Session, study: Study, owner: User) -> Study:
    """An editable draft copy: texts, labels, settings, grid, statements and questions; no participants."""
    duplicate = Study(
        owner=owner, status="draft", title=_("Copy of %(title)s", title=study.title)[:300],
        languages=list(study.languages), default_language=study.default_language,
        texts=copy.deepcopy(study.texts), labels=copy.deepcopy(study.labels),
        grid_scores=list(study.grid_scores), grid_heights=list(study.grid_heights),
        free_distribution=study.free_distribution, extreme_comments=study.extreme_comments,
        ask_would_pay=study.ask_would_pay, redirect_url=study.redirect_url,
    )
    # Added before its children: reading study.statements autoflushes, and the copy must be in the session then.
    db.add(duplicate)
    for statement in study.statements:
        duplicate.statements.append(Statement(
            position=statement.position, code=statement.code, text=statement.text,
            tags=list(statement.tags or []), translations=dict(statement.translations or {}),
        ))
    for question in study.questions:
        duplicate.questions.append(Question(
            position=question.position, phase=question.phase, kind=question.kind,
            prompt=copy.deepcopy(question.prompt), options=copy.deepcopy(question.options),
            settings=copy.deepcopy(question.settings), required=question.required,
        ))
    db.flush()
    return duplicate


def delete_study(db: Session, study: Study, confirmation: str) -> None:
    """Delete the study with everything in it, once the researcher typed its title."""
    if (confirmation or "").strip() != study.title.strip():
        raise StudyError(_("Type the study's title exactly to confirm."), "confirm_title")
    db.delete(study)


# --------------------------------------------------------------------------------------------- counts

@dataclass
class StudyCounts:
    statements: int = 0
    participants: int = 0
    completed: int = 0


def study_counts(db: Session, study_ids: list[int]) -> dict[int, StudyCounts]:
    """Statements, participants and complete sorts (flow.COMPLETE_STATES) per study, preview participants left
    out, in 3 queries."""
    counts = {study_id: StudyCounts() for study_id in study_ids}
    if not study_ids:
        return counts
    for study_id, n in db.execute(select(Statement.study_id, func.count(Statement.id))
                                  .where(Statement.study_id.in_(study_ids)).group_by(Statement.study_id)):
        counts[study_id].statements = n
    real = (Participant.study_id.in_(study_ids), Participant.source != PREVIEW)
    for study_id, n in db.execute(select(Participant.study_id, func.count(Participant.id))
                                  .where(*real).group_by(Participant.study_id)):
        counts[study_id].participants = n
    for study_id, n in db.execute(select(Participant.study_id, func.count(Sort.id)).join(Sort)
                                  .where(*real, Sort.state.in_(COMPLETE_STATES)).group_by(Participant.study_id)):
        counts[study_id].completed = n
    return counts


# --------------------------------------------------------------------------------------------- locking

def has_responses(db: Session, study: Study) -> bool:
    """True once any real (non-preview) participant has placed a card or moved beyond the start of the sort."""
    placed = exists().where(Placement.sort_id == Sort.id)
    return bool(db.scalar(select(
        exists().where(Participant.study_id == study.id, Participant.source != PREVIEW,
                       Sort.participant_id == Participant.id, (Sort.state != "started") | placed)
    )))


def ensure_editable(db: Session, study: Study, what: str = "statements", *, changes_shape: bool = False) -> None:
    """Refuse changes to statements or grid once responses exist.

    ``changes_shape``: the change adds or removes statements or changes the grid. That is also refused while
    the study is open (even without responses yet), because participants sorting at that moment would get a
    grid that no longer fits the statements; close the study first.
    """
    if has_responses(db, study):
        if what == "grid":
            message = _("The grid is locked because this study has responses. Copy the study to change it.")
        else:
            message = _("The statements are locked because this study has responses. Copy the study to change them.")
        raise StudyLocked(message, what)
    if changes_shape and study.status == "open":
        if what == "grid":
            message = _("The study is open: close it before changing the grid.")
        else:
            message = _("The study is open: close it before adding or removing statements "
                        "(participants' grids must keep fitting the statements).")
        raise StudyLocked(message, what)


# --------------------------------------------------------------------------------------------- statements

SPLIT_TAGS = re.compile(r"[;,|]")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")


def parse_tags(text: str | list[str] | None) -> list[str]:
    """Tags from "price, strategy" (or a list): lower-case, trimmed, unique, in order."""
    items = text if isinstance(text, list) else SPLIT_TAGS.split(text or "")
    tags: list[str] = []
    for item in items:
        tag = re.sub(r"\s+", "-", item.strip().lower())
        if tag and tag not in tags:
            if len(tag) > 40:
                raise StudyError(_("The tag \"%(tag)s\" is longer than 40 characters.", tag=tag[:40]), "tags")
            tags.append(tag)
    return tags


def tag_counts(study: Study) -> list[tuple[str, int]]:
    """How many statements carry each tag: the suggested archetypes first, then the others by name.
    Shows whether the Q-set is balanced across price, added value and strategy."""
    counts: dict[str, int] = {tag: 0 for tag in SUGGESTED_TAGS}
    for statement in study.statements:
        for tag in statement.tags or []:
            counts[tag] = counts.get(tag, 0) + 1
    others = sorted(tag for tag in counts if tag not in SUGGESTED_TAGS)
    return [(tag, counts[tag]) for tag in (*SUGGESTED_TAGS, *others)]


def _check_code(code: str, taken: set[str], field: str = "code") -> str:
    if not CODE_PATTERN.match(code):
        raise StudyError(_("The code \"%(code)s\" may only hold letters, digits, '.', '-' and '_' (at most 40).",
                           code=code[:40]), field)
    if code.lower() in taken:
        raise StudyError(_("The code \"%(code)s\" is already used in this study.", code=code), field)
    return code


def _check_text(text: str, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise StudyError(_("The statement text is empty."), field)
    if len(text) > 2000:
        raise StudyError(_("The statement is longer than 2000 characters."), field)
    return text


def next_codes(study: Study, count: int, taken: set[str] | None = None) -> list[str]:
    """``count`` fresh short codes S01, S02... that no statement of the study uses yet."""
    taken = {c.lower() for c in (taken or set())} | {s.code.lower() for s in study.statements if s.code}
    width = 3 if len(study.statements) + count > 99 else 2
    codes: list[str] = []
    number = 1
    while len(codes) < count:
        code = f"S{number:0{width}d}"
        if code.lower() not in taken:
            codes.append(code)
            taken.add(code.lower())
        number += 1
    return codes


def _check_room(study: Study, adding: int) -> None:
    if len(study.statements) + adding > MAX_STATEMENTS:
        raise StudyError(_("A study holds at most %(n)s statements.", n=MAX_STATEMENTS), "text")


def _append(study: Study, items: list[dict]) -> list[Statement]:
    """Add checked statements at the end; items without a code get one."""
    missing = next_codes(study, sum(1 for item in items if not item.get("code")),
                         taken={item["code"] for item in items if item.get("code")})
    position = max((s.position for s in study.statements), default=-1) + 1
    added = []
    for item in items:
        statement = Statement(code=item.get("code") or missing.pop(0), text=item["text"],
                              tags=item.get("tags", []), translations=item.get("translations", {}),
                              position=position)
        position += 1
        study.statements.append(statement)
        added.append(statement)
    return added


def add_statement(db: Session, study: Study, text: str, code: str = "", tags=None,
                  translations: dict[str, str] | None = None) -> Statement:
    ensure_editable(db, study, changes_shape=True)
    _check_room(study, 1)
    item = {"text": _check_text(text), "tags": parse_tags(tags),
            "translations": _clean_translations(study, translations)}
    code = (code or "").strip()
    if code:
        item["code"] = _check_code(code, {s.code.lower() for s in study.statements})
    return _append(study, [item])[0]


def _clean_translations(study: Study, translations: dict[str, str] | None) -> dict[str, str]:
    result = {}
    for language, text in (translations or {}).items():
        text = (text or "").strip()
        if language in study.languages and language != study.default_language and text:
            if len(text) > 2000:
                raise StudyError(_("The statement is longer than 2000 characters."), f"text_{language}")
            result[language] = text
    return result


def update_statement(db: Session, study: Study, statement: Statement, *, text: str, code: str, tags,
                     translations: dict[str, str]) -> None:
    ensure_editable(db, study)
    text = _check_text(text)
    code = (code or "").strip()
    others = {s.code.lower() for s in study.statements if s.id != statement.id and s.code}
    code = _check_code(code, others) if code else next_codes(study, 1)[0]
    statement.text = text
    statement.code = code
    statement.tags = parse_tags(tags)
    statement.translations = _clean_translations(study, translations)


def set_translations(db: Session, study: Study, language: str, texts: dict[int, str]) -> int:
    """Set the ``language`` translation of many statements at once (``{statement id: text}``; empty text removes
    the translation). Returns how many statements changed."""
    ensure_editable(db, study)
    if language not in study.languages or language == study.default_language:
        raise StudyError(_("Translations are for the study's other languages."), "language")
    changed = 0
    for statement in study.statements:
        if statement.id not in texts:
            continue
        text = (texts[statement.id] or "").strip()
        if len(text) > 2000:
            raise StudyError(_("Statement %(code)s: the translation is longer than 2000 characters.",
                               code=statement.code), f"t_{statement.id}")
        translations = dict(statement.translations or {})
        if text:
            translations[language] = text
        else:
            translations.pop(language, None)
        if translations != (statement.translations or {}):
            statement.translations = translations
            changed += 1
    return changed


def delete_statement(db: Session, study: Study, statement: Statement) -> None:
    ensure_editable(db, study, changes_shape=True)
    study.statements.remove(statement)
    _renumber(study)


def move_statement(db: Session, study: Study, statement: Statement, direction: str) -> None:
    """Swap the statement with its neighbour ("up" or "down"); at an end nothing changes."""
    ensure_editable(db, study)
    if direction not in ("up", "down"):
        raise StudyError(_("Move a statement up or down."), "direction")
    ordered = list(study.statements)
    index = ordered.index(statement)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(study, ordered)


def reorder_statements(db: Session, study: Study, ids: list) -> None:
    """Put the statements in the order of ``ids``, which must name each of the study's statements once."""
    ensure_editable(db, study)
    by_id = {s.id: s for s in study.statements}
    if not isinstance(ids, list) or sorted(map(_as_int, ids)) != sorted(by_id):
        raise StudyError(_("The new order must list each of the study's statements exactly once."), "order")
    _renumber(study, [by_id[_as_int(i)] for i in ids])


def _as_int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _renumber(study: Study, ordered: list[Statement] | None = None) -> None:
    for position, statement in enumerate(ordered if ordered is not None else study.statements):
        statement.position = position
    study.statements.sort(key=lambda s: s.position)


def parse_bulk(text: str) -> list[dict]:
    """Statements pasted one per line; a line may start with a code: "P01<TAB>text" or "P01;text".

    Empty lines are skipped. A ";" only separates a code when what stands before it looks like a code
    (no spaces, at most 40 characters, at least one digit: "P01", "12"), so "Price; delivery" stays one text.
    """
    items = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        code, body = "", line
        if "\t" in line:
            code, body = line.split("\t", 1)
        elif ";" in line:
            before, after = line.split(";", 1)
            if CODE_PATTERN.match(before.strip()) and any(ch.isdigit() for ch in before):
                code, body = before, after
        items.append({"line": number, "code": code.strip(), "text": body.strip()})
    return items


def add_bulk(db: Session, study: Study, text: str) -> list[Statement]:
    """Add every pasted statement, or none when one line is wrong (the error names the line)."""
    ensure_editable(db, study, changes_shape=True)
    items = parse_bulk(text)
    if not items:
        raise StudyError(_("Paste at least one statement, one per line."), "bulk")
    _check_room(study, len(items))
    taken = {s.code.lower() for s in study.statements if s.code}
    checked = []
    for item in items:
        try:
            entry = {"text": _check_text(item["text"], "bulk")}
            if item["code"]:
                entry["code"] = _check_code(item["code"], taken, "bulk")
                taken.add(entry["code"].lower())
        except StudyError as error:
            raise StudyError(_("Line %(line)s: %(message)s", line=item["line"], message=error.message), "bulk")
        checked.append(entry)
    return _append(study, checked)


def import_csv(db: Session, study: Study, data: bytes | str) -> list[Statement]:
    """Statements from a CSV with a header row: ``text`` (required), ``code``, ``tags`` and ``text_<language>``
    for translations. Comma, semicolon or tab separated; UTF-8. All rows or none: the first problem is raised
    with its line and column.
    """
    ensure_editable(db, study, changes_shape=True)
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise StudyError(_("The file is not UTF-8 text (byte %(pos)s). Save it as CSV UTF-8.",
                               pos=error.start), "file")
    if not data.strip():
        raise StudyError(_("The file is empty."), "file")
    first_line = data.splitlines()[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(data, newline=""), delimiter=delimiter)
    header = [column.strip().lower() for column in next(reader)]
    if "text" not in header:
        raise StudyError(_("Line 1: the header has no \"text\" column (found: %(columns)s).",
                           columns=", ".join(header) or "-"), "file")
    known = {"text", "code", "tags"} | {f"text_{language}" for language in LANGUAGES}
    for index, column in enumerate(header, start=1):
        if column not in known:
            raise StudyError(_("Line 1, column %(col)s: unknown column \"%(name)s\"; use text, code, tags, "
                               "text_nl, text_nb or text_en.", col=index, name=column), "file")
        if column.startswith("text_") and column[5:] not in study.languages:
            raise StudyError(_("Line 1, column %(col)s: \"%(name)s\" is a translation into a language this "
                               "study does not use; add the language in Settings first.", col=index, name=column),
                             "file")
    if len(set(header)) != len(header):
        raise StudyError(_("Line 1: a column name appears twice."), "file")
    taken = {s.code.lower() for s in study.statements if s.code}
    items = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise StudyError(_("Line %(line)s: %(n)s columns, but the header has %(m)s.",
                               line=line, n=len(row), m=len(header)), "file")
        cells = dict(zip(header, row + [""] * (len(header) - len(row))))

        def where(column: str) -> str:
            return _("Line %(line)s, column %(col)s (%(name)s)", line=line, col=header.index(column) + 1,
                     name=column)

        try:
            item = {"text": _check_text(cells["text"])}
        except StudyError as error:
            raise StudyError(f"{where('text')}: {error.message}", "file")
        code = cells.get("code", "").strip()
        if code:
            try:
                item["code"] = _check_code(code, taken)
            except StudyError as error:
                raise StudyError(f"{where('code')}: {error.message}", "file")
            taken.add(code.lower())
        try:
            item["tags"] = parse_tags(cells.get("tags", ""))
        except StudyError as error:
            raise StudyError(f"{where('tags')}: {error.message}", "file")
        translations = {column[5:]: cells[column] for column in header if column.startswith("text_")}
        translations.pop(study.default_language, None)
        try:
            item["translations"] = _clean_translations(study, translations)
        except StudyError as error:
            raise StudyError(f"{where('text_' + error.field[5:])}: {error.message}", "file")
        items.append(item)
    if not items:
        raise StudyError(_("The file has a header but no statements."), "file")
    _check_room(study, len(items))
    return _append(study, items)


def statements_csv(study: Study) -> str:
    """The statements in the format ``import_csv`` reads: code, text, tags (separated by "; ") and text_<language>
    for each other study language. Export from one study, import into another, and the statements are equal."""
    languages = [language for language in study.languages if language != study.default_language]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["code", "text", "tags", *(f"text_{language}" for language in languages)])
    for statement in study.statements:
        writer.writerow([statement.code, statement.text, "; ".join(statement.tags or []),
                         *((statement.translations or {}).get(language, "") for language in languages)])
    return out.getvalue()


# --------------------------------------------------------------------------------------------- grid

def grid_problems(study: Study, n_statements: int | None = None) -> list[str]:
    """What keeps the grid from being usable (empty list: fine)."""
    n = len(study.statements) if n_statements is None else n_statements
    scores, heights = list(study.grid_scores or []), list(study.grid_heights or [])
    if not scores:
        return [_("The grid has no columns yet.")]
    if len(scores) != len(heights):
        return [_("The grid has %(s)s scores but %(h)s heights.", s=len(scores), h=len(heights))]
    if not study.free_distribution and sum(heights) != n:
        return [_("The column heights add up to %(sum)s, but the study has %(n)s statements.",
                  sum=sum(heights), n=n)]
    return []


def set_grid(db: Session, study: Study, min_score: int, max_score: int, heights: list[int],
             free_distribution: bool) -> None:
    """Columns min_score..max_score with the given heights. Forced: heights must add up to the statements."""
    ensure_editable(db, study, "grid", changes_shape=True)
    if not isinstance(min_score, int) or not isinstance(max_score, int):
        raise StudyError(_("The lowest and highest scores must be whole numbers."), "min_score")
    if not -MAX_SCORE <= min_score < max_score <= MAX_SCORE:
        raise StudyError(_("Scores run from the lowest to the highest, between -%(m)s and +%(m)s, lowest first.",
                           m=MAX_SCORE), "min_score")
    scores = list(range(min_score, max_score + 1))
    if len(heights) != len(scores):
        raise StudyError(_("Give a height for each of the %(n)s columns.", n=len(scores)), "heights")
    for score, height in zip(scores, heights):
        if not isinstance(height, int) or not 0 <= height <= MAX_STATEMENTS:
            raise StudyError(_("Column %(score)s: the height must be a whole number from 0 to %(max)s.",
                               score=f"{score:+d}", max=MAX_STATEMENTS), f"height_{score}")
    if not free_distribution:
        if any(height == 0 for height in heights):
            raise StudyError(_("Every column needs room for at least one card (or choose free distribution)."),
                             "heights")
        n = len(study.statements)
        if sum(heights) != n:
            raise StudyError(_("The column heights add up to %(sum)s, but the study has %(n)s statements: "
                               "they must be equal. Change the heights, or use the quasi-normal suggestion.",
                               sum=sum(heights), n=n), "heights")
    study.grid_scores = scores
    study.grid_heights = heights
    study.free_distribution = bool(free_distribution)


def suggest_grid(n_statements: int) -> tuple[list[int], list[int]]:
    """A quasi-normal forced distribution for ``n_statements`` cards: (scores, heights)."""
    from analysis.grid import quasi_normal_grid  # the analysis engine owns the shape

    grid = quasi_normal_grid(n_statements)
    return [int(s) for s in grid.scores], [int(h) for h in grid.heights]


def apply_suggested_grid(db: Session, study: Study) -> None:
    ensure_editable(db, study, "grid", changes_shape=True)
    n = len(study.statements)
    if n < 3:
        raise StudyError(_("Add at least 3 statements before asking for a grid."), "heights")
    study.grid_scores, study.grid_heights = suggest_grid(n)
    study.free_distribution = False


# --------------------------------------------------------------------------------------------- questions

def set_question(study: Study, question: Question | None, *, phase: str, kind: str,
                 prompts: dict[str, str], options: dict[str, str], required: bool,
                 settings: dict[str, str], answered: bool = False) -> Question:
    """Create (question None) or change a question. ``options`` maps a language to its option lines (one per line,
    the same order in every language); ``settings`` holds min/max for numbers, points for Likert.

    ``answered``: the question already has answers. Its wording may still change, but not its type, its phase
    or the number of its options or points, because the stored answers refer to those.
    """
    if phase not in QUESTION_PHASES:
        raise StudyError(_("Ask the question before or after the sort."), "phase")
    if kind not in QUESTION_KINDS:
        raise StudyError(_("Choose a question type."), "kind")
    prompt = _clean_by_language(prompts, study.languages)
    if not prompt.get(study.default_language):
        raise StudyError(_("Write the question in the study's default language."), f"prompt_{study.default_language}")
    stored_options: list[dict] = []
    stored_settings: dict = {}
    if kind in ("single", "multiple"):
        stored_options = _parse_options(study, options)
    elif kind == "number":
        stored_settings = _number_settings(settings)
    elif kind == "likert":
        stored_settings, stored_options = _likert(study, settings, options)
    if question is not None and answered:
        if (kind, phase) != (question.kind, question.phase):
            raise StudyError(_("This question has answers: its type and when it is asked cannot change. "
                               "Copy the study to ask it differently."), "kind")
        if len(stored_options) != len(question.options or []) or \
                stored_settings.get("points") != (question.settings or {}).get("points"):
            raise StudyError(_("This question has answers: the number of options cannot change, only their "
                               "wording."), f"options_{study.default_language}")
    if question is None:
        question = Question(position=max((q.position for q in study.questions), default=-1) + 1)
        study.questions.append(question)
    question.phase, question.kind, question.prompt = phase, kind, prompt
    question.options, question.settings, question.required = stored_options, stored_settings, bool(required)
    return question


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _parse_options(study: Study, options: dict[str, str]) -> list[dict]:
    base = _lines(options.get(study.default_language))
    if len(base) < 2:
        raise StudyError(_("Give at least two options, one per line."), f"options_{study.default_language}")
    if len({line.lower() for line in base}) != len(base):
        raise StudyError(_("Two options are the same."), f"options_{study.default_language}")
    result = [{"value": str(index + 1), "label": {study.default_language: line}} for index, line in enumerate(base)]
    for language in study.languages:
        if language == study.default_language:
            continue
        translated = _lines(options.get(language))
        if translated and len(translated) != len(base):
            raise StudyError(_("Give the options in %(lang)s in the same number and order (%(n)s lines), or none.",
                               lang=language, n=len(base)), f"options_{language}")
        for option, label in zip(result, translated):
            option["label"][language] = label
    return result


def _int_setting(settings: dict, name: str) -> int | None:
    value = (settings.get(name) or "").strip() if isinstance(settings.get(name), str) else settings.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise StudyError(_("%(name)s must be a whole number.", name=name), name) from None


def _number_settings(settings: dict) -> dict:
    low, high = _int_setting(settings, "min"), _int_setting(settings, "max")
    if low is not None and high is not None and low >= high:
        raise StudyError(_("The smallest allowed number must be below the largest."), "min")
    return {key: value for key, value in (("min", low), ("max", high)) if value is not None}


LIKERT_POINTS = 5  # a new Likert item's scale: 1..5


def likert_labels(settings: dict | None) -> list[dict[str, str]]:
    """The label of each point of a Likert item, lowest first: ``{language: text}``, ``{}`` for a point without
    one. The one shape is ``settings = {"points": n, "labels": [one per point]}``; items stored before it
    (``low`` and ``high`` for the two ends, as old demo studies and study exports have them) read the same.
    """
    settings = settings or {}
    points = int(settings.get("points") or LIKERT_POINTS)
    labels = settings.get("labels")
    if isinstance(labels, list) and len(labels) == points:
        return [dict(label) if isinstance(label, dict) else {} for label in labels]
    result: list[dict[str, str]] = [{} for _point in range(points)]
    for index, end in ((0, "low"), (-1, "high")):
        if isinstance(settings.get(end), dict):
            result[index] = dict(settings[end])
    return result


def likert_lines(settings: dict | None, language: str) -> list[str]:
    """A Likert item's labels in ``language`` as the studio's option lines: one per point when every point has
    one, the two ends when only they have one, else none (what :func:`_likert` reads back unchanged)."""
    texts = [label.get(language, "") for label in likert_labels(settings)]
    if all(texts):
        return texts
    if texts[0] and texts[-1] and not any(texts[1:-1]):
        return [texts[0], texts[-1]]
    return []


def _likert(study: Study, settings: dict, options: dict[str, str]) -> tuple[dict, list[dict]]:
    """A Likert item: answers 1..``points`` (3-11). Option lines, when given, are the labels: one per point,
    or two for the lowest and the highest point.

    Stored as the respond pages read it (:func:`likert_labels`): ``settings = {"points": n, "labels":
    [{language: text}, ...]}`` (labels only when given; ``{}`` for an unlabelled point) and no options.
    """
    points = _int_setting(settings, "points") or LIKERT_POINTS
    if not 3 <= points <= 11:
        raise StudyError(_("A Likert scale has 3 to 11 points."), "points")
    labels: list[dict] = [{} for _point in range(points)]
    for language in study.languages:
        lines = _lines(options.get(language))
        if len(lines) == 2:
            labels[0][language], labels[-1][language] = lines
        elif lines and len(lines) != points:
            raise StudyError(_("Give one label per point (%(n)s lines), two for the lowest and the highest point, "
                               "or none.", n=points), f"options_{language}")
        else:
            for label, line in zip(labels, lines):
                label[language] = line
    stored = {"points": points}
    if any(labels):
        stored["labels"] = labels
    return stored, []


def question_has_answers(db: Session, question: Question) -> bool:
    from .models import Answer

    return bool(db.scalar(select(exists().where(Answer.question_id == question.id))))


def delete_question(db: Session, study: Study, question: Question) -> None:
    """Delete a question; refused once participants answered it (their answers would be lost)."""
    if question_has_answers(db, question):
        raise StudyError(_("This question has answers and cannot be deleted. Copy the study to change it."),
                         "question")
    study.questions.remove(question)
    for position, item in enumerate(study.questions):
        item.position = position


def move_question(study: Study, question: Question, direction: str) -> None:
    ordered = list(study.questions)
    index = ordered.index(question)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    study.questions.sort(key=lambda q: q.position)


# --------------------------------------------------------------------------------------------- lifecycle

def readiness_problems(study: Study) -> list[str]:
    """What must be fixed before the study can open (empty: ready)."""
    problems = []
    if len(study.statements) < 3:
        problems.append(_("Add at least 3 statements."))
    problems += grid_problems(study)
    return problems


def set_status(study: Study, status: str) -> None:
    """draft -> open -> closed -> open (reopen); opening needs a valid study."""
    if status not in STUDY_STATES:
        raise StudyError(_("Unknown status."), "status")
    if status == "open":
        problems = readiness_problems(study)
        if problems:
            raise StudyError(_("The study cannot open yet: %(problems)s", problems=" ".join(problems)), "status")
    elif status == "draft" and study.status != "draft":
        raise StudyError(_("An opened study cannot go back to draft; close it instead."), "status")
    elif status == "closed" and study.status != "open":
        raise StudyError(_("Only an open study can be closed."), "status")
    study.status = status


# --------------------------------------------------------------------------------------------- sharing

def share_with(db: Session, study: Study, email: str) -> StudyShare:
    """Share with a colleague who has a researcher account."""
    email = (email or "").strip()
    user = find_user_by_email(db, email) if email else None
    if user is None or user.role not in ("researcher", "admin"):
        raise StudyError(_("No researcher account uses the email %(email)s.", email=email or "-"), "email")
    if user.id == study.owner_id:
        raise StudyError(_("%(email)s owns this study.", email=user.email), "email")
    if any(share.user_id == user.id for share in study.shares):
        raise StudyError(_("The study is already shared with %(email)s.", email=user.email), "email")
    share = StudyShare(user=user)
    study.shares.append(share)
    return share


def unshare(study: Study, share_id: int) -> None:
    for share in study.shares:
        if share.id == share_id:
            study.shares.remove(share)
            return
    raise StudyError(_("That colleague does not share this study."), "share")


# --------------------------------------------------------------------------------------------- preview

def preview_participant(db: Session, study: Study) -> Participant:
    """The study's preview participant (created on first use); the respond pages let it through any status."""
    participant = db.scalar(select(Participant).where(Participant.study_id == study.id,
                                                      Participant.source == PREVIEW)
                            .order_by(Participant.id.desc()))
    if participant is None:
        participant = Participant(study=study, source=PREVIEW, name=_("Preview"))
        db.add(participant)
        db.flush()
    return participant


def reset_preview(db: Session, study: Study) -> int:
    """Forget the preview participants (and their sorts); the next preview starts afresh."""
    previews = db.scalars(select(Participant).where(Participant.study_id == study.id,
                                                    Participant.source == PREVIEW)).all()
    for participant in previews:
        db.delete(participant)
    return len(previews)
