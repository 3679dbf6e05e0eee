"""Where each participant of a study is: not started, in progress (at which step, last active when) or
completed, and how long it took.

Preview participants (:data:`qsort.flow.PREVIEW`, the studio's own walk-through) are never counted.
A participant is *completed* when they have done the last step (:func:`qsort.flow.is_finished`); one who
submitted the grid but is still on the questions after it is *in progress* at that step, while their sort
already counts as a complete sort in the data (:func:`qsort.flow.is_complete`). A participant who declined
consent is shown as *declined*.

Durations: ``total_seconds`` is the wall-clock time from the first visit to submission (or to the last
activity while in progress); ``active_seconds`` sums ``Sort.step_seconds`` (time the page reported as
spent on each step), which leaves out breaks with the tab closed.

Only *timed* sorts (:func:`is_timed`) say how long a participant takes: a participant who sorted online,
from start to submit. Sorts loaded from a file, typed in from paper, simulated for the demo or sorted with an
interviewer carry no such time (an import's start and submit are the same instant), so they never count in
the median time to complete (:func:`median_completion`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .flow import PREVIEW, is_finished, sort_origin
from .models import Move, Participant, Sort, Study

STATUSES = ("not_started", "in_progress", "completed", "declined")


@dataclass
class ProgressRow:
    participant: Participant
    sort: Sort | None
    status: str  # one of STATUSES
    step: str | None  # the step the participant is at (in progress only)
    last_activity: datetime | None
    started_at: datetime | None
    submitted_at: datetime | None
    total_seconds: float | None
    active_seconds: float | None
    step_seconds: dict[str, float]


def status_of(participant: Participant) -> str:
    sort = participant.sort
    if is_finished(sort):
        return "completed"
    if participant.consent == "declined":
        return "declined"
    if sort is None:
        return "not_started"
    return "in_progress"


def _last_moves(session: Session, sort_ids: list[int]) -> dict[int, datetime]:
    if not sort_ids:
        return {}
    rows = session.execute(select(Move.sort_id, func.max(Move.recorded_at))
                           .where(Move.sort_id.in_(sort_ids)).group_by(Move.sort_id))
    return {sort_id: at for sort_id, at in rows}


def progress_rows(session: Session, study: Study, status: str | None = None) -> list[ProgressRow]:
    """One row per (non-preview) participant, oldest invite first; only ``status`` when given."""
    participants = session.scalars(
        select(Participant).where(Participant.study_id == study.id, Participant.source != PREVIEW)
        .options(selectinload(Participant.sort)).order_by(Participant.created_at, Participant.id)
    ).all()
    last_moves = _last_moves(session, [p.sort.id for p in participants if p.sort is not None])
    rows = []
    for participant in participants:
        row = _row(participant, last_moves)
        if status is None or row.status == status:
            rows.append(row)
    return rows


def progress_row(session: Session, participant: Participant) -> ProgressRow:
    """The progress of one participant (as in :func:`progress_rows`)."""
    return _row(participant, _last_moves(session, [participant.sort.id] if participant.sort else []))


def _row(participant: Participant, last_moves: dict[int, datetime]) -> ProgressRow:
    sort = participant.sort
    status = status_of(participant)
    if sort is None:
        return ProgressRow(participant, None, status, None, participant.consent_at, None, None, None, None, {})
    candidates = [t for t in (sort.updated_at, last_moves.get(sort.id), sort.submitted_at) if t is not None]
    last_activity = max(candidates) if candidates else None
    end = sort.submitted_at if status == "completed" else last_activity
    total = (end - sort.started_at).total_seconds() if end and sort.started_at else None
    step_seconds = {step: float(seconds) for step, seconds in (sort.step_seconds or {}).items()
                    if isinstance(seconds, (int, float))}
    active = sum(step_seconds.values()) if step_seconds else None
    return ProgressRow(participant, sort, status, sort.step if status == "in_progress" else None,
                       last_activity, sort.started_at, sort.submitted_at, total, active, step_seconds)


def status_counts(rows: list[ProgressRow]) -> dict[str, int]:
    counts = {status: 0 for status in STATUSES}
    for row in rows:
        counts[row.status] += 1
    return counts


def is_timed(row: ProgressRow) -> bool:
    """True when the row's duration is a real online sort's: completed, sorted online by the participant (not
    imported, simulated, typed in from paper or run by an interviewer) and taking some time."""
    return (row.status == "completed" and row.sort is not None
            and sort_origin(row.participant.source, row.sort.source) == "online"
            and row.total_seconds is not None and row.total_seconds > 0)


def median_completion(rows: list[ProgressRow]) -> tuple[float | None, int]:
    """The median time to complete over the timed sorts (:func:`is_timed`) and how many there were."""
    durations = [row.total_seconds for row in rows if is_timed(row)]
    return median(durations), len(durations)


def median(values: list[float]) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def format_duration(seconds: float | None) -> str:
    """``"1 h 05 min"``, ``"12 min 30 s"``, ``"45 s"``; ``""`` for None."""
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"
