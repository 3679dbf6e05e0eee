"""What benchmarks/save_path.py and benchmarks/save_profile.py share: one study and its participants (:func:`build`),
the draft save the sorting page sends (:func:`Bench.save`), SQL statements counted by kind, CPU time and the load.

The study: 40 cards, grid -4..+4 (heights 2 3 5 6 8 6 5 3 2), participants at the grid step, each with a test
client holding its session cookie and CSRF token as a browser does. A save sends all 40 placements, two new moves
and the running seconds, built on the revision the previous save stored (so it is never a merge).
"""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from sqlalchemy import event  # noqa: E402

from qsort import create_app, db  # noqa: E402
from qsort.models import Participant, Sort  # noqa: E402
from tests.factories import make_study, valid_placements  # noqa: E402


@dataclass
class Person:
    client: Any
    token: str
    csrf: str
    base: int  # the stored revision the next save builds on


@dataclass
class Bench:
    app: Flask
    ids: list[int]
    placements: list[dict[str, int]]
    people: list[Person] = field(default_factory=list)
    statements: Counter[str] = field(default_factory=Counter)  # SQL statements sent, by kind
    sent: int = 0  # saves sent so far (numbers the moves)

    def save(self) -> None:
        """One draft save, as the sorting page sends it, by the next participant in turn."""
        n = self.sent
        self.sent += 1
        person = self.people[n % len(self.people)]
        seq = 2 * (n // len(self.people)) + 2
        moved = self.ids[n % len(self.ids)]
        body = {"revision": person.base + 1, "base_revision": person.base, "step": "grid",
                "placements": self.placements,
                "moves": [{"statement_id": moved, "from": "grid:0", "to": "grid:1", "t": 1_700_000_000_000 + n,
                           "seq": seq},
                          {"statement_id": moved, "from": "grid:1", "to": "grid:0", "t": 1_700_000_000_500 + n,
                           "seq": seq + 1}],
                "seconds": {"grid": float(n)}}
        response = person.client.post(f"/s/{person.token}/api/draft", json=body,
                                      headers={"X-CSRFToken": person.csrf})
        assert response.status_code == 200 and not response.json.get("merged"), response.get_data(as_text=True)
        person.base = response.json["revision"]

    def statements_per_save(self, saves: int) -> list[str]:
        lines = [f"SQL: {sum(self.statements.values()) / saves:.1f} statements per save"]
        lines += [f"    {count / saves:5.1f}  {kind}" for kind, count in self.statements.most_common()]
        return lines


def build(url: str | None, participants: int, prefix: str = "qsort-save-") -> Bench:
    """A fresh database (SQLite in a temporary folder unless ``url``), the study, the participants with their
    clients (each has loaded the sorting page and its state), and a listener counting SQL statements."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    # CSRF stays on (a real save checks it); LOG_LEVEL WARNING: the request line is measured apart (~20 µs).
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
    bench = Bench(app, [s.id for s in study.statements], valid_placements(study))
    for token in [p.token for p in people]:
        client = app.test_client()
        client.get(f"/s/{token}/sort")
        state = client.get(f"/s/{token}/api/state").json
        bench.people.append(Person(client, token, state["csrf_token"], state["state"]["revision"]))
    session.close()

    @event.listens_for(app.extensions["qsort_engine"], "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        bench.statements[statement.split(None, 1)[0].upper() + (" (many)" if executemany else "")] += 1

    return bench


def engine_name(bench: Bench) -> str:
    return bench.app.config["DATABASE_URL"].split("://")[0]


def cpu_seconds() -> float:
    """CPU time of this process (user + system): unlike the wall clock, it holds on a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_average() -> str:
    """The 1-minute load average, printed beside every wall-clock figure (2 cores: above 2 means queueing)."""
    return f"load average {os.getloadavg()[0]:.1f}"


def timed(bench: Bench, saves: int) -> tuple[float, float]:
    """Send ``saves`` saves; return (wall seconds, CPU seconds)."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    for _ in range(saves):
        bench.save()
    return time.perf_counter() - wall, cpu_seconds() - cpu
