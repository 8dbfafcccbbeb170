"""``mpcov verify``: run example scripts under coverage.py and report what was measured.

The subcommand's options and its driver; the runs themselves are
:mod:`mpcov.engine`'s. Imported only when ``verify`` is the command, so that the
other subcommands start without loading the engine.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mpcov import processes
from mpcov.argtypes import positive_int, positive_seconds
from mpcov.catalogue import examples_dir
from mpcov.compare import CompareError, Document, rows_left_out
from mpcov.engine import (
    Environment,
    GroupResult,
    PreflightError,
    Runner,
    RunResult,
    preflight_all,
    skip_reason,
    verify,
)
from mpcov.exitcodes import EXIT_FOUND, EXIT_INTERRUPTED, EXIT_OK, error
from mpcov.header import NO_START_METHOD, START_METHODS, Example, HeaderError, discover, parse
from mpcov.report import (
    record_name,
    text_table,
    to_json,
    update_conflicts,
    updated,
    verdict,
    write_json,
)

#: Exit status when at least one result contradicts its expectation.
EXIT_MISMATCH = EXIT_FOUND
#: Modules that each provide one subcommand (see the module docstring).
#: The subcommand this module provides.
NAME = "verify"

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
  0    every result matches its expectation (skipped rows do not count)
  1    at least one result does not match
  2    bad input: missing script, invalid header or coverage settings, bad option,
       an output path that cannot be written (checked before any run)
  130  interrupted by Ctrl-C (SIGINT), SIGTERM or SIGHUP: every run's process
       group is killed and its temporary folders removed before mpcov exits

signals and leftovers:
  Runs live in sessions of their own, so a closed terminal (SIGHUP) reaches only
  mpcov, which stops them as it does on Ctrl-C. A signal mpcov was started with
  ignored stays ignored: under nohup it survives a hang-up. A second Ctrl-C while
  runs are being stopped is ignored, so the cleanup always finishes. On Linux
  mpcov is a child subreaper: a process that leaves its run's group (setsid,
  double fork) is still found, killed and reported in the run's problems.
  If mpcov is SIGKILLed, a watchdog process kills its runs (found by the MPCOV_RUN
  variable in their environment) and removes their temporary folders, and each
  run's first process dies with mpcov (PR_SET_PDEATHSIG). What can remain: a
  process that replaced its whole environment, if the watchdog was killed too; and
  the --keep folders, which are meant to stay.

choosing examples:
  --select, --library and --installed narrow the catalogue; a run of only the
  patterns you use takes seconds instead of minutes.

examples:
  mpcov verify examples/                       every example, every start method
  mpcov verify --select pool_ --start-method spawn
  mpcov verify --library joblib --repeat 20    the joblib examples, 20 runs per row
  mpcov verify --installed                     skip what needs libraries not installed
  mpcov verify examples/ --json results.json   also write a machine-readable report
"""

#: Example scripts larger than this are refused: Python 3.9 and 3.10 crash (SIGSEGV)
#: parsing expressions of about 100,000 terms, and no example needs a fraction of it.
MAX_SCRIPT_BYTES = 128 * 1024


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the platform tells)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return len(affinity(0)) or 1
    return os.cpu_count() or 1


def _label(text: str) -> str:
    # Dots for versions (cloudpickle-3.1.2); no slash, and no leading dot or dash.
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: use lower-case letters, digits, ., - and _ (it becomes part of a file name)"
        )
    return text


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``mpcov verify`` and its options to the subcommands."""
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
        type=positive_int,
        default=3,
        help="runs per example and start method (default: 3); racy rows need many",
    )
    v.add_argument(
        "--racy-repeat",
        type=positive_int,
        default=None,
        metavar="N",
        help="runs for rows whose header expects a racy outcome (default: --repeat)",
    )
    v.add_argument(
        "--jobs",
        "-j",
        type=positive_int,
        default=usable_cpus(),
        help=(
            "runs at once, at most the number of CPUs, which is also the default (here "
            "%(default)s): more turns timing into timeouts"
        ),
    )
    v.add_argument(
        "--timeout",
        type=positive_seconds,
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
            "coverage version (how docs/results/data is filled); the file is replaced whole, "
            "so a run that leaves out rows it holds is refused (see --update)"
        ),
    )
    v.add_argument(
        "--update",
        action="store_true",
        help=(
            "with --record: add this run's rows to the recording in DIR, replacing its rows "
            "of the same example and start method and keeping the rest; refused unless the "
            "recording was made with the same platform, Python, coverage.py, libraries, "
            "lock, repeat counts, --jobs and --details"
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
        "--details",
        choices=("all", "contrary"),
        default="all",
        help=(
            "which runs the JSON report lists one by one: all (default), or only those "
            "against the header, with their index; counts cover every run (for soaks)"
        ),
    )
    v.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep every run's directory (script, settings, data files) under DIR",
    )
    v.add_argument("--quiet", "-q", action="store_true", help="print only the final table")
    v.add_argument(
        "--select",
        "-k",
        action="append",
        metavar="PATTERN",
        help=(
            "only examples whose name contains PATTERN or matches it as a glob "
            "(pool_, 'process_*_sigterm'); repeat for several"
        ),
    )
    v.add_argument(
        "--library",
        action="append",
        metavar="NAME",
        help=(
            "only examples that require this distribution (joblib, billiard, multiprocess, "
            "mpire, pytest-cov, pytest-xdist); repeat for several"
        ),
    )
    v.add_argument(
        "--installed",
        action="store_true",
        help=(
            "leave out examples whose required libraries are not installed here, "
            "instead of listing them as skipped"
        ),
    )


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
    scripts = _examples_in(paths)
    if not scripts:
        raise HeaderError(f"no example scripts in {', '.join(map(str, paths))}")
    examples = [_parse(p) for p in scripts]
    names = [e.name for e in examples]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise HeaderError(f"two examples are named {duplicate!r}; names must be unique")
    return examples


def _error(message: str) -> int:
    return error(message)


def _examples_in(paths: Sequence[Path]) -> list[Path]:
    """The example scripts named by ``paths``; each must be a regular, small file."""
    scripts = discover(list(paths))
    for script in scripts:
        # A FIFO (or a device) named *.py would block the read below forever.
        if not script.is_file():
            raise HeaderError(f"{script}: not a regular file")
        size = script.stat().st_size
        if size > MAX_SCRIPT_BYTES:
            raise HeaderError(
                f"{script}: {size // 1024} KiB is too large for an example script "
                f"(at most {MAX_SCRIPT_BYTES // 1024} KiB)"
            )
    return scripts


def _parse(script: Path) -> Example:
    try:
        return parse(script)
    except (RecursionError, MemoryError):
        # ast.parse gives up on very deep nesting (RecursionError on 3.11+).
        raise HeaderError(f"{script}: too deeply nested for Python's parser") from None


def _matches(example: Example, patterns: Sequence[str]) -> bool:
    return any(p in example.name or fnmatch.fnmatchcase(example.name, p) for p in patterns)


def _requirements_installed(example: Example, env: Environment) -> bool:
    for text in example.requires:
        requirement = Requirement(text)
        version = env.libraries.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            return False
    return True


def _choose(examples: list[Example], args: argparse.Namespace, env: Environment) -> list[Example]:
    """Apply --select, --library and --installed (kinds combine with "and")."""
    chosen = examples
    asked = []
    if args.select:
        chosen = [e for e in chosen if _matches(e, args.select)]
        asked.append("--select " + " ".join(args.select))
    if args.library:
        names = {canonicalize_name(n) for n in args.library}
        chosen = [e for e in chosen if names & set(e.requirement_names)]
        asked.append("--library " + " ".join(args.library))
    if args.installed:
        chosen = [e for e in chosen if _requirements_installed(e, env)]
        asked.append("--installed")
    if not chosen:
        raise HeaderError(f"no example matches {', '.join(asked)} (of {len(examples)} found)")
    return chosen


def _cannot_write_in(folder: Path) -> str | None:
    """Why no file can be created in ``folder`` or the folders it would need; or ``None``.

    Nothing is left behind: the probe file is removed, missing folders are not made.
    """
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        fd, probe = tempfile.mkstemp(prefix=".mpcov-probe-", dir=existing)
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(fd)
    Path(probe).unlink()
    return None


def _output_problem(args: argparse.Namespace) -> str | None:
    """The first --json/--record/--keep/--lock path that cannot be used, as a message."""
    checks: list[tuple[str, Path | None, str]] = [
        ("--json", args.json_path, "file"),
        ("--record", args.record, "folder"),
        ("--keep", args.keep, "folder"),
    ]
    for option, path, kind in checks:
        if path is None:
            continue
        if kind == "file" and path.is_dir():
            reason: str | None = "is a directory"
        elif kind == "folder" and path.exists() and not path.is_dir():
            reason = "not a directory"
        else:
            reason = _cannot_write_in(path.parent if kind == "file" else path)
        if reason is not None:
            return f"{option} {path}: cannot write there: {reason}"
    if args.lock is not None:
        try:
            with args.lock.open("rb") as stream:
                stream.read(1)
        except OSError as exc:
            return f"--lock {args.lock}: cannot read it: {exc.strerror or exc}"
    return None


def _record_problem(
    args: argparse.Namespace, examples: Sequence[Example], env: Environment, jobs: int
) -> str | None:
    """Why ``--record`` would lose rows: its file holds some that this run leaves out.

    A recording is one file per platform, Python, coverage.py and label, written
    whole. A run of some examples or start methods would silently replace the rest
    of it; that is refused before anything runs. With ``--update`` the rest is kept,
    so the recording must have been made the way this run makes its rows.
    """
    if args.update and args.record is None:
        return "--update needs --record DIR: it adds this run's rows to that recording"
    if args.record is None:
        return None
    target = args.record / record_name(env, args.label)
    if args.update:
        return _update_problem(args, target, env, jobs)
    try:
        recorded = Document.read(target).rows
    except CompareError:
        return None  # nothing there, or no results document to keep
    wanted = args.start_methods
    planned = {
        (e.name, label)
        for e in examples
        for label in e.labels
        if not wanted or label in wanted or label == NO_START_METHOD
    }
    dropped = rows_left_out(recorded, planned)
    if dropped is None:
        return None
    return (
        f"--record {args.record}: {target.name} holds rows this run leaves out "
        f"({dropped}), and recording replaces the whole file; run them too, "
        "or write this run with --json PATH"
    )


def _this_run(args: argparse.Namespace, env: Environment, jobs: int) -> dict[str, Any]:
    """The document this run writes, without its rows: what an update is compared on."""
    return to_json(
        [],
        env,
        repeat=args.repeat,
        racy_repeat=args.racy_repeat,
        jobs=jobs,
        label=args.label,
        lock=args.lock,
        details=args.details,
    )


def _recorded(target: Path) -> dict[str, Any] | None:
    """The recording at ``target`` as JSON, or ``None`` when there is none yet.

    Raises:
        ValueError: it exists but is not a results document this mpcov can update.
    """
    try:
        document = json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read it: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        raise ValueError("not an mpcov results document")  # noqa: TRY004 - a bad file, as above
    return document


def _update_problem(
    args: argparse.Namespace, target: Path, env: Environment, jobs: int
) -> str | None:
    """Why this run's rows cannot join the recording at ``target``, or ``None``."""
    where = f"--record {args.record} --update: {target.name}"
    try:
        recorded = _recorded(target)
    except ValueError as exc:
        return f"{where}: {exc}"
    if recorded is None:
        return None
    conflicts = update_conflicts(recorded, _this_run(args, env, jobs))
    if not conflicts:
        return None
    return (
        f"{where} was made with another {', '.join(conflicts)} than this run; rows made "
        "differently cannot share a recording: record it whole, without --update"
    )


def _say(text: str, stream: TextIO | None = None) -> None:
    """Print one line; if the terminal is gone (SIGHUP), stop writing to it instead."""
    try:
        print(text, file=stream or sys.stderr, flush=True)
    except OSError:
        _silence()


def _silence() -> None:
    """Point stdout and stderr at the null device, so exiting cannot fail on a dead terminal."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            with contextlib.suppress(OSError):
                os.dup2(devnull, fd)
        os.close(devnull)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:
            _silence()


def _write_reports(document: dict[str, Any], targets: Sequence[Path]) -> int | None:
    """Write the JSON report to each target; on failure keep it in a temp file, exit 2."""
    for target in targets:
        try:
            write_json(document, target)
        except OSError as exc:
            return _keep_report(document, f"cannot write {target}: {exc.strerror or exc}")
        _say(f"JSON report written to {target}")
    return None


def _keep_report(document: dict[str, Any], problem: str) -> int:
    """Save the report in a temporary file, so no run is lost, and exit 2 with ``problem``."""
    fd, kept = tempfile.mkstemp(prefix="mpcov-results-", suffix=".json")
    os.close(fd)
    write_json(document, Path(kept))
    return _error(f"{problem}; the report is in {kept}")


def run_verify(args: argparse.Namespace, *, own_process: bool = False) -> int:
    """Carry out ``mpcov verify`` with parsed arguments; return the exit status.

    When mpcov is the program (the console script, ``python -m mpcov``) it may change
    process-wide state: it becomes a child subreaper and starts a watchdog. Called
    from other Python code it changes neither.

    Args:
        args: The parsed command line.
        own_process: Whether mpcov is the program.
    """
    with processes.Interrupts(until_exit=own_process):
        try:
            return _run_verify(args, own_process=own_process)
        except KeyboardInterrupt:
            _say("mpcov: interrupted")
            return EXIT_INTERRUPTED
        finally:
            _flush()


def _run_verify(args: argparse.Namespace, *, own_process: bool) -> int:
    env = Environment.current()
    try:
        examples = _choose(_load(args.paths), args, env)
    except HeaderError as exc:
        return _error(str(exc))
    if args.lock is not None and not args.lock.is_file():
        return _error(f"--lock {args.lock}: no such file")
    cpus = usable_cpus()
    problem = _output_problem(args) or _record_problem(args, examples, env, min(args.jobs, cpus))
    if problem is not None:
        return _error(problem)
    jobs = args.jobs
    if jobs > cpus:
        _say(
            f"mpcov: note: --jobs {jobs} is more than the {cpus} CPU(s) here; running {cpus} at once"
        )
        jobs = cpus
    runner = Runner(timeout=args.timeout, keep=args.keep)
    watchdog = None
    if own_process:
        watchdog = processes.Watchdog()
        if not processes.become_subreaper():
            _say(
                "mpcov: note: processes that leave their run's process group (setsid, "
                "double fork) cannot be found on this platform: neither killed nor reported"
            )
    try:
        return _run_checked(args, examples, env, runner, jobs)
    finally:
        with processes.deferred_signals():
            if own_process:
                processes.sweep_orphans()
            if watchdog is not None:
                watchdog.stop()


def _run_checked(
    args: argparse.Namespace,
    examples: list[Example],
    env: Environment,
    runner: Runner,
    jobs: int,
) -> int:
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
    checked = preflight_all(runnable, runner=runner, jobs=jobs)
    for example, outcome in zip(runnable, checked):
        if isinstance(outcome, PreflightError):
            return _error(f"{example.path}: {outcome}")
        for warning in outcome:
            _say(f"mpcov: warning: {example.path}: {warning}")
    progress = _Progress(sys.stderr, quiet=args.quiet)
    requested = args.start_methods
    if requested:
        for method in requested:
            if method not in env.start_methods:
                _say(
                    f"mpcov: note: start method {method!r} is not available on "
                    f"{env.sys_platform}; its rows are skipped"
                )
    try:
        groups = verify(
            examples,
            labels=requested,
            repeat=args.repeat,
            racy_repeat=args.racy_repeat,
            jobs=jobs,
            runner=runner,
            env=env,
            progress=progress,
        )
    except KeyboardInterrupt:
        _say(("\n" if progress.live else "") + "mpcov: interrupted; every run was stopped")
        return EXIT_INTERRUPTED
    _say(text_table(groups, env, repeat=args.repeat, racy_repeat=args.racy_repeat), sys.stdout)
    if args.json_path is not None or args.record is not None:
        document = to_json(
            groups,
            env,
            repeat=args.repeat,
            racy_repeat=args.racy_repeat,
            jobs=jobs,
            root=Path.cwd(),
            label=args.label,
            lock=args.lock,
            details=args.details,
        )
        reports: list[tuple[dict[str, Any], Path]] = []
        if args.json_path is not None:
            reports.append((document, args.json_path))
        if args.record is not None:
            target = args.record / record_name(env, args.label)
            recording, problem = _record_document(args, document, target)
            if problem is not None:
                return _keep_report(document, problem)
            reports.append((recording, target))
        for report, target in reports:
            failed = _write_reports(report, [target])
            if failed is not None:
                return failed
    mismatches = [g for g in groups if verdict(g) == "MISMATCH"]
    for group in mismatches:
        _say(
            f"\nMISMATCH {group.example.name} [{group.label}]: expected {group.expect}, "
            f"got {_outcomes(group)}: {group.explanation}"
        )
        for line in _evidence(group):
            _say(line)
    return EXIT_MISMATCH if mismatches else EXIT_OK


def _record_document(
    args: argparse.Namespace, document: dict[str, Any], target: Path
) -> tuple[dict[str, Any], str | None]:
    """What ``--record`` writes, and why it cannot, if so.

    Without ``--update``: this run's document. With it: the recording at ``target``
    with this run's rows in it, read again now; if it was replaced meanwhile by one
    made differently, writing either would lose rows, so nothing is written there.
    """
    if not args.update:
        return document, None
    try:
        recorded = _recorded(target)
    except ValueError as exc:
        return document, f"{target} changed while this run ran: {exc}"
    if recorded is None:
        return document, None
    conflicts = update_conflicts(recorded, document)
    if conflicts:
        return document, (f"{target} changed while this run ran (another {', '.join(conflicts)})")
    return updated(recorded, document), None


def _evidence(group: GroupResult) -> list[str]:
    """What a mismatched row's first failing run says: outcome, exit code, problems, stderr."""
    runs = group.runs
    failed = next((r for r in runs if r.status != "ok"), None)
    if failed is None:
        failed = next((r for r in runs if r.outcome != group.expect), None)
    if failed is None:
        return []
    number = runs.index(failed) + 1
    if failed.status == "timeout":
        how = f"timeout after {failed.duration:g} s"
    elif failed.exit_code is not None:
        how = f"{failed.outcome}, exit code {failed.exit_code}"
    else:  # pragma: no cover - a finished run always has an exit code
        how = failed.outcome
    lines = [f"  run {number} of {len(runs)}: {how}"]
    lines.extend(f"    {problem}" for problem in failed.problems)
    if failed.stderr_tail:
        lines.append("  stderr of that run (last lines):")
        lines.extend(f"    {line}" for line in failed.stderr_tail.splitlines())
    return lines


def _outcomes(group: GroupResult) -> str:
    counts: dict[str, int] = {}
    for run in group.runs:
        counts[run.outcome] = counts.get(run.outcome, 0) + 1
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))


def run(args: argparse.Namespace) -> int:
    """Carry out ``mpcov verify`` from other Python code (see :func:`run_verify`)."""
    return run_verify(args)
