"""Where a draft save's server time goes: one process, no network, the Flask app called directly.

Builds a 40-card study (grid -4..+4) with participants at the grid step, then sends draft saves as the sorting page
does (all 40 placements, a couple of new moves, the running seconds), spread over the participants, and prints:
saves per second of one process, SQL statements per save (by kind) and their share of the time, and the functions
that cost most (cProfile). With ``--database-url postgresql+psycopg://...`` it runs on PostgreSQL.

    .venv/bin/python benchmarks/save_profile.py [--saves 2000] [--participants 50] [--database-url URL]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from qsort import create_app, db  # noqa: E402
from qsort.models import Participant, Sort  # noqa: E402
from tests.factories import make_study, valid_placements  # noqa: E402


def setup(url: str | None, participants: int):
    folder = Path(tempfile.mkdtemp(prefix="qsort-profile-"))
    # CSRF stays on: a real save checks it; LOG_LEVEL WARNING: measured separately (one line costs ~20 µs).
    app = create_app({"SECRET_KEY": "profile", "DATABASE_URL": url or f"sqlite:///{folder / 'profile.sqlite'}",
                      "LOG_LEVEL": "WARNING"})
    app.instance_path = str(folder)
    db.upgrade_schema(app)
    session = app.extensions["qsort_sessionmaker"]()
    study, _ = make_study(session, 40, scores=list(range(-4, 5)), heights=[2, 3, 5, 6, 8, 6, 5, 3, 2],
                          title="Profile")
    people = [Participant(study=study, consent="given", code=f"F{i}", sort=Sort(step="grid", state="presorted"))
              for i in range(participants)]
    session.add_all(people)
    session.commit()
    return app, study, [p.token for p in people], valid_placements(study)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    app, study, tokens, placements = setup(args.database_url, args.participants)
    ids = [s.id for s in study.statements]
    clients = []
    for token in tokens:  # each participant with its session cookie and CSRF token, as a browser has them
        client = app.test_client()
        client.get(f"/s/{token}/sort")
        csrf = client.get(f"/s/{token}/api/state").json["csrf_token"]
        clients.append((client, token, csrf))

    statements: Counter[str] = Counter()
    sql_seconds = [0.0]

    @event.listens_for(app.extensions["qsort_engine"], "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["query_started"] = time.perf_counter()
        statements[statement.split(None, 1)[0].upper() + (" many" if executemany else "")] += 1

    @event.listens_for(app.extensions["qsort_engine"], "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        sql_seconds[0] += time.perf_counter() - conn.info.pop("query_started")

    def save(n: int) -> None:
        client, token, csrf = clients[n % len(clients)]
        revision = n // len(clients) + 1
        moved = ids[n % len(ids)]
        body = {"revision": revision, "base_revision": revision - 1, "step": "grid", "placements": placements,
                "moves": [{"statement_id": moved, "from": "grid:0", "to": "grid:1", "t": 1_700_000_000_000 + n,
                           "seq": 2 * revision}, {"statement_id": moved, "from": "grid:1", "to": "grid:0",
                                                  "t": 1_700_000_000_500 + n, "seq": 2 * revision + 1}],
                "seconds": {"grid": float(revision)}}
        response = client.post(f"/s/{token}/api/draft", json=body, headers={"X-CSRFToken": csrf})
        assert response.status_code == 200, response.get_data(as_text=True)

    for n in range(len(clients)):  # warm up: first request per participant, caches
        save(n)
    statements.clear()
    sql_seconds[0] = 0.0
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for n in range(len(clients), len(clients) + args.saves):
        save(n)
    profiler.disable()
    wall = time.perf_counter() - start

    engine = app.config["DATABASE_URL"].split("://")[0]
    print(f"{args.saves} draft saves (40 placements, 2 moves) on {engine}, one process, in-process client:")
    print(f"  {args.saves / wall:.0f} saves/s with cProfile on = {wall / args.saves * 1000:.2f} ms per save "
          f"(cProfile roughly doubles pure-Python time; see the plain figure below)")
    print(f"  SQL: {sum(statements.values()) / args.saves:.1f} statements per save, "
          f"{sql_seconds[0] / wall * 100:.0f}% of the time in the driver")
    for kind, count in statements.most_common():
        print(f"    {count / args.saves:5.1f}  {kind}")
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(45)
    print("\n".join(line for line in text.getvalue().splitlines()[:70] if line.strip()))

    start, cpu_start = time.perf_counter(), time.process_time()  # without the profiler
    for n in range(len(clients) + args.saves, len(clients) + 2 * args.saves):
        save(n)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(f"\nwithout cProfile: {args.saves / wall:.0f} saves/s = {wall / args.saves * 1000:.2f} ms per save by the "
          f"clock; CPU {cpu / args.saves * 1000:.2f} ms per save = {args.saves / cpu:.0f} saves per CPU-second "
          f"(the figure that holds on a shared machine; includes the test client's own cost, ~0.2 ms)")


if __name__ == "__main__":
    main()
