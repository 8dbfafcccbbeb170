"""The ``mpcov check`` command line: options, output formats and exit status."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from mpcov.check import cmdline
from mpcov.check.config import CheckConfig, find_config, read_config
from mpcov.check.output import dumps, github, sarif, text, to_json
from mpcov.check.runner import check_files
from mpcov.check.selection import select_rules
from mpcov.check.settings import CheckError, Measured, read_settings
from mpcov.exitcodes import EXIT_FOUND, EXIT_OK, EXIT_USAGE, error

#: The ``mpcov`` subcommand this module provides.
NAME = "check"

_DESCRIPTION = """\
Check Python code and the coverage.py settings that measure it for patterns that
lose the coverage data of child processes, and say how to fix each one.

The settings are read by coverage.py itself, as `coverage run` would read them in
the current directory (COVERAGE_RCFILE, .coveragerc, setup.cfg, tox.ini,
pyproject.toml), or from --rcfile; coverage options on command lines in tox.ini,
noxfile.py, Makefiles and CI files are read too. Files coverage would not measure
([run] source/include/omit) give no finding about workers that run only their own
code. Where to look and which rules to apply can be set in pyproject.toml, in a
[tool.mpcov.check] table (include, exclude, extend-exclude, select, ignore,
per-file-ignores, respect-gitignore, exclude-test-data).

Every rule (MPC0xx: the checker's own; MPC1xx: the code pattern; MPC2xx: the
settings or coverage.py release do not fit the code) is documented with the
example that shows the loss. Silence one finding with a trailing comment on its
line: `# mpcov: ignore[MPC101]` (ids or prefixes); MPC001 reports comments that
silence nothing.
"""

_EPILOG = """\
exit status:
  0  no findings
  1  at least one finding
  2  bad input: a bad option, a missing path, unreadable settings, an unknown rule
     id, no Python file at all, or a file that cannot be read or parsed

examples:
  mpcov check                                   the current directory, its settings
  mpcov check src tests --rcfile pyproject.toml
  mpcov check src --select MPC1 --ignore MPC104 --format json
  mpcov check --format sarif > mpcov.sarif      for code scanning
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``mpcov check`` and its options to the subcommands."""
    c = commands.add_parser(
        NAME,
        help="find code and coverage settings that lose child-process coverage data",
        description=_DESCRIPTION,
        epilog=_EPILOG,
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
        "--rcfile",
        metavar="FILE",
        help="the coverage configuration file to read (default: found as coverage.py does)",
    )
    c.add_argument("--config", metavar="FILE", help=argparse.SUPPRESS)  # deprecated: --rcfile
    c.add_argument(
        "--select", metavar="IDS", help="only these rules: ids or prefixes, comma-separated"
    )
    c.add_argument("--ignore", metavar="IDS", help="skip these rules: ids or prefixes")
    c.add_argument(
        "--exclude",
        metavar="PATTERN",
        action="append",
        help="leave out matching files and folders, instead of the default excludes (repeatable)",
    )
    c.add_argument(
        "--extend-exclude",
        metavar="PATTERN",
        action="append",
        help="leave out matching files and folders, besides the excludes (repeatable)",
    )
    c.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply the excludes to files named on the command line too (as pre-commit needs)",
    )
    c.add_argument(
        "--format",
        choices=("text", "json", "github", "sarif"),
        default="text",
        help="text for people (default), json for tools, github annotations, sarif 2.1.0",
    )


def _config(args: argparse.Namespace) -> CheckConfig:
    config = read_config(find_config())
    values = dict(vars(config))
    if args.exclude:
        values["exclude"] = tuple(args.exclude)
    if args.extend_exclude:
        values["extend_exclude"] = (*config.extend_exclude, *args.extend_exclude)
    return CheckConfig(**values)


def _print(lines: list[str]) -> None:
    for line in lines:
        print(line)
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    """Carry out ``mpcov check`` with parsed arguments; return the exit status."""
    try:
        return _run(args)
    except BrokenPipeError:
        # The reader went away (`| head -1`): stop quietly, and keep Python's own
        # flush at exit from raising again on the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FOUND


def _run(args: argparse.Namespace) -> int:
    if args.config is not None:
        print("mpcov: warning: --config is deprecated; use --rcfile", file=sys.stderr)
    rcfile = args.rcfile if args.rcfile is not None else args.config
    try:
        config = _config(args)
        select = args.select if args.select is not None else config.select
        ignore = [*config.ignore, *(args.ignore.split(",") if args.ignore is not None else [])]
        if args.ignore is not None and not args.ignore.strip(", "):
            select_rules(None, args.ignore)  # the "no rule id given" error
        rules = select_rules(select, ignore or None)
        settings = read_settings(rcfile)
        base = Path(settings.config_file).parent if settings.config_file else Path.cwd()
        found = cmdline.scan(config.root if config.path else base)
        settings = settings.with_command_line(found)
        measured = Measured(settings, base)
        report = check_files(
            args.paths, settings, rules, config, measured, args.force_exclude, found
        )
    except CheckError as exc:
        return error(str(exc))
    if not report.seen_python:
        names = ", ".join(str(p) for p in args.paths)
        return error(f"no Python file found in {names}")
    for note in settings.warnings:
        print(f"mpcov: warning: {note}", file=sys.stderr)
    for rcname in dict.fromkeys(found.rcfiles):
        if settings.config_file is None or Path(rcname).name != Path(settings.config_file).name:
            print(
                f"mpcov: warning: a command line names the coverage settings {rcname!r}; "
                f"mpcov read {settings.config_file or 'none'} (use --rcfile)",
                file=sys.stderr,
            )
    for skipped in report.errors:
        error(f"{skipped.path}: skipped: {skipped.reason}")
    status = EXIT_USAGE if report.errors else EXIT_FOUND if report.findings else EXIT_OK
    if args.format == "json":
        _print([dumps(to_json(report, settings, rules, status, config.path, found.read))])
    elif args.format == "sarif":
        _print([dumps(sarif(report, rules, status))])
    elif args.format == "github":
        _print(github(report))
    else:
        _print(text(report, settings, found.read))
    return status
