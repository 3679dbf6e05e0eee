"""Rotation of factor loadings: varimax (R's ``stats::varimax``); quartimax, equamax, promax and oblimin through
factor_analyzer's ``Rotator``; judgmental rotation of a pair of factors by an angle, inverting a factor, and
recorded steps that replay.

Loadings are always an array of shape (n_participants, n_factors). Factor indices are 0-based.

Orthogonal rotations (varimax, quartimax, equamax) keep the factors uncorrelated: each sort's communality
(its row sum of squared loadings) is unchanged. Oblique ones (promax, oblimin) let the factors correlate:
they return *pattern* loadings P and the factors' correlation matrix Phi, and the communalities are then
diag(P Phi P'). As R qmethod does with psych's oblique rotations, the pattern loadings are what flagging and
the factor scores use.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np


def varimax(loadings, normalize: bool = True, eps: float = 1e-5, max_iter: int = 1000
            ) -> tuple[np.ndarray, np.ndarray]:
    """Varimax rotation, step for step R's ``stats::varimax`` (Kaiser normalisation, eps 1e-5).

    Each row is scaled to unit length (Kaiser), then the orthogonal matrix T is updated from the SVD of
    x' (z³ - z diag(colMeans(z²))) until the criterion sum(d) grows by less than a factor 1 + eps.
    Rows with all-zero loadings are left unscaled instead of dividing by zero.

    Parameters
    ----------
    loadings : array-like, shape (n_participants, n_factors)

    Returns
    -------
    rotated : ndarray, shape (n_participants, n_factors)
    rotmat : ndarray, shape (n_factors, n_factors)
        ``rotated = loadings @ rotmat``.

    Examples
    --------
    >>> a = np.array([[0.7, 0.5], [0.6, 0.6], [0.5, -0.6], [0.6, -0.5]])
    >>> rotated, t = varimax(a)
    >>> bool(np.allclose(a @ t, rotated)), bool(np.allclose(t @ t.T, np.eye(2)))
    (True, True)
    """
    x = np.array(loadings, dtype=float, copy=True)
    n_rows, nc = x.shape
    if nc < 2:
        return x, np.eye(nc)
    if normalize:
        scale = np.sqrt(np.sum(x * x, axis=1))
        scale[scale == 0] = 1.0
        x /= scale[:, None]
    rotmat = np.eye(nc)
    d = 0.0
    # R's update B = x' (z^3 - z diag(colSums(z^2))/p) with z = x T, computed on the contiguous transpose and
    # with x' z = (x'x) T, so each iteration passes over the n x k data only a few times (fast at 100,000).
    xt = np.ascontiguousarray(x.T)
    gram = xt @ x
    for _ in range(max_iter):
        zt = rotmat.T @ xt
        z2 = zt * zt                                 # zt * zt * zt: numpy's zt ** 3 is ~7x slower
        b = xt @ (z2 * zt).T - (gram @ rotmat) * (z2.sum(axis=1) / n_rows)
        u, s, vt = np.linalg.svd(b)
        rotmat = u @ vt
        d_past, d = d, float(s.sum())
        if d < d_past * (1 + eps):
            break
    rotated = x @ rotmat
    if normalize:
        rotated *= scale[:, None]
    return rotated, rotmat


FACTOR_ANALYZER_ROTATIONS = ("quartimax", "equamax", "promax", "oblimin")
OBLIQUE = ("promax", "oblimin")


def rotate_with_factor_analyzer(loadings, method: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Rotate with factor_analyzer's ``Rotator`` (imported here: it takes about a second to import).

    * ``quartimax``: Crawford-Ferguson with kappa 0, no Kaiser normalisation (as GPArotation's default);
    * ``equamax``: Crawford-Ferguson with kappa = n_factors / (2 n_participants). ``Rotator`` defaults to
      kappa 0, which would be quartimax again, so kappa is set here;
    * ``promax``: varimax with Kaiser normalisation, then the power-4 target (R's ``promax``);
    * ``oblimin``: direct oblimin with gamma 0 (quartimin).

    Parameters
    ----------
    loadings : array-like, shape (n_participants, n_factors)
    method : one of :data:`FACTOR_ANALYZER_ROTATIONS`

    Returns
    -------
    rotated : ndarray, shape (n_participants, n_factors)
        Pattern loadings for the oblique methods.
    phi : ndarray, shape (n_factors, n_factors), or None
        The factors' correlations (oblique methods); None for orthogonal ones.

    Examples
    --------
    >>> a = np.array([[0.7, 0.5], [0.6, 0.6], [0.5, -0.6], [0.6, -0.5], [0.4, 0.1]])
    >>> rotated, phi = rotate_with_factor_analyzer(a, "promax")
    >>> bool(np.allclose(np.diag(rotated @ phi @ rotated.T), np.sum(a * a, axis=1)))   # communalities kept
    True
    """
    if method not in FACTOR_ANALYZER_ROTATIONS:
        raise ValueError(f"rotation must be one of {', '.join(FACTOR_ANALYZER_ROTATIONS)}, got {method!r}")
    a = np.array(loadings, dtype=float, copy=True)
    n_rows, k = a.shape
    if k < 2:                       # one factor: nothing to rotate (Rotator's promax breaks on it)
        return a, (np.eye(k) if method in OBLIQUE else None)
    from factor_analyzer import Rotator

    options = {"kappa": k / (2.0 * n_rows)} if method == "equamax" else {}
    rotator = Rotator(method=method, **options)
    rotated = rotator.fit_transform(a)
    phi = None if rotator.phi_ is None else np.asarray(rotator.phi_, dtype=float)
    return np.asarray(rotated, dtype=float), phi


def order_and_orient(loadings: np.ndarray, phi: np.ndarray | None = None, reorder: bool = True
                     ) -> tuple[np.ndarray, np.ndarray | None]:
    """Factors by decreasing sum of squared loadings (``reorder``), each flipped so its loadings sum to a
    positive number; the factor correlations ``phi`` are permuted and flipped with them.

    Examples
    --------
    >>> a = np.array([[0.1, -0.9], [0.2, -0.8]])
    >>> b, phi = order_and_orient(a, np.array([[1.0, 0.3], [0.3, 1.0]]))
    >>> b.tolist(), phi.tolist()
    ([[0.9, 0.1], [0.8, 0.2]], [[1.0, -0.3], [-0.3, 1.0]])
    """
    a = np.asarray(loadings, dtype=float)
    order = np.argsort(-np.sum(a * a, axis=0), kind="stable") if reorder else np.arange(a.shape[1])
    a = a[:, order]
    signs = np.where(a.sum(axis=0) < 0, -1.0, 1.0)
    a = a * signs
    if phi is not None:
        phi = np.asarray(phi, dtype=float)[np.ix_(order, order)] * np.outer(signs, signs)
    return a, phi


def order_by_ss(loadings: np.ndarray) -> np.ndarray:
    """Reorder factors by decreasing sum of squared loadings (``psych::principal`` after rotating).

    Examples
    --------
    >>> order_by_ss(np.array([[0.1, 0.9], [0.2, 0.8]])).tolist()
    [[0.9, 0.1], [0.8, 0.2]]
    """
    ss = np.sum(loadings * loadings, axis=0)
    return loadings[:, np.argsort(-ss, kind="stable")]


def rotate_pair(loadings, i: int, j: int, degrees: float) -> np.ndarray:
    """Rotate the axes of factors ``i`` and ``j`` counter-clockwise by ``degrees`` (judgmental rotation).

    With θ in radians, the new loadings are a_i' = a_i cos θ + a_j sin θ and a_j' = -a_i sin θ + a_j cos θ:
    a point at angle φ in the (i, j) plane lands at φ - θ. The other factors are unchanged; communalities
    are preserved. Rotating by -degrees undoes it.

    Examples
    --------
    >>> rotate_pair(np.array([[1.0, 0.0]]), 0, 1, 90).round(12).tolist()
    [[0.0, -1.0]]
    """
    a = np.array(loadings, dtype=float, copy=True)
    k = a.shape[1]
    if not (0 <= i < k and 0 <= j < k) or i == j:
        raise ValueError(f"rotate_pair needs two different factors in 0..{k - 1}, got {i} and {j}")
    theta = np.deg2rad(degrees)
    c, s = np.cos(theta), np.sin(theta)
    ai, aj = a[:, i].copy(), a[:, j].copy()
    a[:, i] = c * ai + s * aj
    a[:, j] = -s * ai + c * aj
    return a


def invert(loadings, j: int) -> np.ndarray:
    """Multiply factor ``j``'s loadings by -1 (its viewpoint becomes the mirror image).

    Examples
    --------
    >>> invert(np.array([[0.5, -0.2]]), 1).tolist()
    [[0.5, 0.2]]
    """
    a = np.array(loadings, dtype=float, copy=True)
    if not 0 <= j < a.shape[1]:
        raise ValueError(f"invert needs a factor in 0..{a.shape[1] - 1}, got {j}")
    a[:, j] = -a[:, j]
    return a


@dataclass(frozen=True)
class RotationStep:
    """One judgmental step, recorded in a result's params so the analysis can be replayed.

    ``kind="pair"``: rotate ``factors=(i, j)`` by ``degrees``; ``kind="invert"``: negate ``factors=(j,)``.
    """

    kind: str
    factors: tuple[int, ...]
    degrees: float = 0.0

    def __post_init__(self) -> None:
        if self.kind == "pair" and len(self.factors) != 2:
            raise ValueError(f"a pair rotation needs two factors, got {self.factors}")
        if self.kind == "invert" and len(self.factors) != 1:
            raise ValueError(f"invert needs one factor, got {self.factors}")
        if self.kind not in ("pair", "invert"):
            raise ValueError(f"rotation step kind must be 'pair' or 'invert', got {self.kind!r}")

    @classmethod
    def from_value(cls, value) -> "RotationStep":
        """Accept a RotationStep or its dict form: {"kind": "pair", "factors": [i, j], "degrees": d} or
        {"kind": "invert", "factor": j}.

        Examples
        --------
        >>> RotationStep.from_value({"kind": "invert", "factor": 2})
        RotationStep(kind='invert', factors=(2,), degrees=0.0)
        """
        if isinstance(value, RotationStep):
            return value
        if not isinstance(value, Mapping) or "kind" not in value:
            raise ValueError(f"a rotation step must be a RotationStep or a dict with 'kind', got {value!r}")
        kind = value["kind"]
        if kind == "invert":
            factor = value.get("factor", (value.get("factors") or [None])[0])
            if factor is None:
                raise ValueError(f"invert step needs 'factor': {value!r}")
            return cls("invert", (int(factor),))
        if kind == "pair":
            factors = value.get("factors")
            if factors is None or "degrees" not in value:
                raise ValueError(f"pair step needs 'factors' [i, j] and 'degrees': {value!r}")
            return cls("pair", tuple(int(f) for f in factors), float(value["degrees"]))
        raise ValueError(f"rotation step kind must be 'pair' or 'invert', got {kind!r}")

    def apply(self, loadings: np.ndarray) -> np.ndarray:
        if self.kind == "pair":
            return rotate_pair(loadings, self.factors[0], self.factors[1], self.degrees)
        return invert(loadings, self.factors[0])

    def to_dict(self) -> dict:
        if self.kind == "invert":
            return {"kind": "invert", "factor": self.factors[0]}
        return {"kind": "pair", "factors": list(self.factors), "degrees": self.degrees}


def apply_steps(loadings: np.ndarray, steps: Iterable) -> tuple[np.ndarray, list[RotationStep]]:
    """Apply judgmental steps in order; returns the loadings and the steps as RotationStep objects.

    Examples
    --------
    >>> a = np.array([[0.6, 0.3], [0.2, 0.7]])
    >>> b, steps = apply_steps(a, [{"kind": "pair", "factors": [0, 1], "degrees": 30},
    ...                            {"kind": "pair", "factors": [0, 1], "degrees": -30}])
    >>> bool(np.allclose(a, b)), [s.kind for s in steps]
    (True, ['pair', 'pair'])
    """
    parsed = [RotationStep.from_value(step) for step in steps]
    for step in parsed:
        loadings = step.apply(loadings)
    return loadings, parsed


def steps_matrix(steps, n_factors: int) -> np.ndarray:
    """The (n_factors, n_factors) matrix R of a list of judgmental steps: applying them to loadings L gives
    L @ R (every step is a rotation or a sign flip of columns, so R is orthogonal).

    Examples
    --------
    >>> r = steps_matrix([{"kind": "pair", "factors": [0, 1], "degrees": 90}], 2)
    >>> r.round(12).tolist()
    [[0.0, -1.0], [1.0, 0.0]]
    """
    matrix, _ = apply_steps(np.eye(n_factors), steps)
    return matrix


__all__ = ["FACTOR_ANALYZER_ROTATIONS", "OBLIQUE", "RotationStep", "apply_steps", "invert", "order_and_orient",
           "order_by_ss", "rotate_pair", "rotate_with_factor_analyzer", "steps_matrix", "varimax"]
