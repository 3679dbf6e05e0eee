"""The statements of a study (its Q-set): adding them one by one, pasted or from a CSV, editing, translating,
ordering, deleting, and the CSV the import reads back. No Flask here: the studio's statement views
(qsort/blueprints/studio/statements.py) parse forms and call these functions.

A change is refused with :class:`qsort.studies.StudyError` (nothing changed); once a study has responses its
statements are locked (:func:`qsort.studies.ensure_editable`).
"""
from __future__ import annotations

import csv
import io
import re

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from .cells import spreadsheet_row, strip_control_characters, unescape_spreadsheet_text
from .flow import LANGUAGES
from .models import Statement, Study
from .studies import MAX_STATEMENTS, StudyError, ensure_editable

SUGGESTED_TAGS = ("price", "added-value", "strategy")

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
    """A statement id from the page: a whole number (or its digits as text); -1 for anything else, such as
    Infinity, 1e400 or 1.5, which would otherwise overflow or round."""
    if isinstance(value, bool):
        return -1
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
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


class _rows:
    """A csv.reader whose errors (a field over csv's 128 KiB limit, a stray quote) are a StudyError naming the
    line, not a 500."""

    def __init__(self, reader):
        self.reader = reader

    @property
    def line_num(self) -> int:
        return self.reader.line_num

    def __iter__(self):
        return self

    def __next__(self) -> list[str]:
        try:
            return next(self.reader)
        except csv.Error as error:
            raise StudyError(_("Line %(line)s: this line cannot be read as CSV (%(error)s); a field holds at most "
                               "128 KiB.", line=self.reader.line_num, error=error), "file") from None


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
    data = strip_control_characters(data)  # a NUL byte or a pasted vertical tab never reaches a statement
    if not data.strip():
        raise StudyError(_("The file is empty."), "file")
    first_line = data.splitlines()[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = _rows(csv.reader(io.StringIO(data, newline=""), delimiter=delimiter))
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
        cells = dict(zip(header, [unescape_spreadsheet_text(cell) for cell in row]
                         + [""] * (len(header) - len(row))))

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
    for statement in study.statements:  # neutralised as every exported cell; import_csv takes the apostrophe off
        writer.writerow(spreadsheet_row([statement.code, statement.text, "; ".join(statement.tags or []),
                                         *((statement.translations or {}).get(language, "")
                                           for language in languages)]))
    return out.getvalue()
