"""Faults in production, and that no sort is lost or doubled through them:

- a gunicorn worker killed (SIGKILL) in the middle of a submission: the sort is stored once or not at all, and
  the page's retry (the participant presses Continue again) completes it;
- the PostgreSQL server restarted while participants save: requests fail cleanly (503 JSON, no traceback) and
  succeed again once it is back, and every move ends up stored exactly once.

(A browser cut off from the network in the middle of a sort: tests/browser/test_sorting_faults.py.)
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qsort.models import Move, Participant, Placement, Sort
from tests.factories import make_study, valid_placements

REPO = Path(__file__).resolve().parents[2]
CONNECTION_LOST = (http.client.RemoteDisconnected, http.client.IncompleteRead, ConnectionResetError,
                   ConnectionRefusedError, urllib.error.URLError)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Participant_:
    """A participant's browser: cookies, the CSRF token from the state, JSON posts."""

    def __init__(self, base_url: str, token: str):
        self.base = f"{base_url}/s/{token}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.csrf = ""

    def state(self) -> dict:
        with self.opener.open(f"{self.base}/api/state", timeout=60) as response:
            state = json.load(response)
        self.csrf = state["csrf_token"]
        return state

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        request = urllib.request.Request(f"{self.base}{path}", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json", "X-CSRFToken": self.csrf})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


def participant_at_the_grid(session, study, code: str = "K1") -> str:
    person = Participant(study=study, code=code, source="invite", consent="given",
                         sort=Sort(step="grid", state="presorted"))
    session.add(person)
    session.commit()
    return person.token


def wait_until_healthy(url: str, server: subprocess.Popen, attempts: int = 600) -> None:
    """Poll /healthz (bounded): the server (or its replacement worker) answers."""
    for _ in range(attempts):
        assert server.poll() is None, "the server exited"
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
    raise AssertionError("the server did not come back")


def stored(session, token: str) -> tuple[list[Sort], list[tuple[int, int, int]]]:
    session.expire_all()
    person = session.scalar(select(Participant).where(Participant.token == token))
    sorts = list(session.scalars(select(Sort).where(Sort.participant_id == person.id)))
    placements = sorted(session.execute(select(Placement.statement_id, Placement.score, Placement.slot)
                                        .join(Sort).where(Sort.participant_id == person.id)).all())
    return sorts, [tuple(p) for p in placements]


@pytest.fixture
def gunicorn(app, tmp_path):
    """The app under gunicorn (1 worker, ``qsort serve``'s settings) on the test's database (migrated by ``app``),
    with a fault to arm."""
    database_url = app.config["DATABASE_URL"]
    port = free_port()
    fault_file = tmp_path / "fault"
    env = {**os.environ, "QSORT_DATABASE_URL": database_url, "QSORT_SECRET_KEY": "faults", "QSORT_LOG_LEVEL": "INFO"}
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "tests.faultserver", "--port", str(port), "--workers", "1",
                               "--fault-file", str(fault_file)], cwd=REPO, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, server)
        yield url, fault_file, server
    finally:
        server.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown (a worker may still be booting)
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.mark.slow
@pytest.mark.parametrize("point", ["before_commit", "after_commit"])
def test_worker_killed_during_a_submit_stores_the_sort_once_and_the_retry_completes_it(gunicorn, session, point,
                                                                                       tmp_path):
    url, fault_file, server = gunicorn
    study, _ = make_study(session, 9)
    token = participant_at_the_grid(session, study)
    person = Participant_(url, token)
    person.state()
    final = valid_placements(study)
    draft = [{**p, "score": 0} if p["score"] == -2 else p for p in final]  # the draft differs from the submission
    assert person.post("/api/draft", {"revision": 3, "step": "grid", "placements": draft}) == (
        200, {"ok": True, "revision": 3})

    fault_file.write_text(point)
    with pytest.raises(CONNECTION_LOST):
        person.post("/api/submit", {"placements": final, "revision": 3})
    assert not fault_file.exists(), "the worker reached the fault point"

    sorts, placements = stored(session, token)
    assert len(sorts) == 1
    submitted = sorted((p["statement_id"], p["score"], p["slot"]) for p in final)
    if point == "before_commit":  # died before COMMIT: nothing of the submission is stored, the draft is intact
        assert sorts[0].state == "presorted" and sorts[0].step == "grid"
        assert placements == sorted((p["statement_id"], p["score"], p["slot"]) for p in draft)
    else:  # died after COMMIT: stored once, complete
        assert sorts[0].state == "sorted" and placements == submitted

    wait_until_healthy(url, server)  # gunicorn's master has started a new worker
    status, body = person.post("/api/submit", {"placements": final, "revision": 3})  # Continue, pressed again
    assert status == 200 and body["ok"] is True and body["next"].endswith(f"/s/{token}/postsort")
    sorts, placements = stored(session, token)
    assert len(sorts) == 1 and sorts[0].state == "sorted" and placements == submitted
    log = (tmp_path / "server.log").read_text()
    assert "was sent SIGKILL" in log  # gunicorn saw its worker die and replaced it
    assert token not in log


# ----------------------------------------------------------------------------------------------------------------
# PostgreSQL restarted under load
# ----------------------------------------------------------------------------------------------------------------

@pytest.fixture
def private_postgres(tmp_path):
    """A PostgreSQL server of this test's own (it is stopped and started again), whatever engine the suite uses."""
    from tests.pgserver import PostgresServer

    try:
        server = PostgresServer(free_port(), fast=True)
    except RuntimeError as error:
        pytest.fail(f"{error}: this test restarts a real PostgreSQL server")
    with server:
        server.create_database("qsort")
        yield server


@pytest.mark.slow
def test_database_restart_under_load_fails_cleanly_and_recovers_with_every_move_once(private_postgres):
    from qsort import create_app, db
    from tests.browser.conftest import LiveServer

    app = create_app({"SECRET_KEY": "restart", "DATABASE_URL": private_postgres.url("qsort"),
                      "WTF_CSRF_ENABLED": False, "LOG_LEVEL": "WARNING"})
    db.upgrade_schema(app)
    session = app.extensions["qsort_sessionmaker"]()
    study, _ = make_study(session, 9)
    tokens = []
    for number in range(6):
        tokens.append(participant_at_the_grid(session, study, f"K{number}"))
        session.expire_all()
    ids = [s.id for s in study.statements]
    placements = valid_placements(study)
    session.close()  # its connection would not survive the restart; the check below opens a new one

    lock = threading.Condition()
    seen = {"ok": 0, "unavailable": 0, "ok_after_restart": 0, "other": [], "restarted": False}
    sent_moves: dict[str, set] = {token: set() for token in tokens}
    last_revision: dict[str, int] = {}

    def saver(url: str, token: str) -> None:
        person = Participant_(url, token)
        pending, revision, ok_after, base = [], 0, 0, 0
        for attempt in range(4000):  # bounded; ends once it has saved 5 times after the restart
            revision += 1
            pending.append({"statement_id": ids[revision % len(ids)], "from": "grid:0", "to": "grid:1",
                            "t": 1_700_000_000_000 + revision, "seq": revision})
            sent_moves[token].add(revision)
            status, body = person.post("/api/draft", {"revision": revision, "base_revision": base, "step": "grid",
                                                      "placements": placements, "moves": pending})
            with lock:
                if status == 200:
                    base = body["revision"]  # the next draft is built on what is stored now
                    pending = []  # acknowledged: the page forgets them; unacknowledged ones go again next time
                    seen["ok"] += 1
                    if seen["restarted"]:
                        seen["ok_after_restart"] += 1
                        ok_after += 1
                elif status == 503 and body and body.get("ok") is False and "database" in body.get("error", ""):
                    seen["unavailable"] += 1
                else:
                    seen["other"].append((status, body))
                lock.notify_all()
            if ok_after >= 5:
                last_revision[token] = revision
                return

    with LiveServer(app) as live:
        threads = [threading.Thread(target=saver, args=(live.url, token)) for token in tokens]
        for thread in threads:
            thread.start()
        with lock:
            assert lock.wait_for(lambda: seen["ok"] >= 3 * len(tokens), timeout=120)
        private_postgres.stop("fast")  # while requests are in flight
        with lock:
            assert lock.wait_for(lambda: seen["unavailable"] >= len(tokens), timeout=120)
        private_postgres.start()
        with lock:
            seen["restarted"] = True
        for thread in threads:
            thread.join(timeout=300)
        assert not any(thread.is_alive() for thread in threads)

    assert seen["other"] == [], "only 200 or a clean 503, never a 500 or a traceback"
    assert seen["unavailable"] >= len(tokens) and seen["ok_after_restart"] >= 5 * len(tokens)
    session = app.extensions["qsort_sessionmaker"]()
    for token in tokens:
        sort = session.scalar(select(Sort).join(Participant).where(Participant.token == token))
        assert sort.revision == last_revision[token]
        counts = dict(session.execute(select(Move.client_seq, func.count()).where(Move.sort_id == sort.id)
                                      .group_by(Move.client_seq)).all())
        assert set(counts) == sent_moves[token], "every move sent is stored (resent until acknowledged)"
        assert set(counts.values()) == {1}, "and stored once"
    session.close()
    app.extensions["qsort_engine"].dispose()
