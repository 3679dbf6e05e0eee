"""Bootstrap (qmboots): Procrustes alignment, seeded resampling, stable viewpoints (speed: benchmarks/analysis.py)."""
import json

import numpy as np
import pytest

from analysis.bootstrap import bootstrap, procrustes_rotation
from analysis.formats import read_sorts
from analysis.grid import quasi_normal_grid

from tests.paths import LIPSET as _LIPSET_DIR

LIPSET = str(_LIPSET_DIR / "lipset.csv")


def planted(n_statements=40, n_participants=50, n_viewpoints=3, noise=1.0, seed=0):
    grid = quasi_normal_grid(n_statements)
    rng = np.random.default_rng(seed)
    prototypes = rng.standard_normal((n_statements, n_viewpoints))
    columns, groups = [], []
    for j in range(n_participants):
        latent = prototypes[:, j % n_viewpoints] + noise * rng.standard_normal(n_statements)
        sort = np.empty(n_statements, dtype=int)
        sort[np.argsort(latent, kind="stable")] = grid.distribution()
        columns.append(sort)
        groups.append(j % n_viewpoints)
    return np.column_stack(columns), np.array(groups)


def test_procrustes_undoes_permutation_sign_and_rotation():
    rng = np.random.default_rng(4)
    target = rng.standard_normal((20, 3))
    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    moved = (target @ q)[:, [2, 0, 1]] * [1, -1, 1]
    t = procrustes_rotation(moved, target)
    np.testing.assert_allclose(t @ t.T, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(moved @ t, target, atol=1e-12)


def test_shapes_seed_and_json():
    data = read_sorts(LIPSET)
    a = bootstrap(data.sorts, 3, n_resamples=200, seed=5, participant_ids=data.participant_ids,
                  statement_ids=data.statement_ids)
    b = bootstrap(data.sorts, 3, n_resamples=200, seed=5)
    c = bootstrap(data.sorts, 3, n_resamples=200, seed=6)
    assert a.zscores_mean.shape == (33, 3) and a.flag_frequency.shape == (9, 3)
    np.testing.assert_array_equal(a.zscores_mean, b.zscores_mean)
    assert not np.array_equal(a.zscores_mean, c.zscores_mean)
    assert a.participant_ids[0] == "US1" and a.statement_ids[-1] == "sta_33"
    assert ((0 <= a.flag_frequency) & (a.flag_frequency <= 1)).all()
    assert (a.n_present > 0).all() and (a.n_present <= 200).all()
    assert (a.zscores_lower <= a.zscores_mean + 1e-12).all() and (a.zscores_mean <= a.zscores_upper + 1e-12).all()
    out = a.to_dict()
    json.dumps(out, allow_nan=False)
    assert np.array(out["zscores_se"]).shape == (33, 3)
    # The full solution is qmethod's: lipset's defining sorts flag most often where they are flagged.
    full_flags = a.full.flagged
    assert (a.flag_frequency[full_flags] > 0.5).all()


def test_planted_viewpoints_are_stable():
    x, groups = planted()
    boot = bootstrap(x, 3, n_resamples=300, seed=2)
    full = boot.full
    # each participant flags, in most resamples, on the factor its viewpoint defines in the full run
    factor_of_group = {g: int(np.argmax(np.abs(full.loadings[groups == g]).mean(axis=0))) for g in range(3)}
    assert len(set(factor_of_group.values())) == 3
    own = boot.flag_frequency[np.arange(len(groups)), [factor_of_group[g] for g in groups]]
    assert np.median(own) > 0.8
    # aligned bootstrap means stay close to the full z-scores; intervals mostly cover them
    assert np.abs(boot.zscores_mean - boot.zscores_full).max() < 0.5
    covered = (boot.zscores_lower <= boot.zscores_full) & (boot.zscores_full <= boot.zscores_upper)
    assert covered.mean() > 0.9
    assert 0.05 < np.nanmean(boot.zscores_se) < 0.6
    assert (boot.n_valid == 300).all()


@pytest.mark.parametrize("options", [dict(extraction="centroid"), dict(rotation="none"),
                                     dict(cor_method="spearman"), dict(flag_level=0.01)])
def test_options_change_the_bootstrap(options):
    from analysis import qmethod

    x, _ = planted(n_statements=30, n_participants=20, seed=1)
    default = bootstrap(x, 2, n_resamples=50, seed=0)
    boot = bootstrap(x, 2, n_resamples=50, seed=0, **options)
    assert boot.zscores_mean.shape == (30, 2)
    for key, value in options.items():
        assert boot.params[key] == value
    # the option reaches the full solution and every resample: same resamples (same seed), other numbers
    expected = qmethod(x, 2, **options)
    np.testing.assert_allclose(boot.full.loadings, expected.loadings, atol=1e-12)
    np.testing.assert_array_equal(boot.full.flagged, expected.flagged)
    if "flag_level" in options:
        # a stricter level never flags a sort that the default leaves out, and here it drops some flags
        assert (boot.flag_frequency <= default.flag_frequency + 1e-12).all()
        assert boot.flag_frequency.sum() < default.flag_frequency.sum()
    else:
        assert not np.allclose(boot.zscores_mean, default.zscores_mean, atol=1e-6)


def test_one_factor_and_bad_arguments():
    data = read_sorts(LIPSET)
    boot = bootstrap(data.sorts, 1, n_resamples=30, seed=0)
    assert boot.zscores_mean.shape == (33, 1) and not np.isnan(boot.zscores_mean).any()
    with pytest.raises(ValueError):
        bootstrap(data.sorts, 3, n_resamples=1)
    with pytest.raises(ValueError):
        bootstrap(data.sorts, 3, level=95)


def test_package_exports_the_function_even_after_the_module_is_imported():
    import subprocess
    import sys

    code = ("import analysis.bootstrap; from analysis import bootstrap; import analysis; "
            "assert callable(bootstrap) and callable(analysis.bootstrap)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
