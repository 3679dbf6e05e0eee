"""Analysis runs: the rules behind the results pages (no Flask here).

A run (:class:`qsort.models.AnalysisRun`) freezes the study's complete sorts at the moment it is made (the
*snapshot*: score matrix, participant and statement ids, which sorts), so a sort submitted later never changes a
finished analysis; :func:`newer_sorts` tells the page when there are sorts the run does not hold. It keeps its
parameters (``params``), the researcher's manual flag changes in order (``steps``: undo drops the last one),
viewpoint names and colours (``viewpoint_names``) and the engine's JSON of the current state (``result``).

Every number comes from the engine: :func:`compute` calls ``analysis.qmethod`` with the flag changes as
``flag_overrides`` and ``analysis.viewpoints.find_viewpoints`` with the statements' tags; pages and exports read
the :class:`Analysis` it returns. placements -> qsort/matrix.py -> snapshot -> analysis -> this -> pages.

>>> run = create_run(session, study, user, parse_params({"nfactors": "3"}))
>>> found = compute(run).found          # analysis.viewpoints.ViewpointAnalysis
"""
from __future__ import annotations

import csv
import io
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .i18n import text as _
from .matrix import (MatrixError, complete_sort_ids, complete_sorts, participant_ids, score_maps, statement_ids,
                     study_grid)
from .models import AnalysisRun, Participant, Sort, Study, User, utcnow

CORRELATIONS = ("pearson", "spearman", "kendall")
EXTRACTIONS = ("pca", "centroid")
ROTATIONS = ("varimax", "none", "quartimax", "equamax", "promax", "oblimin")
MAX_FACTORS = 7
# Colours a viewpoint gets until the researcher picks one (distinct, readable on white and as card borders).
PALETTE = ("#1f6feb", "#d4630b", "#2e8540", "#8250df", "#c0245c", "#0f7c8c", "#7a6a00")
MAX_NAME = 80


class RunError(ValueError):
    """A request the rules refuse, with a sentence for the researcher (what and where)."""


# -- parameters and the snapshot ------------------------------------------------------------------------------

def parse_params(form: dict) -> dict[str, Any]:
    """The analysis parameters from a form (strings), checked: nfactors 1..7, known correlation, extraction and
    rotation. Raises RunError naming the field."""
    try:
        nfactors = int(str(form.get("nfactors", "3")).strip())
    except ValueError:
        raise RunError(_("Number of factors: enter a whole number from 1 to %(n)s.", n=MAX_FACTORS)) from None
    if not 1 <= nfactors <= MAX_FACTORS:
        raise RunError(_("Number of factors: enter a whole number from 1 to %(n)s.", n=MAX_FACTORS))
    params = {"nfactors": nfactors}
    for name, choices, default in (("cor_method", CORRELATIONS, "pearson"), ("extraction", EXTRACTIONS, "pca"),
                                   ("rotation", ROTATIONS, "varimax")):
        value = str(form.get(name) or default)
        if value not in choices:
            raise RunError(_("%(field)s: unknown choice %(value)r.", field=name, value=value))
        params[name] = value
    return params


def attribute_values(session: Session, study: Study) -> dict[str, list[str]]:
    """Participant attribute -> its values (as text, sorted) among the complete sorts: the set-up page's filter
    and the cross-tables' choices."""
    values: dict[str, set[str]] = {}
    for sort in complete_sorts(session, study):
        for key, value in (sort.participant.attributes or {}).items():
            if value not in (None, "") and not isinstance(value, (list, dict)):
                values.setdefault(str(key), set()).add(str(value))
    return {key: sorted(found) for key, found in sorted(values.items())}


def take_snapshot(session: Session, study: Study, attribute: str = "", value: str = "") -> dict[str, Any]:
    """The complete sorts (all, or those whose participant attribute ``attribute`` equals ``value``) as a
    JSON-safe snapshot: ``sorts`` (n_statements x n_participants), ``participants`` (export ids),
    ``participant_db_ids``, ``sort_ids``, ``statements`` (ids), ``statement_db_ids``, ``tags``, ``texts``,
    ``grid`` (values or None), ``filter``. Raises RunError when fewer than 3 sorts match or a sort is broken."""
    sorts = complete_sorts(session, study)
    if attribute:
        sorts = [s for s in sorts if str((s.participant.attributes or {}).get(attribute, "")) == value]
    if len(sorts) < 3:
        raise RunError(_("An analysis needs at least 3 complete sorts; %(n)s match.", n=len(sorts)))
    statements = list(study.statements)
    ids = participant_ids([s.participant for s in sorts])
    row_of = {s.id: i for i, s in enumerate(statements)}
    matrix = np.zeros((len(statements), len(sorts)), dtype=int)
    for j, scores in enumerate(score_maps(session, sorts)):
        missing = [s for s in statements if s.id not in scores]
        if missing:
            raise RunError(str(MatrixError(_("The sort of %(participant)s has no score for statement "
                                             "%(statement)s.", participant=ids[j],
                                             statement=missing[0].code or missing[0].position + 1))))
        for statement_id, score in scores.items():
            if statement_id in row_of:
                matrix[row_of[statement_id], j] = score
    grid = study_grid(study)
    return {
        "sorts": matrix.tolist(), "participants": ids, "participant_db_ids": [s.participant_id for s in sorts],
        "sort_ids": [s.id for s in sorts], "statements": statement_ids(statements),
        "statement_db_ids": [s.id for s in statements], "tags": [list(s.tags or []) for s in statements],
        "texts": [s.text for s in statements],
        "grid": None if grid is None else [int(v) for v in grid.distribution()],
        "filter": {"attribute": attribute, "value": value} if attribute else None,
        "taken_at": utcnow().isoformat(timespec="seconds"),
    }


def snapshot_matrix(snapshot: dict) -> np.ndarray:
    return np.asarray(snapshot["sorts"], dtype=float)


def _distribution(snapshot: dict):
    """What the factor arrays are fitted to: the engine decides (the study's grid, else pooled scores)."""
    from analysis.distribution import array_distribution
    from analysis.grid import Grid

    values = snapshot.get("grid")
    grid = None
    if values:
        scores, heights = np.unique(values, return_counts=True)
        grid = Grid(tuple(int(s) for s in scores), tuple(int(h) for h in heights))
    return array_distribution(snapshot_matrix(snapshot), grid).values


# -- computing a run ------------------------------------------------------------------------------------------

@dataclass
class Analysis:
    """A run as the pages read it: the engine's QResult and ViewpointAnalysis plus the names."""

    run: AnalysisRun
    result: Any                 # analysis.qmethod.QResult
    found: Any                  # analysis.viewpoints.ViewpointAnalysis
    overrides: dict[str, int | None]
    seconds: float
    names: dict[str, dict] = field(default_factory=dict)

    @property
    def snapshot(self) -> dict:
        return self.run.snapshot

    def name(self, viewpoint_id: str) -> str:
        """The researcher's name, else the suggested archetype, else "Viewpoint 1+"."""
        given = (self.names.get(viewpoint_id) or {}).get("name")
        if given:
            return given
        vp = self.found.viewpoints[self.found.index(viewpoint_id)]
        return vp.archetype or _("Viewpoint %(id)s", id=viewpoint_id)

    def colour(self, viewpoint_id: str) -> str:
        given = (self.names.get(viewpoint_id) or {}).get("colour")
        return given or PALETTE[self.found.index(viewpoint_id) % len(PALETTE)]

    def is_named(self, viewpoint_id: str) -> bool:
        return bool((self.names.get(viewpoint_id) or {}).get("name"))


def current_overrides(run: AnalysisRun) -> dict[str, int | None]:
    """The manual flags after every step, in order (a later step on the same participant wins)."""
    overrides: dict[str, int | None] = {}
    for step in run.steps or []:
        overrides[step["participant"]] = step["factor"]
    return overrides


def compute(run: AnalysisRun) -> Analysis:
    """Run the engine on the run's snapshot with its parameters and manual flags."""
    from analysis import qmethod
    from analysis.viewpoints import find_viewpoints

    started = time.perf_counter()
    snap = run.snapshot
    overrides = current_overrides(run)
    p = run.params
    result = qmethod(snapshot_matrix(snap), p["nfactors"], p["extraction"], p["rotation"],
                     cor_method=p.get("cor_method", "pearson"), distribution=_distribution(snap),
                     flag_overrides=overrides or None, participant_ids=snap["participants"],
                     statement_ids=snap["statements"])
    tags = snap["tags"] if any(snap["tags"]) else None
    found = find_viewpoints(result, tags)
    return Analysis(run, result, found, overrides, time.perf_counter() - started, dict(run.viewpoint_names or {}))


def _store(run: AnalysisRun, analysis: Analysis) -> None:
    """Keep the engine's JSON of the current state with the run (reproducible outside the app)."""
    tags = run.snapshot["tags"] if any(run.snapshot["tags"]) else None
    run.result = analysis.result.to_dict(tags)
    run.seconds = analysis.seconds
    run.updated_at = utcnow()


def create_run(session: Session, study: Study, user: User | None, params: dict, attribute: str = "",
               value: str = "") -> AnalysisRun:
    """Snapshot the sorts, analyse them, save the run. Raises RunError (too few sorts, too many factors)."""
    snap = take_snapshot(session, study, attribute, value)
    n_statements, n_sorts = len(snap["statements"]), len(snap["participants"])
    if params["nfactors"] > min(n_sorts, n_statements - 1):
        raise RunError(_("%(k)s factors need more sorts: there are %(n)s.", k=params["nfactors"], n=n_sorts))
    count = session.scalar(select(func.count()).select_from(AnalysisRun).where(AnalysisRun.study_id == study.id))
    run = AnalysisRun(study=study, created_by_id=user.id if user else None, params=params, snapshot=snap, steps=[],
                      viewpoint_names={}, name=_("Analysis %(n)s", n=count + 1))
    try:
        _store(run, compute(run))
    except ValueError as error:  # the engine's own sentence (e.g. a degenerate matrix)
        raise RunError(str(error)) from None
    session.add(run)
    session.commit()
    return run


def study_runs(session: Session, study: Study) -> list[AnalysisRun]:
    return session.scalars(select(AnalysisRun).where(AnalysisRun.study_id == study.id)
                           .order_by(AnalysisRun.created_at.desc(), AnalysisRun.id.desc())).all()


def load_run(session: Session, study: Study, run_id: int) -> AnalysisRun | None:
    """The run if it belongs to this study (the caller has checked the study), else None."""
    return session.scalar(select(AnalysisRun).where(AnalysisRun.id == run_id, AnalysisRun.study_id == study.id,
                                                    AnalysisRun.snapshot.is_not(None)))


def newer_sorts(session: Session, run: AnalysisRun) -> int:
    """How many complete sorts (matching the run's filter) the run does not hold: sorts submitted since."""
    snap = run.snapshot
    held = set(snap["sort_ids"])
    filt = snap.get("filter")
    if not filt:  # the common case: ids only, no sort loaded
        return sum(1 for sort_id in complete_sort_ids(session, run.study) if sort_id not in held)
    found = complete_sorts(session, run.study)
    found = [s for s in found if str((s.participant.attributes or {}).get(filt["attribute"], "")) == filt["value"]]
    return sum(1 for s in found if s.id not in held)


# -- changing a run -------------------------------------------------------------------------------------------

def toggle_flag(session: Session, run: AnalysisRun, participant: str, factor: int) -> Analysis:
    """A click on a loading: a flagged cell is unflagged (the sort then defines no factor), an unflagged cell
    flags the sort on that factor alone. Saved as a new step; returns the recomputed analysis."""
    snap = run.snapshot
    if participant not in snap["participants"]:
        raise RunError(_("Unknown participant %(p)r in this run.", p=participant))
    if not 0 <= factor < run.params["nfactors"]:
        raise RunError(_("Unknown factor %(f)s in this run.", f=factor + 1))
    before = compute(run)
    row = snap["participants"].index(participant)
    flagged_here = bool(before.result.flagged[row, factor])
    run.steps = [*(run.steps or []), {"participant": participant, "factor": None if flagged_here else factor}]
    after = compute(run)
    _store(run, after)
    session.commit()
    return after


def undo(session: Session, run: AnalysisRun) -> bool:
    """Drop the last manual flag step; False when there is none."""
    if not run.steps:
        return False
    run.steps = list(run.steps)[:-1]
    _store(run, compute(run))
    session.commit()
    return True


def reset_flags(session: Session, run: AnalysisRun) -> None:
    """Back to the automatic flags, as a step the researcher can undo (all at once)."""
    overrides = current_overrides(run)
    if not overrides:
        return
    automatic = compute_automatic(run)
    steps = list(run.steps or [])
    for pid in overrides:
        row = run.snapshot["participants"].index(pid)
        hits = np.flatnonzero(automatic.result.flagged[row])
        steps.append({"participant": pid, "factor": int(hits[0]) if len(hits) == 1 else None})
    run.steps = steps
    _store(run, compute(run))
    session.commit()


def compute_automatic(run: AnalysisRun) -> Analysis:
    saved = run.steps
    run.steps = []
    try:
        return compute(run)
    finally:
        run.steps = saved


def rename(session: Session, run: AnalysisRun, name: str) -> None:
    name = (name or "").strip()
    if not name:
        raise RunError(_("Name: enter a name for the analysis."))
    if len(name) > 200:
        raise RunError(_("Name: at most %(n)s characters.", n=200))
    run.name = name
    session.commit()


def name_viewpoint(session: Session, analysis: Analysis, viewpoint_id: str, name: str, colour: str) -> None:
    """Name a viewpoint (empty name: back to the suggestion) and give it a colour (#rrggbb)."""
    if viewpoint_id not in analysis.found.ids:
        raise RunError(_("Unknown viewpoint %(id)r.", id=viewpoint_id))
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise RunError(_("Name: at most %(n)s characters.", n=MAX_NAME))
    colour = (colour or "").strip().lower()
    if colour and not (len(colour) == 7 and colour[0] == "#" and all(c in "0123456789abcdef" for c in colour[1:])):
        raise RunError(_("Colour: give it as #rrggbb, e.g. #1f6feb."))
    names = dict(analysis.run.viewpoint_names or {})
    names[viewpoint_id] = {"name": name, "colour": colour or analysis.colour(viewpoint_id)}
    analysis.run.viewpoint_names = names
    analysis.names = names
    session.commit()


def accept_suggestions(session: Session, analysis: Analysis) -> int:
    """Name every unnamed viewpoint after its suggested archetype; returns how many were named."""
    names = dict(analysis.run.viewpoint_names or {})
    named = 0
    for vp in analysis.found.viewpoints:
        if vp.archetype and not (names.get(vp.id) or {}).get("name"):
            names[vp.id] = {"name": vp.archetype, "colour": analysis.colour(vp.id)}
            named += 1
    analysis.run.viewpoint_names = names
    analysis.names = names
    session.commit()
    return named


def delete_run(session: Session, run: AnalysisRun) -> None:
    session.delete(run)
    session.commit()


# -- what the pages show --------------------------------------------------------------------------------------

def participants_of(session: Session, analysis: Analysis) -> list[Participant | None]:
    """The run's participants in snapshot order (None for one deleted since)."""
    ids = analysis.snapshot["participant_db_ids"]
    found = {p.id: p for p in session.scalars(select(Participant).where(Participant.id.in_(ids)))}
    return [found.get(i) for i in ids]


def segment_rows(session: Session, analysis: Analysis) -> list[dict[str, Any]]:
    """One row per participant: id, code, attributes, segment (the viewpoint's name, or confounded / none),
    viewpoint id, archetype, status, loading (rounded to 3 decimals)."""
    rows = []
    people = participants_of(session, analysis)
    for person, seg in zip(people, analysis.found.segments):
        rows.append({
            "participant": seg.participant, "code": person.code if person else "",
            "attributes": dict(person.attributes or {}) if person else {},
            "viewpoint": seg.viewpoint, "status": seg.status,
            "segment": analysis.name(seg.viewpoint) if seg.viewpoint else segment_status_label(seg.status),
            "archetype": seg.archetype or "",
            "loading": None if seg.loading is None else round(float(seg.loading), 3),
        })
    return rows


def segment_status_label(status: str) -> str:
    return {"defining": _("defining"), "confounded": _("confounded"), "none": _("none")}.get(status, status)


def cross_table(rows: list[dict], attribute: str) -> dict[str, Any]:
    """Segments (rows) against one participant attribute (columns): counts and row percentages."""
    values = sorted({str(r["attributes"].get(attribute, "")) for r in rows})
    segments = list(dict.fromkeys(r["segment"] for r in rows))
    counts = Counter((r["segment"], str(r["attributes"].get(attribute, ""))) for r in rows)
    table = []
    for segment in segments:
        cells = [counts[(segment, v)] for v in values]
        total = sum(cells)
        table.append({"segment": segment, "cells": [(c, 100.0 * c / total if total else 0.0) for c in cells],
                      "total": total})
    return {"attribute": attribute, "values": values, "rows": table}


def attribute_keys(rows: list[dict]) -> list[str]:
    return sorted({key for r in rows for key, v in r["attributes"].items() if not isinstance(v, (list, dict))})


EXPORT_COLUMNS = ("participant", "code", "segment", "viewpoint", "archetype", "status", "loading")


def export_table(rows: list[dict]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the segment export for a CRM: the columns above, then every attribute."""
    keys = attribute_keys(rows)
    header = [*EXPORT_COLUMNS, *keys]
    body = [[r["participant"], r["code"] or "", r["segment"], r["viewpoint"] or "", r["archetype"], r["status"],
             "" if r["loading"] is None else r["loading"], *[r["attributes"].get(k, "") for k in keys]]
            for r in rows]
    return header, body


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet will not run: text starting with = + - @ (or a tab / carriage return) gets a
    leading apostrophe, the usual CSV-injection guard. Numbers pass unchanged."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def segments_csv(rows: list[dict]) -> bytes:
    header, body = export_table(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(h) for h in header])
    for row in body:
        writer.writerow([spreadsheet_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel then reads UTF-8


def segments_xlsx(rows: list[dict]) -> bytes:
    """The same table as an xlsx workbook; cells are text or numbers, never formulas (as the study export)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header, body = export_table(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = "segments"
    sheet.append(header)
    for row in body:
        sheet.append([v if isinstance(v, (int, float)) else str(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def quotes(session: Session, analysis: Analysis, viewpoint_id: str) -> list[dict[str, Any]]:
    """What the viewpoint's defining participants wrote on its extreme and distinguishing statements (their
    card comments), and their interview notes, grouped by statement in factor-array order (highest first)."""
    found = analysis.found
    v = found.index(viewpoint_id)
    snap = analysis.snapshot
    rows_of = {pid: j for j, pid in enumerate(snap["participants"])}
    members = [rows_of[p] for p in found.viewpoints[v].participants]
    arrays = np.asarray(found.factor_arrays[:, v], dtype=float)
    if np.isnan(arrays).all():
        return []
    extreme = set(np.flatnonzero(arrays == np.nanmax(arrays))) | set(np.flatnonzero(arrays == np.nanmin(arrays)))
    wanted = extreme | {int(i) for i in found.distinguishing(0.05)[v]}
    index_of = {sid: i for i, sid in enumerate(snap["statement_db_ids"])}
    sort_ids = [snap["sort_ids"][j] for j in members]
    pid_of = {snap["sort_ids"][j]: snap["participants"][j] for j in members}
    by_statement: dict[int, list[dict]] = {}
    general = []
    sorts = session.scalars(select(Sort).where(Sort.id.in_(sort_ids))
                            .options(selectinload(Sort.comments), selectinload(Sort.notes))).all()
    for sort in sorts:
        for comment in sort.comments:
            i = index_of.get(comment.statement_id)
            if i in wanted and (comment.text or "").strip():
                by_statement.setdefault(i, []).append({"participant": pid_of[sort.id], "text": comment.text,
                                                       "kind": "comment", "would_pay": comment.would_pay})
        for note in sort.notes:
            i = index_of.get(note.statement_id) if note.statement_id else None
            entry = {"participant": pid_of[sort.id], "text": note.text, "kind": "note", "would_pay": None}
            if i is None:
                general.append(entry)
            elif i in wanted:
                by_statement.setdefault(i, []).append(entry)
    ordered = sorted(by_statement, key=lambda i: (-arrays[i], i))
    out = [{"statement": snap["statements"][i], "text": snap["texts"][i], "score": arrays[i],
            "quotes": by_statement[i]} for i in ordered]
    if general:
        out.append({"statement": None, "text": _("General interview notes"), "score": None, "quotes": general})
    return out


def would_pay(session: Session, analysis: Analysis, viewpoint_id: str) -> list[dict[str, Any]]:
    """The post-sort "would you pay more for this?" answers of the viewpoint's defining participants, per
    statement: counts of yes / depends / no, most yes first."""
    found = analysis.found
    v = found.index(viewpoint_id)
    snap = analysis.snapshot
    rows_of = {pid: j for j, pid in enumerate(snap["participants"])}
    sort_ids = [snap["sort_ids"][rows_of[p]] for p in found.viewpoints[v].participants]
    index_of = {sid: i for i, sid in enumerate(snap["statement_db_ids"])}
    counts: dict[int, Counter] = {}
    sorts = session.scalars(select(Sort).where(Sort.id.in_(sort_ids)).options(selectinload(Sort.comments))).all()
    for sort in sorts:
        for comment in sort.comments:
            i = index_of.get(comment.statement_id)
            if i is not None and comment.would_pay:
                counts.setdefault(i, Counter())[comment.would_pay] += 1
    out = [{"statement": snap["statements"][i], "text": snap["texts"][i], "yes": c["yes"], "depends": c["depends"],
            "no": c["no"], "asked": sum(c.values())} for i, c in counts.items()]
    return sorted(out, key=lambda r: (-r["yes"], -r["depends"], r["no"], r["statement"]))


# -- the set-up page ------------------------------------------------------------------------------------------

def setup_overview(snapshot: dict, params: dict, n_iter: int = 50) -> dict[str, Any]:
    """The number-of-factors evidence (eigenvalues, Kaiser, Humphrey, parallel analysis: the engine's
    ``suggest_nfactors``) and the 2..7-factor solutions side by side (viewpoints with their defining sorts and
    archetypes), for the sorts a run would take."""
    from analysis import qmethod
    from analysis.nfactors import suggest_nfactors
    from analysis.viewpoints import find_viewpoints

    x = snapshot_matrix(snapshot)
    values = snapshot.get("grid")
    suggestions = suggest_nfactors(x, np.asarray(values) if values else None, n_iter=n_iter,
                                   cor_method=params.get("cor_method", "pearson"))
    tags = snapshot["tags"] if any(snapshot["tags"]) else None
    solutions = []
    limit = min(MAX_FACTORS, x.shape[1] - 1, x.shape[0] - 1)
    distribution = _distribution(snapshot)
    for k in range(2, limit + 1):
        try:
            result = qmethod(x, k, params.get("extraction", "pca"), params.get("rotation", "varimax"),
                             cor_method=params.get("cor_method", "pearson"), distribution=distribution,
                             participant_ids=snapshot["participants"], statement_ids=snapshot["statements"])
        except ValueError:
            break
        found = find_viewpoints(result, tags)
        solutions.append({"nfactors": k, "viewpoints": [
            {"id": vp.id, "n": len(vp.participants), "archetype": vp.archetype, "weak": vp.weak}
            for vp in found.viewpoints],
            "placed": sum(1 for s in found.segments if s.status == "defining"),
            "explained": float(np.sum(result.explained_variance))})
    return {"suggestions": suggestions, "solutions": solutions}
