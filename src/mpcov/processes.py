"""Process control for verification runs: sessions, escapes, reaping, signals and a watchdog.

Every command of a run starts in a session, and so a process group, of its own, with
the variable :data:`RUN_MARKER` in its environment naming the run. Then:

- **Waiting without reaping.** The engine waits for the command's first process
  with ``waitid(..., WNOWAIT)`` (through a pidfd where the kernel has them), kills
  what is left of its group, and only then reaps it. While that process is an
  unreaped zombie its id cannot be reused, so ``killpg`` can never hit another
  run's group (on other systems the process is reaped first, as ``Popen.wait``
  does, and the small race remains).
- **Escapes (Linux).** A grandchild that calls ``setsid()`` or double-forks leaves
  the group. The CLI makes mpcov a *child subreaper*
  (``prctl(PR_SET_CHILD_SUBREAPER)``), so such orphans are re-parented to mpcov
  instead of init; they are recognised by their session, their ancestry or the
  run marker in ``/proc/PID/environ``, killed through a pidfd (never a recycled
  pid) and counted. Without the subreaper (another system, or a library caller
  that did not ask for it) an escaped orphan cannot be told from any other
  process: :attr:`Group.escapes_caught` says so.
- **One shared process table.** Looking for a group's members needs a scan of
  ``/proc``; a single snapshot, taken at most every :data:`POLL` seconds, serves
  every run that is waiting at the same time, so the cost does not grow with
  ``--jobs``.
- **When mpcov dies.** Each command's first process gets ``PR_SET_PDEATHSIG``
  (SIGKILL) on Linux, and the CLI starts a :class:`Watchdog`: a small process in a
  session of its own that, should mpcov vanish without saying goodbye (SIGKILL),
  kills every process carrying this mpcov's run marker and removes its temporary
  folders.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import IO, Any, Callable, NamedTuple, final

LINUX = sys.platform.startswith("linux")
POSIX = os.name == "posix"
#: The environment variable that names the run a process belongs to.
RUN_MARKER = "MPCOV_RUN"
#: Seconds between two looks at the process table while waiting for processes to leave.
POLL = 0.05
#: Seconds spent killing what is left of a run before giving up on it.
KILL_TIMEOUT = 5.0
#: Seconds the members of a group mpcov has just SIGKILLed get to vanish from the process
#: table before any still there counts as left behind (dying takes the kernel a moment).
KILL_SETTLE = 1.0
#: The signals that stop ``mpcov verify`` cleanly (those this platform has).
STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37


# --------------------------------------------------------------------------- prctl


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """The C library's ``prctl``, or ``None`` off Linux or where it cannot be loaded."""
    if not LINUX:
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.prctl
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    function.restype = ctypes.c_int
    return function


def become_subreaper() -> bool:
    """Make this process a child subreaper (Linux); ``True`` if it now is one.

    Orphaned descendants are then re-parented to this process instead of init, so
    processes that leave a run's group can still be found. Zombies of such orphans
    are reaped by :meth:`Group.clean`.
    """
    prctl = _prctl()
    return prctl is not None and prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0) == 0 and is_subreaper()


def is_subreaper() -> bool:
    """Whether this process is a child subreaper (always ``False`` off Linux)."""
    prctl = _prctl()
    if prctl is None:
        return False
    import ctypes

    value = ctypes.c_int(0)
    if prctl(_PR_GET_CHILD_SUBREAPER, ctypes.addressof(value), 0, 0) != 0:
        return False  # pragma: no cover - every Linux since 3.4 answers
    return value.value != 0


#: Run in a fresh interpreter before the command: set the death signal, then exec.
#: Not a ``preexec_fn``: that runs Python between fork and exec in a copy of a process
#: with other threads (the engine's workers), and on Python 3.9 it was seen to hang there
#: (CPython warns that preexec_fn is not safe with threads). An exec'd interpreter has
#: one thread; ``-I -S`` keeps its start-up to a few milliseconds.
_DEATH_SIGNAL_SHIM = (
    "import ctypes, os, sys\n"
    f"ctypes.CDLL(None).prctl({_PR_SET_PDEATHSIG}, {int(signal.SIGKILL)}, 0, 0)\n"
    # The parent died before the line above: the signal will never come.
    "if os.getppid() != int(sys.argv[1]):\n"
    f"    os.kill(os.getpid(), {int(signal.SIGKILL)})\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


@functools.cache
def _setpriv() -> str | None:
    """util-linux's ``setpriv``, which sets the death signal and execs in about a millisecond."""
    return shutil.which("setpriv") if LINUX else None


def _with_death_signal(cmd: list[str], parent: int, path: str | None) -> list[str]:
    """``cmd`` behind a shim that SIGKILLs it when the thread that started it dies.

    ``PR_SET_PDEATHSIG`` survives exec and fires when the *thread* that forked the
    child ends; the engine starts runs from worker threads that live until every run
    has ended. The shim is ``setpriv --pdeathsig KILL`` where util-linux has it, else
    a bare interpreter (about 20 ms more per run). Unchanged off Linux, and when the
    program is not on the run's ``path`` (so Popen still raises FileNotFoundError).
    """
    if _prctl() is None or not cmd or shutil.which(cmd[0], path=path) is None:
        return cmd
    setpriv = _setpriv()
    if setpriv is not None:
        return [setpriv, "--pdeathsig", "KILL", "--", *cmd]
    if not sys.executable:  # pragma: no cover - an embedded interpreter
        return cmd
    return [sys.executable, "-I", "-S", "-c", _DEATH_SIGNAL_SHIM, str(parent), *cmd]


# --------------------------------------------------------------------------- /proc


class Info(NamedTuple):
    """One line of the process table (``/proc/PID/stat``)."""

    pid: int
    ppid: int
    pgid: int
    sid: int
    #: ``R``, ``S``, ``Z`` (zombie), ...
    state: str
    #: Clock ticks after boot when the process started: with the pid, its identity.
    start: int


def read_info(pid: int) -> Info | None:
    """The process table line of ``pid``, or ``None`` when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_bytes().decode(errors="replace")
    except OSError:
        return None
    # The command name is in parentheses and may contain anything: split after the last one.
    fields = text.rpartition(")")[2].split()
    if len(fields) < 20:  # pragma: no cover - a kernel with another layout
        return None
    return Info(pid, int(fields[1]), int(fields[2]), int(fields[3]), fields[0], int(fields[19]))


def scan() -> dict[int, Info]:
    """Every process this user can see (Linux: ``/proc``); empty where there is none."""
    table: dict[int, Info] = {}
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return table
    for entry in entries:
        if entry.name.isdigit():
            info = read_info(int(entry.name))
            if info is not None:
                table[info.pid] = info
    return table


def marker_of(pid: int) -> str | None:
    """The :data:`RUN_MARKER` value in the environment ``pid`` started with, if any."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    prefix = f"{RUN_MARKER}=".encode()
    for entry in environ.split(b"\0"):
        if entry.startswith(prefix):
            return entry[len(prefix) :].decode(errors="replace")
    return None


class ProcessTable:
    """A snapshot of :func:`scan` shared by every thread that asks at about the same time."""

    def __init__(self, scanner: Callable[[], dict[int, Info]] = scan) -> None:
        """Create an empty table that fills itself with ``scanner``."""
        self._scanner = scanner
        self._lock = threading.Lock()
        self._taken = float("-inf")
        self._table: dict[int, Info] = {}
        #: How many scans were made (for tests and the benchmark).
        self.scans = 0

    def snapshot(self, newer_than: float) -> dict[int, Info]:
        """A table scanned at or after ``newer_than`` (:func:`time.monotonic`).

        Threads asking at the same moment share one scan: whoever comes second
        waits for the first one's and takes it.
        """
        with self._lock:
            if self._taken < newer_than:
                self._taken = time.monotonic()
                self._table = self._scanner()
                self.scans += 1
            return self._table


#: The table every :class:`Group` of this process shares.
TABLE = ProcessTable()


def _kill_exact(info: Info) -> None:
    """SIGKILL the process ``info`` describes, never another that got its pid since."""
    pidfd_open = getattr(os, "pidfd_open", None)
    send = getattr(signal, "pidfd_send_signal", None)
    if pidfd_open is not None and send is not None:
        try:
            fd = pidfd_open(info.pid)
        except OSError:  # gone, or a kernel without pidfds: fall back below
            if read_info(info.pid) is None:
                return
        else:
            try:
                # The pidfd pins one process: check that it is the one we saw.
                now = read_info(info.pid)
                if now is not None and now.start == info.start:
                    with contextlib.suppress(OSError):
                        send(fd, signal.SIGKILL)
            finally:
                os.close(fd)
            return
    now = read_info(info.pid)
    if now is not None and now.start == info.start:  # pragma: no cover - kernels before 5.3
        with contextlib.suppress(OSError):
            os.kill(info.pid, signal.SIGKILL)


# --------------------------------------------------------------------------- groups


_registry_lock = threading.Lock()
#: Unreaped first processes of live commands (pid -> run marker): never anyone's orphan.
_leaders: dict[int, str] = {}
_session: tuple[int, str] | None = None
_counter = 0


def session_id() -> str:
    """A name for this mpcov process, shared by its run markers and temporary folders."""
    global _session
    with _registry_lock:
        if _session is None or _session[0] != os.getpid():
            _session = (os.getpid(), secrets.token_hex(4))
        return _session[1]


def new_marker() -> str:
    """A fresh :data:`RUN_MARKER` value: this process's session and a counter."""
    global _counter
    session = session_id()
    with _registry_lock:
        _counter += 1
        return f"{session}-{_counter}"


class Leftovers(NamedTuple):
    """What :meth:`Group.clean` found after the command's first process had exited."""

    #: Processes still running after the grace period (then killed).
    stragglers: int
    #: How many of those had left the process group (new session, double fork).
    escaped: int
    #: Processes that could not be killed before :data:`KILL_TIMEOUT`.
    survivors: int


class Group:
    """One command in a session of its own: wait for it, find what it left, kill, reap."""

    def __init__(
        self,
        cmd: list[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        stdout: IO[bytes] | int,
        stderr: IO[bytes] | int,
        marker: str | None = None,
        table: ProcessTable | None = None,
    ) -> None:
        """Start ``cmd`` in a new session, with the run marker in its environment."""
        self.marker = marker or new_marker()
        self.table = table or TABLE
        self._lock = threading.Lock()
        self._reaped = False
        environment = dict(env)
        environment[RUN_MARKER] = self.marker
        options: dict[str, Any] = {}
        if POSIX:
            options["start_new_session"] = True
            cmd = _with_death_signal(cmd, os.getpid(), environment.get("PATH", os.defpath))
        else:  # pragma: no cover - Windows
            options["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        self.popen: subprocess.Popen[bytes] = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            **options,
        )
        with _registry_lock:
            _leaders[self.popen.pid] = self.marker

    @property
    def pid(self) -> int:
        """The first process's id, which is also the group's and the session's."""
        return self.popen.pid

    @property
    def escapes_caught(self) -> bool:
        """Whether processes that leave the group can be found (Linux, as a subreaper)."""
        return LINUX and is_subreaper()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the first process to exit; ``True`` if it did.

        On Linux it stays an unreaped zombie until :meth:`reap`, so that its id,
        the group's, stays reserved; elsewhere it is reaped here.
        """
        if not LINUX:
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        return _wait_unreaped(self.pid, timeout)

    def kill(self) -> None:
        """SIGKILL the whole group, as long as its id cannot belong to anyone else."""
        with self._lock:
            if not POSIX:  # pragma: no cover - Windows
                subprocess.run(
                    ["taskkill", "/F", "/T", "/PID", str(self.pid)],
                    capture_output=True,
                    check=False,
                )
                self.popen.kill()
                return
            if self._reaped and LINUX:
                return
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)

    def members(self, table: Mapping[int, Info]) -> dict[int, Info]:
        """The run's processes in ``table`` besides the first one, zombies included.

        A process belongs to the run when it is in the run's group or session, when
        it descends from one that is, or when it is an orphan re-parented to mpcov
        whose environment carries this run's marker.
        """
        me = os.getpid()
        with _registry_lock:
            leaders = set(_leaders)
        children: dict[int, list[int]] = {}
        for info in table.values():
            children.setdefault(info.ppid, []).append(info.pid)
        found: dict[int, Info] = {
            pid: info
            for pid, info in table.items()
            if pid not in leaders and pid != me and self.pid in (info.pgid, info.sid)
        }
        for child in children.get(me, ()):
            if child not in found and child not in leaders and marker_of(child) == self.marker:
                found[child] = table[child]
        stack = [*found, self.pid]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in found and child not in leaders and child != me:
                    found[child] = table[child]
                    stack.append(child)
        return found

    def clean(self, grace: float) -> Leftovers:
        """After the first process exited: wait ``grace`` s for the rest, then kill it.

        Orphans re-parented to mpcov are reaped. The first process is not: see
        :meth:`reap`.
        """
        if not LINUX:
            return self._clean_elsewhere(grace)
        # The first look must postdate the exit; later ones may share a recent scan.
        asked = time.monotonic()
        deadline = asked + grace
        while True:
            alive = self._alive(self.table.snapshot(asked))
            if not alive or time.monotonic() >= deadline:
                break
            time.sleep(POLL)
            asked = max(asked, time.monotonic() - POLL / 2)
        if not alive:
            return Leftovers(0, 0, 0)
        first = dict(alive)
        latest = dict(alive)
        give_up = time.monotonic() + KILL_TIMEOUT
        while alive and time.monotonic() < give_up:
            self.kill()
            for info in alive.values():
                if info.pgid != self.pid:
                    _kill_exact(info)
            time.sleep(0.01)
            alive = self._alive(self.table.snapshot(time.monotonic()))
            for pid, info in alive.items():
                first.setdefault(pid, info)
                latest[pid] = info
        # Killed orphans of ours whose zombies no longer show whose they were: an
        # unreaped child's pid cannot have been reused, so reaping it is safe.
        me = os.getpid()
        for info in latest.values():
            if info.ppid == me:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(info.pid, os.WNOHANG)
        escaped = sum(1 for info in first.values() if info.pgid != self.pid)
        return Leftovers(len(first), escaped, len(alive))

    def _alive(self, table: Mapping[int, Info]) -> dict[int, Info]:
        """The run's live processes; zombie orphans of mpcov among them are reaped."""
        me = os.getpid()
        alive = {}
        for pid, info in self.members(table).items():
            if info.state != "Z":
                alive[pid] = info
            elif info.ppid == me:
                # An orphan re-parented to us: nobody else will ever reap it.
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
        return alive

    def _clean_elsewhere(self, grace: float) -> Leftovers:
        """Without /proc: is anything left in the group (yes or no), then kill it."""
        if not POSIX:  # pragma: no cover - Windows
            return Leftovers(0, 0, 0)
        deadline = time.monotonic() + grace
        while _group_exists(self.pid) and time.monotonic() < deadline:
            time.sleep(POLL)
        if not _group_exists(self.pid):
            return Leftovers(0, 0, 0)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        return Leftovers(1, 0, 0)

    def reap(self) -> int:
        """Collect the first process's exit status; the group id is free afterwards."""
        with self._lock:
            code = self.popen.wait()
            self._reaped = True
        with _registry_lock:
            _leaders.pop(self.pid, None)
        return code


def _group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _wait_unreaped(pid: int, timeout: float) -> bool:
    """Wait for ``pid`` (a child) to exit, without reaping it; ``True`` if it did."""
    flags = os.WEXITED | os.WNOWAIT | os.WNOHANG
    deadline = time.monotonic() + timeout
    fd = None
    with contextlib.suppress(AttributeError, OSError):
        fd = os.pidfd_open(pid)
    try:
        if fd is not None:
            import select

            poller = select.poll()
            poller.register(fd, select.POLLIN)
            poller.poll(max(0.0, timeout) * 1000)
            return os.waitid(os.P_PID, pid, flags) is not None
        delay = 0.0005
        while True:  # pragma: no cover - kernels before 5.3 have no pidfd
            if os.waitid(os.P_PID, pid, flags) is not None:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            delay = min(delay * 2, left, POLL)
            time.sleep(delay)
    finally:
        if fd is not None:
            os.close(fd)


def sweep_orphans() -> int:
    """Kill and reap this process's children that no live command owns; how many.

    For the end of ``mpcov verify``, when no run is left: an escaped orphan whose
    environment lost the run marker cannot be given to its run, but it is still
    mpcov's child (as a subreaper) and still the runs' doing.
    """
    if not LINUX:
        return 0
    me = os.getpid()
    with _registry_lock:
        leaders = set(_leaders)
    killed = 0
    give_up = time.monotonic() + KILL_TIMEOUT
    while time.monotonic() < give_up:
        orphans = [
            info
            for info in scan().values()
            if info.ppid == me and info.pid not in leaders and info.pid not in _spared
        ]
        if not orphans:
            break
        for info in orphans:
            if info.state == "Z":
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(info.pid, os.WNOHANG)
            else:
                killed += 1
                _kill_exact(info)
        time.sleep(0.01)
    return killed


#: Children of this process that :func:`sweep_orphans` must leave alone (the watchdog).
_spared: set[int] = set()


# --------------------------------------------------------------------------- signals


@final
class Interrupts:
    """SIGINT, SIGTERM and SIGHUP raise one :class:`KeyboardInterrupt`; later ones are noted.

    A second Ctrl-C while runs are being stopped must not cut the cleanup short, so
    after the first stop signal every further one is recorded and ignored. Use it
    as a context manager in the main thread; elsewhere it does nothing.

    A signal that mpcov was started with ignored stays ignored (``nohup mpcov verify``
    survives a hang-up; a shell's background job ignores Ctrl-C), but it is caught
    rather than left ignored: an ignored signal is inherited across exec, and a run's
    behaviour must not depend on how mpcov was started.
    """

    def __init__(self, *, until_exit: bool = False) -> None:
        """Nothing is installed until the ``with`` block starts.

        ``until_exit``: the caller is the program and ends when the block does; once
        a stop signal came, later ones stay ignored after the block too, so one that
        lands on the way out cannot turn exit status 130 into a death by SIGINT
        (seen about one time in ten with two Ctrl-Cs 0.1 s apart).
        """
        self.until_exit = until_exit
        self.received: signal.Signals | None = None
        self.later = 0
        self._previous: dict[signal.Signals, Any] = {}
        self._ignored: set[int] = set()

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if signum in self._ignored:
            return
        if self.received is None:
            self.received = signal.Signals(signum)
            raise KeyboardInterrupt
        self.later += 1

    def __enter__(self) -> Interrupts:
        """Install the handler for every stop signal (main thread only)."""
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                previous = signal.signal(signum, self._handler)
                self._previous[signum] = previous
                if previous is signal.SIG_IGN:
                    self._ignored.add(int(signum))
        return self

    def __exit__(self, *exc: object) -> None:
        """Put the previous handlers back (not after a stop signal, with ``until_exit``).

        Ignored then at the C level: the interpreter's shutdown puts the default
        action back for signals with a Python handler, and a Ctrl-C landing there
        would still kill the process.
        """
        stopping = self.until_exit and self.received is not None
        for signum, previous in self._previous.items():
            signal.signal(signum, signal.SIG_IGN if stopping else previous)
        self._previous.clear()
        self._ignored.clear()


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Ignore stop signals handled in Python while cleaning up after an interrupt.

    Only handlers that would raise (Python callables) are swapped, in the main
    thread; a signal whose default action is to end the process keeps it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    swapped = {}
    for signum in STOP_SIGNALS:
        current = signal.getsignal(signum)
        if callable(current):
            swapped[signum] = signal.signal(signum, lambda signum, frame: None)
    try:
        yield
    finally:
        for signum, previous in swapped.items():
            signal.signal(signum, previous)


# --------------------------------------------------------------------------- watchdog


def temp_prefix(kind: str = "") -> str:
    """The prefix of this process's temporary folders (``mpcov-SESSION-``, ``mpcov-tmp-...``)."""
    return f"mpcov-{kind}{session_id()}-"


@final
class Watchdog:
    """A process that cleans up after this one if it dies without warning (SIGKILL).

    It waits for its stdin to close. If mpcov said goodbye first (:meth:`stop`), it
    just exits; otherwise mpcov is gone, and it kills every process whose
    environment carries one of this mpcov's run markers and removes its temporary
    folders. It lives in a session of its own, so a Ctrl-C in the terminal or a
    kill of mpcov's group does not reach it.
    """

    def __init__(self, python: str = sys.executable) -> None:
        """Start the watchdog (POSIX with /proc only; elsewhere it does nothing)."""
        self.proc: subprocess.Popen[bytes] | None = None
        if not LINUX:
            return
        code = "import sys; from mpcov.processes import watch; sys.exit(watch(sys.argv[1:]))"
        self.proc = subprocess.Popen(
            [python, "-c", code, session_id(), str(Path(_tempdir()))],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _spared.add(self.proc.pid)

    def stop(self) -> None:
        """Tell the watchdog that everything was cleaned up, and let it exit."""
        if self.proc is None or self.proc.stdin is None:
            return
        with contextlib.suppress(OSError):
            self.proc.stdin.write(b"done\n")
            self.proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=KILL_TIMEOUT)
        _spared.discard(self.proc.pid)

    def __enter__(self) -> Watchdog:
        """Start watching."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop watching: mpcov cleaned up by itself."""
        self.stop()


def _tempdir() -> str:
    import tempfile

    return tempfile.gettempdir()


def watch(argv: Iterable[str]) -> int:
    """The watchdog's main: wait for stdin to close, then clean up unless told not to."""
    session, tempdir = list(argv)
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    said = sys.stdin.buffer.read()
    if said.startswith(b"done"):
        return 0
    kill_marked(session)
    for path in Path(tempdir).glob(f"mpcov-*{session}-*"):
        shutil.rmtree(path, ignore_errors=True)
    return 0


def kill_marked(session: str, within: float = 2 * KILL_TIMEOUT) -> int:
    """Kill every process whose run marker belongs to ``session``; how many were killed."""
    prefix = f"{session}-"
    killed: set[int] = set()
    give_up = time.monotonic() + within
    empty_scans = 0
    while time.monotonic() < give_up:
        marked = [
            info
            for info in scan().values()
            if info.state != "Z" and (marker_of(info.pid) or "").startswith(prefix)
        ]
        if not marked:
            # A process in the middle of exec() shows an empty /proc/PID/environ for a
            # moment (the kernel lays out the new one last): only a second empty scan,
            # POLL later, means nothing is left.
            empty_scans += 1
            if empty_scans == 2:
                break
            time.sleep(POLL)
            continue
        empty_scans = 0
        for info in marked:
            killed.add(info.pid)
            _kill_exact(info)
        time.sleep(POLL)
    return len(killed)
