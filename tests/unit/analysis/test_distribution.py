"""analysis.distribution (forced, given or pooled factor-array distributions) and partial manual flags
(qmethod(flag_overrides=...))."""
import numpy as np
import pytest

from analysis import qmethod
from analysis.distribution import DistributionError, array_distribution, pooled_distribution
from analysis.flagging import override_flags
from analysis.grid import Grid, infer_grid

GRID = Grid((-2, -1, 0, 1, 2), (1, 2, 3, 2, 1))


def forced(n, seed=0):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.permutation(GRID.distribution()) for _ in range(n)])


def test_pooled_distribution_of_a_forced_study_is_its_grid():
    x = forced(7)
    assert pooled_distribution(x).tolist() == sorted(GRID.distribution().tolist())


def test_pooled_distribution_of_a_free_study_follows_the_pooled_scores():
    # two sorts of four statements: pooled scores -3,-1,-1,0,0,1,2,2 -> quantiles at 1/8, 3/8, 5/8, 7/8
    x = np.array([[-3, 0], [-1, 2], [0, -1], [1, 2]])
    assert pooled_distribution(x).tolist() == [-1.0, 0.0, 1.0, 2.0]


def test_forced_study_uses_its_grid_and_free_on_request_pools():
    x = forced(5)
    choice = array_distribution(x, GRID)
    assert (choice.values, choice.forced, choice.source, choice.note) == (GRID, True, "grid", None)
    free = array_distribution(x, GRID, free=True)
    assert (free.forced, free.source) == (False, "pooled")
    assert "treated as free on request" in free.note


def test_free_study_pools_unless_a_distribution_is_given():
    x = np.array([[2, 1], [0, 0], [-2, -1]])
    assert infer_grid(x) is None
    pooled = array_distribution(x, None)
    assert pooled.source == "pooled" and "do not share one grid" in pooled.note
    given = Grid((-1, 0, 1), (1, 1, 1))
    option = array_distribution(x, None, distribution=given)
    assert (option.values, option.forced, option.source) == (given, False, "option")


def test_a_distribution_must_fit_the_study():
    x = forced(3)
    with pytest.raises(DistributionError, match="holds 3 statements, the study has 9"):
        array_distribution(x, GRID, distribution=Grid((-1, 0, 1), (1, 1, 1)))
    other = Grid((-2, -1, 0, 1, 2), (2, 1, 3, 1, 2))
    with pytest.raises(DistributionError, match="the Q-sorts fill the grid"):
        array_distribution(x, GRID, distribution=other)
    assert array_distribution(x, GRID, free=True, distribution=other).source == "option"
    assert array_distribution(x, GRID, distribution=GRID).source == "grid"


# -- partial manual flags -------------------------------------------------------------------------------

def test_override_flags_changes_listed_rows_only():
    flags = np.array([[True, False], [False, True], [False, False]])
    out = override_flags(flags, {2: 0, 1: None})
    assert out.tolist() == [[True, False], [False, False], [True, False]]
    assert flags.tolist() == [[True, False], [False, True], [False, False]]       # not changed in place
    with pytest.raises(ValueError, match="factor must be None or 0..1"):
        override_flags(flags, {0: 2})
    with pytest.raises(ValueError, match="unknown participant 'x'"):
        override_flags(flags, {"x": 0}, ["a", "b", "c"])
    with pytest.raises(ValueError, match="neither a participant id nor a row"):
        override_flags(flags, {3: 0})


def test_qmethod_flag_overrides_equal_the_full_manual_matrix():
    x = forced(12, seed=4)
    automatic = qmethod(x, 2)
    flags = automatic.flagged.copy()
    flags[0] = [False, True]
    flags[3] = [False, False]
    by_hand = qmethod(x, 2, manual_flags=flags)
    partial = qmethod(x, 2, flag_overrides={0: 1, "p4": None})
    assert partial.flagged.tolist() == flags.tolist()
    np.testing.assert_allclose(partial.zscores, by_hand.zscores)
    assert partial.params["flag_overrides"] == {"p1": 1, "p4": None}
    assert partial.params["manual_flags"] == flags.tolist()
    assert automatic.params["flag_overrides"] is None and automatic.params["manual_flags"] is None
    # the recorded params replay the run
    replay = qmethod(x, 2, flag_overrides=partial.params["flag_overrides"])
    np.testing.assert_allclose(replay.zscores, partial.zscores)
