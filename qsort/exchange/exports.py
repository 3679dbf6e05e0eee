"""Data out: one file of a study's complete sorts (our CSV, PQMethod, Ken-Q, KADE, the xlsx workbook) or the
whole study as JSON. The sorts formats are written by :mod:`analysis.formats` from the score matrix
(qsort/matrix.py); the xlsx workbook is written here (openpyxl)."""
from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..cells import spreadsheet_row, strip_control_characters
from ..flow import in_language, step_position
from ..i18n import text as _
from ..matrix import MatrixError, complete_sorts, participant_ids, score_maps, statement_ids, study_qdata
from ..models import Study
from ..questions import answer_label
from .errors import ExchangeError
from .study_json import study_to_json

EXPORT_FORMATS = ("csv", "pqmethod", "kenq", "kade", "xlsx", "json")


@dataclass
class ExportFile:
    filename: str
    mimetype: str
    content: bytes


def file_stem(study: Study) -> str:
    """A safe file name stem from the study title, e.g. ``supplier-value-study``."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", study.title).strip("-").lower()[:40]
    return stem or f"study-{study.id}"


def export_study(session: Session, study: Study, fmt: str) -> ExportFile:
    """One export of the study. ``fmt``: csv, pqmethod (ZIP of .DAT + .STA), kenq (ZIP of CSV + statements
    .txt), kade (KADE project ZIP), xlsx, json (the whole study). Raises ExchangeError when it cannot."""
    stem = file_stem(study)
    if fmt == "json":
        content = json.dumps(study_to_json(session, study), ensure_ascii=False, indent=1).encode("utf-8")
        return ExportFile(f"{stem}.qsort.json", "application/json", content)
    if fmt == "xlsx":
        return ExportFile(f"{stem}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          study_xlsx(session, study))
    if fmt not in ("csv", "pqmethod", "kenq", "kade"):
        raise ExchangeError(_("Unknown export format %(format)r.", format=fmt))
    from analysis import formats

    try:
        data = study_qdata(session, study)
    except MatrixError as error:
        raise ExchangeError(str(error)) from None
    # Participant and statement ids are headers of the CSV and Ken-Q files: neutralised like every cell.
    data = dataclasses.replace(data, participant_ids=spreadsheet_row(data.participant_ids),
                               statement_ids=spreadsheet_row(data.statement_ids),
                               statement_texts=None if data.statement_texts is None
                               else spreadsheet_row(data.statement_texts))
    # Written in memory (analysis.formats.sorts_files): no temporary folder.
    names = {"csv": stem, "pqmethod": stem[:8].upper() or "STUDY", "kenq": stem, "kade": f"{stem}-kade"}
    try:
        files = formats.sorts_files(data, fmt, names[fmt])
    except ValueError as error:  # e.g. PQMethod needs a forced grid and labels of at most 10 characters
        raise ExchangeError(str(error)) from None
    main, content = next(iter(files.items()))
    if fmt == "csv":
        return ExportFile(main, "text/csv", content)
    if fmt == "kade":
        return ExportFile(main, "application/zip", content)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    suffix = "pqmethod" if fmt == "pqmethod" else "kenq"
    return ExportFile(f"{stem}-{suffix}.zip", "application/zip", buffer.getvalue())


def study_xlsx(session: Session, study: Study) -> bytes:
    """The workbook: sorts, statements, comments, answers, notes, timings, participants (complete sorts)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    sorts = complete_sorts(session, study, extras=True)
    people = [sort.participant for sort in sorts]
    ids = participant_ids(people)
    statements = list(study.statements)
    codes = statement_ids(statements)
    code_of = {s.id: c for s, c in zip(statements, codes)}
    text_of = {s.id: s.text for s in statements}
    language = study.default_language

    book = Workbook()
    sheet = book.active
    sheet.title = "sorts"
    _append(sheet, ["statement", "text", *ids])
    all_scores = score_maps(session, sorts)
    for statement, code in zip(statements, codes):
        _append(sheet, [code, statement.text, *[scores.get(statement.id) for scores in all_scores]])

    sheet = book.create_sheet("statements")
    other_languages = [lang for lang in study.languages or [] if lang != language]
    _append(sheet, ["position", "code", "text", "tags", *[f"text_{lang}" for lang in other_languages]])
    for k, (statement, code) in enumerate(zip(statements, codes)):
        _append(sheet, [k + 1, code, statement.text, ", ".join(statement.tags or []),
                      *[(statement.translations or {}).get(lang, "") for lang in other_languages]])

    sheet = book.create_sheet("comments")
    _append(sheet, ["participant", "statement", "text", "score", "comment", "would_pay"])
    for pid, sort, scores in zip(ids, sorts, all_scores):
        for comment in sorted(sort.comments, key=lambda c: -scores.get(c.statement_id, 0)):
            _append(sheet, [pid, code_of.get(comment.statement_id), text_of.get(comment.statement_id),
                          scores.get(comment.statement_id), comment.text, comment.would_pay or ""])

    # Answers: the stored value (what analysis groups by) and, for choices and Likert items, the label the
    # participant saw, in their language.
    sheet = book.create_sheet("answers")
    _append(sheet, ["participant", "language", "question", "phase", "kind", "value", "label"])
    questions = sorted(study.questions, key=lambda q: (q.phase != "pre", q.position))
    for pid, sort in zip(ids, sorts):
        answers = {a.question_id: a.value for a in sort.answers}
        seen_in = sort.participant.language or language
        for question in questions:
            if question.id in answers:
                value = answers[question.id]
                stored = "; ".join(map(str, value)) if isinstance(value, list) else value
                _append(sheet, [pid, seen_in, in_language(question.prompt, language), question.phase, question.kind,
                                stored, answer_label(question, value, seen_in, language)])

    sheet = book.create_sheet("notes")
    _append(sheet, ["participant", "statement", "text", "note", "written", "author", "sort_source"])
    for pid, sort in zip(ids, sorts):
        for note in sorted(sort.notes, key=lambda n: n.created_at):
            author = note.author.name or note.author.email if note.author else ""
            _append(sheet, [pid, code_of.get(note.statement_id, ""), text_of.get(note.statement_id, ""), note.text,
                            note.created_at, author, sort.source])

    sheet = book.create_sheet("timings")
    steps = sorted({step for sort in sorts for step in (sort.step_seconds or {})},
                   key=lambda step: (step_position(step), step))
    _append(sheet, ["participant", "state", "started", "submitted", "total_seconds",
                  *[f"seconds_{step}" for step in steps]])
    for pid, sort in zip(ids, sorts):
        total = (sort.submitted_at - sort.started_at).total_seconds() if sort.submitted_at else None
        _append(sheet, [pid, sort.state, sort.started_at, sort.submitted_at, total,
                      *[(sort.step_seconds or {}).get(step) for step in steps]])

    sheet = book.create_sheet("participants")
    keys = sorted({key for p in people for key in (p.attributes or {})})
    _append(sheet, ["participant", "code", "name", "email", "source", "language", *keys])
    for pid, person in zip(ids, people):
        _append(sheet, [pid, person.code or "", person.name, person.email, person.source, person.language or "",
                      *[_cell((person.attributes or {}).get(key)) for key in keys]])

    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append(sheet, values) -> None:
    """One row. In xlsx a cell typed as text never runs, so text is kept exactly as written (no apostrophe, unlike
    CSV) and typed as text, header cells too; control characters stored before the door removed them would
    make openpyxl refuse the whole workbook (IllegalCharacterError), so they go (qsort/cells.py)."""
    sheet.append([strip_control_characters(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl types text starting with "=" as a formula


def _cell(value: Any) -> Any:
    """A value openpyxl can store: lists and dicts as JSON text."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value
