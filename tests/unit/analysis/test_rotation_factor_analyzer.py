"""Quartimax, equamax, promax and oblimin through factor_analyzer's Rotator (analysis.rotation, qmethod,
qsort analyze --rotation): the same numbers as factor_analyzer itself, communalities kept, factor
correlations for the oblique ones, and a lazy import."""
import json
import subprocess
import sys

import numpy as np
import pytest
from factor_analyzer import Rotator

from analysis import qmethod
from analysis.formats import read_sorts
from analysis.rotation import OBLIQUE, order_and_orient, rotate_with_factor_analyzer

from tests.paths import LIPSET

METHODS = ["quartimax", "equamax", "promax", "oblimin"]


@pytest.fixture(scope="module")
def sorts():
    return read_sorts(LIPSET / "lipset.csv").sorts


def planted(n=40, k=4, seed=3):
    """Sorts of 30 statements around k correlated prototypes: a structure where rotations differ."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(30, 1))
    prototypes = 0.6 * base + rng.normal(size=(30, k))
    columns = [prototypes[:, i % k] + rng.normal(scale=0.9, size=30) for i in range(n)]
    grid = np.sort(np.repeat(np.arange(-3, 4), [2, 3, 5, 10, 5, 3, 2]))
    return np.column_stack([grid[np.argsort(np.argsort(c))] for c in columns])


def communalities(loadings, phi=None):
    return np.diag(loadings @ (np.eye(loadings.shape[1]) if phi is None else phi) @ loadings.T)


@pytest.mark.parametrize("method", METHODS)
def test_the_numbers_are_factor_analyzers_own(sorts, method):
    result = qmethod(sorts, 3, rotation=method)
    k, p = 3, sorts.shape[1]
    options = {"kappa": k / (2 * p)} if method == "equamax" else {}
    rotator = Rotator(method=method, **options)
    theirs = rotator.fit_transform(result.unrotated_loadings)
    expected, phi = order_and_orient(theirs, rotator.phi_)
    np.testing.assert_allclose(result.loadings, expected, atol=1e-12)
    if method in OBLIQUE:
        np.testing.assert_allclose(result.phi, phi, atol=1e-12)
        np.testing.assert_allclose(result.to_dict()["rotated_factor_correlations"], phi, atol=1e-12)
    else:
        assert result.phi is None and result.to_dict()["rotated_factor_correlations"] is None
    assert result.params["rotation"] == method


@pytest.mark.parametrize("method", METHODS)
def test_rotated_loadings_reproduce_the_communalities(method):
    x = planted()
    result = qmethod(x, 4, rotation=method)
    np.testing.assert_allclose(communalities(result.loadings, result.phi), communalities(result.unrotated_loadings),
                               atol=1e-8)
    assert not np.allclose(result.loadings, qmethod(x, 4).loadings, atol=1e-3)        # not varimax again
    if method in OBLIQUE:
        phi = result.phi
        np.testing.assert_allclose(phi, phi.T, atol=1e-12)
        np.testing.assert_allclose(np.diag(phi), 1.0, atol=1e-12)
        assert np.abs(phi - np.eye(4)).max() > 0.05              # correlated prototypes: correlated factors
        assert np.all(np.linalg.eigvalsh(phi) > 0)


def test_equamax_is_crawford_fergusons_with_kappa_m_over_2p_not_rotators_default():
    x = planted()
    result = qmethod(x, 4, rotation="equamax")
    quartimax = qmethod(x, 4, rotation="quartimax")
    p, k = x.shape[1], 4
    kappa = k / (2 * p)

    def criterion(a):                     # Crawford-Ferguson: (1 - kappa) row part + kappa column part
        a2 = a * a
        rows = (np.sum(a2.sum(axis=1) ** 2) - np.sum(a2 * a2)) / 4
        columns = (np.sum(a2.sum(axis=0) ** 2) - np.sum(a2 * a2)) / 4
        return (1 - kappa) * rows + kappa * columns

    assert criterion(result.loadings) < criterion(quartimax.loadings) - 1e-6
    assert not np.allclose(result.loadings, quartimax.loadings, atol=1e-3)


def test_judgmental_steps_after_an_oblique_rotation_keep_the_communalities(sorts):
    plain = qmethod(sorts, 3, rotation="promax")
    turned = qmethod(sorts, 3, rotation="promax", rotation_steps=[{"kind": "pair", "factors": [0, 2], "degrees": 20},
                                                                  {"kind": "invert", "factor": 1}])
    np.testing.assert_allclose(communalities(turned.loadings, turned.phi), communalities(plain.loadings, plain.phi),
                               atol=1e-12)
    assert turned.phi[0, 1] == pytest.approx(-(np.cos(np.radians(20)) * plain.phi[0, 1]
                                               + np.sin(np.radians(20)) * plain.phi[2, 1]), abs=1e-12)


def test_one_factor_is_left_as_it_is(sorts):
    for method in METHODS:
        result = qmethod(sorts, 1, rotation=method)
        np.testing.assert_allclose(result.loadings, qmethod(sorts, 1, rotation="none").loadings)
    rotated, phi = rotate_with_factor_analyzer(np.array([[0.5], [0.6]]), "promax")
    assert phi.tolist() == [[1.0]]
    with pytest.raises(ValueError, match="rotation must be one of"):
        rotate_with_factor_analyzer(np.ones((3, 2)), "bogus")


def test_factor_analyzer_is_imported_only_when_needed():
    code = ("import sys; import numpy as np; from analysis import qmethod; "
            "x = np.column_stack([np.random.default_rng(i).permutation(np.repeat([-1, 0, 1], [2, 3, 2])) "
            "for i in range(8)]); qmethod(x, 2); print('factor_analyzer' in sys.modules); "
            "qmethod(x, 2, rotation='promax'); print('factor_analyzer' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


def test_command_line_rotation_shows_the_factor_correlations(tmp_path):
    from click.testing import CliRunner

    from qsort.cli import main

    result = CliRunner().invoke(main, ["analyze", str(LIPSET / "lipset.csv"), "--factors", "3",
                                       "--rotation", "oblimin"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["params"]["rotation"] == "oblimin" and np.array(out["rotated_factor_correlations"]).shape == (3, 3)
    text = CliRunner().invoke(main, ["analyze", str(LIPSET / "lipset.csv"), "--factors", "3", "--rotation", "promax",
                                     "--format", "text"]).output
    assert "Correlations between the rotated factors (promax is oblique" in text
    refused = CliRunner().invoke(main, ["analyze", str(LIPSET / "lipset.csv"), "--rotation", "promax",
                                        "--bootstrap", "5"])
    assert refused.exit_code == 2 and "--bootstrap: works with --rotation varimax or none" in refused.stderr
