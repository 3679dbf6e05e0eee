"""Our qmethod against R qmethod 1.8.4 on the Lipset study (tests/data/reference/lipset, README there).

Each of our factors is matched to qmethod's by the correlation of loadings; the sign of that correlation
says whether our factor is qmethod's or its mirror image. Every number is then compared in our
orientation: qmethod's z-scores (and factor arrays, the grid being symmetric) are multiplied by that sign,
and qmethod's distinguishing/consensus statements are recomputed from the re-signed z-scores, because a
sign flip changes every difference z_j - z_k that involves the flipped factor.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from analysis import qmethod
from analysis.distinguishing import qdc

from tests.paths import LIPSET
CONFIGS = [("PCA", "varimax"), ("PCA", "none"), ("centroid", "varimax"), ("centroid", "none")]
TOLERANCE = {"PCA": 1e-6, "centroid": 1e-4}



def read_csv(path: Path):
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    scores = np.array([[int(v) for v in row[1:]] for row in rows[1:]])
    return scores, rows[0][1:], [row[0] for row in rows[1:]]


def matrix(ref: dict, key: str) -> np.ndarray:
    return np.array(ref[key]["values"], dtype=float)


class Case:
    """One configuration: our result, qmethod's, and the factor matching between them."""

    def __init__(self, extraction: str, rotation: str):
        self.sorts, self.participants, self.statements = read_csv(LIPSET / "lipset.csv")
        self.ref = json.loads((LIPSET / f"out_{extraction}_{rotation}" / "results.json").read_text())
        self.result = qmethod(self.sorts, 3, extraction.lower(), rotation,
                              participant_ids=self.participants, statement_ids=self.statements)
        self.tol = TOLERANCE[extraction]
        ref_loadings = matrix(self.ref, "loa_rotated")
        corr = np.corrcoef(self.result.loadings.T, ref_loadings.T)[:3, 3:]
        self.order = np.argmax(np.abs(corr), axis=1)              # our factor j is qmethod's order[j]
        self.sign = np.sign(corr[np.arange(3), self.order])
        assert sorted(self.order) == [0, 1, 2], f"factor matching is not one-to-one: {corr.round(3)}"

    def ours_from_ref(self, values: np.ndarray) -> np.ndarray:
        """qmethod's per-factor columns put in our order and orientation."""
        return values[:, self.order] * self.sign


@pytest.fixture(scope="module", params=CONFIGS, ids=lambda c: f"{c[0]}_{c[1]}")
def case(request) -> Case:
    return Case(*request.param)


def test_factor_order_and_sign_follow_psych_for_pca_and_only_sign_differs_for_centroid(case):
    assert case.order.tolist() == [0, 1, 2]
    if case.ref["params"]["extraction"] == "PCA":
        assert case.sign.tolist() == [1, 1, 1]
    # Our rule everywhere: each factor's loadings sum to a positive number.
    assert np.all(case.result.loadings.sum(axis=0) > 0)


def test_centroid_varimax_first_factor_is_qmethods_mirror_image():
    case = Case("centroid", "varimax")
    assert case.sign.tolist() == [-1, 1, 1]   # qmethod's f1 loads -0.62, -0.69, -0.54 on US1, US2, US8


def test_eigenvalues_of_correlation_matrix(case):
    np.testing.assert_allclose(case.result.eigenvalues, case.ref["cor_eigenvalues"], atol=1e-10)


def test_unrotated_loadings(case):
    # Unrotated PCA is psych-oriented (column sums >= 0) like qmethod; centroid's are qmethod's own.
    np.testing.assert_allclose(case.result.unrotated_loadings, matrix(case.ref, "loa_unrotated"),
                               atol=case.tol)


def test_rotated_loadings(case):
    np.testing.assert_allclose(case.result.loadings, case.ours_from_ref(matrix(case.ref, "loa_rotated")),
                               atol=case.tol)


def test_flags_identical(case):
    ref_flags = np.array(case.ref["flagged"]["values"], dtype=bool)[:, case.order]
    assert case.result.flagged.tolist() == ref_flags.tolist()
    assert case.result.flagged.sum() > 0


def test_negative_flag_warning_as_qmethod(case):
    assert bool(case.ref["warnings"]) == any("negative" in w for w in case.result.warnings)


def test_zscores(case):
    np.testing.assert_allclose(case.result.zscores, case.ours_from_ref(matrix(case.ref, "zsc")), atol=case.tol)


def tie_groups(z: np.ndarray) -> list[np.ndarray]:
    """Groups of statements whose z-scores are equal (to 10 decimals)."""
    values = np.round(z, 10)
    unique, counts = np.unique(values, return_counts=True)
    return [np.flatnonzero(values == v) for v in unique[counts > 1]]


def test_factor_arrays_equal_except_exact_ties(case):
    """Without ties the arrays are qmethod's. Lipset has many exact ties (few flagged sorts with integer
    scores): qmethod gives a tied group the lowest grid value of its positions (breaking the grid), we
    spread the group over its positions in statement order."""
    grid = np.sort(case.sorts[:, 0])
    assert np.array_equal(grid, -grid[::-1]), "mirrored factor arrays are negated only on a symmetric grid"
    ours = case.result.factor_arrays
    theirs = case.ours_from_ref(matrix(case.ref, "zsc_n")).astype(int)
    n_tied = 0
    for j in range(3):
        assert np.array_equal(np.sort(ours[:, j]), grid)       # our arrays always fit the grid
        groups = tie_groups(case.result.zscores[:, j])
        tied = set(np.concatenate(groups).tolist()) if groups else set()
        untied = [i for i in range(len(grid)) if i not in tied]
        assert ours[untied, j].tolist() == theirs[untied, j].tolist()
        s = case.sign[j]
        for group in groups:                                   # qmethod's rule, in qmethod's orientation
            assert (s * theirs[group, j]).tolist() == [min(s * ours[group, j])] * len(group)
            assert list(ours[group, j]) == sorted(ours[group, j])     # spread in statement order
        n_tied += len(tied)
    assert n_tied < 3 * len(grid)


def test_characteristics(case):
    values = matrix(case.ref["f_char"], "characteristics")[case.order]
    chars = case.result.characteristics
    assert chars.n_flagged.tolist() == values[:, 1].astype(int).tolist()
    np.testing.assert_allclose(chars.eigenvalues, values[:, 2], atol=case.tol)
    np.testing.assert_allclose(chars.explained_variance, values[:, 3], atol=100 * case.tol)
    np.testing.assert_allclose(chars.reliability, values[:, 4], atol=1e-12)
    np.testing.assert_allclose(chars.se_zscores, values[:, 5], atol=1e-12)
    sed = matrix(case.ref["f_char"], "sd_dif")[np.ix_(case.order, case.order)]
    np.testing.assert_allclose(chars.sed, sed, atol=1e-12)
    cor = matrix(case.ref["f_char"], "cor_zsc")[np.ix_(case.order, case.order)] * np.outer(case.sign, case.sign)
    np.testing.assert_allclose(chars.zscore_correlations, cor, atol=case.tol)


def reference_table(case: Case):
    """qmethod's qdc table: differences (statements x pairs f1_f2, f1_f3, f2_f3), stars, labels."""
    columns = case.ref["qdc"]["columns"]
    pairs = ["f1_f2", "f1_f3", "f2_f3"]
    differences = np.column_stack([columns[p] for p in pairs]).astype(float)
    stars = np.column_stack([columns[f"sig_{p}"] for p in pairs])
    return differences, stars, columns["dist.and.cons"]


def test_our_qdc_reproduces_qmethods_table_from_its_own_zscores(case):
    """In qmethod's orientation, our qdc step gives qmethod's table exactly."""
    table = qdc(matrix(case.ref, "zsc"), matrix(case.ref["f_char"], "sd_dif"))
    differences, stars, labels = reference_table(case)
    np.testing.assert_allclose(table.differences, differences, atol=1e-12)
    assert table.stars().tolist() == stars.tolist()
    assert table.labels() == labels


def test_distinguishing_and_consensus_in_our_orientation(case):
    ref_z = case.ours_from_ref(matrix(case.ref, "zsc"))
    sed = matrix(case.ref["f_char"], "sd_dif")[np.ix_(case.order, case.order)]
    expected = qdc(ref_z, sed)
    ours = case.result.table
    np.testing.assert_allclose(ours.differences, expected.differences, atol=10 * case.tol)
    for level in (0.05, 0.01, 0.001, 1e-6):
        assert [d.tolist() for d in ours.distinguishing(level)] == [d.tolist() for d in expected.distinguishing(level)]
        assert ours.consensus(level).tolist() == expected.consensus(level).tolist()
    d = case.result.to_dict()
    assert d["consensus"] == [case.statements[i] for i in expected.consensus(0.05)]


SAME_ORIENTATION = [c for c in CONFIGS if c != ("centroid", "varimax")]   # its f1 is mirrored (test above)


@pytest.mark.parametrize("config", SAME_ORIENTATION, ids=lambda c: f"{c[0]}_{c[1]}")
def test_distinguishing_matches_qmethods_labels_when_orientation_agrees(config):
    """Where every factor has qmethod's orientation, our labels are qmethod's own (a mirrored factor changes
    the comparisons: test_distinguishing_and_consensus_in_our_orientation covers that case)."""
    case = Case(*config)
    assert case.sign.tolist() == [1, 1, 1]
    _, _, labels = reference_table(case)
    d = case.result.to_dict()
    for j in range(3):
        expected = [s for s, label in zip(case.statements, labels)
                    if label == "Distinguishes all" or f"Distinguishes f{j + 1} " in label + " "]
        assert d["distinguishing"][j] == expected
    assert d["consensus"] == [s for s, label in zip(case.statements, labels) if label == "Consensus"]
    assert case.result.table.labels() == labels


def test_mirrored_factor_changes_qdc_labels():
    """Why the orientation must be documented: the same study read in qmethod's centroid+varimax
    orientation and in ours gives different distinguishing statements."""
    case = Case("centroid", "varimax")
    _, _, labels = reference_table(case)
    assert case.result.table.labels() != labels


def test_json_is_strict_and_keyed_by_ids(case):
    d = case.result.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["participants"] == case.participants
    assert len(d["loadings"]) == 9 and len(d["zscores"]) == 33
    assert d["characteristics"]["n_flagged"] == case.result.flagged.sum(axis=0).tolist()
