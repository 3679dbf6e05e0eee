"""Planted viewpoints on the demo Q-set: the engine's defaults find the buyer types that were put in.

The 40 demo statements and their tags come from qsort/demo/content.py, read here in the test only (analysis/
never imports qsort). Each case simulates forced sorts on the demo grid (analysis.simulate, fixed seeds) and
runs what `qsort analyze --factors auto` runs: as many factors as parallel analysis suggests, PCA + varimax,
qmethod's automatic flags, viewpoints from factor poles, archetypes from the tags. At least 90% of the planted
participants must land in the segment of their own type, and all three archetypes must be named.
benchmarks/viewpoints.py prints how often this holds over many seeds.
"""
from collections import Counter

import numpy as np
import pytest

from analysis import qmethod
from analysis.grid import quasi_normal_grid
from analysis.nfactors import suggest_nfactors
from analysis.simulate import PlantedType, planted_types, simulate_sorts
from qsort.demo.content import STATEMENTS

TAGS = [tag for _, tag, *_ in STATEMENTS]
CODES = [code for code, *_ in STATEMENTS]
GRID = quasi_normal_grid(len(TAGS), max_score=4)
AV = "added-value"
BUYER_TYPES = {"price", AV, "strategy"}

CASES = {
    "three types": (planted_types({"price": 10, AV: 10, "strategy": 10}), 0),
    "price and strategy near opposites": (planted_types({"price": 8, AV: 8, "strategy": 8},
                                                        opposites=[("price", "strategy")]), 0),
    "skewed, with random sorts": (planted_types({"price": 16, AV: 7, "strategy": 4}), 6),
    "interview-sized (18 sorts)": (planted_types({"price": 6, AV: 6, "strategy": 6}), 0),
}


def analyse(study):
    k = suggest_nfactors(study.sorts, GRID, seed=0)["suggested"]
    result = qmethod(study.sorts, k, participant_ids=study.participant_ids, statement_ids=CODES)
    return result, result.viewpoints(TAGS)


@pytest.mark.parametrize("case", CASES)
def test_planted_buyer_types_land_in_their_own_segment(case):
    types, n_random = CASES[case]
    study = simulate_sorts(TAGS, GRID, types, n_random=n_random, seed=0)
    result, found = analyse(study)
    named = [vp.archetype for vp in found.viewpoints]
    assert BUYER_TYPES <= set(named), (case, named)
    planted = [(segment, kind) for segment, kind in zip(found.segments, study.planted) if kind is not None]
    landed = [segment.archetype == kind and segment.status == "defining" for segment, kind in planted]
    assert np.mean(landed) >= 0.9, (case, Counter((kind, s.viewpoint, s.status) for s, kind in planted))
    # each named viewpoint is defined by its own type (no viewpoint takes another type's people)
    for vp in found.viewpoints:
        if vp.archetype:
            kinds = Counter(study.planted[study.participant_ids.index(p)] for p in vp.participants)
            assert kinds.most_common(1)[0][0] == vp.archetype, (vp.id, kinds)


def test_opposite_types_are_the_two_poles_of_one_factor():
    types, _ = CASES["price and strategy near opposites"]
    result, found = analyse(simulate_sorts(TAGS, GRID, types, seed=0))
    by_archetype = {vp.archetype: vp for vp in found.viewpoints}
    price, strategy = by_archetype["price"], by_archetype["strategy"]
    assert price.factor == strategy.factor and {price.pole, strategy.pole} == {"+", "-"}
    assert price.id[-1] in "+-" and strategy.id[-1] in "+-"
    # the complaint: on the factor the price statements look like consensus; per viewpoint they are
    # the price buyers' highest statements and distinguish them
    p = found.index(price.id)
    price_rows = [i for i, tag in enumerate(TAGS) if tag == "price"]
    assert found.zscores[price_rows, p].mean() > 1.0
    assert len(set(found.distinguishing()[p].tolist()) & set(price_rows)) >= 5


def test_random_sorts_do_not_make_a_named_viewpoint():
    study = simulate_sorts(TAGS, GRID, [], n_random=20, seed=0)
    k = suggest_nfactors(study.sorts, GRID, seed=0)
    assert k["parallel"]["n_factors"] == 0 and k["suggested"] == 1
    found = qmethod(study.sorts, 1).viewpoints(TAGS)
    assert [vp.archetype for vp in found.viewpoints] == [None] * len(found.viewpoints)


# -- the simulator itself -----------------------------------------------------------------------------------

def test_simulated_sorts_fill_the_grid_and_are_reproducible():
    types = planted_types({"price": 3, "strategy": 2})
    a = simulate_sorts(TAGS, GRID, types, n_random=2, seed=7)
    b = simulate_sorts(TAGS, GRID, types, n_random=2, seed=7)
    np.testing.assert_array_equal(a.sorts, b.sorts)
    assert not np.array_equal(a.sorts, simulate_sorts(TAGS, GRID, types, n_random=2, seed=8).sorts)
    assert a.participant_ids == ["price-1", "price-2", "price-3", "strategy-1", "strategy-2", "random-1", "random-2"]
    assert a.planted == ["price"] * 3 + ["strategy"] * 2 + [None, None]
    for column in a.sorts.T:
        assert sorted(column.tolist()) == sorted(GRID.distribution().tolist())


def test_a_type_prefers_its_tag_and_its_members_agree_about_as_much_as_real_ones():
    study = simulate_sorts(TAGS, GRID, planted_types({"price": 30, "strategy": 30}, [("price", "strategy")]),
                           seed=1)
    price_rows = np.array([tag == "price" for tag in TAGS])
    strategy_rows = np.array([tag == "strategy" for tag in TAGS])
    price_sorts, strategy_sorts = study.sorts[:, :30], study.sorts[:, 30:]
    assert price_sorts[price_rows].mean() > 1.5 and price_sorts[strategy_rows].mean() < -1
    assert strategy_sorts[strategy_rows].mean() > 1 and strategy_sorts[price_rows].mean() < -1.5
    assert np.corrcoef(study.sorts.T)[:30, 30:].mean() < -0.3
    plain = simulate_sorts(TAGS, GRID, planted_types({"price": 30, "strategy": 30}), seed=1)
    r = np.corrcoef(plain.sorts.T)
    for group in (slice(0, 30), slice(30, 60)):
        within = r[group, group][np.triu_indices(30, 1)].mean()
        assert 0.35 < within < 0.6
    assert -0.35 < r[:30, 30:].mean() < 0


def test_preferences_of_a_statement_with_several_tags_are_averaged():
    study = simulate_sorts(["a", "a;b", "b", None], [-1, 0, 0, 1], [PlantedType("t", 1, {"a": 1.0, "b": -1.0})],
                           noise=0, spread=0, seed=0)
    assert study.profiles["t"].tolist() == [1.0, 0.0, -1.0, 0.0]
    assert study.sorts[:, 0].tolist() == [1, 0, -1, 0]
    with pytest.raises(ValueError, match="the grid holds 4 statements, there are 3 tag entries"):
        simulate_sorts(["a", "b", "c"], [-1, 0, 0, 1], [])


@pytest.mark.parametrize("case", ["skewed, with random sorts", "interview-sized (18 sorts)"])
def test_the_same_holds_from_the_command_line(tmp_path, capsys, case):
    """`qsort analyze FILE` with NAME_statements.csv beside it and no options: the defaults find the types."""
    import csv
    import json

    from analysis.cli import main

    types, n_random = CASES[case]
    study = simulate_sorts(TAGS, GRID, types, n_random=n_random, seed=0)
    with open(tmp_path / "demo.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["statement", *study.participant_ids])
        writer.writerows([code, *row] for code, row in zip(CODES, study.sorts.tolist()))
    with open(tmp_path / "demo_statements.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["statement", "text", "tags"])
        writer.writerows((code, english, tag) for code, tag, english, *_ in STATEMENTS)
    assert main([str(tmp_path / "demo.csv")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert BUYER_TYPES <= {v["archetype"] for v in out["viewpoints"]}
    landed = [out["segments"][pid]["archetype"] == kind for pid, kind in zip(study.participant_ids, study.planted)
              if kind is not None]
    assert np.mean(landed) >= 0.9
