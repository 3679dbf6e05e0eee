"""``qsort analyze FILE --factors K``: run the Q-method analysis on a file and print the result.

The analysis engine (numpy, scipy) is imported inside the command, so ``qsort --help`` and the other
commands start without it. Errors in the input are printed on stderr as ``file:line: field: message``
and exit with status 2, without a traceback.
"""
from __future__ import annotations

import json
import sys

import click

INPUT_FORMATS = ("csv", "pqmethod", "kenq", "kade", "json")
EXIT_BAD_INPUT = 2


def _fail(message: str) -> None:
    click.echo(f"qsort analyze: error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--factors", "nfactors", required=True, metavar="K|auto",
              help="Number of factors to extract, or 'auto': the parallel-analysis suggestion "
                   "(the advice is added to the output).")
@click.option("--extraction", type=click.Choice(["pca", "centroid"]), default="pca", show_default=True)
@click.option("--rotation", type=click.Choice(["varimax", "none"]), default="varimax", show_default=True)
@click.option("--cor", "cor_method", type=click.Choice(["pearson", "spearman", "kendall"]), default="pearson",
              show_default=True, help="Correlation between Q-sorts.")
@click.option("--flag-level", type=click.Choice(["0.05", "0.01", "0.001"]), default="0.05", show_default=True,
              help="Significance level of automatic flagging.")
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="json",
              show_default=True, help="json: the analysis contract; text: a PQMethod-style report.")
@click.option("--statements", "statements_file", type=click.Path(dir_okay=False), default=None,
              help="Statement texts: .STA/.txt (one per line) or .csv (statement,text).")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default=None,
              help="Format of FILE (default: from its extension and content).")
@click.option("--bootstrap", "n_resamples", type=click.IntRange(min=0), default=0, show_default=True,
              help="Also bootstrap the solution with this many resamples (qmethod's qmboots; 0 = no).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed of the bootstrap and of parallel analysis.")
def analyze(file: str, nfactors: str, extraction: str, rotation: str, cor_method: str, flag_level: str,
            output_format: str, statements_file: str | None, input_format: str | None, n_resamples: int,
            seed: int) -> None:
    """Analyse the Q-sorts in FILE (our CSV, PQMethod .DAT, Ken-Q CSV, KADE .zip, EQ Web Sort .json).

    Prints one JSON object (participants, statements, eigenvalues, explained_variance, loadings, flagged,
    zscores, factor_arrays, distinguishing, consensus, characteristics, ...) or a text report.
    """
    from analysis import qmethod
    from analysis.formats import FormatError, read_sorts

    if nfactors != "auto" and not (nfactors.isdigit() and int(nfactors) >= 1):
        raise click.BadParameter(f"{nfactors!r} is neither a number of factors (1, 2, ...) nor 'auto'",
                                 param_hint="--factors")
    if n_resamples == 1:
        raise click.BadParameter("a bootstrap needs at least 2 resamples", param_hint="--bootstrap")
    try:
        data = read_sorts(file, input_format, statements=statements_file)
    except FormatError as error:
        _fail(str(error))
    notes = []
    if data.grid is not None:
        distribution = data.grid
    else:
        distribution = _pooled_distribution(data.sorts)
        notes.append("Free distribution (the Q-sorts do not share one grid): factor arrays use the pooled "
                     "distribution of all sorts.")
    options = dict(cor_method=cor_method, distribution=distribution, flag_level=float(flag_level),
                   participant_ids=data.participant_ids, statement_ids=data.statement_ids)
    advice = boot = None
    try:
        if nfactors == "auto":
            from analysis.nfactors import suggest_nfactors

            advice = suggest_nfactors(data.sorts, data.grid, seed=seed, cor_method=cor_method)
            k = advice["suggested"]
        else:
            k = int(nfactors)
        result = qmethod(data.sorts, k, extraction, rotation, **options)
        if n_resamples:
            from analysis.bootstrap import bootstrap

            boot = bootstrap(data.sorts, k, n_resamples, seed, extraction=extraction, rotation=rotation, **options)
    except ValueError as error:
        _fail(f"{file}: {error}")
    result.warnings.extend(notes)
    if output_format == "json":
        out = result.to_dict()
        if advice is not None:
            out["nfactors_advice"] = advice
        if boot is not None:
            out["bootstrap"] = boot.to_dict()
        out["input"] = {"file": file, "title": data.title, "n_statements": data.n_statements,
                        "n_participants": data.n_participants,
                        "grid": None if data.grid is None else data.grid.to_dict(),
                        "grid_source": data.grid_source, "statement_texts": data.statement_texts}
        click.echo(json.dumps(out, ensure_ascii=False, allow_nan=False))
    else:
        from analysis.report import text_report

        click.echo(text_report(result, data.statement_texts, title=data.title, source=file, grid=data.grid,
                               advice=advice, boot=boot), nl=False)


def _pooled_distribution(sorts):
    """n_statements values spread like all scores pooled (for factor arrays of a free distribution)."""
    import numpy as np

    pooled = np.sort(np.asarray(sorts, dtype=float).ravel())
    n = sorts.shape[0]
    positions = ((np.arange(n) + 0.5) / n * pooled.size).astype(int)
    return pooled[positions]
