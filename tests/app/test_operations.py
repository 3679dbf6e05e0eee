"""Running qsort in production: the health check, the request log (no tokens), errors with their request, 503 while
the database is away, the reverse-proxy setting, and ``qsort serve``'s options."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from qsort.migrations import head_revision
from tests.factories import valid_placements


def test_health_reports_the_database_and_its_schema(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.is_json
    assert response.json == {"ok": True, "database": "ok", "schema": head_revision(), "schema_head": head_revision()}
    assert "Set-Cookie" not in response.headers
    assert client.post("/healthz").status_code == 405


def test_an_app_that_is_dropped_closes_its_pooled_connections(database_url):
    """``qsort`` commands make an app and drop it: its connections must be closed, not left to the collector."""
    import gc

    from qsort import create_app

    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": database_url})
    pool = app.extensions["qsort_engine"].pool
    assert app.test_client().get("/healthz").status_code == 200
    assert pool.checkedin() == 1                  # the health check's connection went back to the pool, still open
    del app
    gc.collect()
    assert pool.checkedin() == 0


def test_health_is_503_when_the_schema_is_behind(app, client):
    with app.extensions["qsort_engine"].begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["ok"] is False and response.json["schema"] == "old"
    assert "qsort init-db" in response.json["error"]


def _break_the_database(app, tmp_path):
    """Point the app at a database file that cannot be opened: what an unreachable server looks like."""
    broken = create_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite'}")
    working = (app.extensions["qsort_engine"], app.extensions["qsort_sessionmaker"])
    app.extensions["qsort_engine"] = broken
    app.extensions["qsort_sessionmaker"] = sessionmaker(bind=broken, expire_on_commit=False)
    return working


def test_health_is_503_when_the_database_is_unreachable(app, client, tmp_path):
    _break_the_database(app, tmp_path)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"ok": False, "database": "unreachable", "error": "OperationalError"}


def test_database_outage_answers_503_and_the_same_save_works_afterwards(app, respondent, small_study, session,
                                                                         tmp_path, caplog):
    study, token = small_study
    respondent.through_instructions()
    body = {"revision": 1, "step": "grid", "placements": valid_placements(study)}
    working = _break_the_database(app, tmp_path)

    with caplog.at_level(logging.WARNING, logger="qsort"):
        api = respondent.post_json("/api/draft", body)
        page = respondent.client.get(f"/s/{token}/welcome")
    assert api.status_code == 503 and api.headers["Retry-After"]
    assert api.json["ok"] is False and "database" in api.json["error"] and "Traceback" not in api.get_data(True)
    assert page.status_code == 503 and "Please try again in a moment" in page.get_data(as_text=True)
    warnings = [r.getMessage() for r in caplog.records if r.name == "qsort.error"]
    assert len(warnings) == 2 and all("database unavailable in" in w and token not in w for w in warnings)
    assert not any(r.exc_info for r in caplog.records), "an outage is one line per request, not a traceback"

    app.extensions["qsort_engine"], app.extensions["qsort_sessionmaker"] = working
    retried = respondent.post_json("/api/draft", body)
    assert retried.status_code == 200 and retried.json == {"ok": True, "revision": 1}


def test_each_request_is_one_log_line_without_tokens(respondent, small_study, caplog):
    study, token = small_study
    with caplog.at_level(logging.INFO, logger="qsort.request"):
        respondent.through_instructions()
        draft = respondent.post_json("/api/draft", {"revision": 1, "step": "presort",
                                                    "presort": {str(study.statements[0].id): "agree"}})
        respondent.client.get("/s/" + "x" * 43 + "/welcome?lang=nl")  # an unknown token: 404, still redacted
    lines = [r.getMessage() for r in caplog.records if r.name == "qsort.request"]
    assert not any(token in line for line in lines)
    assert any(line.startswith("POST /s/<token>/api/draft 200 ") and "ms " in line
               and f"rid={draft.headers['X-Request-ID']}" in line for line in lines)
    assert any(line.startswith("GET /s/<token>/welcome 404 ") for line in lines)
    assert not any("lang=nl" in line for line in lines), "query strings are not logged"
    assert len(lines) == 6  # welcome GET+POST, instructions GET+POST, draft, 404


def test_an_unhandled_error_is_logged_once_with_its_request(app, small_study, caplog):
    _study, token = small_study

    def broken(token):
        raise RuntimeError("something went wrong")

    app.add_url_rule("/s/<token>/broken", "broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production (TESTING would raise it into the test)
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="qsort"):
        response = client.get(f"/s/{token}/broken")
    assert response.status_code == 500
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].name == "qsort.error" and errors[0].exc_info[0] is RuntimeError
    message = errors[0].getMessage()
    assert message.startswith("unhandled error in GET /s/<token>/broken endpoint=broken user=- rid=")
    assert message.endswith(response.headers["X-Request-ID"])
    assert not any(token in r.getMessage() for r in caplog.records)
    assert any(r.getMessage().startswith("GET /s/<token>/broken 500 ") for r in caplog.records)


def _client_view(app):
    from flask import request

    app.add_url_rule("/whoami", "whoami", lambda: {"addr": request.remote_addr, "scheme": request.scheme,
                                                   "host": request.host})
    return app.test_client()


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "survey.example.com"}


def test_forwarded_headers_are_ignored_without_the_proxy_setting(app):
    client = _client_view(app)
    seen = client.get("/whoami", headers=FORWARDED, environ_base={"REMOTE_ADDR": "198.51.100.1"}).json
    assert seen == {"addr": "198.51.100.1", "scheme": "http", "host": "localhost"}


def test_one_trusted_proxy_gives_the_client_address_and_https(tmp_path):
    from qsort import create_app

    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}", "PROXY_FIX": 1})
    client = _client_view(app)
    seen = client.get("/whoami", headers={**FORWARDED, "X-Forwarded-For": "192.0.2.66, 203.0.113.7"},
                      environ_base={"REMOTE_ADDR": "127.0.0.1"}).json
    # one proxy: only the last address it added is believed, not what the client put in front of it
    assert seen == {"addr": "203.0.113.7", "scheme": "https", "host": "survey.example.com"}


@pytest.mark.parametrize("value, expected", [("1", 1), ("2", 2), ("0", 0), ("true", 1), ("false", 0)])
def test_proxy_setting_from_the_environment(monkeypatch, tmp_path, value, expected):
    from qsort import create_app

    monkeypatch.setenv("QSORT_PROXY_FIX", value)
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}"})
    assert app.config["PROXY_FIX"] == expected


def test_a_wrong_proxy_setting_says_what_is_wrong(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from qsort.cli import main

    monkeypatch.setenv("QSORT_PROXY_FIX", "nginx")
    monkeypatch.setenv("QSORT_DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    result = CliRunner().invoke(main, ["serve", "--workers", "2"])
    assert result.exit_code == 2 and "QSORT_PROXY_FIX must be the number of reverse proxies" in result.output


def test_serve_refuses_debug_with_workers(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from qsort.cli import main

    monkeypatch.setenv("QSORT_DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    monkeypatch.setenv("QSORT_SECRET_KEY", "x")
    result = CliRunner().invoke(main, ["serve", "--workers", "2", "--debug"])
    assert result.exit_code == 2 and "leave out --workers" in result.output


def test_gunicorn_trusts_no_forwarded_header_and_keeps_no_access_log():
    from qsort.serving import gunicorn_options

    options = gunicorn_options("127.0.0.1", 8000, workers=4, threads=2)
    assert options["bind"] == "127.0.0.1:8000" and options["workers"] == 4 and options["threads"] == 2
    assert options["forwarded_allow_ips"] == "" and options["secure_scheme_headers"] == {}
    assert options["accesslog"] is None  # its lines would carry participants' tokens


def test_secret_key_is_written_once_even_by_processes_starting_together(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    from qsort.config import _secret_key

    with ProcessPoolExecutor(4) as pool:
        keys = set(pool.map(_secret_key, [str(tmp_path)] * 16))
    assert len(keys) == 1 and (tmp_path / "secret_key").read_text() == keys.pop()
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_flask_own_server_logs_no_raw_paths(app):
    """``qsort serve`` without --workers runs werkzeug's server, whose request lines carry the raw path (and so the
    token): they are dropped; its other lines stay."""
    import werkzeug.serving  # noqa: F401  (its logger)

    werkzeug_log = logging.getLogger("werkzeug")
    request_line = werkzeug_log.makeRecord("werkzeug", logging.INFO, "x", 1, '"%s" %s %s',
                                           ("GET /s/secret-token/welcome HTTP/1.1", 200, 512), None)
    banner = werkzeug_log.makeRecord("werkzeug", logging.INFO, "x", 1, " * Running on %s", ("http://x",), None)
    assert not werkzeug_log.filter(request_line)
    assert werkzeug_log.filter(banner)


# ----------------------------------------------------------------------------------------------------------------
# How a request's transaction ends (qsort/db.py close_session)
# ----------------------------------------------------------------------------------------------------------------

def _ends_of_transactions(app):
    """Record how each transaction on the app's engine ends: a list that fills with "commit" / "rollback"."""
    from sqlalchemy import event

    ends: list[str] = []
    engine = app.extensions["qsort_engine"]
    event.listen(engine, "commit", lambda _conn: ends.append("commit"))
    event.listen(engine, "rollback", lambda _conn: ends.append("rollback"))
    return ends


def _test_views(app, study_id):
    """Views that read, write without committing, change an ORM object without flushing, or fail after reading."""
    from sqlalchemy import select, update

    from qsort.db import get_session
    from qsort.models import Study

    def read():
        return str(get_session().scalar(select(Study.title).where(Study.id == study_id)))

    def write_core():
        get_session().execute(update(Study).where(Study.id == study_id).values(title="Changed by Core"))
        return "not committed"

    def write_orm():
        get_session().get(Study, study_id).title = "Changed by the ORM"
        return "not flushed"

    def fail():
        read()
        raise RuntimeError("after reading")

    for view in (read, write_core, write_orm, fail):
        app.add_url_rule(f"/_test/{view.__name__}", view.__name__, view)


def test_a_request_that_only_read_ends_with_commit_and_one_that_wrote_is_rolled_back(app, small_study, session):
    study, _ = small_study
    _test_views(app, study.id)
    ends = _ends_of_transactions(app)
    client = app.test_client()

    assert client.get("/_test/read").get_data(as_text=True) == "Test study"
    assert ends == ["commit"]
    for path in ("/_test/write_core", "/_test/write_orm"):
        ends.clear()
        assert client.get(path).status_code == 200
        assert ends == ["rollback"], path
    ends.clear()
    with pytest.raises(RuntimeError, match="after reading"):  # TESTING: the error reaches the test
        client.get("/_test/fail")
    assert ends == ["rollback"]
    session.expire_all()
    assert session.get(type(study), study.id).title == "Test study"  # nothing written was kept


def test_read_only_requests_keep_the_connections_prepared_statements_on_postgresql(app, small_study):
    """psycopg prepares a query after 5 runs on one connection, but forgets them all on ROLLBACK: ended by
    COMMIT, a read-only request leaves them in place for the next requests (on SQLite: the same COMMIT)."""
    study, _ = small_study
    _test_views(app, study.id)
    ends = _ends_of_transactions(app)
    client = app.test_client()
    for _ in range(8):
        assert client.get("/_test/read").status_code == 200
    assert ends == ["commit"] * 8
    engine = app.extensions["qsort_engine"]
    if engine.dialect.name == "postgresql":
        assert engine.pool.checkedin() == 1  # one connection served all eight requests
        with engine.connect() as connection:
            prepared = connection.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
        assert any("FROM study" in statement for statement in prepared), prepared


def test_a_gunicorn_worker_compiles_every_template_before_its_first_request(app):
    """Left to the first requests, compiling them costs the first customers after a start ~1 s of CPU per worker."""
    from qsort.serving import GunicornServer

    templates = set(app.jinja_env.list_templates(extensions=["html"]))
    assert {"respond/sort.html", "respond/postsort.html", "studio/study.html"} <= templates
    assert not any(name in templates for _, name in app.jinja_env.cache.keys())  # nothing rendered yet

    loaded = GunicornServer(lambda: app, {"bind": "127.0.0.1:0"}).load()

    assert loaded is app
    assert {name for _, name in app.jinja_env.cache.keys()} == templates
