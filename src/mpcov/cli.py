"""Command line: ``mpcov verify`` and the other subcommands (also ``python -m mpcov ...``).

``verify`` lives here; every other subcommand is a module listed in
:data:`SUBCOMMANDS` that provides ``NAME``, ``add_parser(commands)`` and
``run(args) -> int``, so each command keeps its options next to its code.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from mpcov import __version__
from mpcov.catalogue import examples_dir
from mpcov.engine import (
    Environment,
    GroupResult,
    PreflightError,
    Runner,
    RunResult,
    skip_reason,
    verify,
)
from mpcov.exitcodes import EXIT_FOUND, EXIT_OK, EXIT_USAGE, error
from mpcov.header import START_METHODS, Example, HeaderError, discover, parse
from mpcov.report import record_name, text_table, to_json, verdict, write_json

#: Exit status when at least one result contradicts its expectation.
EXIT_MISMATCH = EXIT_FOUND
#: Modules that each provide one subcommand (see the module docstring).
SUBCOMMANDS: tuple[str, ...] = ("mpcov.check.cli", "mpcov.compare", "mpcov.doctor")

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


def _label(text: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: use lower-case letters, digits, - and _ (it becomes part of a file name)"
        )
    return text


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
        default=[],
        metavar="SCRIPT_OR_DIR",
        help=(
            "example scripts, or folders of them (default: ./examples if it exists, "
            "else the catalogue shipped with mpcov)"
        ),
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
        "--label",
        type=_label,
        metavar="NAME",
        help=(
            "name this campaign in the report and in the --record file name "
            "(e.g. soak: linux-cpython3.11.7-coverage7.17.5-soak.json)"
        ),
    )
    v.add_argument(
        "--lock",
        type=Path,
        metavar="FILE",
        help="the constraints file this environment was installed from; its digest is recorded",
    )
    v.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep every run's directory (script, settings, data files) under DIR",
    )
    v.add_argument("--quiet", "-q", action="store_true", help="print only the final table")
    for module in _subcommand_modules():
        module.add_parser(commands)
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


def _default_paths() -> list[Path]:
    """./examples when the current folder has one (a checkout), else the shipped catalogue."""
    here = Path("examples")
    if here.is_dir():
        return [here]
    shipped = examples_dir()
    if shipped is None:
        raise HeaderError("no ./examples folder here and no catalogue shipped with mpcov")
    return [shipped]


def _load(paths: Sequence[Path]) -> list[Example]:
    paths = list(paths) or _default_paths()
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
    return error(message)


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
    if args.lock is not None and not args.lock.is_file():
        return _error(f"--lock {args.lock}: no such file")
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
        targets.append(args.record / record_name(env, args.label))
    if targets:
        document = to_json(
            groups,
            env,
            repeat=args.repeat,
            racy_repeat=args.racy_repeat,
            jobs=args.jobs,
            root=Path.cwd(),
            label=args.label,
            lock=args.lock,
        )
        for target in targets:
            write_json(document, target)
            print(f"JSON report written to {target}", file=sys.stderr)
    mismatches = [g for g in groups if verdict(g) == "MISMATCH"]
    for group in mismatches:
        print(
            f"\nMISMATCH {group.example.name} [{group.label}]: expected {group.expect}, "
            f"got {_outcomes(group)}: {group.explanation}",
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


def _subcommand_modules() -> list[Any]:
    return [importlib.import_module(name) for name in SUBCOMMANDS]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mpcov`` command."""
    args = build_parser().parse_args(argv)
    if args.command == "verify":
        return run_verify(args)
    for module in _subcommand_modules():
        if args.command == module.NAME:
            return int(module.run(args))
    return EXIT_USAGE  # pragma: no cover - argparse enforces a known command
