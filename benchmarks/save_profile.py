"""Where a draft save's server time goes: one process, no network, the Flask app called in-process as the sorting
page saves (see benchmarks/save_bench.py). Every figure is CPU time of this process, so other processes on a busy
machine do not inflate it.

Prints, in ms of CPU per save:

- by step of the request, each measured by a CPU timer around the step's function (no profiler, so these are what
  a save costs): the test client, the Flask app, the session cookie, CSRF, finding the participant, JSON in and
  out, validation, each step of ``save_draft``, the commit;
- by package, under cProfile (on the CPU clock): where the time is spent itself (SQLAlchemy, Werkzeug, Flask, the
  sqlite3/psycopg driver, qsort, ...). cProfile inflates pure-Python calls 2-4 times: read the shares;
- the SQL statements per save, and the plain CPU and wall figures (with the load average).

    .venv/bin/python benchmarks/save_profile.py [--saves 1000] [--participants 50] [--database-url URL]
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import os
import pstats
from collections import defaultdict
from typing import Any

from save_bench import Bench, build, cpu_seconds, engine_name, load_average, timed


def steps() -> list[tuple[str, Any, str]]:
    """(label, owner, attribute) of the function each line times. An indented line is part of the one above."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface
    from flask_wtf.csrf import CSRFProtect
    from sqlalchemy.orm import Session
    from werkzeug.test import Client

    from qsort import sorting
    from qsort.blueprints import respond

    return [
        ("whole request, test client included", Client, "open"),
        ("  Flask app (server side: what a worker does)", Flask, "wsgi_app"),
        ("    open the session cookie", SecureCookieSessionInterface, "open_session"),
        ("    save the session cookie", SecureCookieSessionInterface, "save_session"),
        ("    CSRF check", CSRFProtect, "protect"),
        ("    the view (api_draft)", respond, "api_draft"),
        ("      find the participant and study (token)", sorting, "find_sorter"),
        ("      parse the JSON body", sorting, "parse_json_body"),
        ("      validate the draft", sorting, "parse_draft"),
        ("      save_draft", sorting, "save_draft"),
        ("        lock the sort (and count its moves)", sorting, "_lock_sort_for_draft"),
        ("        append the moves", sorting, "_append_moves"),
        ("        write the placements that changed", sorting, "_write_placements"),
        ("        write the sort row", sorting, "_write_sort"),
        ("        COMMIT", Session, "commit"),
        ("    JSON answer (make_response)", Flask, "make_response"),
        ("    teardown (close the DB session)", Flask, "do_teardown_appcontext"),
    ]


def with_timers(bench: Bench, saves: int) -> list[str]:
    """Send ``saves`` saves with a CPU timer around each step's function; the table, in ms per save."""
    spent: dict[str, float] = defaultdict(float)
    originals = []
    for label, owner, name in steps():
        function = getattr(owner, name)
        originals.append((owner, name, function))

        def timed_call(*args, _function=function, _label=label, **kwargs):
            started = cpu_seconds()
            try:
                return _function(*args, **kwargs)
            finally:
                spent[_label] += cpu_seconds() - started

        setattr(owner, name, functools.wraps(function)(timed_call))
    from qsort.blueprints import respond

    views = bench.app.view_functions
    view = views["respond.api_draft"]
    views["respond.api_draft"] = respond.api_draft  # Flask calls the function it registered: the timed one
    try:
        timed(bench, saves)
    finally:
        views["respond.api_draft"] = view
        for owner, name, function in originals:
            setattr(owner, name, function)
    return [f"  {label:<52} {spent[label] / saves * 1000:7.3f}" for label, _owner, _name in steps()]


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


def by_package(stats: pstats.Stats, saves: int, top: int = 12) -> list[str]:
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

    print(f"{args.saves} draft saves (40 placements, 2 moves) on {engine_name(bench)}, in-process. CPU ms per save "
          f"by step:")
    print("\n".join(with_timers(bench, args.saves)))
    for line in bench.statements_per_save(args.saves):
        print(line)

    profiler = cProfile.Profile(cpu_seconds)
    profiler.runcall(timed, bench, args.saves)
    print("\nUnder cProfile: CPU time spent in each package itself, ms per save (inflated; read the shares):")
    print("\n".join(by_package(pstats.Stats(profiler), args.saves)))

    wall, cpu = timed(bench, args.saves)  # neither timers nor profiler
    print(f"\nplain: CPU {cpu / args.saves * 1000:.2f} ms per save = {args.saves / cpu:.0f} saves per CPU-second "
          f"(test client included); wall {wall / args.saves * 1000:.2f} ms per save ({load_average()} on "
          f"{os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
