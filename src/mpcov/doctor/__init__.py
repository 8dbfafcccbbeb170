"""``mpcov doctor``: run a command and find which of its processes lost coverage data, and why.

The command runs unchanged except for an observer that every Python process it
starts loads at start-up (see :mod:`mpcov.doctor._observer`). Afterwards the
observer's event log is read back (:mod:`mpcov.doctor.analysis`) and reported
(:mod:`mpcov.doctor.report`); the private folder that held the hook and the log
is removed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from mpcov.argtypes import count, positive_seconds, seconds
from mpcov.exitcodes import EXIT_FOUND, EXIT_INTERRUPTED, EXIT_OK, error

#: The ``mpcov`` subcommand this package provides.
NAME = "doctor"

_DESCRIPTION = """\
Run COMMAND unchanged apart from a light observer, and report every Python
process it started: how it started (fork, spawn, forkserver, subprocess, exec)
and from which line of your code, whether coverage.py measured in it and with
which settings, whether it saved a readable data file, and how it ended (normal
exit, os._exit, a signal and who sent it). Losses are grouped by cause, each
with its fix and the rule code of `mpcov check`.

The observer is a sitecustomize hook in a private temporary folder put first
on PYTHONPATH (an existing sitecustomize still runs); it records events in that
folder, which is removed at the end. Nothing is written to your tree. Nothing is
printed while the command runs; the report goes to stderr when it ends (or to
--output), so the command's own output stays as it was.
"""

_EPILOG = """\
exit status:
  0  no process lost coverage data
  1  at least one process lost coverage data
  2  bad usage, or the command could not be started
  130  interrupted (Ctrl-C, SIGTERM): the command's process group was stopped

examples:
  mpcov doctor -- python -m coverage run -m pytest
  mpcov doctor -- pytest --cov=mypkg tests/
  mpcov doctor --json report.json -- python -m coverage run script.py
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``mpcov doctor`` and its options to the subcommands."""
    d = commands.add_parser(
        NAME,
        help="run a command and report which of its processes lost coverage data, and why",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s [options] -- COMMAND [ARGS...]",
    )
    d.add_argument(
        "argv",
        nargs=argparse.REMAINDER,
        metavar="COMMAND [ARGS...]",
        help="the command to run, after `--`",
    )
    d.add_argument(
        "--json",
        dest="json_path",
        metavar="PATH",
        help="also write the JSON report (see the schema in the docs) to PATH; `-` is stdout",
    )
    d.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        help="write the text report to PATH instead of stderr",
    )
    d.add_argument(
        "--timeout",
        type=positive_seconds,
        default=None,
        help="seconds before the command's process group is stopped (default: no limit)",
    )
    d.add_argument(
        "--grace",
        type=seconds,
        default=10.0,
        help=(
            "seconds processes the command left running get to finish before they are "
            "stopped (default: %(default)s)"
        ),
    )
    d.add_argument(
        "--keep-log",
        metavar="PATH",
        help="copy the raw event log (one JSON object per line) to PATH",
    )
    d.add_argument(
        "--limit",
        type=count,
        default=40,
        help=(
            "how many processes that lost data, and how many others, the text report lists "
            "(default: 40 each)"
        ),
    )


def run(args: argparse.Namespace) -> int:
    """Carry out ``mpcov doctor`` with parsed arguments; return the exit status."""
    from mpcov.doctor.analysis import analyze
    from mpcov.doctor.report import text_report, to_json, write_json
    from mpcov.doctor.runner import CommandNotStarted, observe, private_folder

    argv = list(args.argv)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        return error("doctor: no command given; usage: mpcov doctor [options] -- COMMAND [ARGS...]")
    root = Path.cwd()
    try:
        with private_folder() as folder:
            try:
                observation = observe(argv, folder, timeout=args.timeout, grace=args.grace)
            except CommandNotStarted as exc:
                return error(f"doctor: {exc}")
            analysis = analyze(observation.log, os.getpid(), root)
            if args.keep_log:
                shutil.copyfile(observation.log, args.keep_log)
    except KeyboardInterrupt:
        print("\nmpcov: interrupted; the command's processes were stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    exit_code = None if observation.timed_out else observation.exit_code
    report = text_report(
        analysis, exit_code, root, limit=args.limit, stragglers=observation.stragglers
    )
    if args.output:
        Path(args.output).write_text(report + "\n", encoding="utf-8")
    else:
        sys.stdout.flush()
        print(report, file=sys.stderr)
    if args.json_path:
        write_json(
            to_json(
                analysis,
                command=argv,
                exit_code=exit_code,
                duration=observation.duration,
                root=root,
                stragglers=observation.stragglers,
            ),
            args.json_path,
        )
    lost = any(p.lost or p.partial for p in analysis.processes)
    return EXIT_FOUND if lost else EXIT_OK
