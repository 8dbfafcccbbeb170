"""Command line: ``mpcov COMMAND ...`` (also ``python -m mpcov ...``).

Each subcommand is a module listed in :data:`SUBCOMMANDS` that provides ``NAME``,
``add_parser(commands)`` and ``run(args) -> int``, so each command keeps its
options next to its code. Only the module of the command being run is imported:
``mpcov doctor`` runs around the user's whole test suite, and loading the
verification engine and the checker there would add to every run it observes.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from mpcov import __version__

#: Each subcommand's name and the module that provides it (see the module docstring).
SUBCOMMANDS: dict[str, str] = {
    "verify": "mpcov.verify_cli",
    "check": "mpcov.check.cli",
    "compare": "mpcov.compare",
    "doctor": "mpcov.doctor",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser, shared with the documentation of the CLI.

    Args:
        only: Build just this subcommand (the one on the command line); ``None``
            builds them all, as ``mpcov --help`` and a misspelt command need.
    """
    parser = argparse.ArgumentParser(
        prog="mpcov",
        description="Measure whether coverage.py records what Python child processes run.",
    )
    parser.add_argument("--version", action="version", version=f"mpcov {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for module in _subcommand_modules(only):
        module.add_parser(commands)
    return parser


def _subcommand_modules(only: str | None = None) -> list[Any]:
    names = [SUBCOMMANDS[only]] if only in SUBCOMMANDS else list(SUBCOMMANDS.values())
    return [importlib.import_module(name) for name in names]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mpcov`` command."""
    words = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(words[0] if words else None).parse_args(words)
    module = importlib.import_module(SUBCOMMANDS[args.command])
    if args.command == "verify":
        # argv is None when mpcov is the program (console script, python -m mpcov).
        return int(module.run_verify(args, own_process=argv is None))
    return int(module.run(args))
