"""A study's data in and out: the sorts matrix, file exports, imports of sorts, and the whole-study JSON.

Data out
    Only *complete* sorts count (the grid was submitted: state ``sorted`` or ``submitted``), never preview
    participants. Participants are identified by their code (else ``P<id>``, made unique), statements by their
    code (else ``S<position>``). The file formats are written by :mod:`analysis.formats` (one implementation
    for the CLI, the analysis and the studio): our CSV, PQMethod .DAT + .STA, Ken-Q CSV + statements .txt,
    KADE ZIP; the xlsx workbook (openpyxl) and the whole-study JSON are written here.

Data in (sorts)
    Any file :func:`analysis.formats.read_sorts` reads. Statements are matched **by code** when every
    statement id in the file is a code of the study's statements (our CSV and Ken-Q exports), else **by
    position** (PQMethod, KADE and EQ Web Sort files number their statements), which needs the same number of
    statements; a file where only some ids are codes is refused as ambiguous. Each sort must fit the study's
    grid (with a free distribution: every score within the grid's range); participant ids must not be codes
    already in the study. All or nothing: every check runs before anything is saved.

Whole-study JSON (``qsort export --format json`` / ``qsort import``)
    Settings, texts, statements, grid, questions, and every non-preview participant with their attributes and
    sort in whatever state (so a study moved between installations keeps its unfinished participants), with
    placements, presort piles, moves, comments, answers and interviewer notes. Rows refer to statements and
    questions by their index in the file. On import everything gets new database ids; participant tokens and
    the open-link token are kept when no other study uses them (so links sent out keep working after a move),
    otherwise replaced by new ones (the import report counts them). Interviewer notes and paper sorts name
    their author by email, re-linked to the account with that email when it exists.
"""
from __future__ import annotations

import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, selectinload

from .i18n import text as _
from .models import (Answer, CardComment, Move, Note, Participant, Placement, Question, Sort, Statement, Study,
                     User, new_token, utcnow)
from .progress import STEP_ORDER

COMPLETE_STATES = ("sorted", "submitted")
EXPORT_FORMATS = ("csv", "pqmethod", "kenq", "kade", "xlsx", "json")
IMPORT_SUFFIXES = (".csv", ".dat", ".sta", ".txt", ".zip", ".json")
STUDY_JSON_FORMAT = "qsort-study"
STUDY_JSON_VERSION = 1
MAX_UNZIPPED_BYTES = 64 * 2**20  # a KADE project with thousands of sorts is a few MB


class ExchangeError(ValueError):
    """An export or import that cannot be done; the message says what and where (file, line, field).

    ``problems`` lists each problem on its own (the message joins them with "; ")."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


# -- the sorts matrix --------------------------------------------------------------------------------

def _complete_query(study: Study):
    return (select(Sort).join(Participant)
            .where(Participant.study_id == study.id, Participant.source != "preview",
                   Sort.state.in_(COMPLETE_STATES)))


def complete_sorts(session: Session, study: Study, *, extras: bool = False) -> list[Sort]:
    """The study's complete sorts (grid submitted), never preview ones, in participant order, with their
    participants; ``extras`` also loads comments, answers and notes (a few queries instead of one per sort).
    Scores are read separately and in bulk with :func:`score_maps`."""
    options = [selectinload(Sort.participant)]
    if extras:
        options += [selectinload(Sort.comments), selectinload(Sort.answers), selectinload(Sort.notes)]
    return session.scalars(_complete_query(study).options(*options)
                           .order_by(Participant.created_at, Participant.id)).all()


def count_complete_sorts(session: Session, study: Study) -> int:
    return session.scalar(select(func.count()).select_from(_complete_query(study).subquery()))


def score_maps(session: Session, sorts: list[Sort]) -> list[dict[int, int]]:
    """statement id -> score for each sort (one query over all placements, no ORM objects: fast for
    thousands of sorts)."""
    by_sort: dict[int, dict[int, int]] = {sort.id: {} for sort in sorts}
    ids = list(by_sort)
    for start in range(0, len(ids), 500):  # stay below SQLite's bound-parameter limit
        rows = session.execute(select(Placement.sort_id, Placement.statement_id, Placement.score)
                               .where(Placement.sort_id.in_(ids[start:start + 500]), Placement.score.is_not(None)))
        for sort_id, statement_id, score in rows:
            by_sort[sort_id][statement_id] = score
    return [by_sort[sort.id] for sort in sorts]


def _unique(labels: list[str]) -> list[str]:
    """Make labels unique without case by suffixing ``-2``, ``-3``, ... to repeats."""
    seen: set[str] = set()
    out = []
    for label in labels:
        candidate, n = label, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{label}-{n}"
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def participant_ids(participants: list[Participant]) -> list[str]:
    """Export ids: the participant code, else ``P<database id>`` (stable), unique within the list."""
    return _unique([p.code or f"P{p.id}" for p in participants])


def statement_ids(statements: list[Statement]) -> list[str]:
    """Export ids: the statement code, else ``S<position>`` (1-based), unique within the study."""
    return _unique([s.code or f"S{k + 1:02d}" for k, s in enumerate(statements)])


def study_grid(study: Study):
    """The study's forced grid as an ``analysis.Grid``, or None for a free distribution / no grid yet."""
    from analysis.grid import Grid

    if study.free_distribution or not study.grid_scores:
        return None
    return Grid(tuple(study.grid_scores), tuple(study.grid_heights))


def study_qdata(session: Session, study: Study):
    """The complete sorts as :class:`analysis.formats.QData` (statements x participants, in study order).

    Raises ExchangeError when there is no complete sort yet or a complete sort misses a statement.
    """
    from analysis.formats import QData
    from analysis.grid import infer_grid

    sorts = complete_sorts(session, study)
    if not sorts:
        raise ExchangeError(_("There are no complete sorts to export yet."))
    all_scores = score_maps(session, sorts)
    statements = list(study.statements)
    matrix = np.zeros((len(statements), len(sorts)), dtype=int)
    row_of = {s.id: i for i, s in enumerate(statements)}
    ids = participant_ids([sort.participant for sort in sorts])
    for j, scores in enumerate(all_scores):
        missing = [s for s in statements if s.id not in scores]
        if missing:
            raise ExchangeError(_("The sort of %(participant)s has no score for statement %(statement)s.",
                                  participant=ids[j], statement=missing[0].code or missing[0].position + 1))
        for statement_id, score in scores.items():
            if statement_id in row_of:
                matrix[row_of[statement_id], j] = score
    grid = study_grid(study) or infer_grid(matrix)
    return QData(sorts=matrix, participant_ids=ids, statement_ids=statement_ids(statements),
                 statement_texts=[s.text for s in statements], grid=grid, title=study.title,
                 grid_source="file" if study_grid(study) else ("inferred" if grid else "free"))


# -- exports -----------------------------------------------------------------------------------------

@dataclass
class ExportFile:
    filename: str
    mimetype: str
    content: bytes


def file_stem(study: Study) -> str:
    """A safe file name stem from the study title, e.g. ``supplier-value-study``."""
    import re

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

    data = study_qdata(session, study)
    with tempfile.TemporaryDirectory() as folder:
        names = {"csv": f"{stem}.csv", "pqmethod": f"{stem[:8].upper() or 'STUDY'}.DAT", "kenq": f"{stem}.csv",
                 "kade": f"{stem}-kade.zip"}
        target = Path(folder) / names[fmt]
        try:
            written = formats.write_sorts(target, data, fmt)
        except ValueError as error:  # e.g. PQMethod needs a forced grid and labels of at most 10 characters
            raise ExchangeError(str(error)) from None
        if fmt == "csv":
            return ExportFile(target.name, "text/csv", target.read_bytes())
        if fmt == "kade":
            return ExportFile(target.name, "application/zip", target.read_bytes())
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, path.name)
        suffix = "pqmethod" if fmt == "pqmethod" else "kenq"
        return ExportFile(f"{stem}-{suffix}.zip", "application/zip", buffer.getvalue())


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _text_in(mapping: dict | None, language: str) -> str:
    mapping = mapping or {}
    return mapping.get(language) or next(iter(mapping.values()), "") if mapping else ""


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
    sheet.append(["statement", "text", *ids])
    all_scores = score_maps(session, sorts)
    for statement, code in zip(statements, codes):
        sheet.append([code, statement.text, *[scores.get(statement.id) for scores in all_scores]])

    sheet = book.create_sheet("statements")
    other_languages = [lang for lang in study.languages or [] if lang != language]
    sheet.append(["position", "code", "text", "tags", *[f"text_{lang}" for lang in other_languages]])
    for k, (statement, code) in enumerate(zip(statements, codes)):
        sheet.append([k + 1, code, statement.text, ", ".join(statement.tags or []),
                      *[(statement.translations or {}).get(lang, "") for lang in other_languages]])

    sheet = book.create_sheet("comments")
    sheet.append(["participant", "statement", "text", "score", "comment", "would_pay"])
    for pid, sort, scores in zip(ids, sorts, all_scores):
        for comment in sorted(sort.comments, key=lambda c: -scores.get(c.statement_id, 0)):
            sheet.append([pid, code_of.get(comment.statement_id), text_of.get(comment.statement_id),
                          scores.get(comment.statement_id), comment.text, comment.would_pay or ""])

    sheet = book.create_sheet("answers")
    sheet.append(["participant", "question", "phase", "kind", "answer"])
    questions = sorted(study.questions, key=lambda q: (q.phase != "pre", q.position))
    for pid, sort in zip(ids, sorts):
        answers = {a.question_id: a.value for a in sort.answers}
        for question in questions:
            if question.id in answers:
                value = answers[question.id]
                shown = ", ".join(map(str, value)) if isinstance(value, list) else value
                sheet.append([pid, _text_in(question.prompt, language), question.phase, question.kind, shown])

    sheet = book.create_sheet("notes")
    sheet.append(["participant", "statement", "note", "written"])
    for pid, sort in zip(ids, sorts):
        for note in sorted(sort.notes, key=lambda n: n.created_at):
            sheet.append([pid, code_of.get(note.statement_id, ""), note.text, note.created_at])

    sheet = book.create_sheet("timings")
    order = {step: k for k, step in enumerate(STEP_ORDER)}
    steps = sorted({step for sort in sorts for step in (sort.step_seconds or {})},
                   key=lambda step: (order.get(step, len(order)), step))
    sheet.append(["participant", "state", "started", "submitted", "total_seconds",
                  *[f"seconds_{step}" for step in steps]])
    for pid, sort in zip(ids, sorts):
        total = (sort.submitted_at - sort.started_at).total_seconds() if sort.submitted_at else None
        sheet.append([pid, sort.state, sort.started_at, sort.submitted_at, total,
                      *[(sort.step_seconds or {}).get(step) for step in steps]])

    sheet = book.create_sheet("participants")
    keys = sorted({key for p in people for key in (p.attributes or {})})
    sheet.append(["participant", "code", "name", "email", "source", "language", *keys])
    for pid, person in zip(ids, people):
        sheet.append([pid, person.code or "", person.name, person.email, person.source, person.language or "",
                      *[_cell((person.attributes or {}).get(key)) for key in keys]])

    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        # openpyxl stores any text starting with "=" as a formula; participants' comments and answers are
        # text, and must never run as formulas when the researcher opens the file.
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """A value openpyxl can store: lists and dicts as JSON text."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


# -- imports of sorts ----------------------------------------------------------------------------------

@dataclass
class ImportReport:
    participants: list[str]
    matched_by: str  # "code" | "position"
    file: str


def read_upload(folder: Path, names: list[str]):
    """Read the uploaded files saved in ``folder`` (one data file, optionally its statements file, or a ZIP
    of our PQMethod/Ken-Q exports or a KADE project) with analysis.formats.read_sorts.

    Returns (QData, the name of the file read). Raises ExchangeError or analysis.formats.FormatError.
    """
    from analysis.formats import read_sorts

    paths = [folder / name for name in names]
    zips = [p for p in paths if p.suffix.lower() == ".zip"]
    if zips:
        archive_path = zips[0]
        with zipfile.ZipFile(archive_path) as archive:
            too_big = [i.filename for i in archive.infolist() if i.file_size > MAX_UNZIPPED_BYTES]
            if too_big:
                raise ExchangeError(_("%(file)s: %(member)s is larger than %(mb)d MB unpacked; that is not a file of "
                                      "Q-sorts.", file=archive_path.name, member=too_big[0],
                                      mb=MAX_UNZIPPED_BYTES // 2**20))
            members = [n for n in archive.namelist() if not n.endswith("/") and "__MACOSX" not in n]
            bases = {n.rsplit("/", 1)[-1].lower(): n for n in members}
            if "sorts.txt" in bases:
                return read_sorts(archive_path, format="kade"), archive_path.name
            inner = folder / "unzipped"
            inner.mkdir()
            for base, member in bases.items():
                if Path(base).suffix in (".dat", ".sta", ".csv", ".txt", ".json") and "/" not in base \
                        and base not in ("", ".", ".."):
                    (inner / member.rsplit("/", 1)[-1]).write_bytes(archive.read(member))
        paths = list(inner.iterdir())
        shown_prefix = archive_path.name + "!"
    else:
        shown_prefix = ""
    main = _main_file(paths)
    if main is None:
        raise ExchangeError(_("No data file found: upload a .csv, a .DAT (with its .STA), a KADE .zip or a "
                              ".json file."))
    if main.suffix.lower() == ".json" and _is_study_export(main):
        raise ExchangeError(_("%(file)s is a whole-study export: restore it as a new study with "
                              "'qsort import %(file)s' on the server.", file=main.name))
    return read_sorts(main), shown_prefix + main.name


def _is_study_export(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(200).decode("utf-8", errors="replace")
    return f'"format": "{STUDY_JSON_FORMAT}"' in head


def _main_file(paths: list[Path]) -> Path | None:
    """The data file among the uploads: .dat, .json or a .csv that is not a statements file."""
    for suffixes in ((".dat",), (".json",), (".csv",)):
        for path in sorted(paths):
            if path.suffix.lower() in suffixes and not path.stem.lower().endswith("_statements"):
                return path
    return None


def match_statements(study: Study, file_ids: list[str], file_name: str) -> tuple[list[Statement], str]:
    """The study statement for each row of the file, and how they were matched ("code" or "position")."""
    statements = list(study.statements)
    if len(file_ids) != len(statements):
        raise ExchangeError(_("%(file)s: the file has %(n)d statements, the study has %(m)d.", file=file_name,
                              n=len(file_ids), m=len(statements)))
    by_code = {s.code.strip().lower(): s for s in statements if s.code and s.code.strip()}
    known = [sid for sid in file_ids if sid.strip().lower() in by_code]
    if known and len(known) == len(file_ids) and len(by_code) == len(statements):
        return [by_code[sid.strip().lower()] for sid in file_ids], "code"
    if known:
        unknown = [sid for sid in file_ids if sid.strip().lower() not in by_code]
        raise ExchangeError(_("%(file)s: statements %(ids)s are not codes of this study's statements, while "
                              "others are; rename them to the study's codes, or number all statements to match "
                              "them by position.", file=file_name, ids=", ".join(repr(u) for u in unknown[:5])))
    return statements, "position"


def import_sorts(session: Session, study: Study, data, file_name: str) -> ImportReport:
    """Add the sorts in ``data`` (a QData) to ``study`` as imported, submitted participants; all or nothing."""
    matched, how = match_statements(study, list(data.statement_ids), file_name)
    grid = study_grid(study)
    problems = []
    taken = {code.lower() for code in session.scalars(
        select(Participant.code).where(Participant.study_id == study.id, Participant.code.is_not(None)))}
    seen: set[str] = set()
    for j, pid in enumerate(data.participant_ids):
        pid = str(pid).strip()
        where = _("%(file)s: participant %(id)r", file=file_name, id=pid)
        if not pid or len(pid) > 100:
            problems.append(where + ": " + _("the id must have 1 to 100 characters"))
        elif pid.lower() in taken:
            problems.append(where + ": " + _("the study already has a participant with this code"))
        elif pid.lower() in seen:
            problems.append(where + ": " + _("appears twice (ids are compared without case)"))
        seen.add(pid.lower())
        ordered = _in_study_order(data.sorts[:, j], matched, study)
        if grid is not None:
            mismatch = grid.mismatch(ordered)
            if mismatch:
                problems.append(where + ": " + _("does not fit the study's grid %(grid)s: %(problem)s",
                                                 grid=str(grid), problem=mismatch))
        elif study.grid_scores:
            low, high = min(study.grid_scores), max(study.grid_scores)
            outside = sorted({int(v) for v in ordered if not low <= v <= high})
            if outside:
                problems.append(where + ": " + _("scores %(scores)s are outside the grid's range %(low)d..%(high)d",
                                                 scores=outside, low=low, high=high))
    if problems:
        more = "; " + _("... and %(n)d more", n=len(problems) - 20) if len(problems) > 20 else ""
        raise ExchangeError("; ".join(problems[:20]) + more, problems[:20] + ([more[2:]] if more else []))
    now = utcnow()
    sorts = []
    for pid in data.participant_ids:
        participant = Participant(study=study, code=str(pid).strip(), source="import")
        sorts.append(Sort(participant=participant, state="submitted", step="done", started_at=now, submitted_at=now))
        session.add(participant)
    session.flush()  # sort ids for the placements, which go in as one bulk insert (thousands of rows)
    rows = []
    for j, sort in enumerate(sorts):
        slots: dict[int, int] = {}
        # Within a column, cards keep the study's statement order.
        for statement, score in sorted(zip(matched, data.sorts[:, j].tolist()), key=lambda pair: pair[0].position):
            rows.append({"sort_id": sort.id, "statement_id": statement.id, "score": int(score),
                         "slot": slots.get(int(score), 0)})
            slots[int(score)] = slots.get(int(score), 0) + 1
    session.execute(insert(Placement), rows)
    session.commit()
    return ImportReport([str(p).strip() for p in data.participant_ids], how, file_name)


def _in_study_order(column: np.ndarray, matched: list[Statement], study: Study) -> list[int]:
    position = {s.id: k for k, s in enumerate(study.statements)}
    ordered = [0] * len(matched)
    for statement, score in zip(matched, column):
        ordered[position[statement.id]] = int(score)
    return ordered


# -- the whole study as JSON ---------------------------------------------------------------------------

STUDY_FIELDS = ("title", "status", "languages", "default_language", "texts", "labels", "grid_scores",
                "grid_heights", "free_distribution", "extreme_comments", "ask_would_pay", "redirect_url",
                "open_link_enabled", "open_link_token")


def study_to_json(session: Session, study: Study) -> dict:
    """The whole study as a JSON-safe dict (see the module docstring for what is in it)."""
    statements = list(study.statements)
    questions = list(study.questions)
    s_index = {s.id: k for k, s in enumerate(statements)}
    q_index = {q.id: k for k, q in enumerate(questions)}
    users = {u.id: u.email for u in session.scalars(select(User))}
    sort_parts = [Sort.placements, Sort.moves, Sort.comments, Sort.answers, Sort.notes]
    people = session.scalars(
        select(Participant).where(Participant.study_id == study.id, Participant.source != "preview")
        .options(*[selectinload(Participant.sort).selectinload(part) for part in sort_parts])
        .order_by(Participant.created_at, Participant.id)).all()
    return {
        "format": STUDY_JSON_FORMAT, "version": STUDY_JSON_VERSION, "exported_at": _iso(utcnow()),
        "study": {name: getattr(study, name) for name in STUDY_FIELDS},
        "statements": [{"code": s.code, "text": s.text, "tags": s.tags or [], "translations": s.translations or {}}
                       for s in statements],
        "questions": [{"phase": q.phase, "kind": q.kind, "prompt": q.prompt or {}, "options": q.options or [],
                       "settings": q.settings or {}, "required": q.required} for q in questions],
        "participants": [_participant_json(p, s_index, q_index, users) for p in people],
    }


def _participant_json(p: Participant, s_index: dict, q_index: dict, users: dict) -> dict:
    out = {"code": p.code, "name": p.name, "email": p.email, "attributes": p.attributes or {},
           "source": p.source, "language": p.language, "consent": p.consent, "consent_at": _iso(p.consent_at),
           "created_at": _iso(p.created_at), "token": p.token, "sort": None}
    sort = p.sort
    if sort is not None:
        out["sort"] = {
            "state": sort.state, "step": sort.step, "revision": sort.revision,
            "presort": {str(s_index[int(k)]): pile for k, pile in (sort.presort or {}).items()
                        if str(k).isdigit() and int(k) in s_index},
            "step_seconds": sort.step_seconds or {},
            "entered_by": users.get(sort.entered_by_id),
            "started_at": _iso(sort.started_at), "updated_at": _iso(sort.updated_at),
            "submitted_at": _iso(sort.submitted_at),
            "placements": [{"statement": s_index[pl.statement_id], "score": pl.score, "slot": pl.slot}
                           for pl in sorted(sort.placements, key=lambda pl: s_index[pl.statement_id])],
            "moves": [{"statement": s_index[m.statement_id], "from": m.from_place, "to": m.to_place,
                       "client_time": _iso(m.client_time), "seq": m.client_seq, "recorded_at": _iso(m.recorded_at)}
                      for m in sort.moves],
            "comments": [{"statement": s_index[c.statement_id], "text": c.text, "would_pay": c.would_pay}
                         for c in sorted(sort.comments, key=lambda c: s_index[c.statement_id])],
            "answers": [{"question": q_index[a.question_id], "value": a.value}
                        for a in sorted(sort.answers, key=lambda a: q_index[a.question_id])],
            "notes": [{"statement": s_index.get(n.statement_id), "text": n.text, "author": users.get(n.author_id),
                       "created_at": _iso(n.created_at)} for n in sorted(sort.notes, key=lambda n: n.created_at)],
        }
    return out


@dataclass
class StudyImportReport:
    study: Study
    participants: int
    sorts: int
    tokens_renewed: int


def study_from_json(session: Session, document: Any, owner: User, source: str = "the file") -> StudyImportReport:
    """Create a new study owned by ``owner`` from :func:`study_to_json`'s output; all or nothing.

    Raises ExchangeError naming the part of the document that is wrong (e.g. ``participants[3].sort.placements[2]
    .statement``).
    """
    try:
        return _study_from_json(session, document, owner)
    except ExchangeError as error:
        session.rollback()
        raise ExchangeError(f"{source}: {error}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        session.rollback()
        raise ExchangeError(f"{source}: not a qsort study export ({type(error).__name__}: {error})") from None


def _need(value: Any, kind: type | tuple, where: str) -> Any:
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ExchangeError(f"{where}: expected {names}, found {type(value).__name__}")
    return value


def _when(value: Any, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(_need(value, str, where))
    except ValueError:
        raise ExchangeError(f"{where}: {value!r} is not a date and time (ISO 8601)") from None


def _ref(value: Any, items: list, where: str):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(items):
        raise ExchangeError(f"{where}: {value!r} is not the index of one of the {len(items)} entries")
    return items[value]


def _token_if_free(session: Session, column, token: Any, used: set[str]) -> tuple[str, bool]:
    """The token when no row uses it yet, else a new one; and whether it was renewed."""
    if isinstance(token, str) and 20 <= len(token) <= 64 and token not in used \
            and session.scalar(select(column).where(column == token).limit(1)) is None:
        used.add(token)
        return token, False
    fresh = new_token()
    used.add(fresh)
    return fresh, token is not None


def _check_settings(settings: dict) -> None:
    """The study's own fields have the types the app relies on."""
    from .models import COMMENT_MODES, STUDY_STATES

    _need(settings.get("title"), str, "study.title")
    if settings.get("status", "draft") not in STUDY_STATES:
        raise ExchangeError(f"study.status: {settings.get('status')!r} is not one of {', '.join(STUDY_STATES)}")
    if settings.get("extreme_comments", "optional") not in COMMENT_MODES:
        raise ExchangeError(f"study.extreme_comments: {settings.get('extreme_comments')!r} is not one of "
                            f"{', '.join(COMMENT_MODES)}")
    for name in ("languages", "grid_scores", "grid_heights"):
        _need(settings.get(name, []), list, f"study.{name}")
    for name in ("texts", "labels"):
        _need(settings.get(name, {}), dict, f"study.{name}")
    scores, heights = settings.get("grid_scores", []), settings.get("grid_heights", [])
    if len(scores) != len(heights) or not all(isinstance(v, int) and not isinstance(v, bool)
                                              for v in scores + heights):
        raise ExchangeError("study.grid_scores, study.grid_heights: two lists of whole numbers of the same length")


def _study_from_json(session: Session, document: Any, owner: User) -> StudyImportReport:
    _need(document, dict, "the document")
    if document.get("format") != STUDY_JSON_FORMAT:
        raise ExchangeError(f"format: expected {STUDY_JSON_FORMAT!r} (a file from 'qsort export --format json'), "
                            f"found {document.get('format')!r}")
    if document.get("version") != STUDY_JSON_VERSION:
        raise ExchangeError(f"version: this installation reads version {STUDY_JSON_VERSION}, "
                            f"the file is version {document.get('version')!r}")
    settings = _need(document.get("study"), dict, "study")
    _check_settings(settings)
    used_tokens: set[str] = set()
    # Tokens first: the look-ups flush the session, and the study must not be in it half made.
    open_token, renewed = _token_if_free(session, Study.open_link_token, settings.get("open_link_token"),
                                         used_tokens)
    study = Study(owner=owner, open_link_token=open_token)
    for name in STUDY_FIELDS:
        if name in settings and name != "open_link_token":
            setattr(study, name, settings[name])
    renewed = int(renewed)
    statements = []
    for k, item in enumerate(_need(document.get("statements"), list, "statements")):
        where = f"statements[{k}]"
        _need(item, dict, where)
        statement = Statement(position=k, code=_need(item.get("code", ""), str, f"{where}.code"),
                              text=_need(item.get("text"), str, f"{where}.text"),
                              tags=_need(item.get("tags", []), list, f"{where}.tags"),
                              translations=_need(item.get("translations", {}), dict, f"{where}.translations"))
        study.statements.append(statement)
        statements.append(statement)
    questions = []
    for k, item in enumerate(_need(document.get("questions", []), list, "questions")):
        where = f"questions[{k}]"
        _need(item, dict, where)
        question = Question(position=k, phase=_need(item.get("phase", "post"), str, f"{where}.phase"),
                            kind=_need(item.get("kind", "text"), str, f"{where}.kind"),
                            prompt=_need(item.get("prompt", {}), dict, f"{where}.prompt"),
                            options=_need(item.get("options", []), list, f"{where}.options"),
                            settings=_need(item.get("settings", {}), dict, f"{where}.settings"),
                            required=bool(item.get("required", False)))
        study.questions.append(question)
        questions.append(question)
    session.add(study)
    session.flush()  # statement and question ids for the sorts below
    users = {u.email.lower(): u for u in session.scalars(select(User))}
    n_sorts = 0
    people = _need(document.get("participants", []), list, "participants")
    codes: set[str] = set()
    for k, item in enumerate(people):
        where = f"participants[{k}]"
        _need(item, dict, where)
        code = item.get("code")
        if code is not None:
            _need(code, str, f"{where}.code")
            if code.lower() in codes:
                raise ExchangeError(f"{where}.code: {code!r} appears twice")
            codes.add(code.lower())
        token, was_renewed = _token_if_free(session, Participant.token, item.get("token"), used_tokens)
        renewed += was_renewed
        participant = Participant(study=study, code=code, token=token, name=item.get("name") or "",
                                  email=item.get("email") or "",
                                  attributes=_need(item.get("attributes", {}), dict, f"{where}.attributes"),
                                  source=item.get("source") or "invite", language=item.get("language"),
                                  consent=item.get("consent"), consent_at=_when(item.get("consent_at"),
                                                                               f"{where}.consent_at"),
                                  created_at=_when(item.get("created_at"), f"{where}.created_at") or utcnow())
        session.add(participant)
        if item.get("sort") is not None:
            participant.sort = _sort_from_json(item["sort"], statements, questions, users, f"{where}.sort")
            n_sorts += 1
    session.commit()
    return StudyImportReport(study, len(people), n_sorts, renewed)


def _sort_from_json(item: Any, statements: list, questions: list, users: dict, where: str) -> Sort:
    _need(item, dict, where)

    def author(email: Any) -> User | None:
        return users.get(email.lower()) if isinstance(email, str) else None

    entered_by = author(item.get("entered_by"))
    sort = Sort(state=_need(item.get("state", "started"), str, f"{where}.state"),
                step=_need(item.get("step", "welcome"), str, f"{where}.step"),
                revision=int(item.get("revision") or 0),
                step_seconds=_need(item.get("step_seconds", {}), dict, f"{where}.step_seconds"),
                entered_by_id=entered_by.id if entered_by else None,
                started_at=_when(item.get("started_at"), f"{where}.started_at") or utcnow(),
                submitted_at=_when(item.get("submitted_at"), f"{where}.submitted_at"))
    sort.presort = {str(_ref(int(k), statements, f"{where}.presort[{k!r}]").id): pile
                    for k, pile in _need(item.get("presort", {}), dict, f"{where}.presort").items()}
    for k, pl in enumerate(_need(item.get("placements", []), list, f"{where}.placements")):
        at = f"{where}.placements[{k}]"
        _need(pl, dict, at)
        score = pl.get("score")
        if score is not None:
            _need(score, int, f"{at}.score")
        sort.placements.append(Placement(statement=_ref(pl.get("statement"), statements, f"{at}.statement"),
                                         score=score, slot=int(pl.get("slot") or 0)))
    for k, mv in enumerate(_need(item.get("moves", []), list, f"{where}.moves")):
        at = f"{where}.moves[{k}]"
        _need(mv, dict, at)
        sort.moves.append(Move(statement_id=_ref(mv.get("statement"), statements, f"{at}.statement").id,
                               from_place=str(mv.get("from", "")), to_place=str(mv.get("to", "")),
                               client_time=_when(mv.get("client_time"), f"{at}.client_time"),
                               client_seq=int(mv.get("seq") or 0),
                               recorded_at=_when(mv.get("recorded_at"), f"{at}.recorded_at") or utcnow()))
    for k, cm in enumerate(_need(item.get("comments", []), list, f"{where}.comments")):
        at = f"{where}.comments[{k}]"
        _need(cm, dict, at)
        sort.comments.append(CardComment(statement_id=_ref(cm.get("statement"), statements, f"{at}.statement").id,
                                         text=str(cm.get("text") or ""), would_pay=cm.get("would_pay")))
    for k, an in enumerate(_need(item.get("answers", []), list, f"{where}.answers")):
        at = f"{where}.answers[{k}]"
        _need(an, dict, at)
        sort.answers.append(Answer(question_id=_ref(an.get("question"), questions, f"{at}.question").id,
                                   value=an.get("value")))
    for k, nt in enumerate(_need(item.get("notes", []), list, f"{where}.notes")):
        at = f"{where}.notes[{k}]"
        _need(nt, dict, at)
        statement = None if nt.get("statement") is None else _ref(nt["statement"], statements, f"{at}.statement")
        writer = author(nt.get("author"))
        sort.notes.append(Note(statement_id=statement.id if statement else None,
                               text=_need(nt.get("text", ""), str, f"{at}.text"),
                               author_id=writer.id if writer else None,
                               created_at=_when(nt.get("created_at"), f"{at}.created_at") or utcnow()))
    # updated_at last: assigning relationships above would not change it, but keep the exported moment.
    sort.updated_at = _when(item.get("updated_at"), f"{where}.updated_at") or sort.started_at
    return sort


def find_owner(session: Session, email: str | None) -> User:
    """The account that will own an imported study: the one with ``email``, else the only researcher/admin."""
    from .accounts import find_user_by_email

    if email:
        user = find_user_by_email(session, email)
        if user is None:
            raise ExchangeError(f"--owner: no account with the email {email} (create it with 'qsort create-user')")
        return user
    candidates = session.scalars(select(User).where(User.role.in_(("researcher", "admin")))).all()
    if len(candidates) != 1:
        raise ExchangeError("--owner: say which researcher owns the imported study (there are "
                            f"{len(candidates)} researcher accounts)")
    return candidates[0]
