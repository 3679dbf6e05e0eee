"""Draft saves per second of one worker, and SQL statements per save: the Flask app called in-process (WSGI,
no network), as the sorting page saves (all 40 placements, two new moves, the running seconds, built on the
revision the previous save stored).

Prints saves/s by wall clock and by this process's CPU time (on a shared, loaded machine the CPU figure is the
one to compare: it is what one worker would do with a core to itself), and the statements per save by kind.

    .venv/bin/python benchmarks/save_path.py [--saves 2000] [--participants 50] [--database-url URL]
"""
from __future__ import annotations

import argparse
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


def build(url: str | None, participants: int):
    folder = Path(tempfile.mkdtemp(prefix="qsort-save-path-"))
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url or f"sqlite:///{folder / 'bench.sqlite'}",
                      "LOG_LEVEL": "WARNING"})
    app.instance_path = str(folder)
    db.upgrade_schema(app)
    session = app.extensions["qsort_sessionmaker"]()
    study, _ = make_study(session, 40, scores=list(range(-4, 5)), heights=[2, 3, 5, 6, 8, 6, 5, 3, 2],
                          title="Save path")
    people = [Participant(study=study, consent="given", code=f"B{i}", sort=Sort(step="grid", state="presorted"))
              for i in range(participants)]
    session.add_all(people)
    session.commit()
    return app, [s.id for s in study.statements], [p.token for p in people], valid_placements(study)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    app, ids, tokens, placements = build(args.database_url, args.participants)
    people = []
    for token in tokens:  # each with its session cookie and CSRF token, as a browser has them
        client = app.test_client()
        client.get(f"/s/{token}/sort")
        state = client.get(f"/s/{token}/api/state").json
        people.append({"client": client, "token": token, "csrf": state["csrf_token"],
                       "base": state["state"]["revision"], "revision": state["state"]["revision"]})

    statements: Counter[str] = Counter()

    @event.listens_for(app.extensions["qsort_engine"], "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        statements[statement.split(None, 1)[0].upper() + (" (many)" if executemany else "")] += 1

    def save(n: int) -> None:
        person = people[n % len(people)]
        person["revision"] += 2
        seq = person["revision"]
        moved = ids[n % len(ids)]
        body = {"revision": seq, "base_revision": person["base"], "step": "grid", "placements": placements,
                "moves": [{"statement_id": moved, "from": "grid:0", "to": "grid:1", "t": 1_700_000_000_000 + n,
                           "seq": seq - 1},
                          {"statement_id": moved, "from": "grid:1", "to": "grid:0", "t": 1_700_000_000_500 + n,
                           "seq": seq}],
                "seconds": {"grid": float(n)}}
        response = person["client"].post(f"/s/{person['token']}/api/draft", json=body,
                                         headers={"X-CSRFToken": person["csrf"]})
        assert response.status_code == 200 and not response.json.get("merged"), response.get_data(as_text=True)
        person["base"] = response.json["revision"]

    for n in range(len(people)):  # warm up: first request per participant, caches
        save(n)
    statements.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(len(people), len(people) + args.saves):
        save(n)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    engine = app.config["DATABASE_URL"].split("://")[0]
    print(f"{args.saves} draft saves (40 placements, 2 moves) on {engine}, one process, in-process WSGI calls")
    print(f"  wall clock: {args.saves / wall:6.0f} saves/s  ({wall / args.saves * 1000:.2f} ms per save)")
    print(f"  CPU time:   {args.saves / cpu:6.0f} saves/s  ({cpu / args.saves * 1000:.2f} ms per save; "
          f"includes the test client's own cost)")
    print(f"  SQL: {sum(statements.values()) / args.saves:.1f} statements per save")
    for kind, count in statements.most_common():
        print(f"    {count / args.saves:5.1f}  {kind}")


if __name__ == "__main__":
    main()
