"""qsort under gunicorn (the same settings as ``qsort serve --workers N``) with one fault armed from outside: a worker
kills itself (SIGKILL, no cleanup, as the OOM killer or a crash would) in the middle of a grid submission.

    python -m tests.faultserver --port P --workers 1 --fault-file F

The database URL and secret key come from ``QSORT_DATABASE_URL`` / ``QSORT_SECRET_KEY``. When a submit request
(``POST /s/<token>/api/submit``) reaches the point named in the file F, the file is removed (one shot) and the
worker dies there:

- ``before_commit``: the new placements and the sort's new state were sent to the database (Core statements, no
  ORM flush: qsort.sorting.submit_sort), not committed;
- ``after_commit``: committed, the answer not sent yet.

gunicorn's master then starts a new worker, as in production.
"""
from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

FAULT_POINTS = ("before_commit", "after_commit")


def arm(fault_file: Path) -> None:
    from flask import has_request_context, request

    def maybe_die(point: str) -> None:
        if not (has_request_context() and request.method == "POST" and request.path.endswith("/api/submit")):
            return
        try:
            armed = fault_file.read_text().strip()
        except FileNotFoundError:
            return
        if armed == point:
            fault_file.unlink()
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(Session, "before_commit", lambda session: maybe_die("before_commit"))
    event.listen(Session, "after_commit", lambda session: maybe_die("after_commit"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--fault-file", type=Path, required=True)
    args = parser.parse_args()

    from qsort import create_app, serving

    def factory():
        app = create_app()
        arm(args.fault_file)
        return app

    serving.run(factory, "127.0.0.1", args.port, args.workers)


if __name__ == "__main__":
    main()
