"""Rotation step: varimax equals factor_analyzer's Rotator (R's algorithm); pair rotation, invert, replay."""
import numpy as np
import pytest

from analysis.rotation import RotationStep, apply_steps, invert, order_by_ss, rotate_pair, varimax


@pytest.fixture
def loadings():
    rng = np.random.default_rng(11)
    return rng.uniform(-0.8, 0.8, size=(25, 4))


@pytest.mark.parametrize("k", [2, 3, 4])
def test_varimax_matches_factor_analyzer_rotator(loadings, k):
    from factor_analyzer.rotator import Rotator   # imported here only: slow, and never at runtime

    expected = Rotator(method="varimax", normalize=True, tol=1e-5, max_iter=1000).fit_transform(loadings[:, :k])
    rotated, rotmat = varimax(loadings[:, :k])
    np.testing.assert_allclose(rotated, expected, atol=1e-12)
    np.testing.assert_allclose(rotmat @ rotmat.T, np.eye(k), atol=1e-12)


def test_varimax_keeps_communalities_and_handles_zero_rows(loadings):
    a = loadings.copy()
    a[3] = 0.0
    rotated, _ = varimax(a)
    assert np.all(np.isfinite(rotated))
    np.testing.assert_allclose((rotated ** 2).sum(axis=1), (a ** 2).sum(axis=1), atol=1e-12)


def test_varimax_one_factor_is_identity(loadings):
    rotated, rotmat = varimax(loadings[:, :1])
    np.testing.assert_array_equal(rotated, loadings[:, :1])
    assert rotmat.shape == (1, 1)


def test_order_by_ss():
    a = np.array([[0.1, 0.9, 0.5], [0.2, 0.8, 0.5]])
    assert order_by_ss(a)[0].tolist() == [0.9, 0.5, 0.1]


@pytest.mark.parametrize("degrees", [0.0, 12.5, 90.0, -45.0, 270.0])
def test_rotate_pair_and_back_is_identity(loadings, degrees):
    there = rotate_pair(loadings, 1, 3, degrees)
    np.testing.assert_allclose(rotate_pair(there, 1, 3, -degrees), loadings, atol=1e-12)
    np.testing.assert_array_equal(there[:, [0, 2]], loadings[:, [0, 2]])
    np.testing.assert_allclose((there ** 2).sum(axis=1), (loadings ** 2).sum(axis=1), atol=1e-12)


def test_rotate_pair_direction():
    # axes turn counter-clockwise: a sort on factor 0's axis moves towards negative factor 1
    np.testing.assert_allclose(rotate_pair(np.array([[1.0, 0.0]]), 0, 1, 30),
                               [[np.cos(np.pi / 6), -0.5]], atol=1e-12)


def test_invert_twice_is_identity(loadings):
    once = invert(loadings, 2)
    np.testing.assert_array_equal(once[:, 2], -loadings[:, 2])
    np.testing.assert_array_equal(invert(once, 2), loadings)


def test_steps_replay_from_their_dicts(loadings):
    steps = [{"kind": "pair", "factors": [0, 2], "degrees": 17.0}, {"kind": "invert", "factor": 1},
             RotationStep("pair", (1, 3), 5.0)]
    result, parsed = apply_steps(loadings, steps)
    replayed, _ = apply_steps(loadings, [s.to_dict() for s in parsed])
    np.testing.assert_array_equal(result, replayed)


@pytest.mark.parametrize("step, message", [
    ({"kind": "spin"}, "kind"),
    ({"kind": "pair", "factors": [0, 1]}, "degrees"),
    ({"kind": "invert"}, "factor"),
    ({"kind": "pair", "factors": [0, 0], "degrees": 3}, "two different factors"),
    ({"kind": "invert", "factor": 9}, "factor in 0..3"),
    ("invert 1", "dict"),
])
def test_bad_steps_are_clear_errors(loadings, step, message):
    with pytest.raises(ValueError, match=message):
        apply_steps(loadings, [step])
