"""Draft saves per second of one worker, and SQL statements per save: the Flask app called in-process (WSGI through
the test client, no network), as the sorting page saves (see benchmarks/save_bench.py).

Prints saves/s by the wall clock (with the load average beside it) and by this process's CPU time: on a shared,
loaded machine the CPU figure is the one to compare, it is what one worker does with a core to itself. The test
client's own share of that CPU is printed too (``benchmarks/save_profile.py`` splits the rest by step).

    .venv/bin/python benchmarks/save_path.py [--saves 2000] [--participants 50] [--database-url URL]
"""
from __future__ import annotations

import argparse

from save_bench import build, engine_name, load_average, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    bench = build(args.database_url, args.participants)
    timed(bench, 2 * args.participants)  # warm up: first saves per participant, statement caches
    bench.statements.clear()
    wall, cpu = timed(bench, args.saves)

    print(f"{args.saves} draft saves (40 placements, 2 moves) on {engine_name(bench)}, one process, "
          f"in-process WSGI calls")
    print(f"  CPU time:   {args.saves / cpu:6.0f} saves per CPU-second ({cpu / args.saves * 1000:.2f} ms per save, "
          f"the test client's cost included)")
    print(f"  wall clock: {args.saves / wall:6.0f} saves/s  ({wall / args.saves * 1000:.2f} ms per save; "
          f"{load_average()} on {_cores()} cores)")
    for line in bench.statements_per_save(args.saves):
        print("  " + line)


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
