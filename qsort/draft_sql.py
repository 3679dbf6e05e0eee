"""The draft save's SQL, written once as text: the hot path of the app (one save every ~2 s per participant sorting).

Why text: through SQLAlchemy Core, building a statement, finding it in the compiled cache and binding its values
cost 0.1-0.3 ms of Python per statement, ten times what SQLite spends running it, and a save sends seven. Here
each statement is a string made once per dialect and sent with ``Connection.exec_driver_sql`` on the session's
own connection, so it runs in the session's transaction, SQLAlchemy's events see it (tests count the statements)
and ``session.commit()`` commits it.

The values of typed columns (JSON, DateTime) pass through the very conversions SQLAlchemy applies to those
columns for this dialect (the type's ``bind_processor`` / ``result_processor``): a row written here reads back
through the ORM exactly as if the ORM had written it, and the other way round (tests/app/test_draft_sql.py).

Statements are written with ``:name`` parameters (sqlite3 takes them as they are); for a driver whose style is
``%(name)s`` (psycopg) they are rewritten once.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection
from sqlalchemy.engine import Dialect

from .models import Move, Participant, Placement, Sort, Study

SORT, MOVE, PLACEMENT, PARTICIPANT, STUDY = (model.__table__ for model in (Sort, Move, Placement, Participant, Study))

FIND_SORTER = """
    SELECT participant.id, participant.source, sort.step, sort.revision,
        study.id, study.status, study.updated_at, study.grid_scores
    FROM participant JOIN study ON participant.study_id = study.id
        LEFT OUTER JOIN sort ON sort.participant_id = participant.id
    WHERE participant.token = :token"""
FIND_SORTER_TYPES = (None, None, None, None, None, None, STUDY.c.updated_at, STUDY.c.grid_scores)

# The no-op UPDATE takes the write lock (SQLite) or the row lock (PostgreSQL); RETURNING gives the sort as it is now
# and the length of its move log. The subquery finds the sort again by its participant, not by "sort.id": SQLite
# compiles RETURNING without table names, so "move.sort_id = id" there would compare move.sort_id with move.id.
# updated_at is set as the ORM's onupdate would set it.
LOCK_SORT = """
    UPDATE sort SET revision = revision, updated_at = :now WHERE participant_id = :participant_id
    RETURNING id, state, step, revision, presort, step_seconds, submitted_at,
        (SELECT count(*) FROM move
         WHERE move.sort_id = (SELECT s.id FROM sort AS s WHERE s.participant_id = :participant_id))"""
LOCK_SORT_TYPES = (None, None, None, None, SORT.c.presort, SORT.c.step_seconds, SORT.c.submitted_at, None)

MOVES_AMONG = """
    SELECT client_seq, statement_id, client_time FROM move WHERE sort_id = :sort_id AND client_seq IN ({seqs})"""
MOVES_AMONG_TYPES = (None, None, MOVE.c.client_time)

INSERT_MOVE = """
    INSERT INTO move (sort_id, statement_id, from_place, to_place, client_seq, client_time, recorded_at)
    VALUES (:sort_id, :statement_id, :from_place, :to_place, :client_seq, :client_time, :recorded_at)"""

DELETE_PLACEMENTS_OF = "DELETE FROM placement WHERE sort_id = :sort_id AND statement_id IN ({ids})"
UPDATE_PLACEMENT = """
    UPDATE placement SET score = :score, slot = :slot WHERE sort_id = :sort_id AND statement_id = :statement_id"""
INSERT_PLACEMENT = """
    INSERT INTO placement (sort_id, statement_id, score, slot) VALUES (:sort_id, :statement_id, :score, :slot)"""
SELECT_PLACEMENTS = "SELECT statement_id, score, slot FROM placement WHERE sort_id = :sort_id"

UPDATE_SORT = "UPDATE sort SET {assignments} WHERE id = :sort_id"
SORT_COLUMNS = frozenset(("revision", "step_seconds", "presort", "step", "state", "submitted_at", "updated_at"))

NAMED_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")


def find_sorter(connection: Connection, token: str) -> tuple | None:
    """(participant id, source, their sort's step and revision (None, None before consent), study id, status,
    updated_at, grid_scores) for a link token, or None. The sort as it is now, unlocked (see lock_sort)."""
    row = _execute(connection, FIND_SORTER, {"token": token}).first()
    return _read(connection, row, FIND_SORTER_TYPES)


def lock_sort(connection: Connection, participant_id: int, now: datetime) -> tuple | None:
    """Lock the participant's sort row; (id, state, step, revision, presort, step_seconds, submitted_at, number of
    moves), or None when the participant has no sort yet."""
    row = _execute(connection, LOCK_SORT, {"participant_id": participant_id,
                                           "now": _to_db(connection, SORT.c.updated_at, now)}).first()
    return _read(connection, row, LOCK_SORT_TYPES)


def moves_among(connection: Connection, sort_id: int, seqs: Iterable[int]) -> set[tuple[int, int, datetime | None]]:
    """(client_seq, statement_id, client_time) of the sort's stored moves with one of these seqs."""
    listed, values = _in_list("seq", sorted(seqs))
    return {_read(connection, row, MOVES_AMONG_TYPES)
            for row in _execute(connection, MOVES_AMONG.format(seqs=listed), {"sort_id": sort_id, **values})}


def insert_moves(connection: Connection, moves: list[dict[str, Any]]) -> None:
    """Insert move rows (dicts keyed by column name), in one executemany."""
    client_time, recorded_at = _converter(connection, MOVE.c.client_time), _converter(connection, MOVE.c.recorded_at)
    _execute(connection, INSERT_MOVE, [{**move, "client_time": client_time(move["client_time"]),
                                        "recorded_at": recorded_at(move["recorded_at"])} for move in moves])


def write_placements(connection: Connection, sort_id: int, placements: list[dict[str, int]],
                     stored: list[dict[str, int]] | None = None) -> None:
    """Make the sort's placement rows these (``statement_id``, ``score``, ``slot``), writing only the rows that
    differ: the cards no longer placed are deleted, the moved ones updated, the new ones inserted (each one
    statement, sent only when needed). ``stored``: the rows as they are, when the caller has read them already.

    Why not delete all and insert all: a draft moves a card or two, so most of its 30-60 rows are unchanged, and
    on PostgreSQL every row deleted and inserted again costs the server an index entry in each of the table's
    three indexes and a dead row to vacuum (with delete-all, the server spent ~2 ms of CPU per save on these rows
    alone; an UPDATE of score and slot touches no index)."""
    if stored is None:
        stored = stored_placements(connection, sort_id)
    before = {p["statement_id"]: (p["score"], p["slot"]) for p in stored}
    after = {p["statement_id"]: (p["score"], p["slot"]) for p in placements}
    gone = sorted(before.keys() - after.keys())
    if gone:
        listed, values = _in_list("id", gone)
        _execute(connection, DELETE_PLACEMENTS_OF.format(ids=listed), {"sort_id": sort_id, **values})
    moved = [{"sort_id": sort_id, "statement_id": statement_id, "score": score, "slot": slot}
             for statement_id, (score, slot) in after.items()
             if statement_id in before and before[statement_id] != (score, slot)]
    if moved:
        _execute(connection, UPDATE_PLACEMENT, moved)
    new = [{"sort_id": sort_id, "statement_id": statement_id, "score": score, "slot": slot}
           for statement_id, (score, slot) in after.items() if statement_id not in before]
    if new:
        _execute(connection, INSERT_PLACEMENT, new)


def stored_placements(connection: Connection, sort_id: int) -> list[dict[str, int]]:
    rows = _execute(connection, SELECT_PLACEMENTS, {"sort_id": sort_id})
    return [{"statement_id": statement_id, "score": score, "slot": slot} for statement_id, score, slot in rows]


def update_sort(connection: Connection, sort_id: int, changes: dict[str, Any]) -> None:
    """One UPDATE of the sort row's changed columns (names from SORT_COLUMNS; values as the ORM holds them)."""
    unknown = set(changes) - SORT_COLUMNS
    if unknown:
        raise ValueError(f"not a column the draft path writes: {sorted(unknown)}")
    names = sorted(changes)
    sql = UPDATE_SORT.format(assignments=", ".join(f"{name} = :{name}" for name in names))
    values = {name: _to_db(connection, SORT.c[name], changes[name]) for name in names}
    _execute(connection, sql, {**values, "sort_id": sort_id})


# ---------------------------------------------------------------------------------------------------------------
# Sending a statement, and the conversions of typed columns
# ---------------------------------------------------------------------------------------------------------------

_sql_in_driver_style: dict[tuple[str, str], str] = {}
_converters: dict[tuple[str, str, str, str], Callable[[Any], Any] | None] = {}


def _in_list(prefix: str, values: list[Any]) -> tuple[str, dict[str, Any]]:
    """The ``:prefix0, :prefix1, ...`` of an ``IN (...)`` and their values."""
    names = {f"{prefix}{i}": value for i, value in enumerate(values)}
    return ", ".join(f":{name}" for name in names), names


def _execute(connection: Connection, sql: str, parameters: dict[str, Any] | list[dict[str, Any]]):
    return connection.exec_driver_sql(_in_driver_style(connection.dialect, sql), parameters)


def _in_driver_style(dialect: Dialect, sql: str) -> str:
    """``:name`` parameters as the driver wants them: as they are for sqlite3, ``%(name)s`` for psycopg."""
    key = (dialect.paramstyle, sql)
    found = _sql_in_driver_style.get(key)
    if found is None:
        if dialect.paramstyle in ("named", "qmark") and dialect.name == "sqlite":
            found = sql  # sqlite3 takes :name with a dict whatever its declared style
        elif dialect.paramstyle == "pyformat":
            found = NAMED_PARAMETER.sub(r"%(\1)s", sql)
        else:
            raise NotImplementedError(f"the draft path does not know the parameter style {dialect.paramstyle!r}")
        if len(_sql_in_driver_style) > 10_000:  # MOVES_AMONG varies with the number of seqs; keep it bounded
            _sql_in_driver_style.clear()
        _sql_in_driver_style[key] = found
    return found


def _converter(connection: Connection, column: Column, reading: bool = False) -> Callable[[Any], Any]:
    """SQLAlchemy's own conversion of ``column``'s values for this dialect, to the database or (``reading``) back."""
    dialect = connection.dialect
    key = (dialect.name, dialect.driver, f"{column.table.name}.{column.name}", "read" if reading else "write")
    if key not in _converters:
        impl = column.type.dialect_impl(dialect)
        _converters[key] = impl.result_processor(dialect, None) if reading else impl.bind_processor(dialect)
    return _converters[key] or _unchanged


def _unchanged(value: Any) -> Any:
    return value


def _to_db(connection: Connection, column: Column, value: Any) -> Any:
    return _converter(connection, column)(value) if value is not None else None


def _read(connection: Connection, row, types: tuple[Column | None, ...]) -> tuple | None:
    """A row as the ORM would read it: each value of a typed column through the column's result conversion."""
    if row is None:
        return None
    return tuple(value if column is None or value is None else _converter(connection, column, reading=True)(value)
                 for value, column in zip(row, types))
