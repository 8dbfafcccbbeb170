"""Command line: ``mpcov verify`` and ``mpcov check`` (also ``python -m mpcov ...``)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import TextIO

from mpcov import __version__
from mpcov.check import CheckError, check_paths, read_settings, select_rules
from mpcov.engine import (
    Environment,
    GroupResult,
    PreflightError,
    Runner,
    RunResult,
    skip_reason,
    verify,
)
from mpcov.header import START_METHODS, Example, HeaderError, discover, parse
from mpcov.report import record_name, text_table, to_json, verdict, write_json

#: Exit status when every result matches its example's expectation.
EXIT_OK = 0
#: Exit status when at least one result contradicts its expectation.
EXIT_MISMATCH = 1
#: Exit status for bad input: usage, a missing script, an invalid header or settings.
EXIT_USAGE = 2

_DESCRIPTION = """\
Run example scripts under real coverage.py and report which of their child-process
lines were measured.

Each script runs as `python -m coverage run SCRIPT START_METHOD` in a private
temporary directory, with the coverage settings from its header written to that
directory's pyproject.toml, once per start method and --repeat times. A row's rate
is the share of runs in which every line marked `# mpcov: child` was measured;
its result is "ok" when the runs agree with the outcome the header expects
(measured: every run; lost: no run; racy: any mix, reported as a rate).
"""

_EPILOG = """\
exit status:
  0  every result matches its expectation (skipped rows do not count)
  1  at least one result does not match
  2  bad input: missing script, invalid header or coverage settings, bad option

examples:
  mpcov verify examples/                       every example, every start method
  mpcov verify examples/pool_close_join.py --start-method spawn --repeat 20
  mpcov verify examples/ --json results.json   also write a machine-readable report
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    # `not 0 < value` also refuses nan; nan or inf would make the timeout never fire.
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number more than 0, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, shared with the documentation of the CLI."""
    parser = argparse.ArgumentParser(
        prog="mpcov",
        description="Measure whether coverage.py records what Python child processes run.",
    )
    parser.add_argument("--version", action="version", version=f"mpcov {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    v = commands.add_parser(
        "verify",
        help="run example scripts under coverage.py and report what was measured",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    v.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[Path("examples")],
        metavar="SCRIPT_OR_DIR",
        help="example scripts, or folders of them (default: ./examples)",
    )
    v.add_argument(
        "--start-method",
        "-m",
        action="append",
        choices=START_METHODS,
        dest="start_methods",
        metavar="METHOD",
        help=(
            "run under this start method (fork, forkserver, spawn); repeat the option for "
            "several (default: every method this platform has)"
        ),
    )
    v.add_argument(
        "--repeat",
        "-n",
        type=_positive_int,
        default=3,
        help="runs per example and start method (default: 3); racy rows need many",
    )
    v.add_argument(
        "--racy-repeat",
        type=_positive_int,
        default=None,
        metavar="N",
        help="runs for rows whose header expects a racy outcome (default: --repeat)",
    )
    v.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        default=os.cpu_count() or 1,
        help="runs at once (default: number of CPUs, here %(default)s)",
    )
    v.add_argument(
        "--timeout",
        type=_positive_float,
        default=None,
        help=(
            "seconds before a run is killed with its whole process group and reported as a "
            "timeout (default: the header's timeout, else 60)"
        ),
    )
    v.add_argument(
        "--json", type=Path, dest="json_path", metavar="PATH", help="also write a JSON report"
    )
    v.add_argument(
        "--record",
        type=Path,
        metavar="DIR",
        help=(
            "also write the JSON report into DIR, named for this platform, Python and "
            "coverage version (how docs/results/data is filled)"
        ),
    )
    v.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep every run's directory (script, settings, data files) under DIR",
    )
    v.add_argument("--quiet", "-q", action="store_true", help="print only the final table")
    _add_check_parser(commands)
    return parser


class _Progress:
    """Prints a line per finished example and start method, and a live counter on a TTY."""

    def __init__(self, stream: TextIO, *, quiet: bool) -> None:
        self.stream = stream
        self.quiet = quiet
        self.live = stream.isatty() and not quiet
        self._finished: dict[int, list[RunResult]] = {}

    def __call__(self, group: GroupResult, run: RunResult, done: int, total: int) -> None:
        if self.quiet:
            return
        runs = self._finished.setdefault(id(group), [])
        runs.append(run)
        erase = "\r\x1b[K" if self.live else ""
        if len(runs) == group.planned:
            measured = sum(1 for r in runs if r.outcome == "measured")
            self.stream.write(
                f"{erase}[{done}/{total}] {group.example.name} [{group.label}]: "
                f"{measured}/{len(runs)} measured (expected: {group.expect})\n"
            )
        if self.live and done < total:
            self.stream.write(f"{erase}[{done}/{total}] running...")
        self.stream.flush()


def _load(paths: Sequence[Path]) -> list[Example]:
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise HeaderError(f"{missing[0]}: no such file or directory")
    scripts = discover(list(paths))
    if not scripts:
        raise HeaderError(f"no example scripts in {', '.join(map(str, paths))}")
    examples = [parse(p) for p in scripts]
    names = [e.name for e in examples]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise HeaderError(f"two examples are named {duplicate!r}; names must be unique")
    return examples


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so a killed verify still stops its runs and cleans up."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set signal handlers
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _error(message: str) -> int:
    print(f"mpcov: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _preflight_all(
    runner: Runner, examples: Sequence[Example], jobs: int
) -> list[tuple[str, ...] | PreflightError]:
    """Let coverage.py check every example's settings, ``jobs`` at a time, in order."""

    def one(example: Example) -> tuple[str, ...] | PreflightError:
        try:
            return runner.preflight(example)
        except PreflightError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, examples))


def run_verify(args: argparse.Namespace) -> int:
    """Carry out ``mpcov verify`` with parsed arguments; return the exit status."""
    try:
        examples = _load(args.paths)
    except HeaderError as exc:
        return _error(str(exc))
    runner = Runner(timeout=args.timeout, keep=args.keep)
    env = Environment.current()
    # Settings of examples that will not run here (e.g. a `patch` value this coverage.py
    # does not know yet, in an example that requires a newer one) are not judged.
    runnable = [
        e
        for e in examples
        if any(
            skip_reason(e, label, env) is None
            for label in e.labels
            if not args.start_methods or label in args.start_methods or label == "none"
        )
    ]
    try:
        with _sigterm_as_interrupt():
            checked = _preflight_all(runner, runnable, args.jobs)
    except KeyboardInterrupt:
        runner.stop_all()
        print("\nmpcov: interrupted", file=sys.stderr)
        return 130
    for example, outcome in zip(runnable, checked):
        if isinstance(outcome, PreflightError):
            return _error(f"{example.path}: {outcome}")
        for warning in outcome:
            print(f"mpcov: warning: {example.path}: {warning}", file=sys.stderr)
    progress = _Progress(sys.stderr, quiet=args.quiet)
    requested = args.start_methods
    if requested:
        for method in requested:
            if method not in env.start_methods:
                print(
                    f"mpcov: note: start method {method!r} is not available on "
                    f"{env.sys_platform}; its rows are skipped",
                    file=sys.stderr,
                )
    try:
        with _sigterm_as_interrupt():
            groups = verify(
                examples,
                labels=requested,
                repeat=args.repeat,
                racy_repeat=args.racy_repeat,
                jobs=args.jobs,
                runner=runner,
                env=env,
                progress=progress,
            )
    except KeyboardInterrupt:
        print("\nmpcov: interrupted; every run was stopped", file=sys.stderr)
        return 130
    print(text_table(groups, env, repeat=args.repeat, racy_repeat=args.racy_repeat))
    targets = [args.json_path] if args.json_path is not None else []
    if args.record is not None:
        targets.append(args.record / record_name(env))
    if targets:
        document = to_json(
            groups,
            env,
            repeat=args.repeat,
            racy_repeat=args.racy_repeat,
            jobs=args.jobs,
            root=Path.cwd(),
        )
        for target in targets:
            write_json(document, target)
            print(f"JSON report written to {target}", file=sys.stderr)
    mismatches = [g for g in groups if verdict(g) == "MISMATCH"]
    for group in mismatches:
        print(
            f"\nMISMATCH {group.example.name} [{group.label}]: expected {group.expect}, "
            f"got {_outcomes(group)}",
            file=sys.stderr,
        )
        failed = next((r for r in group.runs if r.stderr_tail), None)
        if failed is not None:
            print("  stderr of a failed run:", file=sys.stderr)
            for line in failed.stderr_tail.splitlines():
                print(f"    {line}", file=sys.stderr)
    return EXIT_MISMATCH if mismatches else EXIT_OK


def _outcomes(group: GroupResult) -> str:
    counts: dict[str, int] = {}
    for run in group.runs:
        counts[run.outcome] = counts.get(run.outcome, 0) + 1
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))


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


def _add_check_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


def run_check(args: argparse.Namespace) -> int:
    """Carry out ``mpcov check`` with parsed arguments; return the exit status."""
    try:
        rules = select_rules(args.select, args.ignore)
        settings = read_settings(args.config)
        problems: list[str] = []
        findings = check_paths(args.paths, settings, rules, problems)
    except CheckError as exc:
        return _error(str(exc))
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
    return EXIT_MISMATCH if findings else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mpcov`` command."""
    args = build_parser().parse_args(argv)
    if args.command == "verify":
        return run_verify(args)
    if args.command == "check":
        return run_check(args)
    return EXIT_USAGE  # pragma: no cover - argparse enforces a known command
