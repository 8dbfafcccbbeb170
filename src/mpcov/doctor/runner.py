"""Run a command under the doctor's observer, in a private folder that is removed afterwards."""

from __future__ import annotations

import contextlib
import importlib.util
import marshal
import os
import py_compile
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FrameType

from mpcov.doctor import _observer

_POSIX = os.name == "posix"
_HERE = Path(__file__).parent
#: Seconds between SIGTERM and SIGKILL when the doctor stops a process group.
KILL_GRACE = 2.0


class CommandNotStarted(Exception):
    """The command could not be started (not found, not executable)."""


@dataclass
class Observation:
    """What running the command left: its exit code, its wall time, and the event log."""

    exit_code: int | None
    duration: float
    timed_out: bool
    #: Processes still running after the grace period, then killed.
    stragglers: list[int]
    log: Path


def _emit(log: Path, kind: str, **fields: object) -> None:
    """Write the doctor's own event into the log, in the observer's format."""
    fields.update(e=kind, pid=os.getpid(), t=time.monotonic())
    line = (_observer._json(fields) + "\n").encode()
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0))
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


@contextlib.contextmanager
def private_folder() -> Iterator[Path]:
    """A folder outside the user's tree holding the start-up hook and the log; removed after."""
    folder = Path(tempfile.mkdtemp(prefix="mpcov-doctor-"))
    try:
        site = folder / "site"
        site.mkdir()
        hook = site / "sitecustomize.py"
        # copy2 keeps the modification time, which the installed bytecode records.
        shutil.copy2(_HERE / "_sitecustomize.py", hook)
        # Every process the command starts imports it. Compiled once, it loads from
        # __pycache__ even where PYTHONDONTWRITEBYTECODE is set (CI images often set
        # it), which would otherwise compile it in each process. The bytecode installed
        # with mpcov is reused when there is one.
        _bytecode_for(_HERE / "_sitecustomize.py", hook)
        # The observer is not a module file: its code is compiled under a file name that
        # coverage.py does not measure, for this Python here; the hook compiles it for
        # any other Python from the source beside it.
        source = (_HERE / "_observer.py").read_text(encoding="utf-8")
        (site / "observer.src").write_text(source, encoding="utf-8")
        code = _observer_code(_HERE / "_observer.py", source)
        cached = site / f"observer.{sys.implementation.cache_tag}.code"
        cached.write_bytes(importlib.util.MAGIC_NUMBER + marshal.dumps(code))
        (folder / "events.jsonl").touch()
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _observer_code(path: Path, source: str) -> CodeType:
    """The observer's code under its "<...>" file name: the installed bytecode renamed.

    Renaming takes a fraction of a millisecond; compiling the source, when there is no
    valid bytecode (an editable install without it), about ten.
    """
    installed = _installed_bytecode(path)
    if installed is not None:
        with contextlib.suppress(ValueError, EOFError, TypeError):
            code = marshal.loads(installed[16:])
            if isinstance(code, CodeType):
                return _renamed(code, _observer.OBSERVER_FILENAME)
    return compile(source, _observer.OBSERVER_FILENAME, "exec", dont_inherit=True)


def _renamed(code: CodeType, filename: str) -> CodeType:
    """``code`` and every code object within it, with ``co_filename`` set to ``filename``."""
    consts = tuple(_renamed(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def _installed_bytecode(source: Path) -> bytes | None:
    """The bytecode installed beside ``source``, if it was compiled from that very file."""
    try:
        data = Path(importlib.util.cache_from_source(str(source))).read_bytes()
        stat = source.stat()
    except (OSError, NotImplementedError):
        return None
    # The header records the source's time and size (flags 0: not hash-based).
    header = data[:16]
    flags = int.from_bytes(header[4:8], "little")
    stamp = int.from_bytes(header[8:12], "little"), int.from_bytes(header[12:16], "little")
    current = int(stat.st_mtime) & 0xFFFFFFFF, stat.st_size & 0xFFFFFFFF
    if header[:4] == importlib.util.MAGIC_NUMBER and flags == 0 and stamp == current:
        return data
    return None


def _bytecode_for(source: Path, copy: Path) -> None:
    """Give ``copy`` (of ``source``, same size and time) compiled bytecode in __pycache__."""
    target = Path(importlib.util.cache_from_source(str(copy)))
    installed = _installed_bytecode(source)
    if installed is not None:
        with contextlib.suppress(OSError):
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(installed)
            return
    with contextlib.suppress(OSError, py_compile.PyCompileError):
        py_compile.compile(str(copy), doraise=True)


def command_environment(folder: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The command's environment: the caller's plus the hook folder first on ``PYTHONPATH``."""
    env = dict(os.environ if base is None else base)
    site = str(folder / "site")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (site, env.get("PYTHONPATH", "")) if p)
    env[_observer.LOG_VARIABLE] = str(folder / "events.jsonl")
    env[_observer.DOCTOR_PID_VARIABLE] = str(os.getpid())
    return env


def _alive(pid: int, starttime: int | None) -> bool:
    """Whether ``pid`` still runs (and is the same process, by its start time on Linux)."""
    stat = Path(f"/proc/{pid}/stat")
    if stat.parent.parent.is_dir() and Path("/proc/self").exists():
        try:
            fields = stat.read_bytes().rpartition(b")")[2].split()
        except OSError:
            return False
        if fields[0] == b"Z":
            return False
        return starttime is None or int(fields[19]) == starttime
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    except OSError:  # pragma: no cover - Windows
        return False
    return True


def _observed(log: Path) -> list[tuple[int, int | None]]:
    """``(pid, start time)`` of every process that recorded its start."""
    from mpcov.doctor.analysis import read_events

    events, _ = read_events(log)
    out = []
    for event in events:
        if event["e"] in ("start", "fork"):
            starttime = event.get("starttime")
            out.append((int(event["pid"]), int(starttime) if starttime is not None else None))
    return out


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs: a zombie does not count."""
    if not _POSIX:
        return False
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return _live_member(pgid)


def _live_member(pgid: int) -> bool:
    """Whether the group has a member that is not a zombie (Linux; elsewhere: yes).

    A helper that outlives its parent (a resource tracker, a fork server) is re-parented
    to PID 1 and stays a zombie, still in the group, until PID 1 reaps it. Some inits
    take a second; a container whose PID 1 is not an init never does. A zombie can
    write nothing, so waiting for it would only add its reaping time to the run.
    """
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return True
    wanted = str(pgid).encode()
    for entry in os.scandir(proc):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_bytes().rpartition(b")")[2].split()
        except OSError:
            continue
        if len(fields) > 2 and fields[2] == wanted and fields[0] != b"Z":
            return True
    return False


def _stop(proc: subprocess.Popen[bytes], log: Path, reason: str) -> list[int]:
    """Stop the command's process group and every observed process still alive."""
    alive = [pid for pid, start in _observed(log) if pid != proc.pid and _alive(pid, start)]
    # The command itself only when it still runs: once it has exited, its end is its own.
    targets = ([proc.pid] if proc.poll() is None else []) + alive
    with contextlib.suppress(OSError):
        _emit(log, "doctor_kill", reason=reason, pids=targets, sig=int(signal.SIGTERM))
    if _POSIX:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        for pid in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + KILL_GRACE
        while time.monotonic() < deadline and (
            _group_alive(proc.pid) or any(_alive(pid, None) for pid in alive)
        ):
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    else:  # pragma: no cover - Windows, untested
        subprocess.run(
            ["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False
        )
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=KILL_GRACE)
    return alive


def _wait(proc: subprocess.Popen[bytes], timeout: float | None) -> None:
    """``proc.wait(timeout)`` that never blocks in one system call for good.

    With no timeout, Popen.wait() sits in waitpid(); a stop signal the kernel hands to
    another thread (the warm-up) would then wait for the command to end before its
    handler runs. A timed wait polls, so the main thread runs handlers as they come.
    """
    if timeout is not None:
        proc.wait(timeout=timeout)
        return
    while True:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=3600)
            return


@contextlib.contextmanager
def _interrupts_raise() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into KeyboardInterrupt while the command runs."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = ("SIGTERM", "SIGHUP")
    previous = {
        n: signal.signal(getattr(signal, n), interrupt) for n in names if hasattr(signal, n)
    }
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


def observe(
    command: Sequence[str],
    folder: Path,
    *,
    timeout: float | None = None,
    grace: float = 10.0,
) -> Observation:
    """Run ``command`` with the observer injected and wait for it and its descendants.

    The command runs in a process group of its own, with the caller's standard
    streams. After it exits, processes it left behind get ``grace`` seconds to
    finish (pool workers and loky executors save at their exit); those still
    running then are stopped and reported as stragglers.

    Raises:
        CommandNotStarted: the program does not exist or cannot be executed.
        KeyboardInterrupt: Ctrl-C, SIGTERM or SIGHUP; everything was stopped first.
    """
    log = folder / "events.jsonl"
    env = command_environment(folder)
    kwargs: dict[str, object] = {}
    if _POSIX:
        # A group of its own, so that a timeout or Ctrl-C can stop it whole.
        if sys.version_info >= (3, 11):
            kwargs["process_group"] = 0
        else:  # pragma: no cover - exercised on the 3.9/3.10 matrix
            kwargs["preexec_fn"] = os.setpgrp
    else:  # pragma: no cover - Windows, untested
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(list(command), env=env, **kwargs)  # type: ignore[call-overload]
    except OSError as exc:
        raise CommandNotStarted(f"cannot run {command[0]!r}: {exc.strerror or exc}") from None
    # Reading the results needs coverage.py: imported while the command runs, when the
    # doctor only waits, rather than after it.
    ended = threading.Event()
    warm = threading.Thread(
        target=_warm_up, args=(ended,), name="mpcov-doctor-warm-up", daemon=True
    )
    warm.start()
    timed_out = False
    try:
        with _interrupts_raise():
            try:
                _wait(proc, timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _stop(proc, log, "timeout")
            duration = time.monotonic() - started
            ended.set()
            stragglers = _wait_for_descendants(proc, log, grace)
    except KeyboardInterrupt:
        ended.set()
        _stop(proc, log, "interrupted")
        raise
    warm.join()
    return Observation(
        exit_code=proc.returncode,
        duration=duration,
        timed_out=timed_out,
        stragglers=stragglers,
        log=log,
    )


#: A command that ends sooner than this started no process that saved data to read
#: (a Python start-up alone takes longer): the warm-up is not worth its 80 ms then.
WARM_UP_AFTER = 0.05


def _warm_up(ended: threading.Event) -> None:
    if ended.wait(WARM_UP_AFTER):
        return
    with contextlib.suppress(Exception):
        import coverage  # noqa: F401 - imported for the analysis, which reads data files


def _wait_for_descendants(proc: subprocess.Popen[bytes], log: Path, grace: float) -> list[int]:
    """Give what the command left running ``grace`` seconds, then stop it."""
    deadline = time.monotonic() + grace
    delay = 0.005
    observed = [(p, s) for p, s in _observed(log) if p != proc.pid]
    read_at = time.monotonic()
    while True:
        observed = [(pid, start) for pid, start in observed if _alive(pid, start)]
        if not observed and not _group_alive(proc.pid):
            return []
        if time.monotonic() >= deadline:
            return _stop(proc, log, "outlived")
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
        if time.monotonic() - read_at > 0.5:
            # Processes that started after the last look (a pool replacing its workers).
            known = {pid for pid, _ in observed}
            observed += [
                (p, s)
                for p, s in _observed(log)
                if p != proc.pid and p not in known and _alive(p, s)
            ]
            read_at = time.monotonic()
