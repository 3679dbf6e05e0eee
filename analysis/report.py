"""A readable plain-text report of a Q-method analysis, in the spirit of PQMethod's listing.

Sections: the study and the options; eigenvalues; factor characteristics; correlations between
factors; loadings with defining sorts marked ``X``; the factor arrays (every statement's score on
every factor, with its text); each factor's statements in descending order of z-score;
distinguishing statements per factor with significance stars; consensus statements; then, given the
viewpoints (:mod:`analysis.viewpoints`): which viewpoint is which buyer type, in words, every
participant's segment, and a crib sheet per viewpoint (:mod:`analysis.cribsheet`); warnings.

Example
-------
>>> import numpy as np
>>> from analysis import qmethod
>>> rng = np.random.default_rng(1)
>>> grid = np.repeat([-2, -1, 0, 1, 2], [2, 3, 4, 3, 2])
>>> result = qmethod(np.column_stack([rng.permutation(grid) for _ in range(12)]), nfactors=2)
>>> text = text_report(result, title="Demo")
>>> "Factor arrays" in text and "Consensus statements" in text
True
"""
from __future__ import annotations

import textwrap
from typing import Sequence

import numpy as np

__all__ = ["text_report"]

WIDTH = 100
TEXT_WIDTH = 52
STARS_LEGEND = "* p < .05, ** p < .01, *** p < .001, 6* p < .000001"


def _rule(char: str = "-") -> str:
    return char * WIDTH


def _heading(title: str) -> list[str]:
    return ["", title, _rule()]


def _clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _num(value, fmt: str = "{:7.3f}", width: int = 7) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-".rjust(width)
    return fmt.format(value)


def _signed(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "  -"
    value = int(value)
    return f"{'+' if value > 0 else ''}{value}".rjust(3)


def text_report(result, statement_texts: Sequence[str] | None = None, *, title: str | None = None,
                source: str | None = None, grid=None, max_eigenvalues: int = 8, advice: dict | None = None,
                boot=None, viewpoints=None) -> str:
    """Render a :class:`analysis.QResult` as text.

    Parameters
    ----------
    result : QResult
    statement_texts : list of str, optional
        One per statement (input order); the statement ids are shown when absent.
    title, source : str, optional
        Study title and the file it came from.
    grid : Grid, optional
        Shown in the header.
    max_eigenvalues : int
        How many eigenvalues to list.
    advice : dict, optional
        :func:`analysis.nfactors.suggest_nfactors` output, shown after the eigenvalues.
    boot : BootstrapResult, optional
        :func:`analysis.bootstrap.bootstrap` output: z-score intervals and flag frequencies.
    viewpoints : ViewpointAnalysis, optional
        :func:`analysis.viewpoints.find_viewpoints` output: viewpoints, archetypes, segments, crib sheets.

    Returns
    -------
    str
    """
    k = result.n_factors
    ids = list(result.statement_ids)
    texts = list(statement_texts) if statement_texts is not None else None
    factors = [f"f{j + 1}" for j in range(k)]
    lines: list[str] = []
    lines += _header(result, title, source, grid)
    lines += _eigenvalues(result, max_eigenvalues)
    if advice is not None:
        lines += _advice(advice)
    lines += _characteristics(result, factors)
    if getattr(result, "phi", None) is not None:
        lines += _rotated_correlations(result, factors)
    lines += _loadings(result, factors)
    lines += _arrays(result, ids, texts, factors)
    for j in range(k):
        lines += _descending(result, ids, texts, j)
    lines += _distinguishing(result, ids, texts, factors)
    lines += _consensus(result, ids, texts, factors)
    if viewpoints is not None:
        lines += _viewpoints(viewpoints)
        lines += _segments(viewpoints)
        lines += _crib_sheets(viewpoints, ids, texts)
    if boot is not None:
        lines += _bootstrap(boot, ids, texts, factors)
    if result.warnings:
        lines += _heading("Warnings")
        lines += [f"- {w}" for w in result.warnings]
    return "\n".join(lines) + "\n"


def _header(result, title, source, grid) -> list[str]:
    p = result.params
    lines = [_rule("="), _clip(title or "Q-method analysis", WIDTH), _rule("=")]
    if source:
        lines.append(f"File:        {source}")
    lines.append(f"Q-sorts:     {len(result.participant_ids)}    Statements: {len(result.statement_ids)}"
                 + (f"    Grid: {grid}" if grid is not None else ""))
    lines.append(f"Analysis:    {p.get('nfactors')} factors, extraction {p.get('extraction')}, rotation "
                 f"{p.get('rotation')}, {p.get('cor_method')} correlation, flags at p < {p.get('flag_level')}")
    steps = p.get("rotation_steps") or []
    if steps:
        lines.append("Rotation steps: " + "; ".join(_describe_step(step) for step in steps))
    overrides = p.get("flag_overrides")
    if overrides:
        lines.append("Manual flags: " + ", ".join(f"{who}={'-' if factor is None else f'f{factor + 1}'}"
                                                  for who, factor in overrides.items()))
    return lines


def _describe_step(step: dict) -> str:
    """A rotation step as a reader counts factors (from 1), e.g. "rotate f1 and f2 by 10°", "invert f2"."""
    if step.get("kind") == "invert":
        return f"invert f{step['factor'] + 1}"
    i, j = step["factors"]
    return f"rotate f{i + 1} and f{j + 1} by {step['degrees']:g}°"


def _eigenvalues(result, max_eigenvalues: int) -> list[str]:
    eigs = np.asarray(result.eigenvalues, dtype=float)[:max_eigenvalues]
    n = len(result.participant_ids)
    lines = _heading("Eigenvalues of the correlation matrix")
    lines.append("          " + "".join(f"{i + 1:>9d}" for i in range(len(eigs))))
    lines.append("eigenvalue" + "".join(f"{e:9.4f}" for e in eigs))
    lines.append("% variance" + "".join(f"{100 * e / n:9.2f}" for e in eigs))
    return lines


def _characteristics(result, factors) -> list[str]:
    c = result.characteristics
    lines = _heading("Factor characteristics")
    lines.append(f"{'':32s}" + "".join(f"{f:>10s}" for f in factors))
    rows = [
        ("Defining Q-sorts", [int(v) for v in c.n_flagged], "{:10d}"),
        ("Eigenvalue (sum of sq. loadings)", list(c.eigenvalues), "{:10.4f}"),
        ("Explained variance (%)", list(c.explained_variance), "{:10.2f}"),
        ("Composite reliability", list(c.reliability), "{:10.4f}"),
        ("SE of factor z-scores", list(c.se_zscores), "{:10.4f}"),
    ]
    for label, values, fmt in rows:
        lines.append(f"{label:32s}" + "".join(_num(v, fmt, 10) for v in values))
    corr = np.asarray(c.zscore_correlations, dtype=float)
    lines += _heading("Correlations between factor z-scores")
    lines.append("      " + "".join(f"{f:>9s}" for f in factors))
    for j, f in enumerate(factors):
        lines.append(f"{f:6s}" + "".join(_num(float(v), "{:9.4f}", 9) for v in corr[j]))
    return lines


def _rotated_correlations(result, factors) -> list[str]:
    """The factors' correlations after an oblique rotation (promax, oblimin)."""
    phi = np.asarray(result.phi, dtype=float)
    lines = _heading(f"Correlations between the rotated factors ({result.params.get('rotation')} is oblique: "
                     "the loadings below are pattern loadings)")
    lines.append("      " + "".join(f"{f:>9s}" for f in factors))
    for j, f in enumerate(factors):
        lines.append(f"{f:6s}" + "".join(f"{v:9.4f}" for v in phi[j]))
    return lines


def _loadings(result, factors) -> list[str]:
    a = np.asarray(result.loadings, dtype=float)
    flags = np.asarray(result.flagged, dtype=bool)
    lines = _heading("Factor loadings (X = defining Q-sort)")
    width = max([10] + [len(p) for p in result.participant_ids]) + 2
    lines.append(f"{'Q-sort':{width}s}" + "".join(f"{f:>10s}" for f in factors))
    for i, pid in enumerate(result.participant_ids):
        cells = "".join(f"{a[i, j]:9.4f}{'X' if flags[i, j] else ' '}" for j in range(len(factors)))
        lines.append(f"{pid:{width}s}" + cells)
    lines.append(f"{'defining':{width}s}" + "".join(f"{int(n):9d} " for n in flags.sum(axis=0)))
    return lines


def _statement_label(ids, texts, i, width=TEXT_WIDTH) -> str:
    text = texts[i] if texts is not None else ""
    return f"{_clip(ids[i], 10):10s} {_clip(text, width):{width}s}" if texts is not None else f"{_clip(ids[i], 10):10s}"


def _arrays(result, ids, texts, factors) -> list[str]:
    arrays = np.asarray(result.factor_arrays, dtype=float)
    lines = _heading("Factor arrays (each statement's score in the ideal Q-sort of each factor)")
    label_width = 11 + (TEXT_WIDTH + 1 if texts is not None else 0)
    lines.append(f"{'Statement':{label_width}s}" + "".join(f"{f:>5s}" for f in factors))
    for i in range(len(ids)):
        lines.append(f"{_statement_label(ids, texts, i)} " + "".join(
            f"{_signed(None if np.isnan(v) else v):>5s}" for v in arrays[i]))
    return lines


def _descending(result, ids, texts, j) -> list[str]:
    z = np.asarray(result.zscores, dtype=float)[:, j]
    arrays = np.asarray(result.factor_arrays, dtype=float)[:, j]
    lines = _heading(f"Factor f{j + 1}: statements in descending order of z-score")
    if np.isnan(z).any():
        return lines + ["(no defining Q-sort: no z-scores)"]
    for i in np.argsort(-z, kind="stable"):
        lines.append(f"{_statement_label(ids, texts, i)} {z[i]:8.3f} {_signed(arrays[i])}")
    return lines


def _distinguishing(result, ids, texts, factors) -> list[str]:
    table = result.table
    z = np.asarray(result.zscores, dtype=float)
    arrays = np.asarray(result.factor_arrays, dtype=float)
    stars = table.stars()
    lines = _heading(f"Distinguishing statements (p < .05; {STARS_LEGEND})")
    if len(factors) < 2:
        return lines + ["(one factor: nothing to distinguish)"]
    distinguishing = table.distinguishing(0.05)
    for j, f in enumerate(factors):
        lines.append("")
        lines.append(f"Factor {f}: {len(distinguishing[j])} statement(s)"
                     + ("" if not len(distinguishing[j]) else "   (z-score / array value on "
                        + ", ".join(factors) + ")"))
        pair_columns = [p for p, pair in enumerate(table.pairs) if j in pair]
        rows = sorted(distinguishing[j], key=lambda i: -z[i, j])
        for i in rows:
            # The weakest significance over the pairs that involve this factor.
            order = {"*": 1, "**": 2, "***": 3, "6*": 4}
            weakest = min((stars[i, p] for p in pair_columns), key=lambda s: order.get(s, 0))
            cells = "  ".join(f"{z[i, m]:6.2f}/{_signed(arrays[i, m]).strip():>2s}" for m in range(len(factors)))
            lines.append(f"  {_statement_label(ids, texts, i, 40)} {weakest:>3s}  {cells}")
    return lines


def _consensus(result, ids, texts, factors) -> list[str]:
    z = np.asarray(result.zscores, dtype=float)
    arrays = np.asarray(result.factor_arrays, dtype=float)
    consensus = result.table.consensus(0.05)
    lines = _heading("Consensus statements (no pair of factors differs at p < .05)")
    if len(factors) < 2:
        return lines + ["(one factor: no consensus test)"]
    if not len(consensus):
        return lines + ["(none)"]
    for i in consensus:
        cells = "  ".join(f"{z[i, m]:6.2f}/{_signed(arrays[i, m]).strip():>2s}" for m in range(len(factors)))
        lines.append(f"  {_statement_label(ids, texts, i, 40)}      {cells}")
    return lines


def _advice(advice: dict) -> list[str]:
    parallel = advice["parallel"]
    lines = _heading("How many factors")
    lines.append(f"Kaiser (eigenvalue > 1):          {advice['kaiser']}")
    lines.append(f"Humphrey's rule:                  {advice['humphrey']['n_factors']}"
                 f"   (two highest loadings' product > {advice['humphrey']['threshold']:.3f})")
    lines.append(f"Parallel analysis:                {parallel['n_factors']}   ({parallel['n_iter']} random "
                 f"studies from grid {parallel['grid']}, {parallel['percentile']:g}th percentile)")
    shown = min(8, len(parallel["thresholds"]))
    lines.append("  observed   " + "".join(f"{e:8.3f}" for e in parallel["eigenvalues"][:shown]))
    lines.append("  random     " + "".join(f"{t:8.3f}" for t in parallel["thresholds"][:shown]))
    lines.append(f"Suggested:                        {advice['suggested']}")
    return lines


def _bootstrap(boot, ids, texts, factors) -> list[str]:
    level = int(round(boot.level * 100))
    lines = _heading(f"Bootstrap ({boot.n_resamples} resamples, seed {boot.seed}): z-scores, "
                     f"mean [{level}% interval]")
    lines.append(f"{'Statement':11s}" + "".join(f"{f:>24s}" for f in factors))
    for i in range(len(ids)):
        cells = "".join(
            f"{_num(boot.zscores_mean[i, j], '{:6.2f}', 6)} [{_num(boot.zscores_lower[i, j], '{:5.2f}', 5)},"
            f"{_num(boot.zscores_upper[i, j], '{:5.2f}', 5)}]".rjust(24) for j in range(len(factors)))
        lines.append(f"{_clip(ids[i], 10):11s}{cells}")
    lines += _heading("Bootstrap: share of resamples in which each Q-sort flags on each factor")
    width = max([10] + [len(p) for p in boot.participant_ids]) + 2
    lines.append(f"{'Q-sort':{width}s}" + "".join(f"{f:>8s}" for f in factors) + "   in resamples")
    for p, pid in enumerate(boot.participant_ids):
        lines.append(f"{pid:{width}s}" + "".join(_num(boot.flag_frequency[p, j], "{:8.2f}", 8)
                                                 for j in range(len(factors))) + f"   {int(boot.n_present[p]):>6d}")
    return lines


def _signed_z(value: float) -> str:
    return f"{value:+.2f}"


def describe_viewpoint(vp, rule) -> str:
    """One viewpoint in words: where it comes from, who defines it, and which buyer type it looks like.

    >>> from analysis.viewpoints import ArchetypeRule, Viewpoint
    >>> vp = Viewpoint("1-", 0, "-", ["P1", "P2"], False, "price", {"price": 1.2, "strategy": -0.8})
    >>> print(describe_viewpoint(vp, ArchetypeRule()))   # doctest: +NORMALIZE_WHITESPACE
    Viewpoint 1- (negative pole of f1; 2 defining Q-sorts: P1, P2) looks like price buyers:
    its price statements score +1.20 on average, strategy -0.80.
    """
    if vp.id[-1:] in "+-":
        where = f"{'positive' if vp.pole == '+' else 'negative'} pole of f{vp.factor + 1}"
    else:
        where = f"f{vp.factor + 1}"
    n = len(vp.participants)
    who = f"{n} defining Q-sort{'' if n == 1 else 's'}" + (f": {', '.join(vp.participants)}" if n else "")
    head = f"Viewpoint {vp.id} ({where}; {who}{'; weak' if vp.weak else ''})"
    if not n:
        return head + " has no scores."
    ranked = sorted(vp.archetype_scores.items(), key=lambda item: -item[1])
    if not ranked:
        return head + "."
    scores = ", ".join(f"{tag} {_signed_z(score)}" for tag, score in ranked[1:])
    if vp.archetype is not None:
        return (f"{head} looks like {vp.archetype} buyers: its {vp.archetype} statements score "
                f"{_signed_z(ranked[0][1])} on average" + (f", {scores}." if scores else "."))
    lead = ranked[0][1] - ranked[1][1] if len(ranked) > 1 else None
    why = (f"{ranked[0][0]} leads with {_signed_z(ranked[0][1])}"
           + (f" by {lead:.2f}" if lead is not None else "")
           + f"; a suggestion needs a mean above {rule.min_mean:g} and a lead of {rule.min_margin:g}")
    return f"{head}: no clear buyer type ({why}; all: " + ", ".join(
        f"{tag} {_signed_z(score)}" for tag, score in ranked) + ")."


def _viewpoints(found) -> list[str]:
    lines = _heading("Viewpoints (factor poles) and buyer types")
    lines.append("A factor whose defining Q-sorts sit at both ends splits into two viewpoints (1+ and 1-), each")
    lines.append("scored from its own sorts. Buyer type: the tag whose statements have the highest mean z-score,")
    lines.append("when it clearly leads.")
    lines.append("")
    for vp in found.viewpoints:
        lines += textwrap.wrap(describe_viewpoint(vp, found.rule), WIDTH, subsequent_indent="    ")
    return lines


def _segments(found) -> list[str]:
    lines = _heading("Segments (each participant: the viewpoint they define, confounded, or none)")
    width = max([10] + [len(s.participant) for s in found.segments]) + 2
    lines.append(f"{'Q-sort':{width}s}{'segment':>12s}{'buyer type':>16s}{'loading':>9s}")
    for s in found.segments:
        segment = s.viewpoint if s.status == "defining" else s.status
        loading = "" if s.loading is None else f"{s.loading:9.4f}"
        lines.append(f"{s.participant:{width}s}{segment or '-':>12s}{s.archetype or '-':>16s}{loading:>9s}")
    counts = {}
    for s in found.segments:
        key = s.viewpoint if s.status == "defining" else s.status
        counts[key] = counts.get(key, 0) + 1
    lines.append("In all: " + ", ".join(f"{key} {n}" for key, n in counts.items()))
    return lines


def _crib_sheets(found, ids, texts) -> list[str]:
    from .cribsheet import crib_sheet

    titles = {"highest": "highest column", "higher": "ranked higher than in every other viewpoint",
              "lower": "ranked lower than in every other viewpoint", "lowest": "lowest column"}
    lines = []
    for vp in found.viewpoints:
        sheet = crib_sheet(found, vp.id, texts)
        lines += _heading(f"Crib sheet: viewpoint {vp.id}"
                          + (f" ({vp.archetype} buyers?)" if vp.archetype else "")
                          + "   (score here | scores in the others | D* D** distinguishing, C consensus)")
        if not (sheet.highest or sheet.lowest):
            lines.append("(no scores)")
            continue
        for name, title in titles.items():
            lines.append(f"{title}:")
            rows = getattr(sheet, name)
            if not rows:
                lines.append("  (none)")
            for row in rows:
                others = " ".join(f"{vid}:{_signed(score).strip()}" for vid, score in row.others.items())
                lines.append(f"  {_statement_label(ids, texts, row.index, 40)} {_signed(row.score)}  "
                             f"{others:<24s} {row.mark}")
    return lines
