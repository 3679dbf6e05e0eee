"""Request load on the participant flow: many participants saving drafts at the same time.

Serves the app on a threaded local server (the same werkzeug server as the browser tests, one process) with a
fresh SQLite database (WAL), gives every participant a 40-card study at the grid step, and lets each of them save
drafts (40 placements and one move each) as fast as they can, or with a pause between saves. Prints requests per
second, latency percentiles, the status codes (any 500 or "database is locked" would show here) and checks that
every move was stored once.

    .venv/bin/python benchmarks/respond_load.py [participants=50] [saves=20] [pause_seconds=0]
"""
from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from qsort import create_app, db  # noqa: E402
from qsort.models import Move, Participant, Sort  # noqa: E402
from tests.browser.conftest import LiveServer  # noqa: E402
from tests.factories import make_study, valid_placements  # noqa: E402


def main(n_participants: int = 50, saves: int = 20, pause: float = 0.0) -> None:
    folder = Path(tempfile.mkdtemp())
    # CSRF off: this measures the draft path and the database, not token handling.
    app = create_app({"SECRET_KEY": "load", "DATABASE_URL": f"sqlite:///{folder / 'load.sqlite'}",
                      "WTF_CSRF_ENABLED": False})
    app.instance_path = str(folder)
    db.upgrade_schema(app)
    session = app.extensions["qsort_sessionmaker"]()
    study, _ = make_study(session, 40, scores=list(range(-4, 5)), heights=[3, 4, 5, 5, 6, 5, 5, 4, 3])
    participants = [Participant(study=study, consent="given", code=f"L{i}", sort=Sort(step="presort"))
                    for i in range(n_participants)]
    session.add_all(participants)
    session.commit()
    placements = valid_placements(study)
    ids = [s.id for s in study.statements]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def sorter(url: str, token: str) -> None:
        for revision in range(1, saves + 1):
            time.sleep(pause)
            body = {"revision": revision, "base_revision": revision - 1, "step": "grid", "placements": placements,
                    "moves": [{"statement_id": ids[revision % len(ids)], "from": "pile:agree", "to": "grid:1",
                               "t": 1_700_000_000_000 + revision, "seq": revision}],
                    "seconds": {"grid": revision * 2.0}}
            request = urllib.request.Request(f"{url}/s/{token}/api/draft", data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            with lock:
                latencies.append(time.perf_counter() - start)
                statuses[status] = statuses.get(status, 0) + 1

    with LiveServer(app) as server:
        threads = [threading.Thread(target=sorter, args=(server.url, p.token)) for p in participants]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start

    latencies.sort()

    def ms(fraction: float) -> float:
        return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000

    moves = session.scalar(select(func.count()).select_from(Move))
    print(f"{n_participants} participants x {saves} draft saves (40 placements), pause {pause}s: "
          f"{len(latencies)} requests in {wall:.1f} s = {len(latencies) / wall:.0f}/s")
    print(f"status codes {statuses}; latency p50 {ms(.5):.0f} ms, p95 {ms(.95):.0f} ms, max {ms(1):.0f} ms")
    print(f"moves stored {moves} of {n_participants * saves}")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("participants", nargs="?", type=int, default=50)
    parser.add_argument("saves", nargs="?", type=int, default=20, help="draft saves per participant")
    parser.add_argument("pause_seconds", nargs="?", type=float, default=0.0, help="pause between saves")
    args = parser.parse_args()
    main(args.participants, args.saves, args.pause_seconds)
