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
import functools
import json
import multiprocessing
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Literal, TypeVar

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mpcov import processes
from mpcov.header import NO_START_METHOD, Example, Expected
from mpcov.processes import KILL_SETTLE, KILL_TIMEOUT, Group, Leftovers
from mpcov.stats import percent, wilson_interval, zero_events_upper_bound
from mpcov.versions import closure, installed_distributions

if TYPE_CHECKING:
    # Imported where used: coverage.py is a quarter of a second of every mpcov start-up.
    import coverage

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
#: Characters kept of one stderr line (problems, tail): memory stays bounded whatever a
#: run prints.
LINE_LIMIT = 1000
#: Seconds coverage.py gets to start under an example's settings in the preflight.
PREFLIGHT_TIMEOUT = 60.0
#: A racy row with at least this many runs must show a loss to agree with its header;
#: with fewer, a run of measured results cannot be told from luck.
RACY_MIN_RUNS = 20
#: Bytes read at a time from a run's output files: what memory they may cost.
READ_CHUNK = 1024 * 1024

_NOTABLE = re.compile(r"(Error|Warning|Traceback|Exception|malformed|Couldn't)", re.IGNORECASE)
#: Warnings about the preflight's own empty script, not about the settings.
_PREFLIGHT_NOISE = re.compile(r"\((no-data-collected|module-not-imported|module-not-measured)\)")


class PreflightError(Exception):
    """The settings cannot run: coverage.py refused them, or they write outside the run."""


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
    #: Marked lines as ``FILE:LINE`` (see :attr:`mpcov.header.Example.markers`).
    measured_lines: tuple[str, ...]
    missed_lines: tuple[str, ...]
    data_files: tuple[DataFileInfo, ...]
    #: Processes still in the run's process group after the grace period, then killed.
    stragglers: int
    #: Notable stderr lines (errors, warnings, tracebacks), deduplicated, in order.
    problems: tuple[str, ...]
    #: The last lines of stderr, kept only when the run did not end normally.
    stderr_tail: str
    #: How many of the stragglers had left the run's process group (new session,
    #: double fork): found as orphans re-parented to mpcov, then killed.
    escaped: int = 0
    #: Whether such escapes could be looked for at all (Linux, mpcov a child
    #: subreaper); where not, an escaped process is neither seen nor killed.
    escapes_caught: bool = True

    @property
    def outcome(self) -> str:
        """``measured``, ``partial`` or ``lost``; or ``timeout``/``crashed``."""
        return self.measurement if self.status == "ok" else self.status


@dataclass
class GroupResult:
    """All runs of one example under one start method (its *label*)."""

    example: Example
    label: str
    #: ``measured``, ``partial``, ``lost`` or ``racy``; ``None`` when skipped.
    expect: str | None
    skip_reason: str | None = None
    runs: list[RunResult] = field(default_factory=list)
    #: How many runs were asked for.
    planned: int = 0
    #: The versions of the example's required distributions, followed through theirs.
    libraries: dict[str, str | None] = field(default_factory=dict)

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
    def interval(self) -> tuple[float, float] | None:
        """The 95% Wilson interval of :attr:`rate`; ``None`` without runs."""
        return wilson_interval(self.measured, len(self.runs)) if self.runs else None

    @property
    def contrary(self) -> int | None:
        """Runs that contradict a deterministic expectation; ``None`` for racy or skipped rows."""
        if self.expect in ("measured", "partial", "lost"):
            return sum(1 for r in self.runs if r.outcome != self.expect)
        return None

    @property
    def contrary_upper_bound(self) -> float | None:
        """With no contrary run, the one-sided 95% upper bound on the contrary rate."""
        if self.contrary == 0 and self.runs:
            return zero_events_upper_bound(len(self.runs))
        return None

    @property
    def raced(self) -> bool:
        """Whether the runs show both outcomes: some measured everything, some did not."""
        finished = [r for r in self.runs if r.status == "ok"]
        return any(r.measurement == "measured" for r in finished) and any(
            r.measurement != "measured" for r in finished
        )

    @property
    def matches(self) -> bool | None:
        """Whether the runs agree with the expectation; ``None`` when skipped.

        A racy row agrees when nothing crashed and, once it has :data:`RACY_MIN_RUNS`
        runs or more, when at least one run lost data: a racy example exists to show a
        loss, and one never seen in that many runs is a claim the runs contradict. A row
        lost in every run agrees: the race is there, this machine's timing always loses
        it (a ``with Pool()`` block under fork on an idle Linux machine), and the pages
        show that rate with its bound.
        """
        if self.expect is None:
            return None
        for run in self.runs:
            if run.status == "crashed" or (run.status == "timeout" and not self.example.may_hang):
                return False
        finished = [r for r in self.runs if r.status == "ok"]
        if self.expect == "racy":
            lost = any(r.measurement != "measured" for r in finished)
            return len(self.runs) < RACY_MIN_RUNS or lost
        if self.expect == "measured" and len(finished) != len(self.runs):
            return False
        return all(r.measurement == self.expect for r in finished)

    @property
    def explanation(self) -> str:
        """Why the row agrees or not, in a few words (for reports)."""
        if self.expect is None:
            return f"skipped: {self.skip_reason}"
        runs = len(self.runs)
        if self.expect == "racy":
            if not self.raced and runs >= RACY_MIN_RUNS:
                if self.measured:
                    return f"never lost in {runs} runs ({self.measured}/{runs} measured)"
                bound = percent(zero_events_upper_bound(runs))
                return f"lost in all {runs} runs (measured rate < {bound}, 95%)"
            if not self.raced:
                return f"too few runs to show a race ({runs} < {RACY_MIN_RUNS})"
            low, high = self.interval or (0.0, 0.0)
            return f"{self.measured}/{runs} measured, 95% interval {percent(low)}-{percent(high)}"
        contrary = self.contrary or 0
        if contrary:
            return f"{contrary} of {runs} runs not {self.expect}"
        bound = percent(self.contrary_upper_bound or 1.0)
        if self.expect == "measured":
            return f"0 losses in {runs} runs (loss rate < {bound}, 95%)"
        if self.expect == "lost":
            return f"measured in 0 of {runs} runs (rate < {bound}, 95%)"
        return f"partial in all {runs} runs (other outcomes < {bound}, 95%)"


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
    #: Canonical distribution name -> version of everything installed.
    libraries: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def current(cls) -> Environment:
        """Describe this interpreter, its installed distributions and this machine."""
        import coverage

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
            libraries=dict(_distributions(tuple(sys.path))),
        )

    @classmethod
    def recorded(cls, document: Mapping[str, Any]) -> Environment:
        """The environment a results document (``--json``, ``--record``) was made in."""
        platform_ = document["platform"]
        installed = document.get("distributions") or {}
        return cls(
            python_version=str(document["python"]["version"]),
            implementation=str(document["python"]["implementation"]),
            coverage_version=str(document["coverage"]["version"]),
            sys_platform=str(platform_["sys_platform"]),
            system=str(platform_.get("system", "")),
            release=str(platform_.get("release", "")),
            machine=str(platform_.get("machine", "")),
            start_methods=tuple(platform_.get("start_methods", ())),
            cpus=int(platform_.get("cpus") or 1),
            libraries={canonicalize_name(k): str(v) for k, v in installed.items()},
        )

    def expected(self, example: Example, label: str) -> Expected:
        """What ``example`` is expected to do under ``label`` here."""
        return example.expected(
            label,
            python=self.python_version,
            coverage=self.coverage_version,
            platform=self.sys_platform,
            libraries=self.libraries,
        )


@functools.lru_cache(maxsize=4)
def _distributions(path: tuple[str, ...]) -> Mapping[str, str]:
    """:func:`installed_distributions` once per ``sys.path`` (it reads every one: ~0.5 s)."""
    return installed_distributions()


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


def data_location(example: Example) -> tuple[Path, str]:
    """Where the example's data files go: a folder relative to the run's, and a basename.

    Raises:
        PreflightError: ``data_file`` would put data outside the run's folder (an
            absolute path, ``~``, an environment variable or ``..``), where it would
            outlive the run and mix with other runs' data.
    """
    run = example.coverage_settings.get("run", {})
    value = run.get("data_file", ".coverage") if isinstance(run, dict) else ".coverage"
    if not isinstance(value, str):
        return Path(), ".coverage"  # coverage.py itself refuses it in the preflight
    path = Path(value)
    if path.is_absolute() or value.startswith("~") or "$" in value or ".." in path.parts:
        raise PreflightError(
            f"data_file = {value!r} would write coverage data outside the run's folder; "
            "use a relative path such as 'covdata/.coverage'"
        )
    return path.parent, path.name


def read_data(
    directory: Path, basename: str, files: Sequence[Path], *, combined_only: bool = False
) -> tuple[dict[Path, set[int]], tuple[DataFileInfo, ...]]:
    """Union the measured lines of each of ``files`` over the data files in ``directory``.

    Args:
        directory: Where the data files are.
        basename: The data file's name (``.coverage``); parallel files add a suffix.
        files: The source files whose lines are wanted.
        combined_only: Read only ``basename`` itself, not the parallel files.

    Returns:
        The measured lines per file (resolved paths), and what was found of each data file.
    """
    import coverage
    from coverage.exceptions import CoverageException

    wanted = {f.resolve(): f.resolve() for f in files}
    lines: dict[Path, set[int]] = {f: set() for f in wanted}
    infos: list[DataFileInfo] = []
    for path in sorted(directory.glob(f"{basename}*")):
        if path.name != basename and not path.name.startswith(basename + "."):
            continue
        if combined_only and path.name != basename:
            continue
        # Size first: coverage would silently turn an empty file into an empty database.
        size = path.stat().st_size
        data = None
        try:
            if size == 0:
                raise CoverageException("empty data file (0 bytes)")
            data = coverage.CoverageData(basename=str(path))
            data.read()
            for measured in data.measured_files():
                target = wanted.get(Path(measured).resolve())
                if target is not None:
                    lines[target].update(data.lines(measured) or ())
            error = None
        except (CoverageException, OSError) as exc:
            error = str(exc).replace(str(directory) + os.sep, "")
        finally:
            if data is not None:
                _close(data)
        infos.append(DataFileInfo(name=path.name, size=size, error=error))
    return lines, tuple(infos)


def _close(data: coverage.CoverageData) -> None:
    """Close the data file's database now (3.13 warns about connections left to the GC)."""
    from coverage.exceptions import CoverageException

    close = getattr(data, "close", None)
    if close is None:  # pragma: no cover - coverage releases without it
        return
    with contextlib.suppress(CoverageException, OSError):
        close(force=True)


def scan_stderr(stream: IO[bytes]) -> tuple[tuple[str, ...], str]:
    """Notable lines and the last lines of a stderr file, in bounded memory.

    Returns:
        Lines that look like errors or warnings (stripped, deduplicated, at most 20,
        each cut to 300 characters), and the last :data:`STDERR_TAIL_LINES` lines
        (each cut to :data:`LINE_LIMIT` characters), however much the file holds.
    """
    stream.seek(0)
    notable: dict[str, None] = {}
    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    limit = 4 * LINE_LIMIT  # bytes: room for LINE_LIMIT characters of UTF-8

    def finish(raw: bytes, cut: bool) -> None:
        text = raw.decode(errors="replace").rstrip("\r")
        if cut or len(text) > LINE_LIMIT:
            text = text[:LINE_LIMIT] + " [...]"
        tail.append(text)
        line = text.strip()
        if line and len(notable) < 20 and _NOTABLE.search(line):
            notable.setdefault(line[:300], None)

    partial, cut = b"", False
    while True:
        chunk = stream.read(READ_CHUNK)
        if not chunk:
            break
        pieces = chunk.split(b"\n")
        for piece in pieces[:-1]:
            finish(partial + piece[: max(0, limit - len(partial))], cut or len(piece) > limit)
            partial, cut = b"", False
        rest = pieces[-1]
        # A line longer than the limit keeps its head only, however many chunks it spans.
        cut = cut or len(partial) + len(rest) > limit
        partial = (partial + rest)[:limit]
    if partial:
        finish(partial, cut)
    return tuple(notable), "\n".join(tail)


def find_texts(streams: Iterable[IO[bytes]], texts: Sequence[str]) -> set[str]:
    """Which of ``texts`` occur in any of the files ``streams``, reading a chunk at a time."""
    needles = {text: text.encode() for text in texts}
    found: set[str] = set()
    if not needles:
        return found
    overlap = max(len(n) for n in needles.values()) - 1
    for stream in streams:
        stream.seek(0)
        carry = b""
        while len(found) < len(needles):
            chunk = stream.read(READ_CHUNK)
            if not chunk:
                break
            window = carry + chunk
            found.update(t for t, n in needles.items() if t not in found and n in window)
            # Keep enough of the end for a text that straddles two chunks.
            carry = window[-overlap:] if overlap else b""
    return found


class Runner:
    """Runs examples; safe to use from several threads at once."""

    def __init__(
        self,
        *,
        timeout: float | None = None,
        keep: Path | None = None,
        python: str = sys.executable,
        straggler_grace: float = STRAGGLER_GRACE,
        preflight_timeout: float = PREFLIGHT_TIMEOUT,
    ) -> None:
        """Create a runner.

        Args:
            timeout: Seconds per run; ``None`` uses the header's ``timeout`` or 60.
            keep: Keep each run's directory under this folder instead of deleting it.
            python: The interpreter to run examples with (it must have coverage).
            straggler_grace: Seconds leftover processes get to exit by themselves.
            preflight_timeout: Seconds coverage.py may take to start in the preflight.
        """
        self.timeout = timeout
        self.keep = keep
        self.python = python
        self.straggler_grace = straggler_grace
        self.preflight_timeout = preflight_timeout
        self._live: set[Group] = set()
        self._lock = threading.Lock()
        self._stopping = False

    def _command(self, template: Sequence[str], script: Path, label: str) -> list[str]:
        values = {"{python}": self.python, "{script}": script.name, "{method}": label}
        cmd = []
        for arg in template:
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
            # Named for this mpcov process, so its watchdog can find what a SIGKILL left.
            path = Path(tempfile.mkdtemp(prefix=processes.temp_prefix()))
        try:
            (path / "pyproject.toml").write_text(example.settings_toml, encoding="utf-8")
            yield path
        finally:
            if self.keep is None:
                shutil.rmtree(path, ignore_errors=True)

    @contextlib.contextmanager
    def _scratch(self) -> Iterator[Path]:
        # Short and outside any --keep folder: forkserver puts a socket in it, and socket
        # paths are limited to about 100 characters.
        path = Path(tempfile.mkdtemp(prefix=processes.temp_prefix("tmp-")))
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)

    def _spawn(
        self,
        cmd: list[str],
        cwd: Path,
        stderr: IO[bytes],
        stdout: IO[bytes] | None = None,
        scratch: Path | None = None,
    ) -> Group:
        with self._lock:
            if self._stopping:
                raise KeyboardInterrupt
            # Files, not pipes: a worker that outlives the script keeps its copy of a
            # pipe open, and reading to EOF would then wait for the worker.
            group = Group(
                cmd,
                cwd=cwd,
                env=run_environment(scratch),
                stdout=subprocess.DEVNULL if stdout is None else stdout,
                stderr=stderr,
            )
            self._live.add(group)
        return group

    def _finish(self, group: Group, timeout: float, grace: float) -> tuple[bool, Leftovers, int]:
        """Wait for ``group``'s first process, clean up after it, then reap it.

        Returns:
            Whether it timed out, what it left behind, and its exit status.
        """
        timed_out = False
        try:
            if not group.wait(timeout):
                timed_out = True
                group.kill()
                group.wait(KILL_TIMEOUT)
            # After a timeout or a stop nothing is waited for, but the group was just
            # killed: its members get a moment to die before any counts as a straggler.
            if timed_out or self._stopping:
                grace = KILL_SETTLE
            found = group.clean(grace)
        except BaseException:
            group.kill()
            raise
        finally:
            # Reaped last, so the group's id stays reserved while it is being killed;
            # under the lock, so stop_all() never kills a group that was reaped.
            with self._lock:
                code = group.reap()
                self._live.discard(group)
        return timed_out, found, code

    def stop_all(self) -> None:
        """Kill every running example's process group (used on Ctrl-C)."""
        with self._lock:
            self._stopping = True
            for group in self._live:
                group.kill()

    def preflight(self, example: Example) -> tuple[str, ...]:
        """Let coverage.py judge the settings by running an empty script under them.

        Returns:
            coverage's warnings about the settings (e.g. an option it does not know).

        Raises:
            PreflightError: coverage refused the settings, could not start within
                ``preflight_timeout``, or ``data_file`` points outside the run.
        """
        data_location(example)
        with self._workdir(example, "preflight") as cwd, self._scratch() as scratch:
            (cwd / "_mpcov_preflight.py").write_text("", encoding="utf-8")
            cmd = [self.python, "-m", "coverage", "run", "--rcfile=pyproject.toml"]
            cmd.append("_mpcov_preflight.py")
            with tempfile.TemporaryFile() as err:
                # coverage prints why it refuses settings to stdout, so keep both.
                group = self._spawn(cmd, cwd, err, stdout=err, scratch=scratch)
                timed_out, _, returncode = self._finish(group, self.preflight_timeout, 0.0)
                if timed_out:
                    raise PreflightError(
                        f"coverage did not start within {self.preflight_timeout:g} s"
                    )
                notable, tail = scan_stderr(err)
        if returncode != 0:
            lines = [line.strip() for line in tail.splitlines() if line.strip()]
            reason = lines[-1] if lines else f"exit code {returncode}"
            raise PreflightError(f"coverage.py rejected the settings: {reason}")
        return tuple(
            line for line in notable if "Warning" in line and not _PREFLIGHT_NOISE.search(line)
        )

    def run(
        self, example: Example, label: str, index: int = 0, expected: Expected | None = None
    ) -> RunResult:
        """Run ``example`` once under start method ``label`` and judge its child lines.

        Args:
            example: The parsed example.
            label: The start method, or ``none``.
            index: The run's number within its row (names a kept folder).
            expected: What the header expects (exit code, output); default: here and now.
        """
        if expected is None:
            expected = Environment.current().expected(example, label)
        timeout = self.timeout or example.timeout or DEFAULT_TIMEOUT
        commands = [example.command, *example.then]
        data_folder, data_name = data_location(example)
        with self._workdir(example, f"{label}-{index}") as cwd, self._scratch() as scratch:
            script = cwd / example.path.name
            shutil.copyfile(example.path, script)
            for name in example.files:
                (cwd / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(example.path.parent / name, cwd / name)
            status: Status = "ok"
            returncode: int | None = None
            stragglers = escaped = survivors = 0
            caught = True
            number, last = 0, False
            with contextlib.ExitStack() as files:
                err = files.enter_context(tempfile.TemporaryFile())
                # stdout is only kept when the header expects a text in it.
                out = files.enter_context(tempfile.TemporaryFile()) if expected.output else None
                started = time.monotonic()
                for number, template in enumerate(commands):
                    left = timeout - (time.monotonic() - started)
                    if left <= 0:
                        status = "timeout"
                        break
                    cmd = self._command(template, script, label)
                    group = self._spawn(cmd, cwd, err, stdout=out, scratch=scratch)
                    caught = caught and group.escapes_caught
                    timed_out, found, returncode = self._finish(group, left, self.straggler_grace)
                    if timed_out:
                        status = "timeout"
                    stragglers += found.stragglers
                    escaped += found.escaped
                    survivors += found.survivors
                    last = number == len(commands) - 1
                    if status != "ok" or (not last and returncode != 0):
                        break
                duration = time.monotonic() - started
                notable, stderr_tail = scan_stderr(err)
                seen = find_texts([f for f in (out, err) if f is not None], expected.output)
            problems = list(notable)
            if status == "ok" and (not last or returncode != expected.exit_code):
                status = "crashed"
                which = "the command" if number == 0 else f"then[{number - 1}]"
                wanted = expected.exit_code if last else 0
                problems.insert(0, f"{which} exited with {returncode}, expected {wanted}")
            for text in expected.output:
                if status == "ok" and text not in seen:
                    status = "crashed"
                    problems.insert(0, f"the output does not contain {text!r}")
            markers = [(m, *_split_marker(m)) for m in example.markers]
            sources = {name: (cwd / name).resolve() for _, name, _ in markers}
            lines, infos = read_data(
                cwd / data_folder,
                data_name,
                list(sources.values()),
                combined_only=example.data == "combined",
            )
        measured = tuple(m for m, name, n in markers if n in lines[sources[name]])
        missed = tuple(m for m, _, _ in markers if m not in measured)
        measurement: Measurement = (
            "measured" if not missed else "lost" if not measured else "partial"
        )
        problems.extend(f"{i.name}: {i.error}" for i in infos if i.error)
        if stragglers:
            problems.append(f"{stragglers} process(es) still running after the script exited")
        if escaped:
            problems.append(
                f"{escaped} of them had left the run's process group "
                "(a new session or a double fork)"
            )
        if survivors:
            problems.append(f"{survivors} of them could not be killed")
        return RunResult(
            status=status,
            measurement=measurement,
            exit_code=returncode if status != "timeout" else None,
            duration=round(duration, 3),
            measured_lines=measured,
            missed_lines=missed,
            data_files=infos,
            stragglers=stragglers,
            problems=tuple(problems),
            stderr_tail=stderr_tail if status != "ok" else "",
            escaped=escaped,
            escapes_caught=caught,
        )


def _split_marker(marker: str) -> tuple[str, int]:
    name, _, line = marker.rpartition(":")
    return name, int(line)


_T = TypeVar("_T")

#: Seconds the main thread waits at most before it runs any signal handler due.
SIGNAL_POLL = 0.1


def _run_all(
    runner: Runner,
    calls: Sequence[Callable[[], _T]],
    jobs: int,
    done: Callable[[int, _T], None],
) -> None:
    """Run ``calls`` ``jobs`` at a time; ``done(index, result)`` as each one finishes.

    On any exception (Ctrl-C) every running example's group is killed and every
    worker finishes its cleanup before the exception goes on; a second interrupt
    meanwhile is ignored, since the cleanup already answers the first.
    """
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="mpcov-run")
    pending: dict[Future[_T], int] = {}
    try:
        for index, call in enumerate(calls):
            pending[pool.submit(call)] = index
        while pending:
            # Never an unbounded wait: the kernel may hand a stop signal to a worker
            # thread (the main thread had one pending, or was in the C handler of the
            # last), and Python runs its handler only when the main thread next runs
            # bytecode. Blocked with no timeout, it would wait for a run to end first.
            finished, _ = wait(pending, timeout=SIGNAL_POLL, return_when=FIRST_COMPLETED)
            for future in finished:
                done(pending.pop(future), future.result())
    except BaseException:
        with processes.deferred_signals():
            runner.stop_all()
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _settings_key(example: Example) -> str:
    return json.dumps(example.coverage_settings, sort_keys=True, default=str)


def preflight_all(
    examples: Sequence[Example], *, runner: Runner, jobs: int
) -> list[tuple[str, ...] | PreflightError]:
    """:meth:`Runner.preflight` for each example, ``jobs`` at a time, in order.

    Examples with the same ``[tool.coverage]`` settings share one preflight: what
    coverage.py says about settings depends on nothing else.
    """
    refused: dict[int, PreflightError] = {}
    first: dict[str, Example] = {}
    for number, example in enumerate(examples):
        try:
            data_location(example)
        except PreflightError as exc:
            refused[number] = exc
            continue
        first.setdefault(_settings_key(example), example)

    def one(example: Example) -> tuple[str, ...] | PreflightError:
        try:
            return runner.preflight(example)
        except PreflightError as exc:
            return exc

    keys = list(first)
    outcomes: dict[str, tuple[str, ...] | PreflightError] = {}

    def record(index: int, outcome: tuple[str, ...] | PreflightError) -> None:
        outcomes[keys[index]] = outcome

    _run_all(runner, [functools.partial(one, first[key]) for key in keys], jobs, record)
    return [
        refused[number] if number in refused else outcomes[_settings_key(example)]
        for number, example in enumerate(examples)
    ]


def skip_reason(example: Example, label: str, env: Environment) -> str | None:
    """Why ``example`` cannot run under ``label`` here, or ``None`` when it can."""
    if example.platforms is not None and not env.sys_platform.startswith(example.platforms):
        return f"runs only on {', '.join(example.platforms)}"
    if example.requires_python and env.python_version not in example.requires_python:
        return f"needs Python {example.requires_python}"
    if example.requires_coverage and env.coverage_version not in example.requires_coverage:
        return f"needs coverage {example.requires_coverage}"
    for text in example.requires:
        requirement = Requirement(text)
        version = env.libraries.get(canonicalize_name(requirement.name))
        if version is None:
            return f"needs {requirement.name}, which is not installed"
        if requirement.specifier and not requirement.specifier.contains(version, prereleases=True):
            return f"needs {requirement}, found {version}"
    if label != NO_START_METHOD and label not in env.start_methods:
        return f"start method {label!r} is not available on {env.sys_platform}"
    return env.expected(example, label).skip


def row_is_current(row: Mapping[str, Any], example: Example | None, env: Environment) -> bool:
    """Whether a recorded row still stands for ``example`` as its header is now.

    It must have been run from the same code and settings (its ``header_sha256``),
    and the header must still declare, for the row's start method in the environment
    it was recorded in, what the row was run against: the same outcome, or a skip.
    A declaration changed for another Python or coverage.py release leaves it
    standing; one changed for its own makes it stale, since the number of runs and
    the count of runs against the header follow the declaration.

    Args:
        row: One entry of a results document's ``results``.
        example: The example as parsed today; ``None`` when it no longer exists.
        env: The document's environment (:meth:`Environment.recorded`).
    """
    if example is None or row.get("header_sha256") != example.header_sha256:
        return False
    label = str(row["start_method"])
    if label not in example.labels:
        return False
    recorded: dict[str, str] = {
        canonicalize_name(k): str(v) for k, v in (row.get("libraries") or {}).items()
    }
    here = replace(env, libraries={**env.libraries, **recorded})
    if skip_reason(example, label, here) is not None:
        return row.get("skip_reason") is not None
    expected = here.expected(example, label).outcome
    return row.get("skip_reason") is None and row.get("expect") == expected


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
    wanted_of: dict[int, Expected] = {}
    for example in examples:
        # The same for every label; following requirements reads metadata (slow).
        libraries = closure(example.requirement_names, env.libraries)
        for label in example.labels:
            if wanted is not None and label != NO_START_METHOD and label not in wanted:
                continue
            reason = skip_reason(example, label, env)
            if reason is not None:
                groups.append(
                    GroupResult(
                        example, label, expect=None, skip_reason=reason, libraries=dict(libraries)
                    )
                )
                continue
            expected = env.expected(example, label)
            planned = racy_repeat if expected.outcome == "racy" and racy_repeat else repeat
            group = GroupResult(
                example, label, expect=expected.outcome, planned=planned, libraries=dict(libraries)
            )
            groups.append(group)
            wanted_of[id(group)] = expected
            tasks.extend((group, i) for i in range(planned))

    total = len(tasks)
    counter = [0]
    results: dict[int, list[tuple[int, RunResult]]] = {id(g): [] for g in groups}
    calls = [
        functools.partial(runner.run, group.example, group.label, index, wanted_of[id(group)])
        for group, index in tasks
    ]

    def finished(number: int, result: RunResult) -> None:
        group, index = tasks[number]
        results[id(group)].append((index, result))
        counter[0] += 1
        if progress is not None:
            progress(group, result, counter[0], total)

    _run_all(runner, calls, jobs or os.cpu_count() or 1, finished)
    for group in groups:
        group.runs = [r for _, r in sorted(results[id(group)], key=lambda item: item[0])]
    return groups
