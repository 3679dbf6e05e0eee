"""A study's placements as the score matrix the analysis reads: statements x participants, with their ids.

Only *complete* sorts count (the grid was submitted: :data:`qsort.flow.COMPLETE_STATES`), never preview
participants. Participants are identified by their code (else ``P<id>``, made unique), statements by their code
(else ``S<position>``). The exports (qsort/exchange/) and the analysis pages start from here: placements ->
score matrix -> ``analysis``.

>>> data = study_qdata(session, study)      # analysis.formats.QData
>>> data.sorts.shape                       # (n_statements, n_participants)
"""
from __future__ import annotations

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .flow import COMPLETE_STATES, PREVIEW, SORT_ORIGINS, sort_origin
from .i18n import text as _
from .models import Participant, Placement, Sort, Statement, Study


class MatrixError(ValueError):
    """The study's sorts do not make a matrix yet (none complete, or a complete sort misses a statement)."""


def _complete_query(study: Study):
    return (select(Sort).join(Participant)
            .where(Participant.study_id == study.id, Participant.source != PREVIEW,
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


def complete_sort_ids(session: Session, study: Study) -> list[int]:
    """The ids of the study's complete sorts (no ORM objects: cheap for thousands)."""
    return list(session.scalars(_complete_query(study).with_only_columns(Sort.id)))


def count_complete_sorts(session: Session, study: Study) -> int:
    return session.scalar(select(func.count()).select_from(_complete_query(study).subquery()))


def count_complete_sorts_by_origin(session: Session, study: Study) -> dict[str, int]:
    """How many complete sorts came from where (:data:`qsort.flow.SORT_ORIGINS`, each present, 0 when none)."""
    counts = dict.fromkeys(SORT_ORIGINS, 0)
    rows = session.execute(_complete_query(study).with_only_columns(Participant.source, Sort.source, func.count())
                           .group_by(Participant.source, Sort.source))
    for participant_source, sort_source, n in rows:
        counts[sort_origin(participant_source, sort_source)] += n
    return counts


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

    Raises MatrixError when there is no complete sort yet or a complete sort misses a statement.
    """
    from analysis.formats import QData
    from analysis.grid import infer_grid

    sorts = complete_sorts(session, study)
    if not sorts:
        raise MatrixError(_("There are no complete sorts to export yet."))
    all_scores = score_maps(session, sorts)
    statements = list(study.statements)
    matrix = np.zeros((len(statements), len(sorts)), dtype=int)
    row_of = {s.id: i for i, s in enumerate(statements)}
    ids = participant_ids([sort.participant for sort in sorts])
    for j, scores in enumerate(all_scores):
        missing = [s for s in statements if s.id not in scores]
        if missing:
            raise MatrixError(_("The sort of %(participant)s has no score for statement %(statement)s.",
                                  participant=ids[j], statement=missing[0].code or missing[0].position + 1))
        for statement_id, score in scores.items():
            if statement_id in row_of:
                matrix[row_of[statement_id], j] = score
    grid = study_grid(study) or infer_grid(matrix)
    return QData(sorts=matrix, participant_ids=ids, statement_ids=statement_ids(statements),
                 statement_texts=[s.text for s in statements], grid=grid, title=study.title,
                 grid_source="file" if study_grid(study) else ("inferred" if grid else "free"))
