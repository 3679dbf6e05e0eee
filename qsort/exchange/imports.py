"""Data in: sorts from a file added to a study as imported participants.

Any file :func:`analysis.formats.read_sorts` reads. Statements are matched **by code** when every statement id in
the file is a code of the study's statements (our CSV and Ken-Q exports), else **by position** (PQMethod, KADE and
EQ Web Sort files number their statements), which needs the same number of statements; a file where only some ids
are codes is refused as ambiguous. Each sort must fit the study's grid (with a free distribution: every score
within the grid's range); participant ids must not be codes already in the study. All or nothing: every check
runs before anything is saved.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..i18n import text as _
from ..matrix import study_grid
from ..models import Participant, Placement, Sort, Statement, Study, utcnow
from .errors import ExchangeError
from .study_json import STUDY_JSON_FORMAT

IMPORT_SUFFIXES = (".csv", ".dat", ".sta", ".txt", ".zip", ".json")
MAX_UNZIPPED_BYTES = 64 * 2**20  # a KADE project with thousands of sorts is a few MB


@dataclass
class ImportReport:
    participants: list[str]
    matched_by: str  # "code" | "position"
    file: str


def read_upload(files: Mapping[str, bytes]):
    """Read uploaded files, held in memory (file name -> bytes): one data file, optionally its statements file,
    or a ZIP of our PQMethod/Ken-Q exports or a KADE project. Read with analysis.formats.read_sorts; ZIPs are
    opened through analysis.formats.open_archive (its limits on files and unpacked bytes) and unpacked in
    memory: nothing is written to disk.

    Returns (QData, the name of the file read). Raises ExchangeError or analysis.formats.FormatError.
    """
    from analysis.formats import open_archive, read_sorts, source_among
    from analysis.formats.archive import member_bytes

    zips = [name for name in files if Path(name).suffix.lower() == ".zip"]
    if zips:
        name = zips[0]
        with open_archive(files[name], name) as archive:    # refuses too many files or too many bytes unpacked
            too_big = [i.filename for i in archive.infolist() if i.file_size > MAX_UNZIPPED_BYTES]
            if too_big:
                raise ExchangeError(_("%(file)s: %(member)s is larger than %(mb)d MB unpacked; that is not a file of "
                                      "Q-sorts.", file=name, member=too_big[0], mb=MAX_UNZIPPED_BYTES // 2**20))
            members = [n for n in archive.namelist() if not n.endswith("/") and "__MACOSX" not in n]
            by_base = {n.rsplit("/", 1)[-1]: n for n in members}
            if "sorts.txt" in {base.lower() for base in by_base}:
                main = None                                  # a KADE project
            else:
                main = _main_file(list(by_base))
                if main is None:
                    raise _no_data_file()
                if main.lower().endswith(".json"):
                    _refuse_study_export(f"{name}!{main}", member_bytes(name, archive, by_base[main])[:200])
        # analysis.formats.archive.read_zip reads a KADE project, or the data file with the files beside it,
        # unpacked in memory
        return read_sorts(files[name], format="kade", name=name), name if main is None else f"{name}!{main}"
    main = _main_file(list(files))
    if main is None:
        raise _no_data_file()
    if main.lower().endswith(".json"):
        _refuse_study_export(main, files[main][:200])
    return read_sorts(source_among(files, main)), main


def _no_data_file() -> ExchangeError:
    return ExchangeError(_("No data file found: upload a .csv, a .DAT (with its .STA), a KADE .zip or a "
                           ".json file."))


def _refuse_study_export(name: str, head: bytes) -> None:
    """A whole-study JSON is not a file of sorts: say how it is restored."""
    if f'"format": "{STUDY_JSON_FORMAT}"' in head.decode("utf-8", errors="replace"):
        raise ExchangeError(_("%(file)s is a whole-study export: restore it as a new study with "
                              "'qsort import %(file)s' on the server.", file=name))


def _main_file(names: list[str]) -> str | None:
    """The data file among the uploads: .dat, .json or a .csv that is not a statements file."""
    for suffix in (".dat", ".json", ".csv"):
        for name in sorted(names):
            path = Path(name)
            if path.suffix.lower() == suffix and not path.stem.lower().endswith("_statements"):
                return name
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
