"""Paper-sort entry by keyboard alone: how many keys a 40-card sort takes, and how long at a human typing speed.

The issue's target: "a 40-card sort can be entered with the keyboard alone in under two minutes". Serves the app
on a local server (as the browser tests do) with a fresh SQLite database, opens the paper entry page in Debian's
Chromium (Playwright), and types a made-up 40-card sheet for an invited participant with the keys an
interviewer would press (tests/browser/paper_keyboard.py), pausing ``pause_ms`` after every key: the speed of
someone reading numbers off a sheet and typing them (150 ms per key is a steady, not a fast, typist). Prints the
keys, the keys per card, the time it took in all (so an upper bound for a person at that speed: Playwright's
own round trip per key is in it), and whether the sort was stored.

    .venv/bin/python benchmarks/paper_entry.py [pause_ms=150] [statements=40]
"""
from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qsort import create_app, db  # noqa: E402
from qsort.accounts import create_account  # noqa: E402
from qsort.models import InterviewerAssignment, Participant  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402
from tests.browser.paper_keyboard import COUNT_EVENTS, counted, sheet_for, type_sheet  # noqa: E402
from tests.factories import make_study  # noqa: E402

PASSWORD = "paper-entry-benchmark"
TARGET_SECONDS = 120


def main(pause_ms: float = 150, n_statements: int = 40) -> None:
    for name in ("werkzeug", "qsort.request"):  # one line per request would bury the figures
        logging.getLogger(name).setLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp())
    app = create_app({"SECRET_KEY": "paper", "DATABASE_URL": f"sqlite:///{folder / 'paper.sqlite'}"})
    app.instance_path = str(folder)
    db.upgrade_schema(app)
    session = app.extensions["qsort_sessionmaker"]()
    study, _ = make_study(session, n_statements)
    ivan = create_account(session, email="ivan@example.com", password=PASSWORD, name="Ivan", role="interviewer")
    study.interviewers.append(InterviewerAssignment(user=ivan))
    session.commit()
    invited_id, sheet = study.participants[0].id, sheet_for(study)

    from playwright.sync_api import sync_playwright

    with LiveServer(app) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{server.url}/auth/login")
        page.fill("input[name=email]", "ivan@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("[type=submit]")
        page.wait_for_url(f"{server.url}/interview/")
        page.add_init_script(COUNT_EVENTS)
        page.goto(f"{server.url}/interview/studies/{study.id}/paper")
        start = time.perf_counter()
        keys = type_sheet(page, sheet, pause_ms)
        page.wait_for_selector("text=The paper sort of")
        seconds = time.perf_counter() - start
        received, pointer = counted(page)
        browser.close()

    session.expire_all()
    stored = session.get(Participant, invited_id).sort
    pauses = len(keys) * pause_ms / 1000
    print(f"{n_statements} cards: {len(keys)} keys ({len(keys) / n_statements:.2f} per card; the page received "
          f"{received} keydowns and {pointer} pointer presses)")
    print(f"at {pause_ms:.0f} ms per key: {seconds:.1f} s in all ({pauses:.1f} s typing, "
          f"{seconds - pauses:.1f} s Playwright's round trips, the page and the server), target {TARGET_SECONDS} s: "
          f"{'met' if seconds < TARGET_SECONDS else 'MISSED'}")
    print(f"stored: {stored is not None and stored.state == 'submitted' and stored.source == 'paper'} "
          f"({len(stored.placements) if stored else 0} placements)")


if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:]]
    main(args[0] if args else 150, int(args[1]) if len(args) > 1 else 40)
