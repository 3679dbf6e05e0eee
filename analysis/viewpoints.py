"""Viewpoints, archetypes and segments: from factors to named groups of people.

A **viewpoint** is a factor *pole*. A factor whose defining (flagged) Q-sorts load on both ends is
*bipolar*: the sorts at its positive end share one view and the sorts at its negative end share the
opposite one (price buyers against strategy buyers, say). Like Ken-Q's and KADE's "split bipolar factor",
each pole becomes a viewpoint of its own: the factor is reflected for the negative pole (its loadings
negated), so the pole's defining sorts load positively and its z-scores and factor array are the weighted
composite of those sorts *as they were sorted*, by the usual weights a/(1 - a²) (:mod:`analysis.scores`).
A factor with defining sorts at one end only is *unipolar* and gives one viewpoint, identical to the factor
when that end is the positive one. A viewpoint with fewer than two defining sorts is *weak*: one person's
sort is not a shared view.

Which sorts define which pole comes from the result's flags, so automatic and manual flags (``manual_flags``,
``flag_overrides``) both count. qmethod's automatic flagging (``negative_flags="flag"``, the default) flags a
sort on a large negative loading too: that sort defines the negative pole. With ``negative_flags="exclude"``
no sort is flagged negatively and every factor is unipolar.

Viewpoint ids: ``"1"`` for a factor with a positive pole only, ``"1+"`` and ``"1-"`` for the two poles of a
bipolar factor, ``"1-"`` for a factor with a negative pole only (its reflection stays visible). Factors
count from 1 in ids, as in reports (f1, f2, ...); the ``factor`` attribute is the 0-based index.

**Archetypes.** Statements may carry tags (the demo's ``price``, ``added-value``, ``strategy``; any set
works). A viewpoint scores each tag by the mean z-score of the statements carrying it
(:func:`archetype_scores`) and suggests the best tag when it clearly leads (:class:`ArchetypeRule`).

**Segments.** Every participant gets one (:func:`segments`): the viewpoint they define (status
``"defining"``), ``"confounded"`` (flagged on several factors, or significant on several without being
flagged) or ``"none"``, with the loading behind it.

Distinguishing and consensus statements and factor characteristics are computed across viewpoints with the
same rules as across factors (:mod:`analysis.characteristics`, :mod:`analysis.distinguishing`).

Example
-------
>>> import numpy as np
>>> from analysis import qmethod
>>> rng = np.random.default_rng(0)
>>> grid = np.repeat([-2, -1, 0, 1, 2], [1, 2, 3, 2, 1])
>>> base = rng.normal(size=9)
>>> def sort(pref):  # a forced sort that follows a preference with a little noise
...     out = np.empty(9, dtype=int); out[np.argsort(pref + rng.normal(scale=0.3, size=9))] = grid; return out
>>> x = np.column_stack([sort(base) for _ in range(4)] + [sort(-base) for _ in range(3)])
>>> tags = ["a", "a", "a", "b", "b", "b", "c", "c", "c"]
>>> found = find_viewpoints(qmethod(x, 1), tags)
>>> [v.id for v in found.viewpoints], [len(v.participants) for v in found.viewpoints]
(['1+', '1-'], [4, 3])
>>> found.segments[0].status, found.segments[0].viewpoint
('defining', '1+')
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .flagging import threshold
from .qmethod import FactorColumns, score_factors

__all__ = ["ArchetypeRule", "Segment", "Viewpoint", "ViewpointAnalysis", "archetype_scores", "find_viewpoints",
           "parse_tags", "pole_loadings", "segments", "suggest_archetype", "viewpoint_poles"]

TAG_SEPARATOR = ";"
MIN_DEFINING = 2            # fewer defining sorts than this: a weak viewpoint
STATUSES = ("defining", "confounded", "none")


# -- tags and archetypes ------------------------------------------------------------------------------------

def parse_tags(tags, statement_ids: Sequence[str] | None = None) -> list[tuple[str, ...]]:
    """Normalise statement tags to one tuple of tag names per statement.

    Parameters
    ----------
    tags : sequence or mapping
        One entry per statement (statement order), or a mapping statement id -> entry. An entry is a string
        of tags separated by ``;`` (``"price; strategy"``), an iterable of strings, or None/"" for no tags.
        Tags are stripped; empty ones are dropped; duplicates within a statement count once.
    statement_ids : sequence of str, optional
        Needed for a mapping (statements missing from it have no tags).

    Returns
    -------
    list of tuple of str, length n_statements

    Examples
    --------
    >>> parse_tags(["price", "price; strategy", None, ["added-value"]])
    [('price',), ('price', 'strategy'), (), ('added-value',)]
    >>> parse_tags({"s2": "strategy"}, ["s1", "s2"])
    [(), ('strategy',)]
    """
    if isinstance(tags, Mapping):
        if statement_ids is None:
            raise ValueError("tags given by statement id need the statement ids")
        known = set(statement_ids)
        unknown = [sid for sid in tags if sid not in known]
        if unknown:
            raise ValueError(f"tags for unknown statement {unknown[0]!r}")
        entries = [tags.get(sid) for sid in statement_ids]
    else:
        entries = list(tags)
        if statement_ids is not None and len(entries) != len(statement_ids):
            raise ValueError(f"{len(entries)} tag entries for {len(statement_ids)} statements")
    out = []
    for entry in entries:
        if entry is None:
            names: list[str] = []
        elif isinstance(entry, str):
            names = entry.split(TAG_SEPARATOR)
        else:
            names = [str(name) for name in entry]
        cleaned = [name.strip() for name in names if name and name.strip()]
        out.append(tuple(dict.fromkeys(cleaned)))
    return out


def archetype_scores(z, tags) -> dict[str, float]:
    """Mean z-score of the statements carrying each tag, for one viewpoint.

    Parameters
    ----------
    z : array-like, shape (n_statements,)
        The viewpoint's statement z-scores.
    tags : list of tuple of str (see :func:`parse_tags`)

    Returns
    -------
    dict tag -> mean z (tags in order of first appearance); empty when z has no scores (NaN).

    Examples
    --------
    >>> archetype_scores([1.5, 0.5, -1.0, -1.0], [("price",), ("price",), ("strategy",), ()])
    {'price': 1.0, 'strategy': -1.0}
    """
    z = np.asarray(z, dtype=float)
    if np.isnan(z).any():
        return {}
    members: dict[str, list[int]] = {}
    for i, names in enumerate(tags):
        for name in names:
            members.setdefault(name, []).append(i)
    return {name: float(z[rows].mean()) for name, rows in members.items()}


@dataclass(frozen=True)
class ArchetypeRule:
    """When a viewpoint's best tag clearly leads, so it is suggested as the viewpoint's archetype.

    The best tag (highest mean z-score of its statements) is suggested when

    * its mean z-score is above ``min_mean`` (the viewpoint rates those statements above the middle of its
      sort: a tag every viewpoint rejects names none of them), and
    * it leads the runner-up by at least ``min_margin`` z. The runner-up is the second-best tag, or, in a
      study with a single tag, the mean z-score of the statements without it.

    Defaults: 0.4 and 0.5 z, calibrated on simulated studies of the demo Q-set (:mod:`analysis.simulate`;
    ``benchmarks/viewpoints.py`` prints the figures): of 359 viewpoints defined by one planted buyer type the
    rule names 99.7% (their best tag leads by 0.64 z or more in 99% of them), of 530 viewpoints made of random
    sorts it names 10% (their best tag leads by 0.19 z at the median). A tag carried by many statements
    cannot reach a high mean (the top 18 of 40 z-scores average about 0.8), so ``min_mean`` is kept below
    that.
    """

    min_mean: float = 0.4
    min_margin: float = 0.5

    def to_dict(self) -> dict:
        return {"min_mean": self.min_mean, "min_margin": self.min_margin}


def suggest_archetype(scores: Mapping[str, float], rule: ArchetypeRule = ArchetypeRule(),
                      rest_mean: float | None = None) -> str | None:
    """The tag :class:`ArchetypeRule` suggests from :func:`archetype_scores`, or None.

    ``rest_mean`` is the runner-up when there is a single tag (the mean z of the untagged statements).

    Examples
    --------
    >>> suggest_archetype({"price": 1.1, "added-value": 0.2, "strategy": -0.9})
    'price'
    >>> suggest_archetype({"price": 0.7, "added-value": 0.3, "strategy": -0.5}) is None   # leads by 0.4 only
    True
    """
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    best, best_mean = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else rest_mean
    if best_mean <= rule.min_mean or runner_up is None or best_mean - runner_up < rule.min_margin:
        return None
    return best


def _rest_mean(z: np.ndarray, tags) -> float | None:
    untagged = [i for i, names in enumerate(tags) if not names]
    return float(z[untagged].mean()) if untagged else None


# -- poles --------------------------------------------------------------------------------------------------

@dataclass
class Viewpoint:
    """One factor pole.

    id : "1", "1+", "1-" (see the module docstring). factor : 0-based factor index. pole : "+" or "-".
    participants : ids of the defining Q-sorts (input order). weak : fewer than two defining sorts.
    archetype : the suggested tag, or None. archetype_scores : tag -> mean z-score of its statements.
    """

    id: str
    factor: int
    pole: str
    participants: list[str]
    weak: bool
    archetype: str | None = None
    archetype_scores: dict[str, float] = field(default_factory=dict)

    @property
    def sign(self) -> int:
        """+1 or -1: the factor's loadings times this are the viewpoint's loadings."""
        return 1 if self.pole == "+" else -1


def viewpoint_poles(loadings, flagged) -> list[tuple[str, int, int, np.ndarray]]:
    """The poles of every factor: ``(id, factor, sign, defining rows)``, in factor order, "+" before "-".

    A sort defines the pole of the sign of its loading on the factor it is flagged on. A factor without any
    defining sort keeps one (empty) positive pole, so every factor stays visible.

    Parameters
    ----------
    loadings, flagged : array-like, shape (n_participants, n_factors)

    Examples
    --------
    >>> a = np.array([[0.8, 0.1], [-0.7, 0.2], [0.6, 0.0], [0.1, 0.9]])
    >>> f = np.array([[1, 0], [1, 0], [1, 0], [0, 1]], dtype=bool)
    >>> [(vid, j, s, rows.tolist()) for vid, j, s, rows in viewpoint_poles(a, f)]
    [('1+', 0, 1, [0, 2]), ('1-', 0, -1, [1]), ('2', 1, 1, [3])]
    """
    a = np.asarray(loadings, dtype=float)
    flags = np.asarray(flagged, dtype=bool)
    out = []
    for j in range(a.shape[1]):
        positive = np.flatnonzero(flags[:, j] & (a[:, j] >= 0))
        negative = np.flatnonzero(flags[:, j] & (a[:, j] < 0))
        name = str(j + 1)
        if positive.size and negative.size:
            out += [(name + "+", j, 1, positive), (name + "-", j, -1, negative)]
        elif negative.size:
            out.append((name + "-", j, -1, negative))
        else:
            out.append((name, j, 1, positive))
    return out


def pole_loadings(loadings, flagged, poles) -> tuple[np.ndarray, np.ndarray]:
    """Loadings and flags per viewpoint: column v is the factor's loadings times the pole's sign, flagged
    only on the pole's defining rows. Shapes (n_participants, n_viewpoints).

    Examples
    --------
    >>> a = np.array([[0.8], [-0.7]]); f = np.array([[True], [True]])
    >>> l, g = pole_loadings(a, f, viewpoint_poles(a, f))
    >>> l.tolist(), g.tolist()
    ([[0.8, -0.8], [-0.7, 0.7]], [[True, False], [False, True]])
    """
    a = np.asarray(loadings, dtype=float)
    n = a.shape[0]
    pole_a = np.column_stack([sign * a[:, j] for _, j, sign, _ in poles]) if poles else np.zeros((n, 0))
    pole_f = np.zeros(pole_a.shape, dtype=bool)
    for v, (_, _, _, rows) in enumerate(poles):
        pole_f[rows, v] = True
    return pole_a, pole_f


# -- segments -----------------------------------------------------------------------------------------------

@dataclass(slots=True)
class Segment:
    """Where one participant lands.

    status : "defining", "confounded" or "none". viewpoint, archetype : the viewpoint they define and its
    archetype (None unless defining). loading : their loading on that viewpoint (positive: the pole's
    orientation); otherwise their largest loading in absolute value, signed. factor : the 0-based factor of
    that loading (None when there are no factors). significant : 0-based factors with |loading| above the
    flagging threshold.
    """

    participant: str
    status: str
    viewpoint: str | None
    archetype: str | None
    loading: float | None
    factor: int | None
    significant: tuple[int, ...] = ()

    def to_dict(self) -> dict:
        return {"viewpoint": self.viewpoint, "archetype": self.archetype, "status": self.status,
                "loading": self.loading, "factor": None if self.factor is None else f"f{self.factor + 1}"}


def segments(loadings, flagged, viewpoints: Sequence[Viewpoint], participant_ids: Sequence[str],
             n_statements: int, level: float = 0.05) -> list[Segment]:
    """Every participant's segment.

    * ``defining``: flagged on exactly one factor; the viewpoint is that factor's pole of their loading's
      sign.
    * ``confounded``: flagged on several factors (possible with manual flags), or on none while their loading
      is significant (|a| > z_level / sqrt(n_statements), as in flagging) on two or more factors.
    * ``none``: everyone else (significant on no factor, or on one without being flagged, e.g. because
      another loading takes too much of their common variance).

    Parameters
    ----------
    loadings, flagged : array-like, shape (n_participants, n_factors)
    viewpoints : the viewpoints built from these flags (:func:`find_viewpoints`)
    participant_ids : sequence of str
    n_statements : int
    level : the flagging level (0.05, 0.01 or 0.001)

    Returns
    -------
    list of Segment, in participant order

    Examples
    --------
    >>> a = np.array([[0.8, 0.1], [-0.7, 0.2], [0.5, 0.5], [0.1, 0.1]])
    >>> f = np.array([[1, 0], [1, 0], [0, 0], [0, 0]], dtype=bool)
    >>> vps = [Viewpoint("1+", 0, "+", ["a"], True), Viewpoint("1-", 0, "-", ["b"], True)]
    >>> [(s.status, s.viewpoint, s.loading) for s in segments(a, f, vps, list("abcd"), 20)]
    [('defining', '1+', 0.8), ('defining', '1-', 0.7), ('confounded', None, 0.5), ('none', None, 0.1)]
    """
    a = np.asarray(loadings, dtype=float)
    flags = np.asarray(flagged, dtype=bool)
    n, k = a.shape
    if k == 0:
        return [Segment(pid, "none", None, None, None, None, ()) for pid in participant_ids]
    # Whole-array work first (a study can hold 100,000 sorts), then one light pass building the records.
    significant = np.abs(a) > threshold(n_statements, level)
    n_flags = flags.sum(axis=1)
    own = np.where(n_flags == 1, np.argmax(flags, axis=1), np.argmax(np.abs(a), axis=1))
    loading = a[np.arange(n), own]
    defining = n_flags == 1
    sign = np.where(loading >= 0, 1, -1)
    confounded = (n_flags > 1) | (~defining & (significant.sum(axis=1) > 1))
    by_pole = {(vp.factor, vp.sign): vp for vp in viewpoints}
    # the factors a participant is significant on, as one of at most 2^k shared tuples
    codes = significant.astype(np.int64) @ (1 << np.arange(k, dtype=np.int64))
    patterns = {int(code): tuple(f for f in range(k) if int(code) >> f & 1) for code in np.unique(codes)}
    rows = zip(participant_ids, defining.tolist(), confounded.tolist(), own.tolist(), sign.tolist(),
               loading.tolist(), codes.tolist())
    out = []
    for pid, is_defining, is_confounded, j, pole, value, code in rows:
        factors = patterns[code]
        if is_defining:
            vp = by_pole.get((j, pole))
            out.append(Segment(pid, "defining", vp.id if vp else None, vp.archetype if vp else None,
                               pole * value, j, factors))
        else:
            out.append(Segment(pid, "confounded" if is_confounded else "none", None, None, value, j, factors))
    return out


# -- the whole step -----------------------------------------------------------------------------------------

@dataclass
class ViewpointAnalysis(FactorColumns):
    """Viewpoints of a Q-method result with their own numbers. Viewpoints in :func:`viewpoint_poles` order.

    loadings, flagged : (n_participants, n_viewpoints), pole-oriented (:func:`pole_loadings`).
    zscores : (n_statements, n_viewpoints) float, NaN for a viewpoint without defining sorts.
    factor_arrays : (n_statements, n_viewpoints) on the result's distribution (int64, or float with NaN).
    characteristics : across viewpoints (n_flagged, reliability, se_zscores, zscore_correlations, sed, ...;
    eigenvalues and explained variance are those of the viewpoint's factor). table : pairwise comparison
    of viewpoints (:class:`analysis.distinguishing.QDC`). segments : one per participant, input order.
    tags : per statement (:func:`parse_tags`), or None. rule : the archetype rule used.
    """

    viewpoints: list[Viewpoint]
    segments: list[Segment]
    tags: list[tuple[str, ...]] | None
    rule: ArchetypeRule
    distribution: np.ndarray

    @property
    def ids(self) -> list[str]:
        return [vp.id for vp in self.viewpoints]

    def index(self, viewpoint_id: str) -> int:
        """Column of a viewpoint id in the arrays."""
        try:
            return self.ids.index(viewpoint_id)
        except ValueError:
            raise KeyError(f"no viewpoint {viewpoint_id!r}; there are {', '.join(self.ids)}") from None

    def distinguishing(self, level: float = 0.05) -> list[np.ndarray]:
        """Per viewpoint, indices of statements whose z-score differs from every other viewpoint's."""
        return self.table.distinguishing(level)

    def consensus(self, level: float = 0.05) -> np.ndarray:
        """Indices of statements on which no two viewpoints differ."""
        return self.table.consensus(level)

    def to_dict(self) -> dict:
        """JSON-safe: ``viewpoints`` (list) and ``segments`` (participant id -> segment), as in DESIGN.md,
        plus ``viewpoint_consensus`` (statement ids, p < .05), ``viewpoint_correlations`` (between the
        viewpoints' z-scores, (n_viewpoints, n_viewpoints), None where a viewpoint has no scores) and
        ``archetype_rule``.

        Each viewpoint: id, factor ("f1"), factor_index (0-based), pole, archetype, archetype_scores,
        participants (ids), weak, n_defining, reliability, se_zscores, zscores (per statement),
        factor_array (per statement), distinguishing (statement ids, p < .05) and distinguishing_01 (p < .01).
        """
        ids = self.statement_ids
        c = self.characteristics
        d05, d01 = self.table.distinguishing(0.05), self.table.distinguishing(0.01)
        integral = _integral(self.factor_arrays)
        viewpoints = []
        for v, vp in enumerate(self.viewpoints):
            viewpoints.append({
                "id": vp.id, "factor": f"f{vp.factor + 1}", "factor_index": vp.factor, "pole": vp.pole,
                "archetype": vp.archetype, "archetype_scores": dict(vp.archetype_scores),
                "participants": list(vp.participants), "weak": vp.weak, "n_defining": len(vp.participants),
                "reliability": _number(c.reliability[v]), "se_zscores": _number(c.se_zscores[v]),
                "zscores": [_number(z) for z in self.zscores[:, v]],
                "factor_array": [_number(value, integral) for value in self.factor_arrays[:, v]],
                "distinguishing": [ids[i] for i in d05[v]], "distinguishing_01": [ids[i] for i in d01[v]],
            })
        return {
            "viewpoints": viewpoints,
            "segments": {s.participant: s.to_dict() for s in self.segments},
            "viewpoint_consensus": [ids[i] for i in self.table.consensus(0.05)],
            "viewpoint_correlations": [[_number(r) for r in row] for row in c.zscore_correlations],
            "archetype_rule": self.rule.to_dict(),
        }


def _integral(values) -> bool:
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    return bool(np.all(finite == np.round(finite)))


def _number(value, integral: bool = False):
    value = float(value)
    if np.isnan(value):
        return None
    return int(value) if integral else value


def find_viewpoints(result, tags=None, *, rule: ArchetypeRule = ArchetypeRule(), min_defining: int = MIN_DEFINING,
                    sorts=None, distribution=None) -> ViewpointAnalysis:
    """Split a result's factors into viewpoints, score them, suggest archetypes and place every participant.

    Parameters
    ----------
    result : QResult
        From :func:`analysis.qmethod` (it keeps the sorts and the factor-array distribution).
    tags : statement tags, optional
        Anything :func:`parse_tags` accepts (per statement, or a mapping statement id -> tags). Without
        tags no archetype is suggested.
    rule : ArchetypeRule
    min_defining : int
        Viewpoints with fewer defining sorts are weak (default 2).
    sorts, distribution : optional
        Only for a result built without them (the sorts, shape (n_statements, n_participants), and the
        factor-array distribution); :func:`analysis.qmethod` results carry both.

    Returns
    -------
    ViewpointAnalysis
    """
    x = getattr(result, "sorts", None) if sorts is None else np.asarray(sorts, dtype=float)
    if x is None:
        raise ValueError("this result does not hold its sorts: pass sorts=...")
    values = np.asarray(result.params["distribution"] if distribution is None else distribution, dtype=float)
    parsed = None if tags is None else parse_tags(tags, result.statement_ids)
    poles = viewpoint_poles(result.loadings, result.flagged)
    pole_a, pole_f = pole_loadings(result.loadings, result.flagged, poles)
    z, arrays, chars, table = score_factors(x, pole_a, pole_f, values, result.params.get("effect_size"))
    viewpoints = []
    for v, (vid, j, sign, rows) in enumerate(poles):
        scores = archetype_scores(z[:, v], parsed) if parsed is not None else {}
        archetype = suggest_archetype(scores, rule, _rest_mean(z[:, v], parsed)) if parsed is not None else None
        viewpoints.append(Viewpoint(vid, j, "+" if sign > 0 else "-", [result.participant_ids[i] for i in rows],
                                    len(rows) < min_defining, archetype, scores))
    placed = segments(result.loadings, result.flagged, viewpoints, result.participant_ids,
                      len(result.statement_ids), result.params.get("flag_level", 0.05))
    return ViewpointAnalysis(participant_ids=list(result.participant_ids), statement_ids=list(result.statement_ids),
                             loadings=pole_a, flagged=pole_f, zscores=z, factor_arrays=arrays, characteristics=chars,
                             table=table, viewpoints=viewpoints, segments=placed, tags=parsed, rule=rule,
                             distribution=values)
