"""Scenario subcommands: run, params."""

from __future__ import annotations

import argparse

import pandas as pd

from ..model import AllianceModel
from ..parameters import parameter_table


def _run(args: argparse.Namespace) -> int:
    from ..scenarios import load_scenario

    scenario = load_scenario(
        args.scenario, replicates=args.replicates, months=args.months, seed=args.seed
    )
    model = AllianceModel(**scenario.model_kwargs())
    model.run_model()
    final = model.final()[["integrity", "cohesion", "credibility"]]
    print(f"{scenario.name}: {scenario.replicates} replicates, {scenario.start} to {scenario.end}")
    print(final.quantile([0.05, 0.5, 0.95]).round(3).to_string())
    return 0


def _params(args: argparse.Namespace) -> int:
    from ..cli import BadInput

    try:
        table = parameter_table(args.member)
    except KeyError as err:
        raise BadInput(err.args[0]) from None
    with pd.option_context("display.max_colwidth", 120, "display.width", 200):
        print(table.to_string(index=False))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the scenario subcommands."""
    run = sub.add_parser("run", help="run a scenario ensemble and print a summary")
    run.add_argument("scenario", help="scenario file or name in scenarios/")
    run.add_argument("--replicates", type=int)
    run.add_argument("--months", type=int)
    run.add_argument("--seed", type=int)
    run.set_defaults(func=_run)
    params = sub.add_parser("params", help="print the parameter table with provenance")
    params.add_argument("member", nargs="?", help="restrict to one member, actor or 'global'")
    params.set_defaults(func=_params)
