"""The autosave answered in front of Flask (qsort/draft_wsgi.py): a plain save is stored and answered exactly as
the app's view stores and answers it; every other request reaches the view, with nothing stored on the way, and gets
the view's answer. The acceptance checks (session cookie, CSRF, HTTPS referrer) are compared with the app's on every
way a request can be wrong."""
from __future__ import annotations

import logging

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from qsort.draft_wsgi import DraftSaver
from qsort.models import Move, Participant, Study
from tests.factories import Respondent, add_participant, login, make_user, statements_sent, valid_placements

T0 = 1_700_000_000_000


@pytest.fixture
def views(app):
    """The tokens of the draft saves passed on to the app (its CSRF check, then respond.api_draft)."""
    saver = app.wsgi_app
    assert isinstance(saver, DraftSaver)
    app_itself = saver.wsgi_app
    reached = []

    def counting(environ, start_response):
        if environ["PATH_INFO"].endswith("/api/draft"):
            reached.append(environ["PATH_INFO"].split("/")[2])
        return app_itself(environ, start_response)

    saver.wsgi_app = counting
    return reached


def on_the_grid(respondent, study) -> dict:
    """Through the instructions and a first save on the grid (the one the view answers); the next plain draft."""
    respondent.through_instructions()
    first = respondent.post_json("/api/draft", {"revision": 1, "base_revision": 0, "step": "grid",
                                                "placements": valid_placements(study), "seconds": {"grid": 3.0}})
    assert first.status_code == 200, first.json
    ids = [s.id for s in study.statements]
    swapped = [dict(p) for p in valid_placements(study)]
    swapped[0]["score"], swapped[-1]["score"] = swapped[-1]["score"], swapped[0]["score"]
    return {"revision": 2, "base_revision": first.json["revision"], "step": "grid", "placements": swapped,
            "seconds": {"grid": 9.5},
            "moves": [{"statement_id": ids[0], "from": "grid:-2", "to": "grid:2", "t": T0, "seq": 1},
                      {"statement_id": ids[-1], "from": "grid:2", "to": "grid:-2", "t": T0 + 900, "seq": 2}]}


def stored(session, token: str) -> tuple:
    session.expire_all()
    sort = session.scalar(select(Participant).where(Participant.token == token)).sort
    moves = session.execute(select(Move.client_seq, Move.statement_id, Move.from_place, Move.to_place)
                            .where(Move.sort_id == sort.id).order_by(Move.client_seq)).all()
    return (sort.revision, sort.step, sort.state, sort.step_seconds["grid"], sort.presort,
            sorted((p.statement_id, p.score, p.slot) for p in sort.placements), moves)


def test_a_plain_save_is_stored_and_answered_in_front_of_flask_exactly_as_the_view_does(
        app, client, small_study, session, views):
    study, token = small_study
    twin_token = add_participant(session, study)
    twin = Respondent(app.test_client(), twin_token)
    body = on_the_grid(Respondent(client, token), study)
    assert on_the_grid(twin, study) == body
    assert views == [token, twin_token]  # the first save on the grid ends the presort step: the view's

    fast = Respondent(client, token).post_json("/api/draft", body)
    assert views == [token, twin_token]  # not reached
    app.config["DRAFT_FAST_PATH"] = False
    slow = twin.post_json("/api/draft", body)
    assert views == [token, twin_token, twin_token]

    assert (fast.status_code, fast.data) == (slow.status_code, slow.data) == (200, b'{"ok":true,"revision":2}\n')
    different = {"X-Request-ID", "Content-Length"}
    assert {k: v for k, v in fast.headers.items() if k not in different} == \
        {k: v for k, v in slow.headers.items() if k not in different}
    assert "Vary" in fast.headers and "Content-Security-Policy" in fast.headers
    assert "Set-Cookie" not in fast.headers and "Set-Cookie" not in slow.headers
    assert stored(session, token) == stored(session, twin_token)
    assert stored(session, token)[0] == 2 and len(stored(session, token)[-1]) == 2


def test_the_saves_log_line_carries_its_request_id_and_never_the_token(app, respondent, small_study, views, caplog):
    study, token = small_study
    body = on_the_grid(respondent, study)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="qsort.request"):
        response = respondent.post_json("/api/draft", body)
    assert response.status_code == 200 and views == [token]
    lines = [r.getMessage() for r in caplog.records if r.name == "qsort.request"]
    assert len(lines) == 1 and lines[0].startswith("POST /s/<token>/api/draft 200 ")
    assert lines[0].endswith(f" 25B rid={response.headers['X-Request-ID']}") and token not in lines[0]


def forged_csrf(key: str, value: str) -> str:
    return URLSafeTimedSerializer(key, salt="wtf-csrf-token").dumps(value)


DECLINED = {
    # name: (how the request is changed, the view's status)
    "no CSRF token": (lambda r: r.update(headers={}), 400),
    "a CSRF token signed with another key": (lambda r: r.update(headers={"X-CSRFToken": forged_csrf("x", "y")}), 400),
    "a CSRF token of another session": (lambda r: r.update(headers={"X-CSRFToken": r["other_csrf"]}), 400),
    "a tampered session cookie": (lambda r: r.update(cookie=r["cookie"][:-3] + "AAA"), 400),
    "no session cookie": (lambda r: r.update(cookie=None), 400),
    "an unknown token": (lambda r: r.update(path="/s/" + "x" * 43 + "/api/draft"), 404),
    "a body that is not JSON": (lambda r: r.update(data=b"{not json"), 400),
    "a card that is not in the study": (lambda r: r["body"]["placements"][0].update(statement_id=10**6), 400),
    "a save built on an older revision (merged)": (lambda r: r["body"].update(base_revision=0), 200),
    "a query string": (lambda r: r.update(path=r["path"] + "?lang=nl"), 200),
    "over HTTPS without a Referer": (lambda r: r.update(https=True), 400),
    "over HTTPS from another site": (lambda r: r.update(https=True, referrer="https://evil.example/s/x"), 400),
}


@pytest.mark.parametrize("case", list(DECLINED))
def test_every_other_request_reaches_the_app_and_gets_its_answer(app, client, small_study, session, views, case):
    study, token = small_study
    other = Respondent(app.test_client(), add_participant(session, study))
    other.get("/welcome")
    request = {"path": f"/s/{token}/api/draft", "body": on_the_grid(Respondent(client, token), study),
               "data": None, "headers": None, "https": False, "referrer": None,
               "cookie": client.get_cookie("session").value, "other_csrf": other.csrf}
    request["headers"] = {"X-CSRFToken": _csrf(client, token)}
    before = stored(session, token)
    change, status = DECLINED[case]
    change(request)

    response = _send(app, request)

    assert response.status_code == status, response.data
    assert len(views) == 2, "passed on to the app"  # the first save on the grid, then this one
    if status != 200:
        assert stored(session, token) == before


def test_a_declined_save_stores_nothing_before_the_view_runs(app, respondent, small_study, session, views):
    """A merge (another device saved since) is the view's; on the way there the lock taken here is rolled back."""
    study, token = small_study
    body = on_the_grid(respondent, study)
    before = stored(session, token)
    app.view_functions["respond.api_draft"] = lambda **kwargs: ({"ok": False}, 418)

    response = respondent.post_json("/api/draft", {**body, "base_revision": 0})

    assert response.status_code == 418 and stored(session, token) == before


@pytest.mark.parametrize("kind", ["merge", "first save on the grid"])
def test_the_usual_declines_write_nothing_and_end_with_commit(app, respondent, small_study, views, kind):
    """Seen in the sort as read before the lock: nothing written, no ROLLBACK (which makes psycopg drop every
    statement it prepared on the connection, so PostgreSQL would plan every query again)."""
    from sqlalchemy import event

    study, token = small_study
    if kind == "merge":
        body = {**on_the_grid(respondent, study), "base_revision": 0}
    else:
        respondent.through_instructions()
        body = {"revision": 1, "base_revision": 0, "step": "grid", "placements": valid_placements(study)}
    app.view_functions["respond.api_draft"] = lambda **kwargs: ({"ok": False}, 418)
    engine, ended = app.extensions["qsort_engine"], []
    listeners = {"commit": lambda conn: ended.append("COMMIT"), "rollback": lambda conn: ended.append("ROLLBACK")}
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    try:
        with statements_sent(app) as sent:
            response = respondent.post_json("/api/draft", body)
    finally:
        for name, listener in listeners.items():
            event.remove(engine, name, listener)

    assert response.status_code == 418 and views[-1] == token
    assert set(sent) == {"SELECT"} and ended == ["COMMIT"]  # (the first save also reads the study's card ids)


def test_over_https_a_save_from_the_same_site_is_answered_in_front(app, respondent, small_study, views):
    study, token = small_study
    body = on_the_grid(respondent, study)
    response = respondent.client.post(f"/s/{token}/api/draft", json=body, base_url="https://localhost",
                                      headers={"X-CSRFToken": respondent.csrf,
                                               "Referer": f"https://localhost/s/{token}/sort"})
    assert response.status_code == 200 and views == [token]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_logged_in_user_and_a_closed_study_are_the_views(app, client, respondent, small_study, session, views):
    study, token = small_study
    body = on_the_grid(respondent, study)
    make_user(session, email="bo@example.com")
    assert login(client, "bo@example.com").status_code == 302
    respondent.csrf = _csrf(client, token)  # a login starts a new session
    assert respondent.post_json("/api/draft", body).status_code == 200
    assert views == [token, token]

    client.post("/auth/logout", data={"csrf_token": respondent.csrf})
    respondent.csrf = _csrf(client, token)
    session.get(Study, study.id).status = "closed"
    session.commit()
    refused = respondent.post_json("/api/draft", {**body, "revision": 3, "base_revision": 2})
    assert refused.status_code == 409 and "closed" in refused.json["error"]
    assert views == [token, token, token]


def test_switched_off_every_save_is_the_views(app, respondent, small_study, views):
    study, token = small_study
    body = on_the_grid(respondent, study)
    app.config["DRAFT_FAST_PATH"] = False
    assert respondent.post_json("/api/draft", body).status_code == 200
    assert views == [token, token]


def _csrf(client, token: str) -> str:
    return client.get(f"/s/{token}/api/state").json["csrf_token"]


def _send(app, request: dict):
    client = app.test_client()
    if request["cookie"] is not None:
        client.set_cookie("session", request["cookie"], domain="localhost")
    headers = dict(request["headers"])
    if request["referrer"]:
        headers["Referer"] = request["referrer"]
    kwargs = {"data": request["data"], "content_type": "application/json"} if request["data"] is not None \
        else {"json": request["body"]}
    return client.post(request["path"], headers=headers,
                       base_url="https://localhost" if request["https"] else "http://localhost", **kwargs)


def test_a_bug_in_the_front_is_logged_without_the_token_and_the_app_still_saves(
        app, respondent, small_study, session, views, monkeypatch, caplog):
    from qsort import sorting

    study, token = small_study
    body = on_the_grid(respondent, study)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(sorting, "save_plain_draft", broken)
    caplog.clear()
    response = respondent.post_json("/api/draft", body)

    assert response.status_code == 200 and response.json == {"ok": True, "revision": 2}
    assert views == [token, token] and stored(session, token)[0] == 2
    errors = [r for r in caplog.records if r.name == "qsort.error"]
    assert len(errors) == 1 and "a bug" in errors[0].exc_text and token not in errors[0].getMessage()
    assert "/s/<token>/api/draft" in errors[0].getMessage()


def test_behind_a_proxy_the_front_checks_the_scheme_and_host_the_proxy_reports(respondent, small_study, database_url):
    from qsort import create_app

    study, token = small_study
    body = on_the_grid(respondent, study)
    proxied = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database_url,
                          "WTF_CSRF_ENABLED": True, "PROXY_FIX": 1})
    try:
        saver = proxied.wsgi_app.app  # ProxyFix first, then the front: it sees what the proxy reports
        assert isinstance(saver, DraftSaver)
        passed_on, app_itself = [], saver.wsgi_app
        saver.wsgi_app = lambda environ, start_response: passed_on.append(1) or app_itself(environ, start_response)
        client = proxied.test_client()
        client.set_cookie("session", respondent.client.get_cookie("session").value, domain="localhost")
        forwarded = {"X-CSRFToken": respondent.csrf, "X-Forwarded-Proto": "https",
                     "X-Forwarded-Host": "survey.example"}

        refused = client.post(f"/s/{token}/api/draft", json=body, headers=forwarded)
        assert refused.status_code == 400 and passed_on == [1]  # HTTPS without a Referer: Flask-WTF refuses
        saved = client.post(f"/s/{token}/api/draft", json=body,
                            headers={**forwarded, "Referer": f"https://survey.example/s/{token}/sort"})
        assert saved.status_code == 200 and saved.json == {"ok": True, "revision": 2} and passed_on == [1]
        assert saved.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        proxied.extensions["qsort_engine"].dispose()


def test_a_request_without_a_valid_csrf_token_is_not_read_by_the_front(app, respondent, small_study):
    """The front checks the cookie and token from the headers before it reads a body (up to MAX_CONTENT_LENGTH)."""
    import io
    import json

    from werkzeug.test import EnvironBuilder, run_wsgi_app

    study, token = small_study
    body = json.dumps(on_the_grid(respondent, study)).encode()

    class Counted(io.BytesIO):
        read_bytes = 0

        def read(self, size=-1):
            data = super().read(size)
            Counted.read_bytes += len(data)
            return data

    cookie = f"session={respondent.client.get_cookie('session').value}"
    environ = EnvironBuilder(path=f"/s/{token}/api/draft", method="POST", data=body,
                             content_type="application/json", headers={"X-CSRFToken": forged_csrf("x", "y")},
                             environ_overrides={"HTTP_COOKIE": cookie}).get_environ()
    environ["wsgi.input"] = Counted(body)
    _, status, _ = run_wsgi_app(app.wsgi_app, environ, buffered=True)
    assert status.startswith("400") and Counted.read_bytes == 0
