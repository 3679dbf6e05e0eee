"""Distinguishing and consensus statements, as qmethod's ``qdc``.

For each pair of factors (j, k) and statement s, d = z_sj - z_sk is significant at level p when
|d| > c_p x SED_jk, with c = 1.960 (p < .05), 2.576 (.01), 3.291 (.001), 4.8916 (1e-6) as qmethod.
A statement *distinguishes* factor j when its difference with every other factor is significant;
it is *consensus* when no pair of factors differs significantly (qmethod uses p < .05 for both; PQMethod's
consensus list is usually read at .01).

Optional effect size: with hundreds of sorts SEDs become tiny and nearly every difference is significant.
``effect_size=e`` additionally requires |d| >= e for a difference to count, in the distinguishing test and
(consistently) in the consensus test.

Sign matters: flipping a factor's sign negates its z-scores and so changes every difference involving it.
Results are therefore stated for the engine's orientation (see :mod:`analysis.qmethod`).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

CRITICAL = {0.05: 1.960, 0.01: 2.576, 0.001: 3.291, 1e-6: 4.8916}
STARS = {0.05: "*", 0.01: "**", 0.001: "***", 1e-6: "6*"}


def _critical(level: float) -> float:
    if level not in CRITICAL:
        raise ValueError(f"level must be one of {list(CRITICAL)}, got {level!r}")
    return CRITICAL[level]


@dataclass
class QDC:
    """The pairwise comparison table.

    pairs: list of (j, k) factor index pairs, j < k (0-based). differences: (n_statements, n_pairs)
    z_j - z_k. sed: (n_pairs,) the pair's standard error of differences. has_scores: (n_factors,) bool,
    False for a factor without flagged sorts (it takes no part in comparisons). effect_size: see module doc.
    """

    pairs: list[tuple[int, int]]
    differences: np.ndarray
    sed: np.ndarray
    n_factors: int
    has_scores: np.ndarray
    effect_size: float | None = None

    def significant(self, level: float = 0.05) -> np.ndarray:
        """(n_statements, n_pairs) bool: the difference is significant (and large enough, if an effect size
        was set). Pairs involving a factor without scores are never significant."""
        d = np.abs(self.differences)
        with np.errstate(invalid="ignore"):
            sig = d > _critical(level) * self.sed[None, :]
            if self.effect_size is not None:
                sig &= d >= self.effect_size
        return sig & ~np.isnan(d)

    def stars(self) -> np.ndarray:
        """(n_statements, n_pairs) str: "", "*", "**", "***" or "6*" as qmethod's ``sig_fj_fk`` columns."""
        out = np.full(self.differences.shape, "", dtype=object)
        for level in (0.05, 0.01, 0.001, 1e-6):
            out[self.significant(level)] = STARS[level]
        return out

    def _usable_pairs(self) -> list[int]:
        ok = self.has_scores
        return [p for p, (j, k) in enumerate(self.pairs) if ok[j] and ok[k]]

    def distinguishing(self, level: float = 0.05) -> list[np.ndarray]:
        """For each factor, the indices of statements that distinguish it: significant against every other
        factor with scores. Empty for a factor without scores or when fewer than two factors have scores."""
        sig = self.significant(level)
        usable = set(self._usable_pairs())
        out = []
        for f in range(self.n_factors):
            columns = [p for p in usable if f in self.pairs[p]]
            if not columns:
                out.append(np.array([], dtype=int))
                continue
            out.append(np.flatnonzero(sig[:, columns].all(axis=1)))
        return out

    def consensus(self, level: float = 0.05) -> np.ndarray:
        """Indices of statements on which no pair of factors (with scores) differs significantly."""
        usable = self._usable_pairs()
        if not usable:
            return np.array([], dtype=int)
        return np.flatnonzero(~self.significant(level)[:, usable].any(axis=1))

    def labels(self) -> list[str]:
        """qmethod's ``dist.and.cons`` column (p < .05), without its 10-plus-factors name-matching bug.

        Two factors: "Consensus" or "Distinguishing". Three or more: "Consensus"; "Distinguishes all";
        "Distinguishes fj only" (every pair with j significant, no other pair); "Distinguishes fj " (every
        pair with j significant and some but not all others; several are concatenated); or "".
        """
        sig = self.significant(0.05)
        n_s, n_pairs = sig.shape
        labels = []
        for s in range(n_s):
            row = sig[s]
            if n_pairs == 0:
                labels.append("")
            elif not row.any():
                labels.append("Consensus")
            elif self.n_factors == 2:
                labels.append("Distinguishing")
            else:
                labels.append(self._label_many(row))
        return labels

    def _label_many(self, row: np.ndarray) -> str:
        label = ""
        for f in range(self.n_factors):
            inside = np.array([f in pair for pair in self.pairs])
            all_in = row[inside].all()
            any_out = row[~inside].any()
            if all_in and not any_out:
                label = f"Distinguishes f{f + 1} only"
            elif row.all():
                label = "Distinguishes all"
            elif all_in and any_out:
                label += f"Distinguishes f{f + 1} "
        return label


def qdc(z, sed, effect_size: float | None = None) -> QDC:
    """Build the comparison table from z-scores (n_statements, k) and the SED matrix (k, k).

    Examples
    --------
    >>> z = np.array([[1.5, -1.0], [0.1, 0.0], [-1.6, 1.0]])
    >>> table = qdc(z, np.full((2, 2), 0.4))
    >>> [t.tolist() for t in table.distinguishing()], table.consensus().tolist(), table.labels()
    ([[0, 2], [0, 2]], [1], ['Distinguishing', 'Consensus', 'Distinguishing'])
    """
    z = np.asarray(z, dtype=float)
    sed = np.asarray(sed, dtype=float)
    k = z.shape[1]
    if effect_size is not None and not effect_size >= 0:
        raise ValueError(f"effect_size must be a non-negative number, got {effect_size!r}")
    pairs = list(combinations(range(k), 2))
    if pairs:
        first = np.array([j for j, _ in pairs])
        second = np.array([m for _, m in pairs])
        differences = z[:, first] - z[:, second]
        pair_sed = sed[first, second]
    else:
        differences = np.zeros((z.shape[0], 0))
        pair_sed = np.zeros(0)
    has_scores = ~np.isnan(z).any(axis=0) & ~np.isnan(np.diag(sed))
    return QDC(pairs, differences, pair_sed, k, has_scores, effect_size)
