"""``qsort analyze FILE --factors K``: run the Q-method analysis on a file and print the result.

Every option of :func:`analysis.qmethod` has a command-line form here. Each option with a value of its own
syntax has one small parser (``_parse_<option>``, a click callback) that checks the syntax; what needs the
data (participant ids, the number of factors, the number of statements) is checked once the file is read.

The analysis engine (numpy, scipy) is imported inside the command, so ``qsort --help`` and the other
commands start without it. Every error (bad option, bad file, analysis impossible) is one line on stderr,
``qsort analyze: error: ...`` naming the option or ``file:line: field``, with exit status 2 and no traceback.
"""
from __future__ import annotations

import json
import math
from functools import partial

import click

INPUT_FORMATS = ("csv", "pqmethod", "kenq", "kade", "json", "webcsv")
EXIT_BAD_INPUT = 2
# Brown's centroid as R qmethod runs it, and as PQMethod/KADE do: (initial communality, tolerance).
CENTROID_VARIANTS = {"qmethod": ("mean", 1e-5), "pqmethod": (0.5, 0.001)}
# Judgmental rotation options: their steps are applied in the order they appear on the command line.
STEP_OPTIONS = ("--rotate-pair", "--invert")
STEP_ORDER = "qsort.analyze.step_order"


class AnalyzeError(click.ClickException):
    """Any error of ``qsort analyze``: printed as one line on stderr, exit status 2."""

    exit_code = EXIT_BAD_INPUT

    def show(self, file=None) -> None:
        click.echo(f"qsort analyze: error: {self.message}", err=True)


def _option_error(option: str, message: str) -> AnalyzeError:
    return AnalyzeError(f"{option}: {message}")


class AnalyzeCommand(click.Command):
    """A click command whose usage errors are one line (not click's usage block) and which remembers the
    order of ``--rotate-pair`` and ``--invert`` across the two options (click keeps each option's values
    in order, but not how the two interleave, and rotations do not commute with inversions)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        names = [arg.split("=", 1)[0] for arg in args]
        ctx.meta[STEP_ORDER] = [name for name in names if name in STEP_OPTIONS]
        try:
            return super().parse_args(ctx, args)
        except click.BadParameter as error:
            if error.param is None or isinstance(error, click.MissingParameter):
                raise AnalyzeError(error.format_message()) from None
            raise _option_error(error.param.opts[0], error.message) from None
        except click.UsageError as error:
            raise AnalyzeError(error.format_message()) from None


# -- one parser per option (syntax only; what depends on the data is checked in the command) ---------------

def _parse_factors(ctx, param, value: str) -> int | str:
    """``--factors 3`` or ``--factors auto``."""
    if value == "auto":
        return value
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise click.BadParameter(f"{value!r} is neither a number of factors (1, 2, ...) nor 'auto'")


def _parse_bootstrap(ctx, param, value: int) -> int:
    """``--bootstrap N``: 0 (no bootstrap) or 2 to MAX_RESAMPLES resamples."""
    from analysis.bootstrap import MAX_RESAMPLES

    if value == 1:
        raise click.BadParameter("a bootstrap needs at least 2 resamples")
    if value > MAX_RESAMPLES:
        raise click.BadParameter(f"at most {MAX_RESAMPLES:,} resamples (1,000 give stable intervals)")
    return value


def _parse_encoding(ctx, param, value: str | None) -> str | None:
    """``--encoding shift_jis``: a text encoding Python knows."""
    if value is None:
        return None
    from analysis.formats.encoding import check_encoding

    try:
        return check_encoding(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _parse_flag(ctx, param, values: tuple[str, ...]) -> dict[str, int]:
    """``--flag P1=2,P7=1 --flag P3=0``: participant id -> factor number (1-based), 0 to unflag (or ``-``)."""
    overrides: dict[str, int] = {}
    for value in values:
        for item in value.split(","):
            participant, equals, factor = item.strip().rpartition("=")
            factor = factor.strip()
            if not equals or not participant.strip():
                raise click.BadParameter(f"{item.strip()!r} is not PARTICIPANT=FACTOR (e.g. P1=2, or P3=0 to unflag)")
            if factor == "-":
                factor = "0"
            if not factor.isdigit():
                raise click.BadParameter(f"{item.strip()!r}: the factor must be a number 1, 2, ... or 0/- to unflag")
            participant = participant.strip()
            if participant in overrides:
                raise click.BadParameter(f"participant {participant!r} is given more than once")
            overrides[participant] = int(factor)
    return overrides


def _parse_rotate_pair(ctx, param, values: tuple[str, ...]) -> list[tuple[int, int, float]]:
    """``--rotate-pair 1,2,15``: factors I and J (1-based, different) and an angle in degrees."""
    pairs = []
    for value in values:
        parts = [part.strip() for part in value.split(",")]
        if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()):
            raise click.BadParameter(f"{value!r} is not I,J,DEGREES (e.g. 1,2,15)")
        i, j = int(parts[0]), int(parts[1])
        degrees = _finite_number(parts[2], f"{value!r}: the angle")
        if i < 1 or j < 1 or i == j:
            raise click.BadParameter(f"{value!r}: I and J must be two different factor numbers 1, 2, ...")
        pairs.append((i, j, degrees))
    return pairs


def _parse_effect_size(ctx, param, value: str | None) -> float | None:
    """``--effect-size 0.5``: a finite number >= 0 (the minimum |z difference| that can distinguish)."""
    if value is None:
        return None
    number = _finite_number(value, repr(value))
    if number < 0:
        raise click.BadParameter(f"{value!r} is negative; give the minimum |z difference|, e.g. 0.5")
    return number


def _parse_distribution(ctx, param, value: str | None):
    """``--distribution "-4:2,-3:3,...,4:2"``: SCORE:COUNT per column, as a Grid."""
    if value is None:
        return None
    from analysis.grid import Grid

    columns = []
    for item in value.split(","):
        score, colon, count = item.strip().partition(":")
        try:
            columns.append((int(score), int(count)))
        except ValueError:
            raise click.BadParameter(f"{item.strip()!r} is not SCORE:COUNT (e.g. -4:2)") from None
        if not colon:
            raise click.BadParameter(f"{item.strip()!r} is not SCORE:COUNT (e.g. -4:2)")
    try:
        return Grid(tuple(s for s, _ in columns), tuple(c for _, c in columns))
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _finite_number(text: str, what: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise click.BadParameter(f"{what} is not a number") from None
    if not math.isfinite(number):
        raise click.BadParameter(f"{what} must be a finite number")
    return number


HELP = """Analyse the Q-sorts in FILE (our CSV or R's write.csv, PQMethod .DAT, Ken-Q CSV, KADE .zip, EQ Web Sort
.json, EQ Web Sort / Quince CSV results).

Prints one JSON object (participants, statements, eigenvalues, explained_variance, loadings, flagged,
zscores, factor_arrays, distinguishing, consensus, characteristics, params, warnings, ...) or a text report.
Factors are numbered from 1 on the command line, as in the text report (f1, f2, ...).

Flags: automatic (qmethod's rule) unless --flag names a participant. A --flag map replaces the automatic
flags of the participants it lists, and only theirs: --flag US1=2,JP5=0 puts US1 on factor 2 alone and
leaves JP5 unflagged; every other participant keeps the automatic flag. The result's params hold the full
flag matrix (manual_flags) and the map (flag_overrides).

Judgmental rotation: --rotate-pair and --invert steps run in the order given on the command line, after
--rotation. The result's params.rotation_steps record them for replaying with analysis.qmethod, which
numbers factors from 0 (--rotate-pair 1,2,15 is {"kind": "pair", "factors": [0, 1], "degrees": 15}).

Distribution of the factor arrays: the grid the file states or all sorts share (a forced study). When the
sorts do not share one grid, or with --free, the study is free and the factor arrays take the pooled
distribution of all sorts, unless --distribution gives one. --distribution on a forced study must equal
its grid, unless --free is given too.

--bootstrap resamples with automatic flags and without judgmental steps or effect size (as qmboots).
"""


@click.command(cls=AnalyzeCommand, help=HELP)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--factors", "nfactors", required=True, metavar="K|auto", callback=_parse_factors,
              help="Number of factors to extract, or 'auto': the parallel-analysis suggestion "
                   "(the advice is added to the output).")
@click.option("--extraction", type=click.Choice(["pca", "centroid"]), default="pca", show_default=True)
@click.option("--centroid-variant", type=click.Choice(list(CENTROID_VARIANTS)), default=None,
              help="Centroid extraction as R qmethod (start: mean correlation, tolerance 1e-5; the default) or as "
                   "PQMethod/KADE (start 0.5, tolerance 0.001). Only with --extraction centroid.")
@click.option("--rotation", type=click.Choice(["varimax", "none"]), default="varimax", show_default=True)
@click.option("--rotate-pair", "pairs", multiple=True, metavar="I,J,DEG", callback=_parse_rotate_pair,
              help="Rotate factors I and J by DEG degrees (counter-clockwise), after --rotation. Repeatable.")
@click.option("--invert", "inverts", multiple=True, type=click.IntRange(min=1), metavar="J",
              help="Invert factor J (its loadings and z-scores change sign). Repeatable.")
@click.option("--cor", "cor_method", type=click.Choice(["pearson", "spearman", "kendall"]), default="pearson",
              show_default=True, help="Correlation between Q-sorts.")
@click.option("--flag-level", type=click.Choice(["0.05", "0.01", "0.001"]), default="0.05", show_default=True,
              help="Significance level of automatic flagging.")
@click.option("--negative-flags", type=click.Choice(["flag", "exclude"]), default="flag", show_default=True,
              help="Automatic flags on large negative loadings: flag them as qmethod does (with a warning), "
                   "or leave them out.")
@click.option("--flag", "flag_overrides", multiple=True, metavar="ID=J,...", callback=_parse_flag,
              help="Manual flags: participant ID on factor J alone (ID=0 or ID=- unflags it). Repeatable. "
                   "IDs are the file's participant ids (an id holding a comma cannot be given here).")
@click.option("--effect-size", metavar="D", default=None, callback=_parse_effect_size,
              help="Minimum |z-score difference| for a statement to count as distinguishing (with many sorts "
                   "nearly every difference is significant).")
@click.option("--free", is_flag=True, default=False,
              help="Treat the study as a free (not forced) distribution even if the sorts share one grid.")
@click.option("--distribution", "distribution_grid", metavar="S:N,...", default=None, callback=_parse_distribution,
              help='Distribution for the factor arrays, score:count per column, e.g. "-2:1,-1:2,0:3,1:2,2:1".')
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="json",
              show_default=True, help="json: the analysis contract; text: a PQMethod-style report.")
@click.option("--statements", "statements_file", type=click.Path(dir_okay=False), default=None,
              help="Statement texts: .STA/.txt (one per line) or .csv (statement,text).")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default=None,
              help="Format of FILE (default: from its extension and content).")
@click.option("--encoding", metavar="NAME", default=None, callback=_parse_encoding,
              help="Text encoding of FILE and the statements (e.g. cp1252, shift_jis, gb18030). Default: UTF-8, "
                   "else detected; a file whose encoding is unclear is refused with the candidates.")
@click.option("--bootstrap", "n_resamples", type=click.IntRange(min=0), default=0, show_default=True,
              callback=_parse_bootstrap,
              help="Also bootstrap the solution with this many resamples (qmethod's qmboots; 0 = no).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed of the bootstrap and of parallel analysis.")
@click.pass_context
def analyze(ctx: click.Context, file: str, nfactors: int | str, extraction: str, centroid_variant: str | None,
            rotation: str, pairs: list, inverts: tuple[int, ...], cor_method: str, flag_level: str,
            negative_flags: str, flag_overrides: dict[str, int], effect_size: float | None, free: bool,
            distribution_grid, output_format: str, statements_file: str | None, input_format: str | None,
            encoding: str | None, n_resamples: int, seed: int) -> None:
    from analysis import qmethod

    if centroid_variant is not None and extraction != "centroid":
        raise _option_error("--centroid-variant", "applies to --extraction centroid only")
    data = _read(file, input_format, statements_file, encoding)
    distribution, forced, source, note = _array_distribution(data, free, distribution_grid)
    start, tolerance = CENTROID_VARIANTS[centroid_variant or "qmethod"]
    options = dict(cor_method=cor_method, distribution=distribution, flag_level=float(flag_level),
                   negative_flags=negative_flags, centroid_start=start, centroid_tolerance=tolerance,
                   participant_ids=data.participant_ids, statement_ids=data.statement_ids)
    advice = boot = None
    try:
        if nfactors == "auto":
            from analysis.nfactors import suggest_nfactors

            advice = suggest_nfactors(data.sorts, data.grid, seed=seed, cor_method=cor_method)
            nfactors = advice["suggested"]
        steps = _rotation_steps(ctx.meta.get(STEP_ORDER, []), pairs, inverts, nfactors)
        _check_flag_overrides(flag_overrides, data.participant_ids, nfactors)
        run = partial(qmethod, data.sorts, nfactors, extraction, rotation, rotation_steps=steps,
                      effect_size=effect_size, **options)
        result = _with_manual_flags(run, run(), flag_overrides) if flag_overrides else run()
        if n_resamples:
            from analysis.bootstrap import bootstrap

            boot = bootstrap(data.sorts, nfactors, n_resamples, seed, extraction=extraction, rotation=rotation,
                             **options)
    except ValueError as error:
        raise AnalyzeError(f"{file}: {error}") from None
    result.params.update(forced=forced, distribution_source=source)
    result.warnings.extend(([note] if note else []) + _bootstrap_note(n_resamples, steps, flag_overrides,
                                                                       effect_size))
    _print(result, data, file, output_format, advice, boot)


# -- steps of the command ---------------------------------------------------------------------------------

def _read(file: str, input_format: str | None, statements_file: str | None, encoding: str | None):
    from analysis.formats import FormatError, read_sorts

    try:
        return read_sorts(file, input_format, statements=statements_file, encoding=encoding)
    except FormatError as error:
        raise AnalyzeError(str(error)) from None


def _array_distribution(data, free: bool, grid):
    """What the factor arrays are fitted to: (distribution for qmethod, forced?, source, note or None).

    source: "grid" (the file's grid or the one all sorts share: a forced study), "option" (--distribution)
    or "pooled" (a free study: values spread like all scores pooled, as before --distribution existed).
    """
    if grid is not None:
        if grid.n_statements != data.n_statements:
            raise _option_error("--distribution", f"{grid} holds {grid.n_statements} statements, "
                                                  f"the study has {data.n_statements}")
        if data.grid is not None and not free and grid != data.grid:
            raise _option_error("--distribution", f"the Q-sorts fill the grid {data.grid}, not {grid}; "
                                                  "add --free to fit the factor arrays to another distribution")
        if data.grid is not None and not free:
            return grid, True, "grid", None
        return grid, False, "option", f"Free distribution: factor arrays use the distribution given ({grid})."
    if data.grid is not None and not free:
        return data.grid, True, "grid", None
    why = "--free" if free else "the Q-sorts do not share one grid"
    note = f"Free distribution ({why}): factor arrays use the pooled distribution of all sorts."
    return _pooled_distribution(data.sorts), False, "pooled", note


def _pooled_distribution(sorts):
    """n_statements values spread like all scores pooled (for factor arrays of a free distribution)."""
    import numpy as np

    pooled = np.sort(np.asarray(sorts, dtype=float).ravel())
    n = sorts.shape[0]
    positions = ((np.arange(n) + 0.5) / n * pooled.size).astype(int)
    return pooled[positions]


def _rotation_steps(order: list[str], pairs: list, inverts: tuple[int, ...], nfactors: int) -> list[dict]:
    """The judgmental steps as qmethod's dicts (0-based factors), in command-line order."""
    pending = {"--rotate-pair": iter(pairs), "--invert": iter(inverts)}
    steps = []
    for option in order:
        value = next(pending[option], None)
        if value is None:           # the name was another option's value, e.g. --statements --invert
            continue
        steps.append(_pair_step(value, nfactors) if option == "--rotate-pair" else _invert_step(value, nfactors))
    return steps


def _pair_step(value: tuple[int, int, float], nfactors: int) -> dict:
    i, j, degrees = value
    _check_factor("--rotate-pair", max(i, j), nfactors)
    return {"kind": "pair", "factors": [i - 1, j - 1], "degrees": degrees}


def _invert_step(j: int, nfactors: int) -> dict:
    _check_factor("--invert", j, nfactors)
    return {"kind": "invert", "factor": j - 1}


def _check_factor(option: str, factor: int, nfactors: int) -> None:
    if factor > nfactors:
        raise _option_error(option, f"there is no factor {factor}: the solution has {nfactors}")


def _check_flag_overrides(overrides: dict[str, int], participant_ids: list[str], nfactors: int) -> None:
    known = set(participant_ids)
    unknown = [pid for pid in overrides if pid not in known]
    if unknown:
        raise _option_error("--flag", f"unknown participant {'ids' if len(unknown) > 1 else 'id'} "
                                      f"{', '.join(map(repr, unknown))} "
                                      f"(the file has {_sample(participant_ids)})")
    too_high = [f"{pid}={factor}" for pid, factor in overrides.items() if factor > nfactors]
    if too_high:
        raise _option_error("--flag", f"no such factor in {', '.join(too_high)}: the solution has {nfactors}")


def _sample(ids: list[str], shown: int = 5) -> str:
    listed = ", ".join(ids[:shown])
    return listed + (f", ... ({len(ids)} in all)" if len(ids) > shown else "")


def _with_manual_flags(run, automatic, overrides: dict[str, int]):
    """Rerun with the automatic flags, except for the listed participants, who get their manual flag.

    ``run(**more)`` repeats the analysis; its loadings do not depend on flags, so the automatic run's flags
    are the right starting point.
    """
    from analysis.flagging import NEGATIVE_WARNING, has_negative_flags

    flags = automatic.flagged.copy()
    listed = [automatic.participant_ids.index(pid) for pid in overrides]
    for row, factor in zip(listed, overrides.values()):
        flags[row] = False
        if factor:
            flags[row, factor - 1] = True
    result = run(manual_flags=flags)
    automatic_rows = sorted(set(range(flags.shape[0])) - set(listed))
    if has_negative_flags(result.loadings[automatic_rows], flags[automatic_rows]):
        result.warnings.insert(0, NEGATIVE_WARNING)       # qmethod warns only when no manual flags are given
    result.params["flag_overrides"] = dict(overrides)
    return result


def _bootstrap_note(n_resamples: int, steps: list, overrides: dict, effect_size) -> list[str]:
    if n_resamples and (steps or overrides or effect_size is not None):
        return ["The bootstrap uses automatic flags, no judgmental rotation steps and no effect size."]
    return []


def _print(result, data, file: str, output_format: str, advice, boot) -> None:
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
