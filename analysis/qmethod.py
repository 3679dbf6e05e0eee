"""The whole Q-method analysis in one call: :func:`qmethod`, returning a :class:`QResult`.

The steps, each usable on its own (the modules named in brackets):

1. correlate Q-sorts [correlation]: Pearson, Spearman or Kendall, kept as standardised sorts Z;
2. extract factors [extraction]: principal components from a thin SVD of Z (as ``psych::principal``) or
   Brown's centroid on R (as qmethod's ``centroid()``);
3. rotate [rotation]: varimax (R's ``stats::varimax``) or none, then optional judgmental steps;
4. flag defining sorts [flagging];
5. z-scores and factor arrays [scores];
6. factor characteristics [characteristics];
7. distinguishing and consensus statements [distinguishing].

Orientation and order of factors (a convention: qmethod's numbers agree up to order and sign):

* PCA: as ``psych::principal``: unrotated components flipped so each loading column sums to >= 0; after
  varimax the factors are reordered by decreasing sum of squared loadings and flipped again so each
  column sums to > 0. Identical to qmethod, order and sign included.
* Centroid: factors stay in extraction order (as qmethod), but each is flipped so its loadings sum to a
  positive number. qmethod does not flip centroid factors, so a qmethod centroid factor can be the mirror
  image of ours: its z-scores and factor array are then negated and, because distinguishing statements
  compare z-scores across factors, its distinguishing/consensus statements can differ from ours.
* Judgmental ``rotation_steps`` are applied after this orientation and are not re-oriented, so an
  ``invert`` step stays inverted.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .characteristics import Characteristics, factor_characteristics
from .correlation import METHODS, as_sorts, standardise
from .distinguishing import CRITICAL, QDC, qdc
from .extraction import centroid, correlation_eigenvalues, max_factors, orient_positive, pca
from .flagging import NEGATIVE_WARNING, flag, has_negative_flags, override_flags, resolve_overrides
from .rotation import (FACTOR_ANALYZER_ROTATIONS, RotationStep, apply_steps, order_and_orient, order_by_ss,
                       rotate_with_factor_analyzer, steps_matrix, varimax)
from .scores import factor_arrays, sorted_distribution, zscores

EXTRACTIONS = ("pca", "centroid")
ROTATIONS = ("varimax", "none", *FACTOR_ANALYZER_ROTATIONS)
# Brown's centroid works on the N x N correlation matrix (a few copies of it): refuse sizes where that
# alone would need gigabytes, and point to PCA, which never builds it.
CENTROID_MAX_PARTICIPANTS = 10_000      # one 10,000 x 10,000 matrix is 800 MB


@dataclass
class FactorColumns:
    """Columns of factors (a :class:`QResult`'s factors, a viewpoint analysis' viewpoints) with what is
    computed from their defining sorts (:func:`score_factors`). Participants, statements: input order.

    loadings, flagged : (n_participants, k) float and bool. zscores : (n_statements, k) float, NaN for a
    column without flagged sorts. factor_arrays : (n_statements, k), int64 (float with NaN when some column
    has no scores). characteristics : :class:`analysis.characteristics.Characteristics`. table : the
    pairwise comparison of the columns (:class:`analysis.distinguishing.QDC`).
    """

    participant_ids: list[str]
    statement_ids: list[str]
    loadings: np.ndarray
    flagged: np.ndarray
    zscores: np.ndarray
    factor_arrays: np.ndarray
    characteristics: Characteristics
    table: QDC


def score_factors(sorts: np.ndarray, loadings: np.ndarray, flagged: np.ndarray, distribution: np.ndarray,
                  effect_size: float | None = None) -> tuple[np.ndarray, np.ndarray, Characteristics, QDC]:
    """Steps 5-7 for any columns of loadings: z-scores, factor arrays, characteristics, pairwise comparison.

    Parameters
    ----------
    sorts : (n_statements, n_participants) float
    loadings, flagged : (n_participants, k) float and bool (the defining sorts of each column)
    distribution : (n_statements,) the scores of the grid, sorted (the factor arrays' distribution)
    effect_size : minimum |z difference| for a difference to count (None: none)

    Returns
    -------
    zscores (n_statements, k), factor_arrays (n_statements, k), Characteristics, QDC

    Examples
    --------
    >>> x = np.array([[-1., -1, 1], [0, 0, 0], [1, 1, -1]])
    >>> z, arrays, chars, table = score_factors(x, np.array([[.9], [.8], [-.2]]), np.array([[1], [1], [0]], bool),
    ...                                         np.array([-1., 0, 1]))
    >>> arrays[:, 0].tolist()
    [-1, 0, 1]
    """
    z_scores = zscores(sorts, loadings, flagged)
    arrays = factor_arrays(z_scores, distribution)
    chars = factor_characteristics(loadings, flagged, z_scores)
    return z_scores, arrays, chars, qdc(z_scores, chars.sed, effect_size)


@dataclass
class QResult(FactorColumns):
    """Everything a Q-method analysis produces. Participants, statements: input order; factors: engine
    order (see the module docstring). Arrays:

    loadings, unrotated_loadings: (n_participants, k) float. flagged: (n_participants, k) bool.
    zscores: (n_statements, k) float, NaN for a factor without flagged sorts. factor_arrays:
    (n_statements, k), int64 (float with NaN when some factor has no scores). eigenvalues: eigenvalues of
    the correlation matrix, descending. distinguishing: per factor, statement indices at p < .05.
    consensus: statement indices. table: the full pairwise comparison (:class:`QDC`). sorts: the input
    scores, (n_statements, n_participants) float (viewpoints are computed from them). phi: (k, k)
    correlations between the factors after an oblique rotation (promax, oblimin; ``loadings`` are then
    pattern loadings), None after an orthogonal one.
    """

    eigenvalues: np.ndarray
    unrotated_loadings: np.ndarray
    params: dict
    warnings: list[str] = field(default_factory=list)
    sorts: np.ndarray | None = field(default=None, repr=False)   # the input, for viewpoints
    phi: np.ndarray | None = None                                   # factor correlations (oblique rotations)

    @property
    def n_factors(self) -> int:
        return self.loadings.shape[1]

    @property
    def explained_variance(self) -> np.ndarray:
        """Percent of the sorts' variance per (rotated) factor: 100 x SS loadings / n_participants."""
        return self.characteristics.explained_variance

    @property
    def qdc(self) -> QDC:
        """The pairwise comparison table (same object as ``table``)."""
        return self.table

    @property
    def distinguishing(self) -> list[np.ndarray]:
        return self.table.distinguishing(0.05)

    @property
    def consensus(self) -> np.ndarray:
        return self.table.consensus(0.05)

    def viewpoints(self, tags=None, **options):
        """The factors' poles as viewpoints, with archetypes from ``tags`` and every participant's segment:
        :func:`analysis.viewpoints.find_viewpoints` (``options``: rule, min_defining)."""
        from .viewpoints import find_viewpoints

        return find_viewpoints(self, tags, **options)

    def to_dict(self, tags=None, viewpoints: bool = True) -> dict:
        """The ``qsort analyze --format json`` object (DESIGN.md), JSON-safe: lists, floats, None for NaN.

        Contract keys: participants, statements, eigenvalues, explained_variance, loadings, flagged, zscores,
        factor_arrays, distinguishing, consensus, characteristics, viewpoints, segments (archetypes need
        ``tags``, see :meth:`viewpoints`; ``viewpoints=False`` leaves these two out). Extra keys: factors,
        params, warnings, unrotated_loadings, rotated_factor_correlations (oblique rotations, else None),
        factor_correlations (between z-scores), sed, distinguishing_by_level, consensus_by_level, qdc,
        viewpoint_consensus, archetype_rule.
        """
        out = self._factors_dict()
        if viewpoints and self.sorts is not None:
            out.update(self.viewpoints(tags).to_dict())
        return out

    def _factors_dict(self) -> dict:
        ids = self.statement_ids
        chars = self.characteristics
        table = self.table
        return {
            "participants": list(self.participant_ids),
            "statements": list(ids),
            "factors": [f"f{j + 1}" for j in range(self.n_factors)],
            "eigenvalues": _json(self.eigenvalues),
            "explained_variance": _json(chars.explained_variance),
            "loadings": _json(self.loadings),
            "flagged": self.flagged.astype(bool).tolist(),
            "zscores": _json(self.zscores),
            "factor_arrays": _json(self.factor_arrays, integral=_integral(self.factor_arrays)),
            "distinguishing": [[ids[i] for i in rows] for rows in table.distinguishing(0.05)],
            "consensus": [ids[i] for i in table.consensus(0.05)],
            "characteristics": {
                "n_flagged": [int(n) for n in chars.n_flagged],
                "reliability": _json(chars.reliability),
                "se_zscores": _json(chars.se_zscores),
                "eigenvalues": _json(chars.eigenvalues),
                "explained_variance": _json(chars.explained_variance),
            },
            "params": self.params,
            "warnings": list(self.warnings),
            "unrotated_loadings": _json(self.unrotated_loadings),
            "rotated_factor_correlations": None if self.phi is None else _json(self.phi),
            "factor_correlations": _json(chars.zscore_correlations),
            "sed": _json(chars.sed),
            "distinguishing_by_level": {
                repr(level): [[ids[i] for i in rows] for rows in table.distinguishing(level)] for level in CRITICAL
            },
            "consensus_by_level": {repr(level): [ids[i] for i in table.consensus(level)] for level in CRITICAL},
            "qdc": {
                "pairs": [f"f{j + 1}_f{k + 1}" for j, k in table.pairs],
                "differences": _json(table.differences),
                "stars": table.stars().tolist(),
                "labels": table.labels(),
                "effect_size": table.effect_size,
            },
        }


def _integral(values) -> bool:
    """True when every finite value is a whole number (grid scores), so JSON shows 3 rather than 3.0."""
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    return bool(np.all(finite == np.round(finite)))


def _json(values, integral: bool = False):
    """Nested lists of floats (ints if ``integral``), NaN as None."""
    array = np.asarray(values, dtype=float)
    missing = np.isnan(array)
    plain = np.where(missing, 0, array).astype(np.int64) if integral else array
    if not missing.any():
        return plain.tolist()                 # C-speed conversion: matters at 100,000 sorts
    out = plain.astype(object)
    out[missing] = None
    return out.tolist()


def qmethod(sorts, nfactors: int = 3, extraction: str = "pca", rotation: str = "varimax", *,
            cor_method: str = "pearson", distribution=None, flag_level: float = 0.05,
            negative_flags: str = "flag", manual_flags=None, flag_overrides=None, rotation_steps=(),
            centroid_start="mean", centroid_tolerance: float = 1e-5, effect_size: float | None = None,
            participant_ids: Sequence[str] | None = None, statement_ids: Sequence[str] | None = None
            ) -> QResult:
    """Run a full Q-method analysis, with R qmethod's numbers for the same options.

    Parameters
    ----------
    sorts : array-like, shape (n_statements, n_participants)
        The score each participant gave each statement.
    nfactors : int
        Factors to extract, 1 .. min(n_statements - 1, n_participants).
    extraction : {"pca", "centroid"}
        PCA never builds the participants x participants matrix; centroid needs it (one copy, worked on
        in place), so it is refused above 10,000 Q-sorts.
    rotation : {"varimax", "none", "quartimax", "equamax", "promax", "oblimin"}
        varimax: R's ``stats::varimax`` (qmethod's numbers). The other four go through factor_analyzer's
        ``Rotator`` (:func:`analysis.rotation.rotate_with_factor_analyzer`); promax and oblimin are oblique:
        ``loadings`` are pattern loadings and ``phi`` holds the factor correlations.
    cor_method : {"pearson", "spearman", "kendall"}
        Kendall's tau-b works on one row per statement pair (n_statements² / 2 rows), so its memory grows
        with n_statements² x n_participants (about 0.6 GB for 40 statements and 100,000 sorts).
    distribution : array-like of n_statements values, or a Grid, optional
        The values factor arrays are fitted to. None: forced distribution taken from the sorted first sort
        (qmethod's ``forced=TRUE``); every sort must then share it. Give it for free distributions.
    flag_level : {0.05, 0.01, 0.001}
    negative_flags : {"flag", "exclude"}
        "flag" (qmethod): large negative loadings are flagged, with a warning. "exclude": they are not.
    manual_flags : bool array (n_participants, nfactors), optional
        Replaces the automatic flags.
    flag_overrides : mapping participant -> factor index or None, optional
        Partial manual flags: each listed participant (0-based row, or participant id) is flagged on that
        factor (0-based) alone, or unflagged with None; every other participant keeps its automatic flags
        (or its ``manual_flags`` row). Recorded in ``params["flag_overrides"]`` by participant id.
    rotation_steps : sequence of RotationStep or dicts
        Judgmental steps after the rotation, e.g. ``{"kind": "pair", "factors": [0, 1], "degrees": 10}``
        or ``{"kind": "invert", "factor": 2}`` (0-based factors).
    centroid_start, centroid_tolerance :
        qmethod: "mean" and 1e-5; PQMethod/KADE: 0.5 and 0.001.
    effect_size : float, optional
        Minimum |z difference| for a difference to count in distinguishing/consensus tests.
    participant_ids, statement_ids : sequences of str, optional
        Default: a pandas DataFrame's column and index labels, else "p1".., "s1"...

    Returns
    -------
    QResult

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> grid = np.repeat([-2, -1, 0, 1, 2], [2, 3, 4, 3, 2])
    >>> sorts = np.column_stack([rng.permutation(grid) for _ in range(12)])
    >>> result = qmethod(sorts, nfactors=2)
    >>> result.loadings.shape, result.factor_arrays.shape
    ((12, 2), (14, 2))
    >>> result.to_dict()["participants"][:3]
    ['p1', 'p2', 'p3']
    """
    if participant_ids is None and hasattr(sorts, "columns"):        # a pandas DataFrame from a notebook
        participant_ids = [str(c) for c in sorts.columns]
    if statement_ids is None and hasattr(sorts, "columns") and hasattr(sorts, "index"):
        statement_ids = [str(i) for i in sorts.index]
    x = as_sorts(sorts, participant_ids)
    n_statements, n_participants = x.shape
    participant_ids = _ids(participant_ids, n_participants, "p", "participant_ids")
    statement_ids = _ids(statement_ids, n_statements, "s", "statement_ids")
    _check_choice("extraction", extraction, EXTRACTIONS)
    _check_choice("rotation", rotation, ROTATIONS)
    _check_choice("cor_method", cor_method, METHODS)
    values = _distribution(x, distribution, participant_ids)

    z = standardise(x, cor_method)
    if isinstance(nfactors, bool) or not isinstance(nfactors, (int, np.integer)):
        raise ValueError(f"nfactors must be an integer, got {nfactors!r}")
    limit = max_factors(z)
    if not 1 <= nfactors <= limit:
        raise ValueError(f"nfactors must be between 1 and {limit} for {n_statements} statements and "
                         f"{n_participants} Q-sorts, got {nfactors}")
    unrotated, eigenvalues = _extract(z, nfactors, extraction, centroid_start, centroid_tolerance)
    loadings, phi = _rotate(unrotated, rotation, extraction)
    loadings, steps = apply_steps(loadings, rotation_steps)
    if phi is not None and steps:
        turn = steps_matrix(steps, nfactors)
        phi = turn.T @ phi @ turn                   # P Phi P' (the communalities) stays the same
    flagged = flag(loadings, n_statements, flag_level, negative_flags, manual_flags)
    overrides = {} if flag_overrides is None else resolve_overrides(flag_overrides, flagged.shape, participant_ids)
    flagged = override_flags(flagged, overrides)
    z_scores, arrays, chars, table = score_factors(x, loadings, flagged, values, effect_size)

    params = {
        "nfactors": int(nfactors), "extraction": extraction, "rotation": rotation, "cor_method": cor_method,
        "forced": distribution is None, "distribution": [float(v) for v in values],
        "flag_level": flag_level, "negative_flags": negative_flags,
        "manual_flags": None if manual_flags is None and not overrides else np.asarray(flagged).tolist(),
        "flag_overrides": {participant_ids[row]: factor for row, factor in overrides.items()} or None,
        "rotation_steps": [step.to_dict() for step in steps],
        "centroid_start": centroid_start, "centroid_tolerance": centroid_tolerance, "effect_size": effect_size,
    }
    return QResult(participant_ids=participant_ids, statement_ids=statement_ids, loadings=loadings, flagged=flagged,
                   zscores=z_scores, factor_arrays=arrays, characteristics=chars, table=table,
                   eigenvalues=eigenvalues, unrotated_loadings=unrotated, params=params,
                   warnings=_warnings(loadings, flagged, z_scores, manual_flags is None, overrides), sorts=x, phi=phi)


def _ids(ids, n: int, prefix: str, name: str) -> list[str]:
    if ids is None:
        return [f"{prefix}{i + 1}" for i in range(n)]
    ids = [str(i) for i in ids]
    if len(ids) != n:
        raise ValueError(f"{name} has {len(ids)} entries but the data has {n}")
    return ids


def _check_choice(name: str, value, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")


def _distribution(x: np.ndarray, distribution, participant_ids: list[str]) -> np.ndarray:
    """Grid values for the factor arrays; with none given, the forced distribution of the first sort."""
    if distribution is not None:
        return sorted_distribution(distribution, x.shape[0])
    first = np.sort(x[:, 0])
    differs = np.flatnonzero(np.any(np.sort(x, axis=0) != first[:, None], axis=0))
    if differs.size:
        col = int(differs[0])
        raise ValueError(
            f"participant {participant_ids[col]!r} (column {col + 1}) does not follow the distribution of "
            f"the first Q-sort ({participant_ids[0]!r}); for a free distribution pass distribution=..."
        )
    return first


def _extract(z: np.ndarray, nfactors: int, extraction: str, start, tolerance: float):
    if extraction == "pca":
        return pca(z, nfactors)
    n = z.shape[1]
    if n > CENTROID_MAX_PARTICIPANTS:
        raise ValueError(f"centroid extraction needs the {n} x {n} correlation matrix; above "
                         f"{CENTROID_MAX_PARTICIPANTS} Q-sorts use extraction='pca', which does not")
    r = z.T @ z / (z.shape[0] - 1)
    np.fill_diagonal(r, 1.0)
    eigenvalues = correlation_eigenvalues(z)
    return centroid(r, nfactors, start, tolerance, overwrite=True, validate=False), eigenvalues


def _rotate(unrotated: np.ndarray, rotation: str, extraction: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Rotated loadings, oriented (and for PCA ordered) as psych::principal does, and the factor correlations
    of an oblique rotation (None for orthogonal ones)."""
    if rotation == "none":
        return orient_positive(unrotated), None
    if rotation in FACTOR_ANALYZER_ROTATIONS:
        rotated, phi = rotate_with_factor_analyzer(unrotated, rotation)
        return order_and_orient(rotated, phi, reorder=extraction == "pca")
    rotated, _ = varimax(unrotated)
    if extraction == "pca":
        rotated = order_by_ss(rotated)          # psych::principal does this; qmethod's centroid does not
    return orient_positive(rotated), None


def _warnings(loadings, flagged, z_scores, automatic: bool, overrides: dict) -> list[str]:
    messages = []
    # qmethod warns about negative flags its automatic flagging made; rows flagged by hand are the
    # researcher's choice.
    automatic_rows = np.setdiff1d(np.arange(flagged.shape[0]), list(overrides))
    if automatic and has_negative_flags(loadings[automatic_rows], flagged[automatic_rows]):
        messages.append(NEGATIVE_WARNING)
    for j in np.flatnonzero(np.isnan(z_scores).any(axis=0)):
        messages.append(f"Factor f{j + 1} has no flagged Q-sort: it has no z-scores, factor array, "
                        "reliability or distinguishing statements.")
    if loadings.shape[1] == 1:
        messages.append("Only one factor: there are no distinguishing or consensus statements.")
    return messages


__all__ = ["FactorColumns", "QResult", "RotationStep", "qmethod", "score_factors"]
