"""Results pages benchmark: server time to open a run and to toggle a flag, through the Flask test client.

    .venv/bin/python benchmarks/results.py            # 1,000 sorts (open) and 300 sorts (toggle)
    .venv/bin/python benchmarks/results.py --repeat 5

A study of 40 demo statements gets N simulated complete sorts (analysis.simulate: three planted buyer types
plus random sorts) in a temporary SQLite database; a run is made through the set-up form; then the run page
is requested, and a flag is toggled (POST, recompute, save, redirect) and the page redrawn. Printed: the
median and worst server time of each request over the repeats (the test client calls the app directly, so
this is server time: routing, database, engine, templates).

Targets (issue 8): opening a run with 1,000 sorts x 40 statements under 1 s; toggling a flag with 300 sorts,
recomputed and redrawn, under 300 ms.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "benchmark password 1"


def build(n_sorts: int, folder: str):
    from analysis.grid import Grid
    from analysis.simulate import planted_types, simulate_sorts
    from qsort import create_app
    from qsort.accounts import create_account
    from qsort import db
    from qsort.demo import build_study
    from qsort.models import Participant, Placement, Sort

    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.db", "TESTING": True,
                      "SECRET_KEY": "benchmark", "WTF_CSRF_ENABLED": False})
    db.upgrade_schema(app)
    with app.app_context():
        session = app.extensions["qsort_sessionmaker"]()
        owner = create_account(session, email="bench@example.com", password=PASSWORD, name="Bench")
        study = build_study(owner)
        session.add(study)
        session.commit()
        statements = list(study.statements)
        grid = Grid(tuple(study.grid_scores), tuple(study.grid_heights))
        planted = n_sorts * 9 // 10
        sim = simulate_sorts([";".join(s.tags) for s in statements], grid,
                             planted_types({"price": planted // 3, "added-value": planted // 3,
                                            "strategy": planted - 2 * (planted // 3)}),
                             n_random=n_sorts - planted, seed=1)
        for j, pid in enumerate(sim.participant_ids):
            participant = Participant(study=study, code=pid, source="import",
                                      attributes={"relationship_stage": ("friend", "partner", "acquaintance")[j % 3]})
            participant.sort = Sort(state="submitted", step="done")
            participant.sort.placements = [Placement(statement=s, score=int(sim.sorts[i, j]))
                                           for i, s in enumerate(statements)]
            session.add(participant)
        session.commit()
        return app, study.id


def timed(call) -> tuple[float, float, object]:
    """Wall and CPU seconds of one call (CPU time is steadier on a shared, loaded machine)."""
    start, cpu = time.perf_counter(), time.process_time()
    out = call()
    return time.perf_counter() - start, time.process_time() - cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open-sorts", type=int, default=1000)
    parser.add_argument("--toggle-sorts", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for label, n in (("open a run", args.open_sorts), ("toggle a flag", args.toggle_sorts)):
        with tempfile.TemporaryDirectory() as folder:
            app, study_id = build(n, folder)
            client = app.test_client()
            client.post("/auth/login", data={"email": "bench@example.com", "password": PASSWORD})
            response = client.post(f"/studio/{study_id}/results/new", data={"nfactors": "3"})
            run_url = response.headers["Location"]
            run_id = re.search(r"/results/(\d+)", run_url).group(1)
            times, cpus = [], []
            for k in range(args.repeat):
                if label == "open a run":
                    seconds, cpu, page = timed(lambda: client.get(run_url))
                    assert page.status_code == 200
                else:
                    def toggle(k=k):
                        client.post(f"/studio/{study_id}/results/{run_id}/flag",
                                    data={"cell": f"0|price-{k + 1}"})
                        return client.get(run_url)
                    seconds, cpu, page = timed(toggle)
                    assert page.status_code == 200
                times.append(seconds)
                cpus.append(cpu)
            print(f"{label:14s} {n:5d} sorts x 40 statements: median {statistics.median(times) * 1000:7.0f} ms, "
                  f"worst {max(times) * 1000:7.0f} ms, CPU median {statistics.median(cpus) * 1000:7.0f} ms "
                  f"over {args.repeat} (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
