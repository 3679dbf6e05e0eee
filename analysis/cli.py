"""``qsort analyze FILE``: run the Q-method analysis on a file and print the result (JSON or a text report).

The command belongs to the engine: ``qsort analyze`` hands its arguments to :func:`main`, and
``python -m analysis.cli`` runs the same without the web app. It only reads the file, calls the engine's
steps (:mod:`analysis.distribution`, :func:`analysis.qmethod`, :mod:`analysis.viewpoints`, ...) and prints.

Each option with a syntax of its own has one small parser here (``_parse_<option>``) that checks it; what
needs the data (participant ids, the number of factors or statements) is checked once the file is read.
Every error (bad option, bad file, analysis impossible) is one line on stderr, ``qsort analyze: error: ...``
naming the option or ``file:line: field``, with exit status 2 and no traceback.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

PROG = "qsort analyze"
INPUT_FORMATS = ("csv", "pqmethod", "kenq", "kade", "json", "webcsv")
ROTATIONS = ("varimax", "none", "quartimax", "equamax", "promax", "oblimin")
EXIT_BAD_INPUT = 2
# Brown's centroid as R qmethod runs it, and as PQMethod/KADE do: (initial communality, tolerance).
CENTROID_VARIANTS = {"qmethod": ("mean", 1e-5), "pqmethod": (0.5, 0.001)}

HELP = """Analyse the Q-sorts in FILE (our CSV or R's write.csv, PQMethod .DAT, Ken-Q CSV, KADE .zip, EQ Web Sort
.json, EQ Web Sort / Quince CSV results).

Prints one JSON object (participants, statements, eigenvalues, explained_variance, loadings, flagged,
zscores, factor_arrays, distinguishing, consensus, characteristics, viewpoints, segments, params,
warnings, ...) or a text report. Factors are numbered from 1 on the command line, as in the text report.

Factors: --factors auto (the default) extracts as many as parallel analysis finds above chance (random
sorts on the study's own grid, 95th percentile); the advice of every rule is added to the output.

Viewpoints and segments: each factor pole with defining sorts is a viewpoint; a factor with defining sorts
at both ends (qmethod flags large negative loadings too) splits into 1+ and 1-, each scored from its own
sorts. With statement tags (--statements S.csv with columns statement,text,tags, tags separated by ';', or
NAME_statements.csv beside FILE) each viewpoint gets a suggested buyer type when one tag clearly leads, and
every participant a segment: the viewpoint they define, confounded, or none.

Flags: automatic (qmethod's rule) unless --flag names a participant. A --flag map replaces the automatic
flags of the participants it lists, and only theirs: --flag US1=2,JP5=0 puts US1 on factor 2 alone and
leaves JP5 unflagged. The result's params hold the full flag matrix (manual_flags) and the map
(flag_overrides, as analysis.qmethod takes it: 0-based factors, null = unflagged).

Judgmental rotation: --rotate-pair and --invert steps run in the order given, after --rotation. The
result's params.rotation_steps record them for replaying with analysis.qmethod, which numbers factors from
0 (--rotate-pair 1,2,15 is {"kind": "pair", "factors": [0, 1], "degrees": 15}).

Distribution of the factor arrays: the grid the file states or all sorts share (a forced study). When the
sorts do not share one grid, or with --free, the study is free and the factor arrays take the pooled
distribution of all sorts, unless --distribution gives one. --distribution on a forced study must equal
its grid, unless --free is given too.

--bootstrap resamples with automatic flags and without judgmental steps or effect size (as qmboots).
"""


class AnalyzeError(Exception):
    """Any error of the command: printed as one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors naming the option: ``--invert: 0 is not ...``."""

    def error(self, message: str):
        if message.startswith("argument "):
            message = message[len("argument "):]
        raise AnalyzeError(message)


class _Step(argparse.Action):
    """``--rotate-pair`` and ``--invert`` into one list, so their order on the command line is kept
    (rotations do not commute with inversions)."""

    def __call__(self, parser, namespace, value, option_string=None):
        steps = list(getattr(namespace, self.dest) or [])
        steps.append((option_string, value))
        setattr(namespace, self.dest, steps)


class _Flags(argparse.Action):
    """Repeated ``--flag`` maps merged into one, a participant at most once."""

    def __call__(self, parser, namespace, value, option_string=None):
        merged = dict(getattr(namespace, self.dest) or {})
        for participant, factor in value.items():
            if participant in merged:
                raise AnalyzeError(f"--flag: participant {participant!r} is given more than once")
            merged[participant] = factor
        setattr(namespace, self.dest, merged)


# -- one parser per option (syntax only) ----------------------------------------------------------------------

def _choice(*choices: str):
    def parse(value: str) -> str:
        if value not in choices:
            raise argparse.ArgumentTypeError(f"{value!r} is not one of {', '.join(map(repr, choices))}")
        return value
    return parse


def _parse_factors(value: str) -> int | str:
    """``--factors 3`` or ``--factors auto``."""
    if value == "auto":
        return value
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise argparse.ArgumentTypeError(f"{value!r} is neither a number of factors (1, 2, ...) nor 'auto'")


def _parse_count(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number 0, 1, 2, ...")
    return int(value)


def _parse_bootstrap(value: str) -> int:
    """``--bootstrap N``: 0 (no bootstrap) or 2 to MAX_RESAMPLES resamples."""
    from .bootstrap import MAX_RESAMPLES

    number = _parse_count(value)
    if number == 1:
        raise argparse.ArgumentTypeError("a bootstrap needs at least 2 resamples")
    if number > MAX_RESAMPLES:
        raise argparse.ArgumentTypeError(f"at most {MAX_RESAMPLES:,} resamples (1,000 give stable intervals)")
    return number


def _parse_encoding(value: str) -> str:
    """``--encoding shift_jis``: a text encoding Python knows."""
    from .formats.encoding import check_encoding

    try:
        return check_encoding(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _parse_seed(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None


def _parse_invert(value: str) -> int:
    """``--invert J``: a factor number from 1."""
    if not value.lstrip("-").isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a factor number 1, 2, ...")
    if int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value} is not in the range 1, 2, ... (factors count from 1)")
    return int(value)


def _parse_flag(value: str) -> dict[str, int]:
    """``--flag P1=2,P7=1``: participant id -> factor number (1-based), 0 or ``-`` to unflag."""
    overrides: dict[str, int] = {}
    for item in value.split(","):
        participant, equals, factor = item.strip().rpartition("=")
        factor = factor.strip()
        if not equals or not participant.strip():
            raise argparse.ArgumentTypeError(f"{item.strip()!r} is not PARTICIPANT=FACTOR (e.g. P1=2, or P3=0 "
                                             "to unflag)")
        if factor == "-":
            factor = "0"
        if not factor.isdigit():
            raise argparse.ArgumentTypeError(f"{item.strip()!r}: the factor must be a number 1, 2, ... or 0/- "
                                             "to unflag")
        participant = participant.strip()
        if participant in overrides:
            raise argparse.ArgumentTypeError(f"participant {participant!r} is given more than once")
        overrides[participant] = int(factor)
    return overrides


def _parse_rotate_pair(value: str) -> tuple[int, int, float]:
    """``--rotate-pair 1,2,15``: factors I and J (1-based, different) and an angle in degrees."""
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()):
        raise argparse.ArgumentTypeError(f"{value!r} is not I,J,DEGREES (e.g. 1,2,15)")
    i, j = int(parts[0]), int(parts[1])
    degrees = _finite_number(parts[2], f"{value!r}: the angle")
    if i < 1 or j < 1 or i == j:
        raise argparse.ArgumentTypeError(f"{value!r}: I and J must be two different factor numbers 1, 2, ...")
    return i, j, degrees


def _parse_effect_size(value: str) -> float:
    """``--effect-size 0.5``: a finite number >= 0 (the minimum |z difference| that can distinguish)."""
    number = _finite_number(value, repr(value))
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is negative; give the minimum |z difference|, e.g. 0.5")
    return number


def _parse_distribution(value: str):
    """``--distribution "-4:2,-3:3,...,4:2"``: SCORE:COUNT per column, as a Grid."""
    from .grid import Grid

    columns = []
    for item in value.split(","):
        score, colon, count = item.strip().partition(":")
        try:
            columns.append((int(score), int(count)))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{item.strip()!r} is not SCORE:COUNT (e.g. -4:2)") from None
        if not colon:
            raise argparse.ArgumentTypeError(f"{item.strip()!r} is not SCORE:COUNT (e.g. -4:2)")
    try:
        return Grid(tuple(s for s, _ in columns), tuple(c for _, c in columns))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _finite_number(text: str, what: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} is not a number") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"{what} must be a finite number")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The command's options (``qsort analyze --help``)."""
    p = _Parser(prog=PROG, description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--factors", dest="nfactors", metavar="K|auto", default="auto", type=_parse_factors,
                   help="Number of factors to extract, or 'auto' (default): the parallel-analysis suggestion.")
    p.add_argument("--extraction", default="pca", type=_choice("pca", "centroid"), metavar="pca|centroid",
                   help="pca (default) or centroid.")
    p.add_argument("--centroid-variant", default=None, type=_choice(*CENTROID_VARIANTS), metavar="qmethod|pqmethod",
                   help="Centroid as R qmethod (start: mean correlation, tolerance 1e-5; the default) or as "
                        "PQMethod/KADE (start 0.5, tolerance 0.001). Only with --extraction centroid.")
    p.add_argument("--rotation", default="varimax", type=_choice(*ROTATIONS), metavar="|".join(ROTATIONS),
                   help="varimax (default), none, or through factor_analyzer: quartimax, equamax (orthogonal), "
                        "promax, oblimin (oblique: the factor correlations are shown).")
    p.add_argument("--rotate-pair", dest="steps", action=_Step, metavar="I,J,DEG", type=_parse_rotate_pair,
                   help="Rotate factors I and J by DEG degrees (counter-clockwise), after --rotation. Repeatable.")
    p.add_argument("--invert", dest="steps", action=_Step, metavar="J", type=_parse_invert,
                   help="Invert factor J (its loadings and z-scores change sign). Repeatable.")
    p.add_argument("--cor", dest="cor_method", default="pearson", type=_choice("pearson", "spearman", "kendall"),
                   metavar="pearson|spearman|kendall",
                   help="Correlation between Q-sorts: pearson (default), spearman or kendall.")
    p.add_argument("--flag-level", default="0.05", type=_choice("0.05", "0.01", "0.001"), metavar="P",
                   help="Significance level of automatic flagging (default 0.05).")
    p.add_argument("--negative-flags", default="flag", type=_choice("flag", "exclude"), metavar="flag|exclude",
                   help="Automatic flags on large negative loadings: flag them as qmethod does (default; they "
                        "define the factor's negative pole), or leave them out.")
    p.add_argument("--flag", dest="flag_overrides", action=_Flags, metavar="ID=J,...", type=_parse_flag,
                   help="Manual flags: participant ID on factor J alone (ID=0 or ID=- unflags it). Repeatable. "
                        "IDs are the file's participant ids (an id holding a comma cannot be given here).")
    p.add_argument("--effect-size", metavar="D", default=None, type=_parse_effect_size,
                   help="Minimum |z-score difference| for a statement to count as distinguishing.")
    p.add_argument("--free", action="store_true",
                   help="Treat the study as a free (not forced) distribution even if the sorts share one grid.")
    p.add_argument("--distribution", dest="distribution_grid", metavar="S:N,...", default=None,
                   type=_parse_distribution,
                   help='Distribution for the factor arrays, score:count per column, e.g. "-2:1,-1:2,0:3,1:2,2:1".')
    p.add_argument("--format", dest="output_format", default="json", type=_choice("json", "text"), metavar="json|text",
                   help="json (default): the analysis contract; text: a PQMethod-style report.")
    p.add_argument("--statements", dest="statements_file", metavar="S", default=None,
                   help="Statement texts: .STA/.txt (one per line) or .csv (statement,text[,tags]; tags "
                        "separated by ';'). Default: NAME_statements.csv beside FILE when it exists.")
    p.add_argument("--input-format", default=None, type=_choice(*INPUT_FORMATS), metavar="FORMAT",
                   help=f"Format of FILE: {', '.join(INPUT_FORMATS)} (default: from its extension and content).")
    p.add_argument("--encoding", metavar="NAME", default=None, type=_parse_encoding,
                   help="Text encoding of FILE and the statements (e.g. cp1252, shift_jis, gb18030). Default: UTF-8, "
                        "else detected; a file whose encoding is unclear is refused with the candidates.")
    p.add_argument("--bootstrap", dest="n_resamples", metavar="N", default=0, type=_parse_bootstrap,
                   help="Also bootstrap the solution with N resamples (qmethod's qmboots; 0 = no, the default).")
    p.add_argument("--seed", type=_parse_seed, default=0, metavar="N",
                   help="Random seed of the bootstrap and of parallel analysis (default 0).")
    return p


def _join_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``--distribution -4:2,...`` -> ``--distribution=-4:2,...``: an option that takes a value always takes
    the next argument, even one that starts with a dash (argparse would read it as an option)."""
    takes_value = {s for a in parser._actions if a.option_strings and a.nargs is None
                   and not isinstance(a, (argparse._StoreTrueAction, argparse._HelpAction))
                   for s in a.option_strings}
    out, i = [], 0
    while i < len(argv):
        if argv[i] in takes_value and i + 1 < len(argv):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = build_parser()
    return parser.parse_args(_join_values(parser, argv))


# -- the command ----------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status (0, or 2 after printing the error)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parse_args(argv)
        output = run(args)
    except AnalyzeError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SystemExit as stop:              # --help
        return int(stop.code or 0)
    sys.stdout.write(output)
    sys.stdout.flush()
    return 0


def run(args: argparse.Namespace) -> str:
    """Read, analyse and render; the printed text."""
    from . import qmethod

    if args.centroid_variant is not None and args.extraction != "centroid":
        raise AnalyzeError("--centroid-variant: applies to --extraction centroid only")
    statements_file = args.statements_file or _statements_beside(args.file)
    data = _read(args.file, args.input_format, statements_file, args.encoding)
    tags = _read_tags(statements_file, data.statement_ids, args.encoding)
    choice = _array_distribution(data, args.free, args.distribution_grid)
    start, tolerance = CENTROID_VARIANTS[args.centroid_variant or "qmethod"]
    options = dict(cor_method=args.cor_method, distribution=choice.values, flag_level=float(args.flag_level),
                   negative_flags=args.negative_flags, centroid_start=start, centroid_tolerance=tolerance,
                   participant_ids=data.participant_ids, statement_ids=data.statement_ids)
    nfactors, advice, boot = args.nfactors, None, None
    steps_given = args.steps or []
    flags_given = args.flag_overrides or {}
    try:
        if nfactors == "auto":
            from .nfactors import suggest_nfactors

            advice = suggest_nfactors(data.sorts, data.grid, seed=args.seed, cor_method=args.cor_method)
            nfactors = advice["suggested"]
        steps = _rotation_steps(steps_given, nfactors)
        _check_flag_overrides(flags_given, data.participant_ids, nfactors)
        overrides = {pid: factor - 1 if factor else None for pid, factor in flags_given.items()}
        result = qmethod(data.sorts, nfactors, args.extraction, args.rotation, rotation_steps=steps,
                         effect_size=args.effect_size, flag_overrides=overrides or None, **options)
        found = result.viewpoints(tags)
        if args.n_resamples:
            from .bootstrap import bootstrap

            rotation = args.rotation if args.rotation in ("varimax", "none") else None
            if rotation is None:
                raise AnalyzeError(f"--bootstrap: works with --rotation varimax or none, not {args.rotation}")
            boot = bootstrap(data.sorts, nfactors, args.n_resamples, args.seed, extraction=args.extraction,
                             rotation=rotation, **options)
    except ValueError as error:
        raise AnalyzeError(f"{args.file}: {error}") from None
    result.params.update(forced=choice.forced, distribution_source=choice.source)
    result.warnings.extend(([choice.note] if choice.note else [])
                           + _bootstrap_note(args.n_resamples, steps, flags_given, args.effect_size))
    if args.output_format == "json":
        return _json_output(result, found, data, args.file, advice, boot, tags, statements_file) + "\n"
    from .report import text_report

    return text_report(result, data.statement_texts, title=data.title, source=args.file, grid=data.grid,
                       advice=advice, boot=boot, viewpoints=found)


def _statements_beside(file: str) -> str | None:
    """``NAME_statements.csv`` beside ``NAME.ext``, when it exists."""
    path = Path(file)
    beside = path.with_name(path.stem + "_statements.csv")
    return str(beside) if beside.is_file() else None


def _read(file: str, input_format: str | None, statements_file: str | None, encoding: str | None):
    from .formats import FormatError, read_sorts

    try:
        return read_sorts(file, input_format, statements=statements_file, encoding=encoding)
    except FormatError as error:
        raise AnalyzeError(str(error)) from None


def _read_tags(statements_file: str | None, statement_ids: list[str], encoding: str | None):
    if statements_file is None:
        return None
    from .formats import FormatError
    from .formats.statements import read_statement_tags

    try:
        return read_statement_tags(statements_file, statement_ids, encoding=encoding)
    except FormatError as error:
        raise AnalyzeError(str(error)) from None


def _array_distribution(data, free: bool, grid):
    """The engine's decision (:mod:`analysis.distribution`), with its errors as --distribution errors."""
    from .distribution import DistributionError, array_distribution

    try:
        return array_distribution(data.sorts, data.grid, free=free, distribution=grid)
    except DistributionError as error:
        raise AnalyzeError(f"--distribution: {error}") from None


def _rotation_steps(given: list[tuple[str, object]], nfactors: int) -> list[dict]:
    """The judgmental steps as qmethod's dicts (0-based factors), in command-line order."""
    steps = []
    for option, value in given:
        if option == "--rotate-pair":
            i, j, degrees = value
            _check_factor(option, max(i, j), nfactors)
            steps.append({"kind": "pair", "factors": [i - 1, j - 1], "degrees": degrees})
        else:
            _check_factor(option, value, nfactors)
            steps.append({"kind": "invert", "factor": value - 1})
    return steps


def _check_factor(option: str, factor: int, nfactors: int) -> None:
    if factor > nfactors:
        raise AnalyzeError(f"{option}: there is no factor {factor}: the solution has {nfactors}")


def _check_flag_overrides(overrides: dict[str, int], participant_ids: list[str], nfactors: int) -> None:
    known = set(participant_ids)
    unknown = [pid for pid in overrides if pid not in known]
    if unknown:
        raise AnalyzeError(f"--flag: unknown participant {'ids' if len(unknown) > 1 else 'id'} "
                           f"{', '.join(map(repr, unknown))} (the file has {_sample(participant_ids)})")
    too_high = [f"{pid}={factor}" for pid, factor in overrides.items() if factor > nfactors]
    if too_high:
        raise AnalyzeError(f"--flag: no such factor in {', '.join(too_high)}: the solution has {nfactors}")


def _sample(ids: list[str], shown: int = 5) -> str:
    listed = ", ".join(ids[:shown])
    return listed + (f", ... ({len(ids)} in all)" if len(ids) > shown else "")


def _bootstrap_note(n_resamples: int, steps: list, overrides: dict, effect_size) -> list[str]:
    if n_resamples and (steps or overrides or effect_size is not None):
        return ["The bootstrap uses automatic flags, no judgmental rotation steps and no effect size."]
    return []


def _json_output(result, found, data, file: str, advice, boot, tags, statements_file) -> str:
    out = result.to_dict(viewpoints=False)
    out.update(found.to_dict())
    if advice is not None:
        out["nfactors_advice"] = advice
    if boot is not None:
        out["bootstrap"] = boot.to_dict()
    out["input"] = {"file": file, "title": data.title, "n_statements": data.n_statements,
                    "n_participants": data.n_participants,
                    "grid": None if data.grid is None else data.grid.to_dict(),
                    "grid_source": data.grid_source, "statement_texts": data.statement_texts,
                    "statements_file": statements_file,
                    "statement_tags": None if tags is None else [list(t) for t in tags]}
    return json.dumps(out, ensure_ascii=False, allow_nan=False)


if __name__ == "__main__":
    sys.exit(main())
