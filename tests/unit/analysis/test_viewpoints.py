"""analysis.viewpoints: factor poles as viewpoints, archetypes from statement tags, segments."""
import json

import numpy as np
import pytest

from analysis import qmethod
from analysis.formats import read_sorts
from analysis.scores import zscores
from analysis.viewpoints import (ArchetypeRule, Viewpoint, archetype_scores, find_viewpoints, parse_tags,
                                 segments, suggest_archetype)

from tests.paths import LIPSET

GRID = np.repeat([-3, -2, -1, 0, 1, 2, 3], [2, 3, 4, 6, 4, 3, 2])      # 24 statements


def follow(preference, rng, noise=0.4):
    """A forced sort on GRID ordered by preference plus noise."""
    out = np.empty(GRID.size, dtype=int)
    out[np.argsort(preference + rng.normal(scale=noise, size=GRID.size), kind="stable")] = GRID
    return out


@pytest.fixture(scope="module")
def bipolar():
    """One factor: five sorts follow a view, four follow its opposite."""
    rng = np.random.default_rng(5)
    base = np.linspace(-2, 2, GRID.size)
    x = np.column_stack([follow(base, rng) for _ in range(5)] + [follow(-base, rng) for _ in range(4)])
    return x, qmethod(x, 1, participant_ids=[f"a{i}" for i in range(5)] + [f"b{i}" for i in range(4)])


@pytest.fixture(scope="module")
def lipset():
    data = read_sorts(LIPSET / "lipset.csv")
    return qmethod(data.sorts, 3, participant_ids=data.participant_ids, statement_ids=data.statement_ids)


def test_a_bipolar_factor_gives_two_viewpoints_each_from_its_own_sorts(bipolar):
    x, result = bipolar
    assert result.flagged[:, 0].all() and (result.loadings[5:, 0] < 0).all()
    found = find_viewpoints(result)
    assert [(v.id, v.factor, v.pole, v.participants, v.weak) for v in found.viewpoints] == [
        ("1+", 0, "+", ["a0", "a1", "a2", "a3", "a4"], False), ("1-", 0, "-", ["b0", "b1", "b2", "b3"], False)]
    # the negative pole's z-scores: its own sorts as they were sorted, weighted by |a| / (1 - a²)
    own = zscores(x[:, 5:], -result.loadings[5:], np.ones((4, 1), dtype=bool))[:, 0]
    np.testing.assert_allclose(found.zscores[:, 1], own, atol=1e-12)
    assert np.corrcoef(found.zscores[:, 1], x[:, 5:].mean(axis=1))[0, 1] > 0.95
    # the factor (qmethod) weighs those sorts negatively: its z-scores are the positive pole's view
    assert np.corrcoef(result.zscores[:, 0], x[:, 5:].mean(axis=1))[0, 1] < -0.95
    # each viewpoint's factor array fills the grid
    for column in found.factor_arrays.T:
        assert sorted(column.tolist()) == sorted(GRID.tolist())
    # opposite poles: the statements at the ends distinguish them, none is consensus
    assert found.characteristics.zscore_correlations[0, 1] < -0.9
    ends = [int(np.argmin(found.zscores[:, 0])), int(np.argmax(found.zscores[:, 0]))]
    for v in (0, 1):
        assert set(ends) <= set(found.distinguishing()[v].tolist())
    assert not set(ends) & set(found.consensus().tolist())


def test_a_unipolar_factor_is_its_own_viewpoint_with_the_factors_numbers(lipset):
    found = find_viewpoints(lipset)
    assert [(v.id, v.participants, v.weak) for v in found.viewpoints] == [
        ("1+", ["US3", "US4"], False), ("1-", ["JP5"], True), ("2", ["US1", "US2", "US8"], False),
        ("3+", ["CA6", "UK7"], False), ("3-", ["FR9"], True)]
    two = found.index("2")
    np.testing.assert_allclose(found.zscores[:, two], lipset.zscores[:, 1], atol=1e-12)
    assert found.factor_arrays[:, two].tolist() == lipset.factor_arrays[:, 1].tolist()
    assert found.characteristics.n_flagged.tolist() == [2, 1, 3, 2, 1]
    with pytest.raises(KeyError, match="no viewpoint '4'"):
        found.index("4")


def test_without_negative_flags_every_factor_is_unipolar():
    data = read_sorts(LIPSET / "lipset.csv")
    result = qmethod(data.sorts, 3, negative_flags="exclude", participant_ids=data.participant_ids)
    found = find_viewpoints(result)
    assert [v.id for v in found.viewpoints] == ["1", "2", "3"]
    by_id = {s.participant: s for s in found.segments}
    assert by_id["JP5"].status == "none" and by_id["JP5"].loading == pytest.approx(-0.8335, abs=1e-4)


def test_manual_flags_on_a_negative_loading_make_a_negative_pole(lipset):
    data = read_sorts(LIPSET / "lipset.csv")
    result = qmethod(data.sorts, 3, participant_ids=data.participant_ids, flag_overrides={"JP5": None, "FR9": None})
    assert [v.id for v in find_viewpoints(result).viewpoints] == ["1", "2", "3"]
    moved = qmethod(data.sorts, 3, participant_ids=data.participant_ids, negative_flags="exclude",
                    flag_overrides={"UK7": 1})
    found = find_viewpoints(moved)
    assert [v.id for v in found.viewpoints] == ["1", "2+", "2-", "3"]     # UK7 loads -0.35 on f2
    assert found.viewpoints[2].participants == ["UK7"] and found.viewpoints[2].weak


def test_a_factor_without_defining_sorts_stays_visible_without_scores():
    data = read_sorts(LIPSET / "lipset.csv")
    flags = np.zeros((9, 3), dtype=bool)
    flags[[2, 3], 0] = flags[[0, 1], 1] = True
    found = find_viewpoints(qmethod(data.sorts, 3, manual_flags=flags))
    assert [(v.id, v.participants, v.weak) for v in found.viewpoints][-1] == ("3", [], True)
    assert np.isnan(found.zscores[:, 2]).all()
    d = json.loads(json.dumps(found.to_dict(), allow_nan=False))
    assert d["viewpoints"][2]["zscores"][0] is None and d["viewpoints"][2]["distinguishing"] == []


# -- tags and archetypes ------------------------------------------------------------------------------------

def test_parse_tags_accepts_strings_lists_and_mappings():
    assert parse_tags(["a; b", " a ", "", None, ("b", "b")]) == [("a", "b"), ("a",), (), (), ("b",)]
    assert parse_tags({"s1": "x"}, ["s1", "s2"]) == [("x",), ()]
    with pytest.raises(ValueError, match="unknown statement 's9'"):
        parse_tags({"s9": "x"}, ["s1"])
    with pytest.raises(ValueError, match="3 tag entries for 2 statements"):
        parse_tags(["a", "b", "c"], ["s1", "s2"])


def test_archetype_scores_are_mean_z_scores_per_tag_and_a_statement_counts_for_each_tag():
    z = [2.0, 1.0, 0.0, -1.0, -2.0]
    tags = parse_tags(["price", "price;strategy", "strategy", "service", None])
    assert archetype_scores(z, tags) == {"price": 1.5, "strategy": 0.5, "service": -1.0}
    assert archetype_scores([np.nan] * 5, tags) == {}


@pytest.mark.parametrize("scores, rest, expected", [
    ({"price": 1.0, "strategy": 0.5}, None, "price"),        # leads by exactly 0.5, above 0.4
    ({"price": 1.0, "strategy": 0.51}, None, None),          # leads by less than 0.5
    ({"price": 0.4, "strategy": -1.0}, None, None),          # leads far, but 0.4 is not above 0.4
    ({"price": 0.41, "strategy": -1.0}, None, "price"),
    ({"price": 0.9}, -0.2, "price"),                          # one tag: compared with the untagged statements
    ({"price": 0.9}, 0.5, None),
    ({"price": 0.9}, None, None),                             # one tag and nothing to compare with
    ({}, None, None),
])
def test_archetype_rule(scores, rest, expected):
    assert suggest_archetype(scores, ArchetypeRule(), rest) == expected


def test_archetypes_and_rule_in_find_viewpoints(bipolar):
    _, result = bipolar
    # statements 0-7 lowest in the positive view, 16-23 highest: tag them so the poles get opposite names
    tags = ["low"] * 8 + [None] * 8 + ["high"] * 8
    found = find_viewpoints(result, tags)
    assert [v.archetype for v in found.viewpoints] == ["high", "low"]
    plus = found.viewpoints[0].archetype_scores
    assert plus["high"] == pytest.approx(found.zscores[16:, 0].mean()) and plus["low"] < -1
    strict = find_viewpoints(result, tags, rule=ArchetypeRule(min_mean=5.0))
    assert [v.archetype for v in strict.viewpoints] == [None, None]
    assert strict.viewpoints[0].archetype_scores == plus


# -- segments -----------------------------------------------------------------------------------------------

def test_segments_defining_confounded_and_none():
    # 20 statements: significant above 1.96 / sqrt(20) = 0.438
    a = np.array([[0.8, 0.1], [-0.7, 0.2], [0.5, 0.5], [0.3, 0.1], [0.6, 0.6], [0.5, 0.45]])
    f = np.array([[1, 0], [1, 0], [0, 0], [0, 0], [1, 1], [0, 0]], dtype=bool)
    vps = [Viewpoint("1+", 0, "+", ["a"], True, "price"), Viewpoint("1-", 0, "-", ["b"], True, None),
           Viewpoint("2", 1, "+", [], True)]
    got = [(s.status, s.viewpoint, s.archetype, s.loading, s.factor, s.significant)
           for s in segments(a, f, vps, list("abcdef"), 20)]
    assert got == [("defining", "1+", "price", 0.8, 0, (0,)),
                   ("defining", "1-", None, 0.7, 0, (0,)),
                   ("confounded", None, None, 0.5, 0, (0, 1)),      # significant on both, flagged on none
                   ("none", None, None, 0.3, 0, ()),
                   ("confounded", None, None, 0.6, 0, (0, 1)),      # flagged by hand on both
                   ("confounded", None, None, 0.5, 0, (0, 1))]


def test_to_dict_contract(lipset):
    tags = ["a"] * 11 + ["b"] * 11 + ["c"] * 11
    d = json.loads(json.dumps(lipset.to_dict(tags=tags), allow_nan=False))
    assert [v["id"] for v in d["viewpoints"]] == ["1+", "1-", "2", "3+", "3-"]
    first = d["viewpoints"][0]
    assert {"id", "factor", "pole", "archetype", "archetype_scores", "participants", "weak"} <= set(first)
    assert ((first["factor"], first["factor_index"], first["pole"], first["participants"])
            == ("f1", 0, "+", ["US3", "US4"]))
    assert set(first["archetype_scores"]) == {"a", "b", "c"} and len(first["zscores"]) == 33
    assert all(isinstance(v, int) for v in first["factor_array"])
    assert d["segments"]["JP5"] == {"viewpoint": "1-", "archetype": d["viewpoints"][1]["archetype"],
                                    "status": "defining", "loading": pytest.approx(0.8335, abs=1e-4), "factor": "f1"}
    assert list(d["segments"]) == d["participants"]
    correlations = np.array(d["viewpoint_correlations"], dtype=float)
    assert correlations.shape == (5, 5) and np.allclose(np.diag(correlations), 1)
    np.testing.assert_allclose(correlations, np.corrcoef(find_viewpoints(lipset).zscores.T), atol=1e-12)
    assert "viewpoints" not in lipset.to_dict(viewpoints=False)
