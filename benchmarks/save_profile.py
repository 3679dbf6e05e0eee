"""Where a draft save's server time goes: one process, no network, the Flask app called in-process as the sorting
page saves (see benchmarks/save_bench.py), under cProfile timed by this process's CPU clock (so other processes on
a busy machine do not inflate it).

Prints two tables, in ms of CPU per save (cProfile multiplies pure-Python time by 2-4; the shares are what to
read, and the plain CPU figure without the profiler is printed last):

- by step of the request: the test client, Flask/Werkzeug, the session cookie, CSRF, the request log, finding the
  participant, JSON in and out, validation, each step of ``save_draft``, the commit;
- by package: where the time is spent itself (SQLAlchemy, Werkzeug, Flask, the sqlite3/psycopg driver, qsort, ...).

    .venv/bin/python benchmarks/save_profile.py [--saves 1000] [--participants 50] [--database-url URL]
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
from collections import defaultdict

from save_bench import build, cpu_seconds, engine_name, load_average, timed

# (label, file ending, function name): cumulative time of each, per save. Indented labels are part of the one above.
STEPS = [
    ("whole request, test client included", "werkzeug/test.py", "open"),
    ("  Flask app (server side: what a worker does)", "flask/app.py", "wsgi_app"),
    ("    open the session cookie", "flask/sessions.py", "open_session"),
    ("    save the session cookie", "flask/sessions.py", "save_session"),
    ("    CSRF check", "flask_wtf/csrf.py", "protect"),
    ("    request log: start", "qsort/requestlog.py", "_start_clock"),
    ("    request log: line and header", "qsort/requestlog.py", "_log_request"),
    ("    security headers", "qsort/security.py", "_security_headers"),
    ("    ?lang= check", "qsort/i18n.py", "remember_asked_language"),
    ("    the view (api_draft)", "qsort/blueprints/respond.py", "api_draft"),
    ("      find the participant (token)", "qsort/blueprints/respond.py", "participant_or_404"),
    ("      parse the JSON body", "qsort/sorting.py", "parse_json_body"),
    ("      validate the draft", "qsort/sorting.py", "parse_draft"),
    ("      save_draft", "qsort/sorting.py", "save_draft"),
    ("        lock the sort (and count its moves)", "qsort/sorting.py", "_lock_sort_for_draft"),
    ("        append the moves", "qsort/sorting.py", "_append_moves"),
    ("        replace the placements", "qsort/sorting.py", "_replace_placements"),
    ("        write the sort row", "qsort/sorting.py", "_write_sort"),
    ("        commit (flush + COMMIT)", "sqlalchemy/orm/session.py", "commit"),
    ("    JSON answer (make_response)", "flask/app.py", "make_response"),
    ("    teardown (close the DB session)", "qsort/db.py", "close_session"),
]


def by_step(stats: pstats.Stats, saves: int) -> list[str]:
    lines = []
    for label, ending, name in STEPS:
        cumulative = sum(ct for (file, _line, function), (_cc, _nc, _tt, ct, _callers) in stats.stats.items()
                         if function == name and file.endswith(ending))
        lines.append(f"  {label:<52} {cumulative / saves * 1000:7.2f}")
    return lines


def package_of(file: str, function: str) -> str:
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/qsort/" in file:
        return "qsort/" + file.rsplit("/qsort/", 1)[1]
    if file == "~":  # a built-in: name the database drivers, lump the rest
        return "database driver (C)" if "sqlite3" in function or "psycopg" in function else "Python built-ins"
    if "benchmarks/" in file:
        return "this benchmark"
    return "Python standard library"


def by_package(stats: pstats.Stats, saves: int, top: int = 14) -> list[str]:
    own: dict[str, float] = defaultdict(float)
    for (file, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        own[package_of(file, function)] += tottime
    total = sum(own.values())
    return [f"  {package:<52} {seconds / saves * 1000:7.2f}  {seconds / total * 100:4.0f}%"
            for package, seconds in sorted(own.items(), key=lambda item: -item[1])[:top]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=1000)
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    bench = build(args.database_url, args.participants, prefix="qsort-profile-")
    timed(bench, 2 * args.participants)  # warm up
    bench.statements.clear()

    profiler = cProfile.Profile(cpu_seconds)
    profiler.runcall(timed, bench, args.saves)
    stats = pstats.Stats(profiler)
    print(f"{args.saves} draft saves (40 placements, 2 moves) on {engine_name(bench)}, in-process, under cProfile "
          f"(CPU clock), ms per save:")
    print("\n".join(by_step(stats, args.saves)))
    print("\nTime spent in each package itself (tottime), ms per save:")
    print("\n".join(by_package(stats, args.saves)))
    for line in bench.statements_per_save(args.saves):
        print(line)

    wall, cpu = timed(bench, args.saves)  # without the profiler
    print(f"\nwithout cProfile: CPU {cpu / args.saves * 1000:.2f} ms per save = {args.saves / cpu:.0f} saves per "
          f"CPU-second (test client included); wall {wall / args.saves * 1000:.2f} ms per save "
          f"({load_average()} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
