"""Turn the doctor's event log into processes, and the processes into causes of loss.

The observer (:mod:`mpcov.doctor._observer`) writes events; this module reads
them back, in the order they were appended, and rebuilds every observed Python
process: how it started and from where, whether coverage.py measured in it and
with which settings, which data files it saved and whether those are readable,
and how it ended. Each process that lost data is then given one cause, named
with the rule codes of ``mpcov check`` where one applies.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import signal
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

#: Helper processes of multiprocessing. None runs the user's code, except a fork server
#: that preloads the main script (CPython 3.13.8+ and 3.14.1+): its __mp_main__ lines
#: are checked like a spawn child's, in :func:`_mp_main_cause`.
_HELPERS = (
    ("multiprocessing.forkserver import main", "forkserver server"),
    ("multiprocess.forkserver import main", "forkserver server"),
    ("billiard.forkserver import main", "forkserver server"),
    ("resource_tracker import main", "resource tracker"),
    ("semaphore_tracker import main", "semaphore tracker"),
)
_LIBRARIES = (
    ("billiard", "billiard"),
    ("multiprocess.", "multiprocess"),
    ("joblib", "loky"),
    ("loky", "loky"),
)
_PYTHON_NAME = re.compile(r"^(python|pypy)[0-9.]*(\.exe)?$")
_SAVE_OK = ("ok", "combined")


def read_events(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Read the event log; return the events in append order and how many lines were damaged.

    A process killed while writing can leave at most one damaged line: it is skipped.
    """
    events: list[dict[str, Any]] = []
    damaged = 0
    try:
        raw = path.read_bytes()
    except OSError:
        return events, 0
    for line in raw.splitlines():
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            damaged += 1
            continue
        if isinstance(event, dict) and "e" in event and "pid" in event:
            events.append(event)
        else:
            damaged += 1
    return events, damaged


@dataclass
class DataFile:
    """One data file a coverage.py instance set out to write, and what became of it."""

    path: str
    #: ``ok``, ``combined``, ``empty``, ``unreadable``, ``missing``, ``erased``, ``late``
    state: str
    detail: str = ""


@dataclass
class Instance:
    """One coverage.py ``Coverage`` object that measured in a process."""

    id: int
    how: str
    settings: dict[str, Any]
    version: str | None
    inherited: bool = False
    saves_started: list[dict[str, Any]] = field(default_factory=list)
    saves_ended: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Process:
    """One observed Python process (an ``exec`` starts a new one with the same pid)."""

    index: int
    pid: int
    ppid: int
    fresh: bool
    start_event: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    parent: Process | None = None
    #: fork, spawn, forkserver, subprocess, exec, command, helper, unknown
    how: str = "unknown"
    method: str | None = None
    library: str | None = None
    role: str = ""
    site: list[Any] | None = None
    via: list[str] = field(default_factory=list)
    pool: int | None = None
    instances: dict[int, Instance] = field(default_factory=dict)
    data_files: list[DataFile] = field(default_factory=list)
    end: dict[str, Any] = field(default_factory=dict)
    lost: bool = False
    partial: list[str] = field(default_factory=list)
    cause: Cause | None = None
    replaced: bool = False
    children: list[Process] = field(default_factory=list)
    #: Frames of the ``BaseProcess.start`` call that started it (which library, which pool).
    start_tags: list[str] = field(default_factory=list)

    @property
    def argv(self) -> list[str]:
        """The command line of this process as the observer saw it."""
        if self.fresh:
            return [str(a) for a in self.start_event.get("argv", [])]
        return self.parent.argv if self.parent is not None else []

    @property
    def measured(self) -> bool:
        """Whether coverage.py measured in this process at any time."""
        return bool(self.instances)

    @property
    def helper(self) -> bool:
        """A multiprocessing helper (fork server, resource tracker): never a loss by itself.

        A fork server that preloaded the main script can still lose its __mp_main__ lines.
        """
        return self.how == "helper"

    def first(self, kind: str) -> dict[str, Any] | None:
        """The first own event of ``kind``."""
        return next((e for e in self.events if e["e"] == kind), None)

    def settings(self) -> dict[str, Any]:
        """The settings of the last instance started here, or of the nearest measured ancestor."""
        node: Process | None = self
        while node is not None:
            if node.instances:
                return list(node.instances.values())[-1].settings
            node = node.parent
        return {}


@dataclass
class Cause:
    """Why a process lost data, in terms a reader can act on."""

    #: A rule code of ``mpcov check`` (``MPC101``...), or a name for causes no rule covers.
    code: str
    #: What grouped processes share, e.g. ``Pool at test.py:12 was ended by ...``.
    what: str
    #: Where the cause is in the user's code (``file:line``), when known.
    site: str | None = None
    #: ``saving``, ``busy``, ``before coverage started``... per process, for the summary.
    moment: str = ""
    #: The word for the processes: ``worker processes``, ``processes``, ``threads``.
    noun: str = "processes"
    #: How many processes share the scope (a Pool's workers, one call site's children).
    scope_key: str = ""
    #: The fix, where it depends on this run rather than on the cause's code alone.
    fix: str = ""


@dataclass
class Unobserved:
    """A child process the doctor knows was started but never heard from."""

    pid: int
    parent: int
    argv: list[str]
    site: str | None
    reason: str


@dataclass
class Analysis:
    """Everything the report needs."""

    processes: list[Process]
    unobserved: list[Unobserved]
    damaged_lines: int
    pools: dict[int, dict[str, Any]]


#: The folder the doctor runs in: sites in causes are shown relative to it.
_ROOT: list[Path] = []


def _site_text(site: Sequence[Any] | None, root: Path | None = None) -> str | None:
    """``file:line`` of a call site, relative to ``root`` (default: the analysed run's folder)."""
    if not site:
        return None
    path = str(site[0])
    root = root if root is not None else (_ROOT[-1] if _ROOT else None)
    if root is not None:
        with contextlib.suppress(ValueError):
            path = os.path.relpath(path, root)
            # A neighbour folder reads best relative (../src/x.py); a file far away
            # (site-packages, the standard library) reads best by its own path.
            if Path(path).parts[:3].count(os.pardir) > 2:
                path = str(site[0])
    return f"{path}:{site[1]}"


def with_line(site: Sequence[Any]) -> Sequence[Any]:
    """Move a call site inside or at the end of a ``with`` block to the ``with`` statement.

    ``Pool.__exit__`` is called from the line of the ``with`` on Python 3.10+, but
    from the last line of the block on 3.9; the reader wants the ``with``.
    """
    try:
        tree = ast.parse(Path(str(site[0])).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return site
    line = int(site[1])
    best: ast.AST | None = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.With, ast.AsyncWith)):
            end = getattr(node, "end_lineno", None) or node.lineno
            if node.lineno <= line <= end and (best is None or node.lineno > best.lineno):  # type: ignore[attr-defined]
                best = node
    if best is None:
        return site
    return [site[0], best.lineno, *site[2:]]  # type: ignore[attr-defined]


def _library(name: str | None) -> str | None:
    if not name:
        return None
    for prefix, library in _LIBRARIES:
        if name.startswith(prefix) or f"/{prefix}" in name:
            return library
    return None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _decode_status(status: int) -> dict[str, Any]:
    if os.name != "posix":
        return {"code": status}
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    if os.WIFEXITED(status):
        return {"code": os.WEXITSTATUS(status)}
    return {}


class _Builder:
    """Rebuilds processes from events (see :func:`analyze`)."""

    def __init__(self, events: list[dict[str, Any]], doctor_pid: int) -> None:
        self.events = events
        self.doctor_pid = doctor_pid
        self.processes: list[Process] = []
        self.by_pid: dict[int, Process] = {}
        self.mp_start: dict[int, tuple[Process, dict[str, Any]]] = {}
        self.popen: dict[int, tuple[Process, dict[str, Any]]] = {}
        self.kills: dict[int, list[tuple[Process | None, dict[str, Any]]]] = {}
        self.reaped: dict[int, dict[str, Any]] = {}
        self.pools: dict[int, dict[str, Any]] = {}
        self.combines: list[dict[str, Any]] = []
        self.doctor_events: list[dict[str, Any]] = []

    def _new(self, event: dict[str, Any], fresh: bool) -> Process:
        process = Process(
            index=len(self.processes),
            pid=int(event["pid"]),
            ppid=int(event.get("ppid", 0)),
            fresh=fresh,
            start_event=event,
        )
        self.processes.append(process)
        self.by_pid[process.pid] = process
        return process

    def build(self) -> None:
        for event in self.events:
            kind = event["e"]
            pid = int(event["pid"])
            if pid == self.doctor_pid:
                self.doctor_events.append(event)
                continue
            if kind == "start":
                previous = self.by_pid.get(pid)
                process = self._new(event, fresh=True)
                if previous is not None:
                    if previous.first("exec") is not None:
                        process.how = "exec"
                        process.parent = previous
                    elif not previous.fresh and not previous.events:
                        # A fork that exec'd from C (subprocess with preexec_fn): the
                        # forked copy was only the way to the new program.
                        previous.replaced = True
                        process.how = "subprocess-fork"
                continue
            if kind == "fork":
                process = self._new(event, fresh=False)
                process.parent = self.by_pid.get(process.ppid)
                process.how = "fork"
                if event.get("cov") and event["cov"].get("started"):
                    parent_instance = None
                    if process.parent is not None:
                        parent_instance = process.parent.instances.get(event["cov"]["id"])
                    process.instances[event["cov"]["id"]] = Instance(
                        id=event["cov"]["id"],
                        how="inherited",
                        settings=parent_instance.settings if parent_instance else {},
                        version=parent_instance.version if parent_instance else None,
                        inherited=True,
                    )
                continue
            owner = self.by_pid.get(pid)
            if owner is None:
                owner = self._new({"pid": pid, "ppid": 0, "argv": []}, fresh=True)
            owner.events.append(event)
            self._index(owner, event)

    def _index(self, owner: Process, event: dict[str, Any]) -> None:
        kind = event["e"]
        if kind == "mp_start":
            self.mp_start[int(event["child"])] = (owner, event)
        elif kind == "popen":
            self.popen[int(event["child"])] = (owner, event)
        elif kind == "kill":
            target = int(event["target"])
            if event.get("call") == "killpg":
                for process in self.processes:
                    if process.pid == target:
                        self.kills.setdefault(process.pid, []).append((owner, event))
            else:
                self.kills.setdefault(target, []).append((owner, event))
        elif kind == "reaped":
            self.reaped[int(event["child"])] = event
        elif kind == "pool":
            self.pools[int(event["key"])] = event
        elif kind == "combine" and event.get("phase") == "start":
            self.combines.append(event)
        elif kind == "cov_start":
            owner.instances[int(event["id"])] = Instance(
                id=int(event["id"]),
                how=str(event.get("how", "api")),
                settings=dict(event.get("settings") or {}),
                version=event.get("version"),
            )
        elif kind in ("save_start", "save_end"):
            instance = owner.instances.get(int(event["id"]))
            if instance is None:
                # Saved without being started: an object made to combine (pytest-cov's).
                instance = Instance(id=int(event["id"]), how="combine", settings={}, version=None)
                owner.instances[instance.id] = instance
            (instance.saves_started if kind == "save_start" else instance.saves_ended).append(event)

    def classify_starts(self) -> None:
        known = {p.pid for p in self.processes}
        for process in self.processes:
            event = process.start_event
            if process.fresh and process.how not in ("exec",):
                argv = " ".join(process.argv)
                helper = next((role for text, role in _HELPERS if text in argv), None)
                launched = self.mp_start.get(process.pid)
                popen = self.popen.get(process.pid)
                if helper is not None:
                    process.how, process.role = "helper", helper
                    process.parent = self.by_pid.get(process.ppid)
                elif launched is not None:
                    owner, start = launched
                    process.parent = owner
                    process.method = str(start.get("method"))
                    process.how = "spawn" if process.method == "spawn" else process.method
                    process.site = start.get("site")
                    process.library = _library(str(start.get("popen")))
                    process.pool = start.get("pool")
                    process.start_tags = list(start.get("tags", []))
                elif popen is not None:
                    owner, start = popen
                    process.parent = owner
                    process.how = "subprocess"
                    process.site = start.get("site")
                elif process.ppid == self.doctor_pid or not event.get("ancestors"):
                    process.how = "command"
                else:
                    process.how = "subprocess"
                    for pid, name in event.get("ancestors", []):
                        if pid in known and self.by_pid[pid] is not process:
                            process.parent = self.by_pid[pid]
                            break
                        process.via.append(str(name))
                    via_pid = event["ancestors"][len(process.via) - 1][0] if process.via else None
                    if process.parent is not None and via_pid in self.popen:
                        process.site = self.popen[via_pid][1].get("site")
                    elif process.parent is not None:
                        system = next(
                            (e for e in process.parent.events if e["e"] == "system"), None
                        )
                        if system is not None:
                            process.site = system.get("site")
                    if process.parent is None:
                        process.how = "command" if not process.via else "subprocess"
                if process.library is None:
                    process.library = _library(argv) if "loky" in argv else None
            elif process.how == "exec":
                exec_event = process.parent.first("exec") if process.parent else None
                process.site = exec_event.get("site") if exec_event else None
            elif not process.fresh:
                tags = " ".join(event.get("tags", []))
                launched = self.mp_start.get(process.pid)
                if "forkserver.py" in tags:
                    process.method = "forkserver"
                    process.how = "forkserver"
                elif "popen_fork.py" in tags:
                    process.method = "fork"
                if launched is not None:
                    owner, start = launched
                    if process.method == "forkserver":
                        process.parent = owner
                    process.method = str(start.get("method"))
                    process.site = start.get("site")
                    process.library = _library(str(start.get("popen")))
                    process.pool = start.get("pool")
                    process.start_tags = list(start.get("tags", []))
                else:
                    process.site = event.get("site")
                    process.library = _library(tags)
        for child, (owner, start) in self.mp_start.items():
            if child in known or child not in self.kills:
                continue
            # Stopped before Python had even run the doctor's start-up hook.
            process = self._new(
                {"pid": child, "ppid": owner.pid, "argv": [], "t": start["t"]}, True
            )
            process.parent = owner
            process.method = str(start.get("method"))
            process.how = "spawn" if process.method == "spawn" else process.method
            process.site = start.get("site")
            process.library = _library(str(start.get("popen")))
            process.pool = start.get("pool")
            process.start_tags = list(start.get("tags", []))
            process.role = "stopped before its interpreter started"
        for process in self.processes:
            if process.parent is not None and not process.replaced:
                process.parent.children.append(process)

    def unobserved(self) -> list[Unobserved]:
        seen = {p.pid for p in self.processes}
        for p in self.processes:
            for pid, _name in p.start_event.get("ancestors", []):
                seen.add(int(pid))
        out: list[Unobserved] = []
        for child, (owner, event) in self.popen.items():
            argv = [str(a) for a in event.get("argv", [])]
            if child in seen or not _looks_like_python(argv, event):
                continue
            env = event.get("env") or {}
            if env.get("given") and not env.get("doctor"):
                reason = "its environment (env=...) does not carry the doctor's variables"
            elif env.get("given") and env.get("hook") is False:
                reason = "its environment (env=...) sets a PYTHONPATH without the doctor's folder"
            else:
                reason = (
                    "it did not run the doctor's start-up hook (python -I, -E or -S, or it "
                    "ended before Python started)"
                )
            out.append(Unobserved(child, owner.pid, argv, _site_text(event.get("site")), reason))
        for child, (owner, event) in self.mp_start.items():
            if child not in seen:
                out.append(
                    Unobserved(
                        child,
                        owner.pid,
                        [str(event.get("cls"))],
                        _site_text(event.get("site")),
                        "it never ran the doctor's start-up hook",
                    )
                )
        return out


def _looks_like_python(argv: list[str], event: dict[str, Any]) -> bool:
    if not argv:
        return False
    if event.get("shell"):
        return "python" in argv[0]
    return bool(_PYTHON_NAME.match(Path(argv[0]).name))


def _data_state(path: str) -> tuple[str, str]:
    """Whether a data file exists and coverage.py can read it."""
    import coverage
    from coverage.exceptions import CoverageException

    try:
        size = Path(path).stat().st_size
    except OSError:
        return "missing", ""
    if size == 0:
        return "empty", "0 bytes"
    try:
        data = coverage.CoverageData(basename=path)
        data.read()
        data.measured_files()
    except (CoverageException, OSError) as exc:
        # coverage.py's message names the file, which the report shows already.
        return "unreadable", str(exc).replace(str(Path(path).parent) + os.sep, "")
    return "ok", ""


def _check_saves(builder: _Builder) -> None:
    """Give every process the fate of each data file it started to save."""
    writers: dict[str, list[tuple[float, Process]]] = {}
    for process in builder.processes:
        for instance in process.instances.values():
            for event in instance.saves_started:
                name = event.get("file")
                if name:
                    writers.setdefault(str(name), []).append((float(event["t"]), process))
    for process in builder.processes:
        for instance in process.instances.values():
            ended = {e.get("file") for e in instance.saves_ended}
            for event in instance.saves_ended:
                name = str(event.get("file"))
                fate = _fate(builder, process, name, float(event["t"]), writers)
                # coverage.py may save twice (multiprocessing's bootstrap, then atexit):
                # the last save of a file decides.
                process.data_files = [d for d in process.data_files if d.path != name]
                process.data_files.append(fate)
            for event in instance.saves_started[len(instance.saves_ended) :]:
                name = str(event.get("file"))
                if name in ended or any(d.path == name for d in process.data_files):
                    continue
                # The save began and its end was never recorded: the file may be half-written,
                # or complete under its final (hashed) name if only our last event was lost.
                pending = event.get("pending")
                state, detail = _unfinished_state(name, pending)
                for candidate in sorted(Path(name).parent.glob(Path(name).name + ".H*h")):
                    if _unfinished_state(str(candidate), pending)[0] == "ok":
                        name, state, detail = str(candidate), "ok", ""
                        break
                process.data_files.append(DataFile(name, state, detail))


def _unfinished_state(path: str, pending: int | None) -> tuple[str, str]:
    """What a save that never recorded its end left: ``ok`` only if all it held is there."""
    state, detail = _data_state(path)
    if state == "missing":
        return "missing", "the save did not finish"
    if state != "ok":
        return "half-written", detail
    written = _line_count(path)
    if pending is not None and written < pending:
        return "half-written", f"{written} of {pending} lines written"
    return "ok", ""


def _line_count(path: str) -> int:
    import coverage

    data = coverage.CoverageData(basename=path)
    data.read()
    if data.has_arcs():
        return sum(len(data.arcs(f) or ()) for f in data.measured_files())
    return sum(len(data.lines(f) or ()) for f in data.measured_files())


def _fate(
    builder: _Builder,
    process: Process,
    name: str,
    saved_at: float,
    writers: dict[str, list[tuple[float, Process]]],
) -> DataFile:
    base_match = re.match(r"^(.*?)(\.[^./\\]+\.pid\d+\.X\w+x(\.H\w+h)?)?$", name)
    base = base_match.group(1) if base_match else name
    suffixed = bool(base_match and base_match.group(2))
    if not suffixed:
        # One shared file: every other process's first write erases it.
        for when, other in writers.get(name, []):
            if other is not process and when > saved_at and other.first("save_start") is not None:
                first = min(
                    float(e["t"])
                    for i in other.instances.values()
                    for e in i.saves_started
                    if e.get("file") == name
                )
                if first > saved_at:
                    return DataFile(
                        name, "erased", f"process {other.pid} wrote the same file afterwards"
                    )
    combines = [c for c in builder.combines if c.get("file") in (base, name)]
    started = float(process.start_event.get("t", 0.0))
    state, detail = _data_state(name)
    if combines and suffixed:
        last = max(float(c["t"]) for c in combines)
        if last < saved_at and started < last:
            return DataFile(name, "late", "saved after the data was combined")
        if state == "missing" and last > saved_at:
            return DataFile(name, "combined")
    return DataFile(name, state, detail)


def _end(builder: _Builder, process: Process) -> dict[str, Any]:
    """How the process ended: exit, _exit, exec, signal (with its sender), or unknown."""
    for event in process.events:
        if event["e"] == "_exit":
            return {"how": "_exit", "status": event.get("status"), "event": event}
        if event["e"] == "exec":
            return {"how": "exec", "event": event}
    exited = process.first("exit")
    reaped = builder.reaped.get(process.pid)
    status = _decode_status(int(reaped["status"])) if reaped else {}
    started = float(process.start_event.get("t", 0.0))
    kills = [k for k in builder.kills.get(process.pid, []) if float(k[1]["t"]) >= started]
    for event in builder.doctor_events:
        if event["e"] == "doctor_kill" and process.pid in event.get("pids", []):
            kills.append((None, event))
    if exited is not None and "signal" not in status:
        return {"how": "exit", **status}
    if kills:
        owner, kill = kills[0]
        return {
            "how": "signal",
            "signal": int(kill.get("sig", status.get("signal", 0))),
            "sender": owner.pid if owner is not None else None,
            "kill": kill,
            **({"code": status["code"]} if "code" in status else {}),
        }
    if "signal" in status:
        return {"how": "signal", "signal": status["signal"], "sender": None}
    if exited is not None:
        return {"how": "exit", **status}
    return {"how": "unknown", **status}


def analyze(log: Path, doctor_pid: int, root: Path | None = None) -> Analysis:
    """Read the log at ``log`` and judge every process in it.

    Args:
        log: The event log.
        doctor_pid: The pid of the doctor, whose own events (its kills) are in the log.
        root: Call sites in causes are shown relative to this folder (default: the
            current directory).
    """
    _ROOT.append(root if root is not None else Path.cwd())
    try:
        return _analyze(log, doctor_pid)
    finally:
        _ROOT.pop()


def _analyze(log: Path, doctor_pid: int) -> Analysis:
    events, damaged = read_events(log)
    builder = _Builder(events, doctor_pid)
    builder.build()
    builder.classify_starts()
    _check_saves(builder)
    for process in builder.processes:
        process.end = _end(builder, process)
    processes = [p for p in builder.processes if not p.replaced]
    union: dict[str, set[int]] | None = None
    for process in processes:
        _judge(builder, process)
    for process in processes:
        mains = [e for e in process.events if e["e"] == "mp_main" and e.get("lines")]
        if process.lost or not mains:
            continue
        if union is None:
            union = _measured_lines(builder)
        parent_files = _measured_lines(builder, process.parent) if process.parent else {}
        for event in mains:
            path = os.path.realpath(str(event["file"]))
            if path not in parent_files:
                # The parent, which ran the script as __main__, did not measure it (--include,
                # source): the module-level lines were never wanted; nothing to compare.
                continue
            missing = sorted(set(event["lines"]) - union.get(path, set()))
            if missing:
                process.partial.append("mp_main")
                process.cause = _mp_main_cause(process, path, missing)
    for process in processes:
        if process.lost or process.partial or not process.measured:
            continue
        sent = [e for e in process.events if e["e"] == "by_value"]
        if sent:
            code = sent[0]["code"]
            process.partial.append("by-value")
            process.cause = Cause(
                "MPC109",
                f"sent {code[2]}() to worker processes by value, which {sent[0]['module']} "
                "rebuilds with the file name <dynamic-code>; coverage.py measures no such code",
                site=_site_text(code),
                moment="",
                scope_key=f"by-value:{_site_text(code)}",
            )
    unobserved = builder.unobserved()
    for item in unobserved:
        owner, event = builder.popen.get(item.pid, (None, {}))
        env = event.get("env") or {}
        carried = {"COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START"} & set(
            env.get("coverage", [])
        )
        if owner is None or not env.get("given") or carried or not owner.measured:
            continue
        if "subprocess" not in [str(p) for p in owner.settings().get("patch") or []]:
            continue
        # Not observed, and not measured either: its env= dropped coverage.py's variables too.
        child = Process(
            index=len(processes),
            pid=item.pid,
            ppid=owner.pid,
            fresh=True,
            start_event={
                "pid": item.pid,
                "ppid": owner.pid,
                "argv": item.argv,
                "t": event.get("t", 0),
            },
            parent=owner,
            how="subprocess",
            site=event.get("site"),
            role="unobserved: its env= dropped the doctor's variables",
            lost=True,
            end={"how": "unknown"},
        )
        child.cause = Cause(
            _known("MPC212", "MPC203"),
            f"Python child started at {item.site or '?'} with an env= that drops coverage.py's "
            "COVERAGE_* variables was never measured",
            site=item.site,
            scope_key=f"env:{item.site}",
        )
        owner.children.append(child)
        processes.append(child)
    return Analysis(processes, unobserved, damaged, builder.pools)


def _mp_main_cause(process: Process, path: str, missing: list[int]) -> Cause:
    """Lines of the main script that ran as ``__mp_main__`` and that no data file holds."""
    lines = f"{len(missing)} line(s) of {Path(path).name}"
    if not process.helper:
        return Cause(
            "MPC207",
            f"{lines} that ran while the child re-imported it as __mp_main__ were not recorded",
            site=f"{path}:{missing[0]}",
            moment="__mp_main__",
            scope_key=f"main:{path}",
        )
    # Only a fork server that preloads __main__ gets here: CPython 3.13.8+ and 3.14.1+
    # (gh-126631) pass the script to forkserver.main, which imports it as __mp_main__, and
    # its children then skip the import. It saves, if measured, only when it exits, after
    # every process that uses it.
    python = process.start_event.get("python") or "?"
    if process.measured:
        fix = (
            "let the fork server exit before the data is combined (it exits after the last "
            "process that uses it, and saves then), or move the work into the child's "
            "target function"
        )
    else:
        fix = (
            "move the work into the child's target function, or measure the fork server "
            'with `patch = ["subprocess"]`, which starts coverage.py in it; it saves when '
            "it exits"
        )
    return Cause(
        "MPC207",
        f"{lines} that ran while the fork server (Python {python}) preloaded it as "
        "__mp_main__ were not recorded",
        site=f"{path}:{missing[0]}",
        moment="__mp_main__",
        scope_key=f"main-preload:{path}",
        fix=fix,
    )


def _measured_lines(builder: _Builder, only: Process | None = None) -> dict[str, set[int]]:
    """The union of the lines in every readable data file left after the run.

    With ``only``, the lines of that process's own data files.
    """
    import coverage
    from coverage.exceptions import CoverageException

    paths: set[str] = set()
    for process in builder.processes if only is None else [only]:
        for data_file in process.data_files:
            if data_file.state == "ok":
                paths.add(data_file.path)
    if only is None:
        for combine in builder.combines:
            if combine.get("file"):
                paths.add(str(combine["file"]))
        for process in builder.processes:
            for instance in process.instances.values():
                if instance.settings.get("data_file"):
                    paths.add(str(instance.settings["data_file"]))
    out: dict[str, set[int]] = {}
    for path in sorted(paths):
        if not Path(path).is_file():
            continue
        try:
            data = coverage.CoverageData(basename=path)
            data.read()
            for measured in data.measured_files():
                out.setdefault(os.path.realpath(measured), set()).update(data.lines(measured) or ())
        except (CoverageException, OSError):
            continue
    return out


def _in_coverage_scope(process: Process) -> bool:
    node = process.parent
    while node is not None:
        if node.measured:
            return True
        node = node.parent
    return False


def _judge(builder: _Builder, process: Process) -> None:
    """Decide whether ``process`` lost data, and why."""
    if process.helper:
        return
    refused = _coverage_refused(process)
    if refused is not None:
        process.lost = True
        process.cause = refused
        return
    settings = process.settings()
    concurrency = [str(c) for c in settings.get("concurrency") or []]
    patch = [str(p) for p in settings.get("patch") or []]
    end = process.end
    if not process.measured:
        if not _in_coverage_scope(process):
            return
        if not _would_measure(process, concurrency, patch):
            marker = process.first("exit") or process.first("_exit")
            user_files = marker.get("user_files") if marker else None
            worker = process.method is not None or process.library is not None
            if not worker and isinstance(user_files, list) and user_files and not user_files[0]:
                return  # it ran none of the user's code: nothing to measure
            process.lost = True
            process.cause = _unmeasured_cause(process, concurrency, patch)
            return
        if end["how"] == "signal":
            if _idle(builder, process, concurrency):
                process.role = "stopped before it started work: nothing to lose"
                return
            process.lost = True
            process.cause = _signal_cause(builder, process, end, settings)
            return
        process.lost = True
        process.cause = _unmeasured_cause(process, concurrency, patch)
        return
    fates = [d.state for d in process.data_files]
    if any(state in _SAVE_OK for state in fates):
        mismatch = _branch_mismatch(builder, process)
        if mismatch is not None:
            process.lost = True
            process.cause = mismatch
            return
        _check_untraced(process)
        if process.cause is None:
            _check_threads(process)
        if process.cause is None:
            _check_daemons(process)
        return
    if end["how"] == "signal" and _idle(builder, process, concurrency):
        process.role = "idle when it was stopped: it had measured nothing"
        return
    process.lost = True
    late = next((d for d in process.data_files if d.state == "late"), None)
    erased = next((d for d in process.data_files if d.state == "erased"), None)
    if late is not None:
        process.cause = Cause(
            "MPC209" if process.library == "loky" else "late-save",
            "saved its data after the data files were combined: it outlived the run that reported",
            moment="late",
            scope_key=f"late:{process.library}",
        )
    elif erased is not None:
        process.cause = Cause(
            _known("MPC211", "MPC204") if "_exit" not in patch and _forks(builder) else "MPC204",
            f"saved {Path(erased.path).name}, which another process then erased by writing "
            "the same file (no `parallel`)",
            moment="erased",
            scope_key=f"erased:{erased.path}",
        )
    elif end["how"] == "signal" or (
        end["how"] in ("_exit", "exit") and _was_signalled(builder, process)
    ):
        left_by = end["how"]
        if left_by != "signal":
            # A SIGTERM handler (sigterm = true) caught the signal, then the process left.
            end = {**end, **_end_by_kill(builder, process)}
        process.cause = _signal_cause(builder, process, end, settings)
        if left_by == "_exit" and "_exit" not in patch:
            # The program's own handler left through os._exit(), which skips coverage.py's
            # save: patch = ["_exit"] saves there; sigterm = true would not (its handler
            # is replaced by the program's).
            exit_site = _site_text(end["event"].get("site")) if end.get("event") else None
            process.cause = replace(
                process.cause,
                code="MPC201",
                what=f"{process.cause.what}; its SIGTERM handler then called os._exit() at "
                f"{exit_site or '?'}, which skips coverage.py's save",
            )
    elif end["how"] == "_exit":
        process.cause = _exit_cause(process, end, concurrency, patch)
    elif end["how"] == "exec":
        event = end["event"]
        process.cause = Cause(
            "MPC202",
            "was replaced by os.exec*() before coverage.py saved",
            site=_site_text(event.get("site")),
            scope_key=f"exec:{_site_text(event.get('site'))}",
        )
    elif any(d.state in ("empty", "unreadable", "half-written") for d in process.data_files):
        bad = next(d for d in process.data_files if d.state != "missing")
        process.cause = Cause(
            "unreadable",
            f"left a data file coverage.py cannot read ({bad.detail or bad.state})",
            scope_key="unreadable",
        )
    elif end["how"] == "exit":
        process.cause = Cause(
            "not-saved",
            "was measured and ended normally, but coverage.py never saved its data (the "
            "program failed before its coverage tool saved, another Coverage object turned "
            "auto-save off, or it was off)",
            scope_key="not-saved",
        )
    else:
        process.cause = Cause(
            "vanished",
            "ended without a trace before saving: killed from outside the observed "
            "processes (SIGKILL, the out-of-memory killer, a CI timeout) or crashed",
            scope_key="vanished",
        )


_RUN_OPTIONS = ("--branch", "--concurrency", "--source", "--include", "--omit", "--parallel-mode")


def _coverage_refused(process: Process) -> Cause | None:
    """A ``coverage run`` that never started measuring: coverage.py refused its settings."""
    argv = process.argv
    if process.measured or not process.fresh or "run" not in argv or not process.first("exit"):
        return None
    at = argv.index("run")
    if at == 0 or not (
        argv[at - 1] == "coverage" or argv[at - 1].endswith(("/coverage", "\\coverage"))
    ):
        return None
    options = [a.split("=")[0] for a in argv[at + 1 :] if a.startswith("--")]
    given = [o for o in options if o in _RUN_OPTIONS]
    return Cause(
        _known("MPC213", "not-started") if given else "not-started",
        "`coverage run` never started measuring: coverage.py refused its settings"
        + (f" ({', '.join(given)} on the command line)" if given else ""),
        scope_key="refused",
    )


def _branch_mismatch(builder: _Builder, process: Process) -> Cause | None:
    """A process measuring with another ``branch`` setting than the run's first measurement."""
    first = next((p for p in builder.processes if p.measured and not p.replaced), None)
    if first is None or first is process:
        return None
    mine = [i for i in process.instances.values() if not i.inherited]
    theirs = list(first.instances.values())
    if not mine or not theirs:
        return None
    wanted = bool(theirs[0].settings.get("branch"))
    have = bool(mine[-1].settings.get("branch"))
    if wanted == have:
        return None
    return Cause(
        _known("MPC213", "mismatch"),
        f"measured with branch = {have} while pid {first.pid} measured with branch = {wanted}: "
        "coverage.py cannot combine the two (an option given on the command line reaches "
        "the parent, not its children)",
        scope_key="branch",
    )


def _would_measure(process: Process, concurrency: list[str], patch: list[str]) -> bool:
    """Whether the settings above ``process`` start coverage.py in a process like it."""
    if process.library == "loky":
        # loky starts each worker as a new interpreter (fork then exec), which inherits
        # the COVERAGE_PROCESS_CONFIG that patch = subprocess sets.
        return "subprocess" in patch
    if process.library in ("billiard", "multiprocess"):
        return False
    if process.method is not None:
        return "multiprocessing" in concurrency or (
            "subprocess" in patch and process.method == "spawn"
        )
    return "subprocess" in patch


def _pending_jobs(builder: _Builder, process: Process) -> int | None:
    kills = builder.kills.get(process.pid, [])
    return next(
        (int(k["pending_jobs"]) for _, k in kills if k.get("pending_jobs") is not None), None
    )


def _forks(builder: _Builder) -> bool:
    """Whether the run has a raw os.fork() child (not a multiprocessing worker)."""
    return any(not p.fresh and p.method is None and not p.replaced for p in builder.processes)


def _idle(builder: _Builder, process: Process, concurrency: list[str]) -> bool:
    """Stopped with nothing measured and nothing dropped: an idle pool worker lost nothing.

    That is a worker whose save began with nothing in memory, or a pool worker
    stopped before multiprocessing's bootstrap started coverage.py in it (so before
    it ran any task), while the pool had no unfinished job whose tasks were dropped.
    """
    saves = [e for i in process.instances.values() for e in i.saves_started]
    if saves:
        return all(e.get("pending") == 0 for e in saves)
    own = [i for i in process.instances.values() if not i.inherited]
    if own or process.method is None or "multiprocessing" not in concurrency:
        return False
    if process.pool is not None:
        return not _pending_jobs(builder, process)
    # A worker that a pool library (mpire, concurrent.futures) started and stopped before
    # multiprocessing's bootstrap began ran none of the user's tasks.
    return any(
        not tag.startswith(
            ("multiprocessing/process.py", "multiprocessing/context.py", "multiprocessing/popen")
        )
        for tag in process.start_tags
    )


def _kills(builder: _Builder, process: Process) -> list[tuple[Process | None, dict[str, Any]]]:
    started = float(process.start_event.get("t", 0.0))
    return [k for k in builder.kills.get(process.pid, []) if float(k[1]["t"]) >= started]


def _was_signalled(builder: _Builder, process: Process) -> bool:
    return any(
        int(k[1].get("sig", 0)) in (signal.SIGTERM, signal.SIGINT) for k in _kills(builder, process)
    )


def _end_by_kill(builder: _Builder, process: Process) -> dict[str, Any]:
    owner, kill = _kills(builder, process)[0]
    return {"signal": int(kill.get("sig", 0)), "sender": owner.pid if owner else None, "kill": kill}


def _check_untraced(process: Process) -> None:
    """The user's files that this process's coverage.py counted as third-party code."""
    saves = [e for i in process.instances.values() for e in i.saves_ended]
    untraced = [entry for e in saves for entry in e.get("untraced") or []]
    if not untraced:
        return
    path, reason, main = next((u for u in untraced if u[2]), untraced[0])
    if main:
        process.lost = True
    else:
        process.partial.append("untraced")
    process.cause = Cause(
        "third-party",
        f"ran {path}, which coverage.py did not measure: it {reason} (a folder above it "
        "holds a virtualenv's pyvenv.cfg, or it is on a site-packages path)",
        site=None,
        noun="processes",
        scope_key=f"third-party:{path}",
    )


def _check_threads(process: Process) -> None:
    """Flag threads running the user's code that the process's coverage.py could not see."""
    for event in process.events:
        if event["e"] != "thread" or not event.get("cov") or not event["cov"].get("started"):
            continue
        instance = process.instances.get(int(event["cov"]["id"]))
        settings = instance.settings if instance is not None else process.settings()
        concurrency = [str(c) for c in settings.get("concurrency") or []]
        core = str(settings.get("core", ""))
        if concurrency and "thread" not in concurrency and "SysMon" not in core:
            target = event.get("target") or []
            process.partial.append("threads")
            process.cause = Cause(
                "MPC208",
                f"ran {target[2] if len(target) > 2 else 'code'}() in a thread that coverage.py "
                f"did not trace (concurrency = {concurrency}, core {core or '?'})",
                site=_site_text(event.get("site")),
                moment="thread",
                noun="processes",
                scope_key=f"thread:{_site_text(event.get('site'))}",
            )
            return


def _check_daemons(process: Process) -> None:
    """A daemon thread of the user's still running at the last save: what it ran after is lost."""
    saves = [e for i in process.instances.values() for e in i.saves_started]
    if not saves or not saves[-1].get("daemons"):
        return
    target = saves[-1]["daemons"][0]
    process.partial.append("threads")
    process.cause = Cause(
        _known("MPC108", "MPC208"),
        f"was still running {target[2]}() in a daemon thread when coverage.py saved; what "
        "the thread ran afterwards is not recorded",
        site=_site_text(target),
        moment="thread",
        scope_key=f"daemon-thread:{_site_text(target)}",
    )


def _unmeasured_cause(process: Process, concurrency: list[str], patch: list[str]) -> Cause:
    site = _site_text(process.site)
    if process.library in ("billiard", "multiprocess", "loky"):
        return Cause(
            "MPC209",
            f"{process.library} worker started at {site or '?'} was never measured",
            site=site,
            noun="worker processes",
            scope_key=f"lib:{process.library}:{site}",
        )
    if process.method in ("spawn", "forkserver", "fork"):
        if "multiprocessing" not in concurrency and "subprocess" not in patch:
            return Cause(
                "MPC210",
                f"multiprocessing child ({process.method}) started at {site or '?'} was "
                "never measured: no setting reaches multiprocessing children",
                site=site,
                noun="child processes",
                scope_key=f"mp:{site}",
            )
        return Cause(
            "not-started",
            f"multiprocessing child ({process.method}) started at {site or '?'}: coverage.py "
            "did not start in it",
            site=site,
            scope_key=f"mp:{site}",
        )
    env = process.start_event.get("env") or {}
    carried = {"COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START"} & set(env.get("coverage", []))
    startup = env.get("startup")
    if carried and isinstance(startup, dict):
        return _no_startup_cause(process, startup, site)
    if "subprocess" in patch and not carried:
        return Cause(
            _known("MPC212", "MPC203"),
            f"Python child started at {site or '?'} was never measured: its environment "
            "dropped coverage.py's COVERAGE_* variables (env=...)",
            site=site,
            scope_key=f"sub:{site}",
        )
    how = "exec" if process.how == "exec" else "a subprocess"
    return Cause(
        "MPC203",
        f"Python program started as {how} at {site or '?'} was never measured",
        site=site,
        scope_key=f"sub:{site}",
    )


def _no_startup_cause(process: Process, startup: dict[str, Any], site: str | None) -> Cause:
    """A Python child that had coverage.py's start-up variable, yet coverage.py never started."""
    what = f"Python program started at {site or '?'} had coverage.py's start-up variable"
    if not startup.get("importable"):
        executable = process.start_event.get("executable") or "its Python"
        return Cause(
            "not-started",
            f"{what}, but its interpreter ({executable}) cannot import coverage.py",
            site=site,
            scope_key=f"nocov:{executable}",
            fix="install coverage.py in the environment that runs the child, or start it "
            "with the measured interpreter (sys.executable)",
        )
    version = next(
        (
            i.version
            for node in _ancestors_of(process)
            for i in node.instances.values()
            if i.version
        ),
        None,
    )
    what += ", but no coverage.py start-up file (.pth) was in its site-packages"
    fix = (
        "reinstall coverage.py there: 7.13 and newer install the start-up file with the "
        "package, older releases write it at run time (which fails where site-packages is "
        "read-only)"
    )
    if version and not _older(version, (7, 10)) and _older(version, (7, 10, 2)):
        # 7.10.0 and 7.10.1 apply the patch again in each child: each rewrites the one
        # shared subcover.pth and deletes it at exit (coverage/control.py, patch.py).
        what += (
            f": coverage.py {version} lets each measured child delete the shared "
            "subcover.pth when it exits, so children started after that are not measured"
        )
        fix = "upgrade coverage.py to 7.10.2 or newer"
    return Cause("not-started", what, site=site, scope_key=f"nopth:{site}", fix=fix)


def _ancestors_of(process: Process) -> Iterator[Process]:
    node = process.parent
    while node is not None:
        yield node
        node = node.parent


def _known(code: str, fallback: str) -> str:
    """``code`` if ``mpcov check`` has that rule, else ``fallback`` (rules are added over time)."""
    from mpcov.check import RULES

    return code if code in RULES else fallback


def _exit_cause(
    process: Process, end: dict[str, Any], concurrency: list[str], patch: list[str]
) -> Cause:
    event = end["event"]
    exit_site = _site_text(event.get("site"))
    site = _site_text(process.site)
    tags = " ".join(event.get("tags", []))
    if process.library in ("billiard", "multiprocess", "loky"):
        return Cause(
            "MPC209",
            f"{process.library} worker started at {site or '?'} ended with os._exit() before "
            "coverage.py saved",
            site=site,
            noun="worker processes",
            scope_key=f"lib:{process.library}:{site}",
        )
    if process.method in ("fork", "forkserver") or "popen_fork.py" in tags:
        if "multiprocessing" not in concurrency and "subprocess" not in patch:
            code = "MPC210"
        elif "subprocess" in patch and "_exit" not in patch:
            code = "MPC206"
        else:
            code = "MPC201"
        return Cause(
            code,
            f"multiprocessing child ({process.method}) started at {site or '?'} ended with "
            "os._exit() before coverage.py saved",
            site=site,
            noun="child processes",
            scope_key=f"mpexit:{site}",
        )
    version = next((i.version for i in process.instances.values() if i.version), None)
    code = "MPC205" if "fork" in patch and version and _older(version, (7, 17, 3)) else "MPC201"
    what = {
        "spawn": "multiprocessing child (spawn)",
        None: "forked child" if process.how == "fork" else "process",
    }.get(process.method, f"multiprocessing child ({process.method})")
    return Cause(
        code,
        f"{what} ended with os._exit() at {exit_site or '?'} before coverage.py saved",
        site=exit_site,
        scope_key=f"exit:{exit_site}",
    )


def _older(version: str, than: tuple[int, ...]) -> bool:
    numbers = tuple(int(n) for n in re.findall(r"\d+", version)[:3])
    return numbers < than


#: Signals a process gets from its own fault, when nobody observed sent them.
_CRASH_SIGNALS = frozenset(
    int(getattr(signal, name))
    for name in ("SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGABRT")
    if hasattr(signal, name)
)


def _signal_cause(
    builder: _Builder, process: Process, end: dict[str, Any], settings: dict[str, Any]
) -> Cause:
    sig = _signal_name(int(end.get("signal") or 0))
    moment = _moment(process)
    kill = end.get("kill") or {}
    if kill.get("e") == "doctor_kill":
        if kill.get("reason") == "outlived":
            return Cause(
                "outlived",
                f"was still running --grace seconds after the command ended, and the doctor "
                f"stopped it ({sig})",
                moment=moment,
                scope_key="outlived",
            )
        return Cause(
            "timeout",
            f"was killed ({sig}) by the doctor's --timeout",
            moment=moment,
            scope_key="timeout",
        )
    if not kill and end.get("signal") in _CRASH_SIGNALS:
        return Cause(
            "crash",
            f"crashed ({sig}): coverage.py's save at exit never ran",
            moment=moment,
            scope_key=f"crash:{sig}",
        )
    if not kill:
        return Cause(
            "outside",
            f"was killed by {sig} from outside the observed processes",
            moment=moment,
            scope_key=f"outside:{sig}",
        )
    tags = list(kill.get("tags", []))
    joined = " ".join(tags)
    site = kill.get("site")
    pool = builder.pools.get(process.pool) if process.pool is not None else None
    pool_site = _site_text(pool.get("site")) if pool else None
    where = f"Pool at {pool_site}" if pool_site else "a Pool"
    pool_frames = re.findall(r"(?:multiprocessing|multiprocess|billiard)/pool\.py:(\w+)", joined)
    if "__exit__" in pool_frames and site:
        exit_site = _site_text(with_line(site))
        at = "" if exit_site == pool_site else f" (the `with` at {exit_site})"
        return Cause(
            "MPC101",
            f"{where} was ended by Pool.__exit__ -> terminate(){at}",
            site=exit_site,
            moment=moment,
            noun="worker processes",
            scope_key=f"pool:{process.pool}",
        )
    if "terminate" in pool_frames:
        return Cause(
            "MPC102",
            f"{where} was ended by pool.terminate() at {_site_text(site) or '?'}",
            site=_site_text(site),
            moment=moment,
            noun="worker processes",
            scope_key=f"pool:{process.pool}",
        )
    if "_terminate_pool" in pool_frames:
        if "util.py:_exit_function" in joined or "util.py:_run_finalizers" in joined:
            how = "the interpreter's exit-time finalizer (the pool was never closed)"
        else:
            how = f"its finalizer when it was garbage-collected at {_site_text(site) or '?'}"
        return Cause(
            "MPC106",
            f"{where} was ended by {how}",
            site=pool_site,
            moment=moment,
            noun="worker processes",
            scope_key=f"pool:{process.pool}",
        )
    start_site = _site_text(process.site)
    if "util.py:_exit_function" in joined:
        return Cause(
            "MPC105",
            f"daemon process started at {start_site or '?'} was terminated at interpreter "
            "exit (multiprocessing's exit function)",
            site=start_site,
            moment=moment,
            scope_key=f"daemon:{start_site}",
        )
    if "process.py:kill" in joined:
        return Cause(
            "MPC104",
            f"process started at {start_site or '?'} was killed by Process.kill() at "
            f"{_site_text(site) or '?'}",
            site=_site_text(site),
            moment=moment,
            scope_key=f"kill:{_site_text(site)}",
        )
    if "process.py:terminate" in joined:
        return Cause(
            "MPC103",
            f"process started at {start_site or '?'} was ended by Process.terminate() at "
            f"{_site_text(site) or '?'}",
            site=_site_text(site),
            moment=moment,
            scope_key=f"terminate:{_site_text(site)}",
        )
    library = next(
        (name for tag in tags for name in ("billiard", "loky", "mpire") if name in tag), None
    )
    if library is not None:
        return Cause(
            "MPC209" if library in ("billiard", "loky") else "library",
            f"was ended by {library} ({sig}) from {_site_text(site) or _site_text(kill.get('lib')) or '?'}",
            site=_site_text(site),
            moment=moment,
            scope_key=f"lib:{library}:{_site_text(site)}",
        )
    if "subprocess.py:" in joined:
        function = next(t.rpartition(":")[2] for t in tags if "subprocess.py:" in t)
        timeout = any(t.endswith((":_wait", ":wait", ":communicate", ":run")) for t in tags) and (
            "subprocess.py:kill" in joined
        )
        what = "a subprocess timeout" if timeout else f"Popen.{function}()"
        return Cause(
            "timeout" if timeout else "signal",
            f"was ended by {what} ({sig}) at {_site_text(site) or '?'}",
            site=_site_text(site),
            moment=moment,
            scope_key=f"popen:{_site_text(site)}",
        )
    call = kill.get("call", "kill")
    number = int(end.get("signal") or 0)
    # os.kill(pid, SIGTERM) is what Process.terminate() does (MPC103), and SIGKILL what
    # Process.kill() does (MPC104): the same rules, reached without multiprocessing.
    code = "signal"
    if call == "kill" and number == int(signal.SIGKILL):
        code = "MPC104"
    elif call == "kill" and number == int(signal.SIGTERM) and not settings.get("sigterm"):
        code = "MPC103"
    return Cause(
        code,
        f"was ended by os.{call}({sig}) at {_site_text(site) or '?'}",
        site=_site_text(site),
        moment=moment,
        scope_key=f"kill:{_site_text(site)}",
    )


def _moment(process: Process) -> str:
    """What the process was doing when it was killed."""
    if any(i.saves_started for i in process.instances.values()):
        return "saving"
    if any(not i.inherited for i in process.instances.values()):
        return "busy"
    concurrency = process.settings().get("concurrency") or []
    if process.instances and "multiprocessing" not in concurrency:
        return "busy"  # the inherited measurement was the one that would have saved
    return "before coverage started"


def walk(processes: Iterable[Process]) -> Iterator[tuple[int, Process]]:
    """Every process with its depth in the tree, parents before children."""
    roots = [p for p in processes if p.parent is None or p.parent.replaced]

    def visit(process: Process, depth: int) -> Iterator[tuple[int, Process]]:
        yield depth, process
        for child in process.children:
            yield from visit(child, depth + 1)

    for root in roots:
        yield from visit(root, 0)
