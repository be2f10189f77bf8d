"""Scenario subcommands: run, compare, list, show, validate, params.

A thin layer over :mod:`alliance_sim.api`: parse arguments, call the API, print tables.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import pandas as pd
import yaml

from ..core.parameters import parameter_table
from ..runs import RunFolderError, check_target
from ..scenarios import (
    ScenarioError,
    canonical_name,
    check_overrides,
    list_scenarios,
    load_scenario,
)


def _bad_input(message: str) -> Exception:
    from ..errors import BadInput

    return BadInput(message)


def parse_sets(pairs: list[str] | None) -> dict[str, Any]:
    """``["armenia.access_west=0.6", ...]`` -> ``{"armenia.access_west": 0.6}``, checked.

    Raises:
        BadInput: For a pair without ``=``.
        ScenarioError: For an unknown key or an out-of-range value (location ``--set``).
    """
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise _bad_input(f"--set {pair!r}: expected key=value, e.g. armenia.access_west=0.6")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
        out[key.strip()] = value
    return check_overrides(out, origin="--set")


def _check_out(args: argparse.Namespace) -> None:
    if args.out is not None:
        try:
            check_target(args.out, args.overwrite)
        except RunFolderError as err:
            raise _bad_input(f"--out {err}") from None


def _save(thing: Any, args: argparse.Namespace) -> Any:
    try:
        return thing.save(
            args.out,
            csv=True if args.csv else None,
            overwrite=args.overwrite,
            command=sys.argv,
            progress=None if not args.quiet else False,
            figure_formats=args.figures,
        )
    except RunFolderError as err:
        raise _bad_input(f"--out {err}") from None


def _run(args: argparse.Namespace) -> int:
    from ..api import run

    overrides = parse_sets(args.set)
    scenario = load_scenario(
        args.scenario, overrides, replicates=args.replicates, months=args.months, seed=args.seed
    )
    _check_out(args)
    result = run(scenario, progress=None if not args.quiet else False, **_ensemble(args))
    folder = _save(result, args)
    print(result.summary())
    print(f"\nRun folder: {folder}\nReport: {folder / 'report.html'}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from ..api import compare, resolve

    overrides = parse_sets(args.set)
    changes = {"replicates": args.replicates, "months": args.months, "seed": args.seed}
    first = resolve(args.scenarios[0], overrides, **changes)
    common = {"seed": first.seed, "replicates": first.replicates, "months": first.months}
    scenarios = [first] + [resolve(s, overrides, **common) for s in args.scenarios[1:]]
    _check_out(args)
    comparison = compare(scenarios, progress=None if not args.quiet else False, **_ensemble(args))
    folder = _save(comparison, args)
    print(comparison.summary_text())
    print(f"\nOverlay plot: {folder / 'compare.png'}\nReport: {folder / 'report.html'}")
    return 0


def _ensemble(args: argparse.Namespace) -> dict[str, Any]:
    """The ensemble options: where replicates' parameters come from."""
    if args.per_set < 2:
        raise _bad_input(f"--per-set must be at least 2, got {args.per_set}")
    from ..core.posterior import check_ensemble_mode

    ensemble = "prior" if args.prior else args.ensemble
    try:
        check_ensemble_mode(ensemble)
    except ValueError as err:
        raise _bad_input(str(err)) from None
    return {"ensemble": ensemble, "per_set": args.per_set}


def _list(args: argparse.Namespace) -> int:
    rows = []
    for name, path in list_scenarios().items():
        try:
            s = load_scenario(path)
            question = " ".join(s.description.split())
            rows.append((name, s.start, s.months, question))
        except ScenarioError as err:
            rows.append((name, "?", "?", f"INVALID: {err.problem}"))
    width = max((len(r[0]) for r in rows), default=4)
    print(f"{'name':<{width}}  start    months  question")
    for name, start, months, question in rows:
        print(f"{name:<{width}}  {start:<7}  {months!s:>6}  {question}")
    return 0


def _show(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    print(scenario.to_yaml(), end="")
    return 0


def _validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        try:
            s = load_scenario(path)
        except ScenarioError as err:
            failed += 1
            print(f"alliance-sim: error: {err}", file=sys.stderr)
        else:
            events = f"{len(s.events)} event{'' if len(s.events) == 1 else 's'}"
            print(f"ok  {path}: {s.name}, {events}, {s.start} to {s.end}")
    return 2 if failed else 0


def _short_source(source: str) -> str:
    """``000_5f91….txt`` -> ``doc 000``; assumptions and overrides as they are."""
    return f"doc {source[:3]}" if source[:3].isdigit() else source


def params_text(table: pd.DataFrame, width: int) -> str:
    """The parameter table as text that fits ``width`` columns (quotes cut with an ellipsis).

    The full quotes are in ``--format csv|markdown|json``.
    """

    def number(v: Any) -> str:
        return f"{v:g}" if isinstance(v, int | float) else str(v)

    rows = [
        (
            f"{r.entity}.{r.parameter}",
            number(r.value),
            f"±{r.uncertainty:g}" if r.uncertainty else "",
            _short_source(r.source),
            r.source_gives,
            r.assumed,
            r.quote,
        )
        for r in table.itertuples(index=False)
    ]
    head = ("parameter", "value", "±", "source", "source gives", "assumed", "quote or reason")
    widths = [max(len(head[i]), *(len(row[i]) for row in rows)) for i in range(6)]
    room = width - sum(widths) - 2 * 6
    below = room < 30  # a narrow terminal: each quote on its own indented line

    def cut(text: str, size: int) -> str:
        return text if len(text) <= size else text[: size - 1] + "…"

    def line(cells: tuple[str, ...]) -> str:
        fixed = [cells[0].ljust(widths[0]), cells[1].rjust(widths[1]), cells[2].ljust(widths[2])]
        fixed += [cells[i].ljust(widths[i]) for i in (3, 4, 5)]
        if below:
            return "  ".join(fixed).rstrip()[:width] + "\n    " + cut(cells[6], width - 4)
        return "  ".join([*fixed, cut(cells[6], room)]).rstrip()

    return "\n".join([line(head), *(line(r) for r in rows)])


def _params(args: argparse.Namespace) -> int:
    import shutil

    try:
        table = parameter_table(canonical_name(args.member) if args.member else None)
    except KeyError as err:
        raise _bad_input(err.args[0]) from None
    if args.format == "csv":
        print(table.to_csv(index=False), end="")
    elif args.format == "json":
        print(table.to_json(orient="records", indent=2, force_ascii=False))
    elif args.format == "markdown":
        print(table.to_markdown(index=False))
    else:
        # Fit a terminal; piped into a file or grep, keep whole quotes on one line each.
        fit = sys.stdout.isatty() or "COLUMNS" in os.environ
        width = shutil.get_terminal_size((100, 24)).columns if fit else 100_000
        print(params_text(table, width))
    return 0


def _report(args: argparse.Namespace) -> int:
    from ..report import ReportError, write_report

    try:
        path = write_report(args.folder)
    except ReportError as err:
        raise _bad_input(str(err)) from None
    print(f"Report: {path}")
    return 0


def _ensemble_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--replicates", type=int, metavar="N", help="ensemble size")
    parser.add_argument("--months", type=int, metavar="M", help="horizon in months")
    parser.add_argument("--seed", type=int, metavar="S", help="seed of all randomness")
    parser.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="parameter override, e.g. --set armenia.access_west=0.6 (repeatable)",
    )
    parser.add_argument("--out", metavar="DIR", help="output folder (default runs/NAME-TIME)")
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    parser.add_argument("--csv", action="store_true", help="also write tables as CSV")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--ensemble",
        choices=("posterior", "prior", "fixed", "independent"),
        default="posterior",
        help="where replicates' parameters come from: the calibrated posterior (default), the "
        "parameter table's prior (both as parameter sets × --per-set replicates), the table's "
        "values (fixed: only stochastic spread), or an independent prior draw per replicate",
    )
    parser.add_argument(
        "--prior", action="store_true", help="short for --ensemble prior (uncalibrated)"
    )
    parser.add_argument(
        "--per-set",
        type=int,
        default=10,
        metavar="N",
        help="replicates per parameter set (default 10)",
    )
    parser.add_argument(
        "--figures",
        type=_figure_formats,
        default=(),
        metavar="FORMATS",
        help="also write every figure as svg and/or pdf, e.g. --figures svg,pdf (PNG always)",
    )


def _figure_formats(text: str) -> tuple[str, ...]:
    formats = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    bad = [f for f in formats if f not in ("svg", "pdf", "png")]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown figure format {bad[0]!r}; valid: svg, pdf")
    return tuple(f for f in formats if f != "png")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the scenario subcommands."""
    run = sub.add_parser(
        "run",
        help="run a scenario ensemble, write its folder and print a summary",
        description="Run a scenario ensemble; write the run folder (resolved scenario, "
        "metadata, Parquet tables, PNG plots) and print the end-of-run summary.",
    )
    run.add_argument("scenario", help="scenario file, or the name of one in scenarios/")
    _ensemble_options(run)
    run.set_defaults(func=_run)

    compare = sub.add_parser(
        "compare",
        help="run scenarios with the same seeds and compare them with the first",
        description="Run each scenario with the same seed, replicates and months (the first "
        "scenario's unless given), write an overlay plot and print paired differences.",
    )
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    _ensemble_options(compare)
    compare.set_defaults(func=_compare)

    lister = sub.add_parser("list", help="list the scenarios and the question each answers")
    lister.set_defaults(func=_list)

    show = sub.add_parser("show", help="print a scenario as resolved after inheritance")
    show.add_argument("scenario")
    show.set_defaults(func=_show)

    validate = sub.add_parser("validate", help="check scenario files (exit 2 if any is bad)")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(func=_validate)

    report = sub.add_parser(
        "report",
        help="rebuild report.html of a run, comparison or sweep folder",
        description="Rebuild the self-contained report.html (and tables/*.md, tables/*.tex) "
        "from the files a run, comparison or sweep folder holds.",
    )
    report.add_argument("folder", metavar="FOLDER")
    report.set_defaults(func=_report)

    params = sub.add_parser("params", help="print the parameter table with provenance")
    params.add_argument("member", nargs="?", help="restrict to one member, actor or 'global'")
    params.add_argument(
        "--format",
        choices=("text", "csv", "markdown", "json"),
        default="text",
        help="text fits the terminal (quotes cut); csv, markdown and json hold everything",
    )
    params.set_defaults(func=_params)
