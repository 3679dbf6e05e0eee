"""Analysis scale benchmark: prints N, wall seconds and peak memory for each case.

    .venv/bin/python benchmarks/analysis.py            # all cases
    .venv/bin/python benchmarks/analysis.py --quick    # skip the 100,000-sort cases

Every case runs in a fresh subprocess, so its peak resident memory (ru_maxrss from os.wait4) and its time
(wall and CPU seconds) are its own, start-up and imports included:

* ``qsort analyze`` (the whole command: read the CSV, analyse, print the JSON), random forced sorts of 40
  statements (grid -4..+4, heights 2,3,4,5,12,5,4,3,2), PCA + varimax, 3 factors;
* ``qmethod()`` in-process on the same data (engine only), and centroid extraction at 3,000 sorts;
* a 40 x 50 study analysed repeatedly (what the bootstrap does ~1,000 times): milliseconds per call;
* the bootstrap (1,000 resamples of 40 x 50) and parallel analysis (100 random studies of 3,000 sorts).

Targets (issue 2): analyze < 2 s at 3,000 sorts; < 5 s and < 1 GB at 100,000; centroid < 5 s at 3,000;
a 1,000-resample bootstrap of 40 x 50 < 3 s; parallel analysis of 3,000 sorts (100 iterations) < 10 s.
R qmethod here: 0.18 s at 200, 7.7 s at 1,000, 272 s at 3,000.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HEIGHTS = [2, 3, 4, 5, 12, 5, 4, 3, 2]          # 40 statements
GRID = np.repeat(np.arange(-4, 5), HEIGHTS)
ROOT = Path(__file__).resolve().parent.parent


def random_forced_sorts(n_sorts: int, seed: int = 0) -> np.ndarray:
    """(40, n_sorts) random permutations of the grid, built column-block-wise to keep memory flat."""
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random((GRID.size, n_sorts)), axis=0)
    return GRID[order]


def write_csv(path: Path, sorts: np.ndarray) -> None:
    n_statements, n_sorts = sorts.shape
    with path.open("w", encoding="utf-8") as handle:
        handle.write("statement," + ",".join(f"P{i + 1}" for i in range(n_sorts)) + "\n")
        for s in range(n_statements):
            handle.write(f"s{s + 1}," + ",".join(map(str, sorts[s].tolist())) + "\n")


# Figures of the last run_measured call: CPU seconds (user + system) of the child. When other work shares the
# machine, wall time rises but CPU time does not; report() prints both.
LAST_CPU_SECONDS = [0.0]


def run_measured(argv: list[str]) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, peak RSS in MB, its stderr). Its CPU seconds: LAST_CPU_SECONDS."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        LAST_CPU_SECONDS[0] = usage.ru_utime + usage.ru_stime
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        message = err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} ... failed ({proc.returncode}): {message[-2000:]}")
    return seconds, usage.ru_maxrss / 1024.0, message


def qsort_command() -> list[str]:
    script = Path(sys.executable).with_name("qsort")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from qsort.cli import main; sys.exit(main())"]


IN_PROCESS = """
import sys, numpy as np
sys.path.insert(0, {root!r})
from benchmarks.analysis import random_forced_sorts
from analysis import qmethod
sorts = random_forced_sorts({n})
qmethod(sorts, 3, {extraction!r}, "varimax")
"""

REPEATED = """
import sys, time
sys.path.insert(0, {root!r})
from benchmarks.analysis import random_forced_sorts
from analysis import qmethod
sorts = random_forced_sorts(50, seed=1)
qmethod(sorts, 3)
start = time.perf_counter()
for _ in range({calls}):
    qmethod(sorts, 3)
print((time.perf_counter() - start) / {calls} * 1000, file=sys.stderr)
"""


def report(case: str, n: int, seconds: float, peak_mb: float, note: str = "") -> None:
    print(f"{case:<38} {n:>8,} {seconds:>9.2f} {LAST_CPU_SECONDS[0]:>9.2f} {peak_mb:>9.0f}  {note}", flush=True)


def bench_analyze(n: int, workdir: Path) -> None:
    path = workdir / f"sorts_{n}.csv"
    write_csv(path, random_forced_sorts(n))
    seconds, peak, _ = run_measured(qsort_command() + ["analyze", str(path), "--factors", "3",
                                                       "--extraction", "pca", "--rotation", "varimax",
                                                       "--format", "json"])
    report("qsort analyze (PCA+varimax, 3 f)", n, seconds, peak, "target < 2 s at 3,000; < 5 s, < 1 GB at 100,000")


def bench_engine(n: int, extraction: str) -> None:
    code = IN_PROCESS.format(root=str(ROOT), n=n, extraction=extraction)
    seconds, peak, _ = run_measured([sys.executable, "-c", code])
    target = "target < 5 s" if extraction == "centroid" else "engine only, data generated in-process"
    report(f"qmethod() {extraction}+varimax, 3 f", n, seconds, peak, target)


def bench_repeated(calls: int = 1000) -> None:
    seconds, peak, err = run_measured([sys.executable, "-c", REPEATED.format(root=str(ROOT), calls=calls)])
    ms = float(err.strip().splitlines()[-1])
    report(f"qmethod() 40 x 50, {calls} calls", 50, seconds, peak, f"{ms:.2f} ms per call")


def bench_bootstrap() -> None:
    """1,000 resamples of a 40 x 50 study (analysis.bootstrap, PCA + varimax, 3 factors); target < 3 s.

    The subprocess prints the bootstrap's own seconds (imports and data excluded) on stderr."""
    code = BOOTSTRAP.format(root=str(ROOT))
    seconds, peak, err = run_measured([sys.executable, "-c", code])
    own = float(err.strip().splitlines()[-1])
    report("bootstrap 1,000 resamples of 40 x 50", 50, seconds, peak, f"{own:.2f} s in bootstrap(); target < 3 s")


BOOTSTRAP = """
import sys, time
sys.path.insert(0, {root!r})
from benchmarks.analysis import random_forced_sorts
from analysis.bootstrap import bootstrap
sorts = random_forced_sorts(50, seed=1)
start = time.perf_counter()
bootstrap(sorts, 3, n_resamples=1000, seed=0)
print(time.perf_counter() - start, file=sys.stderr)
"""


def bench_parallel(n: int = 3_000, n_iter: int = 100) -> None:
    """Parallel analysis of n random sorts of 40 statements against n_iter random studies; target < 10 s.

    The subprocess prints parallel_analysis()'s own seconds on stderr."""
    seconds, peak, err = run_measured([sys.executable, "-c", PARALLEL.format(root=str(ROOT), n=n, n_iter=n_iter)])
    own = float(err.strip().splitlines()[-1])
    report(f"parallel analysis, {n_iter} iterations", n, seconds, peak,
           f"{own:.2f} s in parallel_analysis(); target < 10 s")


PARALLEL = """
import sys, time
sys.path.insert(0, {root!r})
from benchmarks.analysis import random_forced_sorts
from analysis.grid import Grid
from analysis.nfactors import parallel_analysis
sorts = random_forced_sorts({n}, seed=2)
grid = Grid.from_sort(sorts[:, 0])
start = time.perf_counter()
parallel_analysis(sorts, grid, n_iter={n_iter}, seed=0)
print(time.perf_counter() - start, file=sys.stderr)
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-sort cases")
    args = parser.parse_args(argv)
    sizes = [200, 1_000, 3_000] + ([] if args.quick else [100_000])
    print(f"load average (1 min) before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'case':<38} {'N':>8} {'seconds':>9} {'CPU s':>9} {'peak MB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            bench_analyze(n, Path(tmp))
    for n in sizes:
        bench_engine(n, "pca")
    bench_engine(3_000, "centroid")
    bench_repeated()
    bench_bootstrap()
    bench_parallel()


if __name__ == "__main__":
    main()
