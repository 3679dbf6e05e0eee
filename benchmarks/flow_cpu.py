"""CPU time and SQL statements per request of a participant's whole flow, in-process (Flask test client, no network).

Every participant goes through the flow as benchmarks/load.py's participants do (same study: 40 cards, grid -4..+4,
the five kinds of post-sort question): open the link, the welcome page and consent, the instructions, the sorting
page and its state, one presort draft and ten grid drafts, the submit, the post-sort comments page, the questions,
the thank-you page. Each request is timed by this process's CPU time (``time.process_time``: it holds on a shared,
busy machine, where the wall clock is mostly queueing) and its SQL statements are counted by an engine event
listener. Printed per endpoint: requests, CPU ms per request, SQL statements per request (and by kind with
``--sql-kinds``); then CPU ms per participant, with and without the drafts, and the wall clock beside the load
average. The first ``--warmup`` participants run before the counting starts (statement caches, templates).

    .venv/bin/python benchmarks/flow_cpu.py                          # 60 participants, SQLite
    .venv/bin/python benchmarks/flow_cpu.py --profile "GET postsort" # cProfile (CPU time) of one endpoint
    .venv/bin/python benchmarks/flow_cpu.py --sql-kinds --show-sql "POST submit"   # what the SQL is
    .venv/bin/python -m tests.pgserver run -- .venv/bin/python benchmarks/flow_cpu.py   # a fresh PostgreSQL
    .venv/bin/python benchmarks/flow_cpu.py --database-url postgresql+psycopg://qsort@127.0.0.1:54329/qsort

``--database-url`` (or ``QSORT_DATABASE_URL``) must name an empty database: the study is created in it.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import load  # noqa: E402  (the study and the flow's bodies are load.py's)
from sqlalchemy import event  # noqa: E402

from qsort import create_app  # noqa: E402

DRAFTS = ("POST draft presort", "POST draft grid")


class Recorder:
    """CPU seconds, requests and SQL statements per endpoint; optionally a cProfile of one endpoint."""

    def __init__(self, profile: str | None, show_sql: str | None = None):
        self.show_sql = show_sql  # print the statements of this endpoint's first counted request
        self.cpu: dict[str, float] = defaultdict(float)
        self.requests: Counter[str] = Counter()
        self.statements: dict[str, Counter[str]] = defaultdict(Counter)
        self.endpoint: str | None = None  # the request running now (None: not counted)
        self.counting = False
        self.profile_name = profile
        self.profiler = cProfile.Profile(time.process_time) if profile else None  # CPU time, as the figures

    def listen(self, engine) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def _count(conn, cursor, statement, parameters, context, executemany):
            if self.counting and self.endpoint:
                kind = statement.split(None, 1)[0].upper() + (" (many)" if executemany else "")
                self.statements[self.endpoint][kind] += 1
                if self.endpoint == self.show_sql and self.requests[self.endpoint] == 0:
                    print(f"  SQL of {self.endpoint}: {' '.join(statement.split())[:300]}")

    def call(self, client, name: str, method: str, path: str, **kwargs):
        headers = {"Accept-Language": "en", **kwargs.pop("headers", {})}
        self.endpoint = name
        profiling = self.counting and name == self.profile_name
        started = time.process_time()
        if profiling:
            self.profiler.enable()
        response = client.open(path, method=method, headers=headers, **kwargs)
        if profiling:
            self.profiler.disable()
        if self.counting:
            self.cpu[name] += time.process_time() - started
            self.requests[name] += 1
        self.endpoint = None
        return response


def csrf_of(html: str) -> str:
    found = (re.search(r'name="csrf-token" content="([^"]+)"', html)
             or re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html))
    return found.group(1) if found else ""


def expect(response, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])


def grid_placements(ids: list[int]) -> list[dict[str, int]]:
    """Every card in the grid, column by column (load.py's grid: -4..+4, heights 2 3 5 6 8 6 5 3 2)."""
    placed, position = [], 0
    for score, height in zip(load.SCORES, load.HEIGHTS):
        for slot in range(height):
            placed.append({"statement_id": ids[position], "score": score, "slot": slot})
            position += 1
    return placed


def one_participant(recorder: Recorder, client, token: str, answer_form: dict[str, Any]) -> None:
    """The whole flow of one participant, each request through ``recorder``."""
    call, base = recorder.call, f"/s/{token}"
    expect(call(client, "GET link", "GET", base), 302)
    page = call(client, "GET welcome", "GET", f"{base}/welcome")
    expect(call(client, "POST welcome", "POST", f"{base}/welcome",
                data={"csrf_token": csrf_of(page.text), "consent": "y", "agree": "Start"}), 302)
    page = call(client, "GET instructions", "GET", f"{base}/instructions")
    expect(call(client, "POST instructions", "POST", f"{base}/instructions",
                data={"csrf_token": csrf_of(page.text), "submit": "Continue"}), 302)
    expect(call(client, "GET sort", "GET", f"{base}/sort"), 200)
    state = call(client, "GET state", "GET", f"{base}/api/state").get_json()
    csrf = {"X-CSRFToken": state["csrf_token"]}
    ids = [s["id"] for s in state["statements"]]
    placed = grid_placements(ids)
    presort = {str(s): "agree" for s in ids}
    moves = [{"statement_id": s, "from": "deck", "to": "pile:agree", "t": 1_700_000_000_000 + k, "seq": k + 1}
             for k, s in enumerate(ids)]
    expect(call(client, "POST draft presort", "POST", f"{base}/api/draft", headers=csrf,
                json={"revision": 1, "base_revision": 0, "step": "presort", "presort": presort, "moves": moves,
                      "placements": [], "seconds": {"presort": 3.0}}), 200)
    revision = 1
    for k in range(10):
        revision += 1
        move = {"statement_id": ids[k], "from": "grid:0", "to": "grid:0", "t": 1_800_000_000_000 + k, "seq": 100 + k}
        expect(call(client, "POST draft grid", "POST", f"{base}/api/draft", headers=csrf,
                    json={"revision": revision, "base_revision": revision - 1, "step": "grid", "presort": presort,
                          "placements": placed, "seconds": {"grid": float(revision)}, "moves": [move]}), 200)
    expect(call(client, "POST submit", "POST", f"{base}/api/submit", headers=csrf,
                json={"placements": placed, "revision": revision}), 200)
    page = call(client, "GET postsort", "GET", f"{base}/postsort")
    expect(call(client, "POST postsort", "POST", f"{base}/postsort",
                data={"csrf_token": csrf_of(page.text), "submit": "Continue"}), 302)
    page = call(client, "GET questions", "GET", f"{base}/questions")
    expect(call(client, "POST questions", "POST", f"{base}/questions",
                data={"csrf_token": csrf_of(page.text), "submit": "Continue", **answer_form}), 302)
    expect(call(client, "GET done", "GET", f"{base}/done"), 200)


def report(recorder: Recorder, participants: int, wall: float, sql_kinds: bool) -> None:
    print(f"{'endpoint':<20} {'requests':>8} {'CPU ms':>8} {'SQL':>5}")
    for name in recorder.requests:
        requests = recorder.requests[name]
        statements = sum(recorder.statements[name].values()) / requests
        print(f"{name:<20} {requests:8d} {recorder.cpu[name] / requests * 1000:8.2f} {statements:5.1f}")
        if sql_kinds:
            for kind, count in recorder.statements[name].most_common():
                print(f"{'':<22}{count / requests:5.1f}  {kind}")
    total = sum(recorder.cpu.values())
    pages = sum(cpu for name, cpu in recorder.cpu.items() if name not in DRAFTS)
    print(f"CPU per participant: {total / participants * 1000:.1f} ms, of which {pages / participants * 1000:.1f} ms "
          f"without the drafts")
    print(f"wall clock: {wall:.1f} s for {participants} participants ({wall / participants * 1000:.0f} ms each; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=60, help="participants measured (default 60)")
    parser.add_argument("--warmup", type=int, default=5, help="participants run first, not counted (default 5)")
    parser.add_argument("--database-url", default=os.environ.get("QSORT_DATABASE_URL"),
                        help="an empty database (default: SQLite in a temporary folder)")
    parser.add_argument("--profile", metavar="ENDPOINT", help='cProfile one endpoint, e.g. "GET postsort"')
    parser.add_argument("--profile-sort", default="cumulative", help="cumulative (default) or tottime")
    parser.add_argument("--profile-top", type=int, default=50, help="functions the profile prints (default 50)")
    parser.add_argument("--sql-kinds", action="store_true", help="SQL statements per endpoint by kind")
    parser.add_argument("--show-sql", metavar="ENDPOINT", help="print the statements of one request of ENDPOINT")
    args = parser.parse_args()

    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='qsort-flow-')) / 'flow.sqlite'}"
    _, tokens, study = load.prepare(url, args.warmup + args.participants)
    app = create_app({"SECRET_KEY": "flow", "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    recorder = Recorder(args.profile, args.show_sql)
    recorder.listen(app.extensions["qsort_engine"])
    for token in tokens[:args.warmup]:
        one_participant(recorder, app.test_client(), token, study["answer_form"])
    recorder.counting = True
    wall = time.perf_counter()
    for token in tokens[args.warmup:]:
        one_participant(recorder, app.test_client(), token, study["answer_form"])
    wall = time.perf_counter() - wall
    print(f"{args.participants} participants through the whole flow on {url.split(':')[0]}, in-process "
          f"(test client), CPU time per request")
    report(recorder, args.participants, wall, args.sql_kinds)
    if recorder.profiler:
        pstats.Stats(recorder.profiler).sort_stats(args.profile_sort).print_stats(args.profile_top)

if __name__ == "__main__":
    main()
