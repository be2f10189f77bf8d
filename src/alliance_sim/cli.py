"""Command-line interface: ``alliance-sim SUBCOMMAND``.

Each module in :mod:`alliance_sim.commands` registers its subcommands; this file only builds the
parser and turns errors into exit codes: 0 success, 1 failure, 2 bad input (no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

from .errors import BadInput
from .scenarios import ScenarioError

__all__ = ["BadInput", "Parser", "build_parser", "main"]

#: Modules that register subcommands, in the order they appear in ``--help``.
COMMAND_MODULES = ("scenario", "sweep", "discover", "calibrate", "viz")


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage block), with exit code 2.

    ``--help`` still prints the usage; a bad option prints only, e.g.,
    ``alliance-sim run: error: argument --replicates: invalid int value: 'abc'``.
    """

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE`` on one line to stderr and exit with code 2.

        Args:
            message: argparse's description of the problem.
        """
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand (all of them :class:`Parser`)."""
    parser = Parser(
        prog="alliance-sim",
        description="Agent-based simulation of CSTO alliance cohesion (Mesa 3).",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=Parser
    )
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"alliance_sim.commands.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"alliance_sim.commands.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``alliance-sim`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ScenarioError, BadInput) as err:
        print(f"alliance-sim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("alliance-sim: interrupted", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (``alliance-sim params | head``): stop quietly. Point stdout at
        # devnull so that Python's final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as err:
        # A file or folder the user named cannot be read or written: one line, no traceback.
        where = f"{err.filename}: " if err.filename else ""
        print(f"alliance-sim: error: {where}{err.strerror or err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
