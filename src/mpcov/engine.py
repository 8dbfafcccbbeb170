"""The verification engine: run examples under real coverage.py and judge what was measured.

Every run is a real ``python -m coverage run`` process in a private temporary
directory, in its own process group, with the example's declared settings written
to that directory's ``pyproject.toml`` and no ``COVERAGE_*`` variable inherited
from the caller. Afterwards the data files are read one by one with coverage's
own :class:`coverage.CoverageData`, so a missing, empty or half-written file is
recorded as what it is instead of aborting the combine.
"""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Literal

import coverage
from coverage.exceptions import CoverageException

from mpcov.header import NO_START_METHOD, Example

#: How a run ended, before looking at coverage data.
Status = Literal["ok", "timeout", "crashed"]
#: What the data says about the child lines.
Measurement = Literal["measured", "partial", "lost"]

#: Seconds a run may take when neither the command line nor the header says otherwise.
DEFAULT_TIMEOUT = 60.0
#: Seconds left for helper processes (resource tracker, forkserver) to leave after the
#: script exits, before whatever is still in its process group is killed as a straggler.
STRAGGLER_GRACE = 2.0
#: How much of stderr a failed run keeps.
STDERR_TAIL_LINES = 15

_NOTABLE = re.compile(r"(Error|Warning|Traceback|Exception|malformed|Couldn't)", re.IGNORECASE)
_POSIX = os.name == "posix"


class PreflightError(Exception):
    """coverage.py refused the example's settings; the message is coverage's own."""


@dataclass(frozen=True)
class DataFileInfo:
    """One coverage data file found after a run."""

    name: str
    size: int
    #: ``None`` when coverage could read it; otherwise coverage's error message.
    error: str | None


@dataclass(frozen=True)
class RunResult:
    """The result of one run of one example under one start method."""

    status: Status
    measurement: Measurement
    exit_code: int | None
    duration: float
    measured_lines: tuple[int, ...]
    missed_lines: tuple[int, ...]
    data_files: tuple[DataFileInfo, ...]
    #: Processes still in the run's process group after the grace period, then killed.
    stragglers: int
    #: Notable stderr lines (errors, warnings, tracebacks), deduplicated, in order.
    problems: tuple[str, ...]
    #: The last lines of stderr, kept only when the run did not end normally.
    stderr_tail: str

    @property
    def outcome(self) -> str:
        """``measured``, ``partial`` or ``lost``; or ``timeout``/``crashed``."""
        return self.measurement if self.status == "ok" else self.status


@dataclass
class GroupResult:
    """All runs of one example under one start method (its *label*)."""

    example: Example
    label: str
    #: ``measured``, ``lost`` or ``racy``; ``None`` when skipped.
    expect: str | None
    skip_reason: str | None = None
    runs: list[RunResult] = field(default_factory=list)
    #: How many runs were asked for.
    planned: int = 0

    @property
    def measured(self) -> int:
        """Runs in which every child line was measured."""
        return sum(1 for r in self.runs if r.status == "ok" and r.measurement == "measured")

    @property
    def rate(self) -> float | None:
        """Fraction of runs with every child line measured."""
        return self.measured / len(self.runs) if self.runs else None

    def count(self, outcome: str) -> int:
        """Runs with the given :attr:`RunResult.outcome`."""
        return sum(1 for r in self.runs if r.outcome == outcome)

    @property
    def matches(self) -> bool | None:
        """Whether the runs agree with the expectation; ``None`` when skipped."""
        if self.expect is None:
            return None
        for run in self.runs:
            if run.status == "crashed" or (run.status == "timeout" and not self.example.may_hang):
                return False
        finished = [r for r in self.runs if r.status == "ok"]
        if self.expect == "measured":
            return len(finished) == len(self.runs) and all(
                r.measurement == "measured" for r in finished
            )
        if self.expect == "lost":
            return all(r.measurement == "lost" for r in finished)
        return True  # racy: any mix is a legitimate result; the rate is the finding


@dataclass(frozen=True)
class Environment:
    """What the runs are measured on."""

    python_version: str
    implementation: str
    coverage_version: str
    sys_platform: str
    system: str
    release: str
    machine: str
    start_methods: tuple[str, ...]
    cpus: int

    @classmethod
    def current(cls) -> Environment:
        """Describe this interpreter and machine."""
        return cls(
            python_version=platform.python_version(),
            implementation=platform.python_implementation(),
            coverage_version=coverage.__version__,
            sys_platform=sys.platform,
            system=platform.system(),
            release=platform.release(),
            machine=platform.machine(),
            start_methods=tuple(multiprocessing.get_all_start_methods()),
            cpus=os.cpu_count() or 1,
        )


def run_environment(scratch: Path | None = None) -> dict[str, str]:
    """The environment for a run: the caller's, without anything that steers coverage.

    Args:
        scratch: A private folder for the run's temporary files (``TMPDIR``), so that
            what multiprocessing leaves there when a run is killed (``pymp-*``
            folders, forkserver sockets) goes away with the run.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # Keep example output readable and let their own warnings show, not fail.
    env.pop("PYTHONWARNINGS", None)
    if scratch is not None:
        for name in ("TMPDIR", "TEMP", "TMP"):
            env[name] = str(scratch)
    return env


@contextlib.contextmanager
def _scratch_dir() -> Iterator[Path]:
    # Short and outside any --keep folder: forkserver puts a socket in it, and socket
    # paths are limited to about 100 characters.
    path = Path(tempfile.mkdtemp(prefix="mpcov-tmp-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _process_group_members(pgid: int) -> int:
    """How many processes are in ``pgid`` (0 when none); counts exactly on Linux."""
    if not _POSIX:
        return 0
    proc = Path("/proc")
    if proc.is_dir():
        count = 0
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Fields after the parenthesised command name: state ppid pgrp ...
            fields = stat.rpartition(")")[2].split()
            if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
                count += 1
        return count
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return 0
    return 1


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    if _POSIX:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    else:  # pragma: no cover - Windows
        subprocess.run(
            ["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False
        )
        proc.kill()


def _reap_stragglers(pgid: int, grace: float) -> int:
    """Wait up to ``grace`` seconds for the group to empty, then kill what is left."""
    deadline = time.monotonic() + grace
    left = _process_group_members(pgid)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = _process_group_members(pgid)
    if left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
    return left


def _data_file_name(example: Example) -> str:
    run = example.coverage_settings.get("run", {})
    name = run.get("data_file", ".coverage") if isinstance(run, dict) else ".coverage"
    return Path(str(name)).name


def read_data(
    directory: Path, basename: str, script: Path
) -> tuple[set[int], tuple[DataFileInfo, ...]]:
    """Union the lines of ``script`` over every readable data file in ``directory``."""
    lines: set[int] = set()
    infos: list[DataFileInfo] = []
    target = script.resolve()
    for path in sorted(directory.glob(f"{basename}*")):
        if path.name != basename and not path.name.startswith(basename + "."):
            continue
        # Size first: coverage would silently turn an empty file into an empty database.
        size = path.stat().st_size
        try:
            if size == 0:
                raise CoverageException("empty data file (0 bytes)")
            data = coverage.CoverageData(basename=str(path))
            data.read()
            for measured in data.measured_files():
                if Path(measured).resolve() == target:
                    lines.update(data.lines(measured) or ())
            error = None
        except (CoverageException, OSError) as exc:
            error = str(exc).replace(str(directory) + os.sep, "")
        infos.append(DataFileInfo(name=path.name, size=size, error=error))
    return lines, tuple(infos)


def _notable(stderr: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for line in stderr.splitlines():
        line = line.strip()
        if line and _NOTABLE.search(line):
            seen.setdefault(line[:300], None)
    return tuple(seen)[:20]


class Runner:
    """Runs examples; safe to use from several threads at once."""

    def __init__(
        self,
        *,
        timeout: float | None = None,
        keep: Path | None = None,
        python: str = sys.executable,
        straggler_grace: float = STRAGGLER_GRACE,
    ) -> None:
        """Create a runner.

        Args:
            timeout: Seconds per run; ``None`` uses the header's ``timeout`` or 60.
            keep: Keep each run's directory under this folder instead of deleting it.
            python: The interpreter to run examples with (it must have coverage).
            straggler_grace: Seconds leftover processes get to exit by themselves.
        """
        self.timeout = timeout
        self.keep = keep
        self.python = python
        self.straggler_grace = straggler_grace
        self._live: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._stopping = False

    def _command(self, example: Example, script: Path, label: str) -> list[str]:
        values = {"{python}": self.python, "{script}": script.name, "{method}": label}
        cmd = []
        for arg in example.command:
            if arg == "{method}" and label == NO_START_METHOD:
                continue
            for key, value in values.items():
                arg = arg.replace(key, value)
            cmd.append(arg)
        return cmd

    @contextlib.contextmanager
    def _workdir(self, example: Example, tag: str) -> Iterator[Path]:
        if self.keep is not None:
            self.keep.mkdir(parents=True, exist_ok=True)
            path = Path(tempfile.mkdtemp(prefix=f"{example.name}-{tag}-", dir=self.keep))
        else:
            path = Path(tempfile.mkdtemp(prefix="mpcov-"))
        try:
            (path / "pyproject.toml").write_text(example.settings_toml, encoding="utf-8")
            yield path
        finally:
            if self.keep is None:
                shutil.rmtree(path, ignore_errors=True)

    def _spawn(
        self,
        cmd: list[str],
        cwd: Path,
        stderr: IO[bytes],
        stdout: IO[bytes] | None = None,
        scratch: Path | None = None,
    ) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._stopping:
                raise KeyboardInterrupt
            proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                env=run_environment(scratch),
                stdin=subprocess.DEVNULL,
                # Files, not pipes: a worker that outlives the script keeps its copy of
                # a pipe open, and reading to EOF would then wait for the worker.
                stdout=subprocess.DEVNULL if stdout is None else stdout,
                stderr=stderr,
                # A group of its own, so a timeout or leftover workers can be killed whole.
                start_new_session=_POSIX,
                creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
            )
            self._live.add(proc)
        return proc

    def stop_all(self) -> None:
        """Kill every running example's process group (used on Ctrl-C)."""
        with self._lock:
            self._stopping = True
            live = list(self._live)
        for proc in live:
            _kill_group(proc)

    def preflight(self, example: Example) -> tuple[str, ...]:
        """Let coverage.py judge the settings by running an empty script under them.

        Returns:
            coverage's warnings about the settings (e.g. an option it does not know).

        Raises:
            PreflightError: coverage refused the settings or could not start.
        """
        with self._workdir(example, "preflight") as cwd, _scratch_dir() as scratch:
            (cwd / "_mpcov_preflight.py").write_text("", encoding="utf-8")
            cmd = [self.python, "-m", "coverage", "run", "--rcfile=pyproject.toml"]
            cmd.append("_mpcov_preflight.py")
            with tempfile.TemporaryFile() as err:
                # coverage prints why it refuses settings to stdout, so keep both.
                proc = self._spawn(cmd, cwd, err, stdout=err, scratch=scratch)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    _kill_group(proc)
                    proc.wait()
                    raise PreflightError("coverage did not start within 60 s") from None
                finally:
                    with self._lock:
                        self._live.discard(proc)
                    _reap_stragglers(proc.pid, 0)
                err.seek(0)
                stderr = err.read().decode(errors="replace")
            if proc.returncode != 0:
                lines = [line.strip() for line in stderr.splitlines() if line.strip()]
                reason = lines[-1] if lines else f"exit code {proc.returncode}"
                raise PreflightError(f"coverage.py rejected the settings: {reason}")
            return tuple(line for line in _notable(stderr) if "Warning" in line)

    def run(self, example: Example, label: str, index: int = 0) -> RunResult:
        """Run ``example`` once under start method ``label`` and judge its child lines."""
        timeout = self.timeout or example.timeout or DEFAULT_TIMEOUT
        with self._workdir(example, f"{label}-{index}") as cwd, _scratch_dir() as scratch:
            script = cwd / example.path.name
            shutil.copyfile(example.path, script)
            for name in example.files:
                (cwd / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(example.path.parent / name, cwd / name)
            status: Status = "ok"
            with tempfile.TemporaryFile() as err:
                started = time.monotonic()
                proc = self._spawn(self._command(example, script, label), cwd, err, scratch=scratch)
                try:
                    try:
                        proc.wait(timeout=timeout)
                    except subprocess.TimeoutExpired:
                        status = "timeout"
                        _kill_group(proc)
                        proc.wait()
                    duration = time.monotonic() - started
                    stragglers = _reap_stragglers(proc.pid, self.straggler_grace)
                finally:
                    with self._lock:
                        self._live.discard(proc)
                err.seek(0)
                stderr = err.read().decode(errors="replace")
            if status == "ok" and proc.returncode != example.exit_code:
                status = "crashed"
            lines, infos = read_data(cwd, _data_file_name(example), script)
        wanted = example.child_lines
        measured = tuple(n for n in wanted if n in lines)
        missed = tuple(n for n in wanted if n not in lines)
        measurement: Measurement = (
            "measured" if not missed else "lost" if not measured else "partial"
        )
        problems = list(_notable(stderr))
        problems.extend(f"{i.name}: {i.error}" for i in infos if i.error)
        if stragglers:
            problems.append(f"{stragglers} process(es) still running after the script exited")
        tail = ""
        if status != "ok":
            tail = "\n".join(stderr.splitlines()[-STDERR_TAIL_LINES:])
        return RunResult(
            status=status,
            measurement=measurement,
            exit_code=proc.returncode if status != "timeout" else None,
            duration=round(duration, 3),
            measured_lines=measured,
            missed_lines=missed,
            data_files=infos,
            stragglers=stragglers,
            problems=tuple(problems),
            stderr_tail=tail,
        )


def skip_reason(example: Example, label: str, env: Environment) -> str | None:
    """Why ``example`` cannot run under ``label`` here, or ``None`` when it can."""
    if example.platforms is not None and not env.sys_platform.startswith(example.platforms):
        return f"runs only on {', '.join(example.platforms)}"
    if example.requires_python and env.python_version not in example.requires_python:
        return f"needs Python {example.requires_python}"
    if example.requires_coverage and env.coverage_version not in example.requires_coverage:
        return f"needs coverage {example.requires_coverage}"
    for module in example.requires:
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:  # a dotted name whose parent package is missing
            found = False
        if not found:
            return f"needs {module}, which is not installed"
    if label != NO_START_METHOD and label not in env.start_methods:
        return f"start method {label!r} is not available on {env.sys_platform}"
    expectation = example.expectation(
        label,
        python=env.python_version,
        coverage=env.coverage_version,
        platform=env.sys_platform,
    )
    if expectation.startswith("skip: "):
        return expectation[len("skip: ") :]
    return None


Progress = Callable[[GroupResult, RunResult, int, int], None]


def verify(
    examples: Sequence[Example],
    *,
    labels: Iterable[str] | None = None,
    repeat: int = 1,
    racy_repeat: int | None = None,
    jobs: int | None = None,
    runner: Runner | None = None,
    env: Environment | None = None,
    progress: Progress | None = None,
) -> list[GroupResult]:
    """Run every example under every label ``repeat`` times, ``jobs`` runs at a time.

    Args:
        examples: Parsed examples (see :func:`mpcov.header.parse`).
        labels: Start methods to use; ``None`` means every one the example declares.
        repeat: Runs per example and start method.
        racy_repeat: Runs for rows expected to be racy (a rate needs more); default ``repeat``.
        jobs: Runs at once; ``None`` means the number of CPUs.
        runner: The :class:`Runner` (timeout, kept directories).
        env: The environment to judge skips against; the current one by default.
        progress: Called after every run with the group, the run, done and total counts.

    Returns:
        One :class:`GroupResult` per example and label, in example order.
    """
    runner = runner or Runner()
    env = env or Environment.current()
    wanted = set(labels) if labels is not None else None
    groups: list[GroupResult] = []
    tasks: list[tuple[GroupResult, int]] = []
    for example in examples:
        for label in example.labels:
            if wanted is not None and label != NO_START_METHOD and label not in wanted:
                continue
            reason = skip_reason(example, label, env)
            if reason is not None:
                groups.append(GroupResult(example, label, expect=None, skip_reason=reason))
                continue
            expect = example.expectation(
                label,
                python=env.python_version,
                coverage=env.coverage_version,
                platform=env.sys_platform,
            )
            planned = racy_repeat if expect == "racy" and racy_repeat else repeat
            group = GroupResult(example, label, expect=expect, planned=planned)
            groups.append(group)
            tasks.extend((group, i) for i in range(planned))

    total = len(tasks)
    done = 0
    results: dict[int, list[tuple[int, RunResult]]] = {id(g): [] for g in groups}
    pool = ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1)
    pending: dict[Future[RunResult], tuple[GroupResult, int]] = {}
    try:
        for group, index in tasks:
            future = pool.submit(runner.run, group.example, group.label, index)
            pending[future] = (group, index)
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                group, index = pending.pop(future)
                result = future.result()
                results[id(group)].append((index, result))
                done += 1
                if progress is not None:
                    progress(group, result, done, total)
    except BaseException:
        runner.stop_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    for group in groups:
        group.runs = [r for _, r in sorted(results[id(group)], key=lambda item: item[0])]
    return groups
