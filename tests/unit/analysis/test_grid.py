"""Grid: construction, checking sorts against it, inference from sorts, quasi-normal proposals."""
import numpy as np
import pytest

from analysis.grid import Grid, infer_grid, quasi_normal_grid

LIPSET = Grid.from_range(-4, [2, 3, 4, 5, 5, 5, 4, 3, 2])


def test_basic_properties():
    assert LIPSET.n_statements == 33
    assert LIPSET.min_score == -4 and LIPSET.max_score == 4
    dist = LIPSET.distribution()
    assert dist.tolist() == sorted(dist.tolist()) and len(dist) == 33
    assert dist.tolist().count(0) == 5 and dist.tolist().count(-4) == 2
    assert str(LIPSET) == "-4..+4: 2,3,4,5,5,5,4,3,2"
    assert Grid.from_dict(LIPSET.to_dict()) == LIPSET
    assert LIPSET.height(3) == 3 and LIPSET.height(7) == 0


@pytest.mark.parametrize("scores, heights", [
    ((0, 1), (1,)),            # lengths differ
    ((1, 0), (1, 1)),          # not increasing
    ((0, 1), (1, -1)),         # negative height
    ((0,), (0,)),              # holds nothing
    ((), ()),                  # no columns
    ((0.5, 1), (1, 1)),        # not whole
])
def test_invalid_grids_are_rejected(scores, heights):
    with pytest.raises(ValueError):
        Grid(scores, heights)


def test_fits_and_mismatch_messages():
    sort = LIPSET.distribution()[::-1].copy()
    assert LIPSET.fits(sort) and LIPSET.mismatch(sort) is None
    moved = sort.copy()
    moved[moved == 4] = 3          # both +4 cards put in +3
    msg = LIPSET.mismatch(moved)
    assert "column +3 has 5 cards, the grid holds 3 (2 too many)" in msg
    assert "column +4 has 0 cards, the grid holds 2 (2 too few)" in msg
    assert msg.index("too many") < msg.index("too few")
    assert not LIPSET.fits(moved)
    assert LIPSET.column_differences(moved) == [(3, 5, 3), (4, 0, 2)]
    assert LIPSET.column_differences(sort) == []
    assert "32 scores" in LIPSET.mismatch(sort[:-1])
    assert "+5 is not a column" in LIPSET.mismatch(np.r_[sort[:-1], 5])
    assert "not a whole number" in LIPSET.mismatch(np.r_[sort[:-1], 0.5])
    assert "missing" in LIPSET.mismatch(np.r_[sort[:-1], np.nan])
    assert "not numbers" in LIPSET.mismatch(["a"] * 33)


def test_from_sort_and_infer_grid():
    rng = np.random.default_rng(1)
    sorts = np.column_stack([rng.permutation(LIPSET.distribution()) for _ in range(7)])
    assert infer_grid(sorts) == LIPSET
    assert Grid.from_sort(sorts[:, 0]) == LIPSET
    free = sorts.copy()
    free[:, 0] = 0
    assert infer_grid(free) is None
    assert infer_grid(np.zeros((0, 3))) is None
    assert infer_grid(np.array([[0.5], [1.0]])) is None


@pytest.mark.parametrize("n, expected", [
    (30, "-3..+3: 3,4,5,6,5,4,3"),
    (33, "-4..+4: 2,3,4,5,5,5,4,3,2"),
    (36, "-5..+5: 1,2,3,4,5,6,5,4,3,2,1"),
    (40, "-5..+5: 2,3,3,4,5,6,5,4,3,3,2"),
])
def test_quasi_normal_grid_matches_classic_studies(n, expected):
    assert str(quasi_normal_grid(n)) == expected


@pytest.mark.parametrize("n", list(range(1, 131)))
def test_quasi_normal_grid_is_valid_for_any_count(n):
    g = quasi_normal_grid(n)
    h = np.array(g.heights)
    assert g.n_statements == n
    assert (h >= 1).all()
    assert (h == h[::-1]).all(), "symmetric"
    assert list(g.scores) == list(range(-g.max_score, g.max_score + 1))
    centre = len(h) // 2
    assert (np.diff(h[:centre + 1]) >= 0).all(), "never rises away from the centre"


def test_quasi_normal_grid_max_score():
    assert quasi_normal_grid(20, max_score=3).max_score == 3
    assert str(quasi_normal_grid(9, max_score=4)) == "-4..+4: 1,1,1,1,1,1,1,1,1"
    with pytest.raises(ValueError, match="cannot fill"):
        quasi_normal_grid(8, max_score=4)
    with pytest.raises(ValueError):
        quasi_normal_grid(0)
