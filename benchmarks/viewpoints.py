"""How reliably the engine's defaults find planted buyer types, and what the archetype rule names.

    .venv/bin/python benchmarks/viewpoints.py [--seeds 30]

For each case of tests/unit/analysis/test_planted.py, over many seeds: the share of seeds in which at least
90% of planted participants land in their own segment and all three archetypes are named, and the lowest
share landed. Then the archetype rule (analysis.viewpoints.ArchetypeRule) on two kinds of viewpoints: those
defined by one planted type (at least 80% of at least two defining sorts; should be named) and those of
studies made of random sorts analysed with 2 and 3 factors (should not be).
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import qmethod  # noqa: E402
from analysis.grid import quasi_normal_grid  # noqa: E402
from analysis.nfactors import suggest_nfactors  # noqa: E402
from analysis.simulate import planted_types, simulate_sorts  # noqa: E402
from analysis.viewpoints import ArchetypeRule, suggest_archetype  # noqa: E402
from qsort.demo.content import STATEMENTS  # noqa: E402

TAGS = [tag for _, tag, *_ in STATEMENTS]
GRID = quasi_normal_grid(len(TAGS), max_score=4)
AV = "added-value"
CASES = {
    "three types 10/10/10": (planted_types({"price": 10, AV: 10, "strategy": 10}), 0),
    "price/strategy opposites 8/8/8": (planted_types({"price": 8, AV: 8, "strategy": 8}, [("price", "strategy")]), 0),
    "skewed 16/7/4 + 6 random": (planted_types({"price": 16, AV: 7, "strategy": 4}), 6),
    "interview-sized 6/6/6": (planted_types({"price": 6, AV: 6, "strategy": 6}), 0),
}


def analyse(study, k=None):
    k = k or suggest_nfactors(study.sorts, GRID, seed=0)["suggested"]
    return qmethod(study.sorts, k, participant_ids=study.participant_ids).viewpoints(TAGS), k


def planted_cases(seeds: int) -> list[tuple]:
    """Per case: successes, lowest share landed, factor counts used; also the pure viewpoints seen."""
    pure = []
    print(f"{'case':<34} {'success':>9} {'min landed':>11}  factors (parallel analysis)")
    for name, (types, n_random) in CASES.items():
        wins, lowest, ks = 0, 1.0, Counter()
        for seed in range(seeds):
            study = simulate_sorts(TAGS, GRID, types, n_random=n_random, seed=seed)
            found, k = analyse(study)
            ks[k] += 1
            kinds = [(s, kind) for s, kind in zip(found.segments, study.planted) if kind]
            landed = np.mean([s.archetype == kind and s.status == "defining" for s, kind in kinds])
            named = {vp.archetype for vp in found.viewpoints} >= {"price", AV, "strategy"}
            wins += bool(landed >= 0.9 and named)
            lowest = min(lowest, landed)
            for vp in found.viewpoints:
                owners = Counter(study.planted[study.participant_ids.index(p)] for p in vp.participants)
                if len(vp.participants) >= 2 and owners.most_common(1)[0][0] is not None \
                        and owners.most_common(1)[0][1] / len(vp.participants) >= 0.8:
                    pure.append(vp.archetype_scores)
        print(f"{name:<34} {wins:>4}/{seeds:<4} {lowest:>11.2f}  {dict(sorted(ks.items()))}")
    return pure


def random_viewpoints(seeds: int) -> list[dict]:
    scores = []
    for seed in range(seeds):
        study = simulate_sorts(TAGS, GRID, [], n_random=20, seed=1000 + seed)
        for k in (2, 3):
            found, _ = analyse(study, k)
            scores += [vp.archetype_scores for vp in found.viewpoints if len(vp.participants) >= 2]
    return scores


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    pure = planted_cases(args.seeds)
    noise = random_viewpoints(2 * args.seeds)
    rule = ArchetypeRule()
    print(f"\narchetype rule (best mean > {rule.min_mean}, lead >= {rule.min_margin}):")
    for label, group in (("viewpoints of one planted type", pure), ("viewpoints of random sorts", noise)):
        named = np.mean([suggest_archetype(s, rule) is not None for s in group])
        margins = [sorted(s.values())[-1] - sorted(s.values())[-2] for s in group]
        print(f"  {label:<32} {len(group):>5}: named {100 * named:5.1f}%   lead of the best tag: "
              f"1% {np.percentile(margins, 1):.2f}, median {np.median(margins):.2f}, "
              f"95% {np.percentile(margins, 95):.2f}")
    print(f"\n{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
