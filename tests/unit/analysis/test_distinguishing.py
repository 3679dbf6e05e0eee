"""Distinguishing/consensus step: thresholds, levels, effect size, labels (also with 10+ factors)."""
import numpy as np
import pytest

from analysis.characteristics import factor_characteristics
from analysis.distinguishing import qdc

SED = np.full((3, 3), 0.5)      # thresholds .05: 0.98, .01: 1.288, .001: 1.6455, 1e-6: 2.4458


def test_levels_and_stars():
    z = np.array([[1.0, 0.0, 0.0], [1.3, 0.0, 0.0], [2.5, 0.0, 0.0], [0.1, 0.0, -0.1]])
    table = qdc(z, SED)
    assert table.stars()[:, 0].tolist() == ["*", "**", "6*", ""]
    assert [d.tolist() for d in table.distinguishing(0.05)] == [[0, 1, 2], [], []]
    assert [d.tolist() for d in table.distinguishing(0.01)] == [[1, 2], [], []]
    assert table.distinguishing(1e-6)[0].tolist() == [2]
    assert table.consensus().tolist() == [3]
    assert table.labels() == ["Distinguishes f1 only"] * 3 + ["Consensus"]
    with pytest.raises(ValueError, match="level"):
        table.distinguishing(0.2)


def test_effect_size_makes_small_significant_differences_not_count():
    z = np.array([[1.0, 0.0, 0.0], [3.0, 0.0, 0.0]])
    tiny_sed = np.full((3, 3), 0.01)
    assert qdc(z, tiny_sed).distinguishing()[0].tolist() == [0, 1]
    with_effect = qdc(z, tiny_sed, effect_size=1.5)
    assert with_effect.distinguishing()[0].tolist() == [1]
    assert with_effect.consensus().tolist() == [0]
    with pytest.raises(ValueError, match="effect_size"):
        qdc(z, tiny_sed, effect_size=-1)


def test_labels_distinguishes_all_and_partial():
    z = np.array([[2.0, 0.0, -2.0],      # every pair differs
                  [2.0, 0.0, 0.9]])      # f1 differs from both; f2-f3 not: "only"
    assert qdc(z, SED).labels() == ["Distinguishes all", "Distinguishes f1 only"]
    z4 = np.array([[3.0, 0.0, 0.0, 1.5]])  # f1 vs all significant; f2/f3 vs f4 too, f2-f3 not
    labels = qdc(z4, np.full((4, 4), 0.5)).labels()
    assert labels == ["Distinguishes f1 Distinguishes f4 "]


def test_ten_factors_do_not_confuse_f1_with_f10():
    z = np.zeros((1, 10))
    z[0, 9] = 3.0                         # only f10 stands out
    table = qdc(z, np.full((10, 10), 0.5))
    assert table.labels() == ["Distinguishes f10 only"]
    assert [d.size for d in table.distinguishing()] == [0] * 9 + [1]


def test_factor_without_scores_is_left_out_of_comparisons():
    z = np.array([[2.0, 0.0, np.nan], [0.1, 0.0, np.nan], [-1.0, 1.0, np.nan]])
    flagged = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0]], bool)
    chars = factor_characteristics(np.full((4, 3), 0.5), flagged, z)
    table = qdc(z, chars.sed)
    assert [d.tolist() for d in table.distinguishing()] == [[0, 2], [0, 2], []]
    assert table.consensus().tolist() == [1]


def test_one_factor_has_no_comparisons():
    table = qdc(np.array([[1.0], [-1.0]]), np.array([[0.5]]))
    assert table.consensus().size == 0 and table.distinguishing()[0].size == 0
    assert table.labels() == ["", ""]
