"""The ``mpcov check`` command line: options, output formats and exit status."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from mpcov.check import CheckError, check_paths, read_settings, select_rules
from mpcov.exitcodes import EXIT_FOUND, EXIT_OK, error

#: The ``mpcov`` subcommand this module provides.
NAME = "check"


_CHECK_DESCRIPTION = """\
Check Python code and the coverage.py settings that measure it for patterns that
lose the coverage data of child processes, and say how to fix each one.

The settings are read by coverage.py itself, as `coverage run` would read them in
the current directory (COVERAGE_RCFILE, .coveragerc, setup.cfg, tox.ini,
pyproject.toml), or from --config. Every rule (MPC1xx: the code pattern;
MPC2xx: the settings or coverage.py release do not fit the code) is documented
with the example that shows the loss. Silence one finding with a trailing
comment on its line: `# mpcov: ignore[MPC101]`.
"""

_CHECK_EPILOG = """\
exit status:
  0  no findings
  1  at least one finding
  2  bad input: a missing path, unreadable settings, an unknown rule id

examples:
  mpcov check                                   the current directory, its settings
  mpcov check src tests --config pyproject.toml
  mpcov check src --select MPC1 --ignore MPC104 --format json
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``mpcov check`` and its options to the subcommands."""
    c = commands.add_parser(
        "check",
        help="find code and coverage settings that lose child-process coverage data",
        description=_CHECK_DESCRIPTION,
        epilog=_CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[Path()],
        metavar="PATH",
        help="Python files or directories to check (default: the current directory)",
    )
    c.add_argument(
        "--config",
        metavar="FILE",
        help="the coverage configuration file to read (default: found as coverage.py does)",
    )
    c.add_argument(
        "--select", metavar="IDS", help="only these rules: ids or prefixes, comma-separated"
    )
    c.add_argument("--ignore", metavar="IDS", help="skip these rules: ids or prefixes")
    c.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for people (default), json for tools",
    )


def run(args: argparse.Namespace) -> int:
    """Carry out ``mpcov check`` with parsed arguments; return the exit status."""
    try:
        rules = select_rules(args.select, args.ignore)
        settings = read_settings(args.config)
        problems: list[str] = []
        findings = check_paths(args.paths, settings, rules, problems)
    except CheckError as exc:
        return error(str(exc))
    for note in (*settings.warnings, *problems):
        print(f"mpcov: warning: {note}", file=sys.stderr)
    if args.format == "json":
        document = {
            "config_file": settings.config_file,
            "coverage_version": settings.coverage_version,
            "rules": rules,
            "findings": [dataclasses.asdict(f) for f in findings],
        }
        print(json.dumps(document, indent=2))
    else:
        for finding in findings:
            print(finding.as_text())
        where = settings.config_file or "no coverage configuration file"
        summary = f"{len(findings)} finding{'' if len(findings) == 1 else 's'}"
        print(f"{summary} (settings: {where}; coverage.py {settings.coverage_version})")
    return EXIT_FOUND if findings else EXIT_OK
