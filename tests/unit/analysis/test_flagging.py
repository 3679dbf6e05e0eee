"""Flagging step: qmethod's rule, levels, negative policy, manual overrides."""
import numpy as np
import pytest

from analysis.flagging import flag, has_negative_flags, threshold

A = np.array([
    [0.80, 0.10, 0.00],    # clear on f1
    [0.20, -0.70, 0.10],   # negative on f2
    [0.45, 0.40, 0.30],    # significant, but f1 does not hold more than half its communality
    [0.30, 0.05, 0.00],    # dominant but not significant at .05 with 33 statements (0.341)
    [0.40, 0.05, 0.00],    # significant at .05 (> 0.341), not at .01 (0.449)
])


def test_qmethod_rule_at_05():
    assert flag(A, 33).tolist() == [[True, False, False], [False, True, False], [False, False, False],
                                [False, False, False], [True, False, False]]


def test_levels_raise_the_threshold():
    assert threshold(33, 0.01) == pytest.approx(2.58 / np.sqrt(33))
    assert flag(A, 33, level=0.01)[4, 0] == False  # noqa: E712
    assert flag(A, 33, level=0.001)[0, 0] == True  # noqa: E712 (0.8 > 3.29/sqrt(33) = 0.573)
    with pytest.raises(ValueError, match="flag level"):
        flag(A, 33, level=0.1)


def test_negative_policy():
    assert flag(A, 33, negative="exclude")[1].tolist() == [False, False, False]
    assert has_negative_flags(A, flag(A, 33))
    assert not has_negative_flags(A, flag(A, 33, negative="exclude"))
    with pytest.raises(ValueError, match="negative_flags"):
        flag(A, 33, negative="ignore")


def test_at_most_one_flag_per_sort_automatically():
    rng = np.random.default_rng(0)
    assert flag(rng.uniform(-1, 1, (200, 5)), 40).sum(axis=1).max() <= 1


def test_manual_flags_override():
    manual = np.zeros(A.shape, dtype=bool)
    manual[2] = True
    assert flag(A, 33, manual=manual).tolist() == manual.tolist()
    assert flag(A, 33, manual=manual.astype(int)).dtype == bool
    with pytest.raises(ValueError, match="shape"):
        flag(A, 33, manual=np.zeros((2, 2), dtype=bool))
    with pytest.raises(ValueError, match="booleans"):
        flag(A, 33, manual=np.full(A.shape, 2))
