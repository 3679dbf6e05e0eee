"""The front page and the health check."""
from flask import Blueprint, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..db import get_engine

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("main/index.html")


@bp.get("/healthz")
def healthz():
    """For load balancers and monitoring: 200 when the database answers and its schema is the newest migration,
    503 otherwise. JSON, no login, no session cookie, nothing written."""
    from ..migrations import head_revision

    try:
        with get_engine().connect() as connection:
            schema = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError as error:
        return {"ok": False, "database": "unreachable", "error": type(error.orig or error).__name__}, 503
    head = head_revision()
    current = schema == [head]
    body = {"ok": current, "database": "ok", "schema": ",".join(schema) or None, "schema_head": head}
    if not current:
        body["error"] = "the database schema is not the newest: run 'qsort init-db'"
    return body, 200 if current else 503
