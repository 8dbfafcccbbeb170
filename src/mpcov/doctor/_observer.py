"""The observer ``mpcov doctor`` injects into every Python process a command starts.

The doctor puts this file's code, compiled under the file name
``<mpcov doctor observer>`` (which coverage.py never measures), next to a
``sitecustomize.py`` in a private folder that it puts first on ``PYTHONPATH``.
Each Python process that inherits that environment runs it at start-up as the
module ``_mpcov_doctor_observer`` and calls :func:`install`, which only *records*: it wraps a few functions so that
each call appends one JSON line to the doctor's event log and then does exactly
what it did before. Nothing here may import ``mpcov`` (the child's environment
need not have it) or change what the program does: every hook calls the
original first or last, swallows its own errors, and writes one line with one
``os.write`` on a file opened with ``O_APPEND``, so that a process killed at any
moment loses at most the event it was writing.

What is hooked, and why each is enough:

* start-up itself (a ``start`` event) and ``os.register_at_fork`` (``fork``):
  every fresh interpreter and every ``os.fork()`` child, with its call site;
* ``os._exit``, ``os.execv``/``os.execve`` (every ``exec*``/``spawn*`` goes
  through them), ``atexit``: how a process ends;
* ``os.kill``/``os.killpg``: who sends which signal to whom (``Pool.terminate``,
  ``Process.terminate``, the exit-time finalizer all end in ``os.kill``); the
  signal is sent first and recorded afterwards, so the hook cannot delay it;
* ``os.waitpid``/``os.wait``: how a child ended, as its parent saw it;
* ``subprocess.Popen``, ``os.system``, ``os.posix_spawn*``: where children came
  from, and whether their environment still carries the doctor's variables;
* ``BaseProcess.start`` and ``Pool.__init__`` of multiprocessing, multiprocess
  and billiard: start method, pool and call site of every worker;
* ``multiprocessing.spawn._fixup_main_from_*``: which lines of the main script a
  spawn or forkserver child runs while re-importing it as ``__mp_main__``, or the fork
  server while preloading it (CPython 3.13.8+ and 3.14.1+, whose forkserver children
  then import nothing);
* ``threading.Thread.start``: threads that run the user's own code;
* coverage.py's ``Coverage.start``, ``Coverage.save`` and the combine step: where
  coverage was measuring, with which settings, and which data files it wrote.

Modules that are not imported yet are patched right after their import, by a
finder on ``sys.meta_path`` that only watches the names above.
"""

# os.path, not pathlib: this runs at the start of every process, and importing pathlib
# costs milliseconds there. Broad excepts: the observer must never raise into the program.
# ruff: noqa: PTH100, PTH109, PTH118, PTH119, PTH120, PTH208, BLE001, S110, SIM105

from __future__ import annotations

import atexit
import os
import sys
import time

# Not `typing.TYPE_CHECKING`: importing typing would cost every process milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType, ModuleType
    from typing import Any, Callable

#: The file name the observer's code runs under. coverage.py never measures code whose
#: file name starts with "<" (coverage/inorout.py, should_trace, 6.5 to 7.17): with a
#: real path, the observer's lines would end up in the user's data. The start-up hook
#: (_sitecustomize.py) spells it too.
OBSERVER_FILENAME = "<mpcov doctor observer>"
#: Environment variables: the event log, and the doctor's own pid.
LOG_VARIABLE = "MPCOV_DOCTOR_LOG"
DOCTOR_PID_VARIABLE = "MPCOV_DOCTOR_PID"

_LOG: str | None = None
#: The doctor's private folder, set by its sitecustomize (this module has no __file__
#: there); the package's own folder when mpcov imports this module.
_HERE = os.path.abspath(globals().get("_SITE") or os.path.dirname(os.path.abspath(__file__)))
_LINUX = sys.platform.startswith("linux")
_STATE: dict[str, Any] = {"measured": False, "exiting": False, "hook_measured": False}
_PACKAGES = ("multiprocessing", "multiprocess", "billiard")
#: Modules whose functions tell how a process was started or ended, for stack tags.
_TAGGED = (
    "multiprocessing",
    "multiprocess",
    "billiard",
    "loky",
    "concurrent",
    "subprocess.py",
    "mpire",
    "coverage",
    "pytest_cov",
    "xdist",
    "execnet",
)
_ESCAPES = {i: f"\\u{i:04x}" for i in range(32)}
_ESCAPES.update({ord("\\"): "\\\\", ord('"'): '\\"'})
_STDLIB: tuple[str, ...] = ()
_KIND_CACHE: dict[str, str] = {}


def _json(value: Any) -> str:
    """Encode ``value`` as JSON (str, int, float, bool, None, list, tuple, dict).

    The standard ``json`` module costs a millisecond to import in every process;
    this does the little the events need.
    """
    if isinstance(value, str):
        return '"' + value.translate(_ESCAPES) + '"'
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ",".join(_json(str(k)) + ":" + _json(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ",".join(_json(v) for v in value) + "]"
    return _json(repr(value))


def emit(kind: str, **fields: Any) -> None:
    """Append one event to the log: one line, one ``os.write`` with ``O_APPEND``."""
    if _LOG is None:
        return
    fields["e"] = kind
    fields["pid"] = os.getpid()
    fields["t"] = time.monotonic()
    line = (_json(fields) + "\n").encode("utf-8", "replace")
    try:
        # Opened for each event: a program that closes or reuses file descriptors
        # (daemons do) can then never receive our lines in one of its own files.
        fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return
    try:
        os.write(fd, line)
    except OSError:
        pass
    finally:
        os.close(fd)


def _file_kind(filename: str) -> str:
    """``user``, ``lib`` (stdlib or installed package), ``self`` (this observer) or ``none``."""
    kind = _KIND_CACHE.get(filename)
    if kind is not None:
        return kind
    if not filename or filename.startswith("<"):
        kind = "none"
    else:
        path = os.path.abspath(filename)
        if path.startswith(_HERE + os.sep):
            kind = "self"
        elif (
            any(path.startswith(prefix) for prefix in _STDLIB)
            or f"{os.sep}site-packages{os.sep}" in path
            or f"{os.sep}dist-packages{os.sep}" in path
        ):
            kind = "lib"
        else:
            kind = "user"
    _KIND_CACHE[filename] = kind
    return kind


def _tag(filename: str, function: str) -> str | None:
    """A short ``package/module.py:function`` tag for frames of the modules in ``_TAGGED``."""
    parts = filename.replace("\\", "/").split("/")
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] in _TAGGED:
            return "/".join(parts[index:]) + ":" + function
    return None


def context(skip: int = 1) -> dict[str, Any]:
    """Where the current call comes from: the user's frame and the notable frames above it.

    ``site`` is ``[file, line, function]`` of the innermost frame in the user's
    own code (not the stdlib, an installed package or this observer); ``lib`` is
    the innermost frame outside the stdlib when there is no user frame; ``tags``
    name the multiprocessing, subprocess, coverage... functions on the way, inner first.
    """
    try:
        frame: FrameType | None = sys._getframe(skip + 1)
    except ValueError:
        return {}
    site: list[Any] | None = None
    lib: list[Any] | None = None
    tags: list[str] = []
    pending: int | None = None
    depth = 0
    while frame is not None and depth < 80:
        code = frame.f_code
        kind = _file_kind(code.co_filename)
        if kind == "user":
            if site is None:
                site = [code.co_filename, frame.f_lineno, code.co_name]
        elif kind == "lib" and site is None:
            tag = _tag(code.co_filename, code.co_name)
            if tag is not None and len(tags) < 24:
                tags.append(tag)
                if code.co_name == "_terminate_pool":
                    # Jobs not yet finished when the pool is torn down: their tasks are dropped.
                    cache = frame.f_locals.get("cache")
                    if cache is not None:
                        pending = len(cache)
            if lib is None and "site-packages" in code.co_filename:
                lib = [code.co_filename, frame.f_lineno, code.co_name]
        frame = frame.f_back
        depth += 1
    out: dict[str, Any] = {"tags": tags}
    if pending is not None:
        out["pending_jobs"] = pending
    if site is not None:
        out["site"] = site
    if lib is not None:
        out["lib"] = lib
    return out


def _coverage_state() -> dict[str, Any] | None:
    """The running coverage.py instance of this process, if any: its id and whether it runs."""
    control = sys.modules.get("coverage.control")
    if control is None:
        return None
    try:
        cov = control.Coverage.current()
    except Exception:
        return None
    if cov is None:
        return None
    return {"id": id(cov), "started": bool(getattr(cov, "_started", False))}


def _settings(cov: Any) -> dict[str, Any]:
    """The settings of a coverage.py instance that matter for child processes."""
    config = cov.config
    out: dict[str, Any] = {}
    for name in ("parallel", "concurrency", "patch", "sigterm", "branch", "source"):
        value = getattr(config, name, None)
        if value is not None:
            out[name] = list(value) if isinstance(value, (list, tuple)) else value
    try:
        out["data_file"] = os.path.abspath(config.data_file)
        out["config_file"] = config.config_file
    except Exception:
        pass
    try:
        out["core"] = cov._collector.tracer_name()
    except Exception:
        pass
    return out


def _pending_lines(cov: Any) -> int | None:
    """How many lines (or arcs) coverage.py holds in memory, not yet written."""
    try:
        return sum(len(v) for v in cov._collector.data.values())
    except Exception:
        return None


def _data_file(cov: Any) -> str | None:
    try:
        name = cov._data.data_filename()
    except Exception:
        return None
    return os.path.abspath(name) if isinstance(name, str) else None


def _wrap(owner: Any, name: str, make: Callable[[Any], Any]) -> None:
    """Replace ``owner.name`` by ``make(original)``, once."""
    original = getattr(owner, name, None)
    if original is None or getattr(original, "_mpcov_doctor", False):
        return
    wrapper = make(original)
    wrapper._mpcov_doctor = True
    wrapper.__wrapped__ = original
    for attribute in ("__name__", "__qualname__", "__doc__", "__module__"):
        try:
            setattr(wrapper, attribute, getattr(original, attribute))
        except (AttributeError, TypeError):
            pass
    setattr(owner, name, wrapper)


def _bind(make: Callable[[Any, str], Any], name: str) -> Callable[[Any], Any]:
    """``make`` with its second argument fixed, for :func:`_wrap`."""
    return lambda original: make(original, name)


def _quiet(function: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    """Call a recording function; the observer's own errors must never reach the program."""
    try:
        function(*args, **kwargs)
    except Exception:
        pass


# -- os: fork, exit, exec, signals, waits, spawns ------------------------------------------


def _after_fork_in_child() -> None:
    def record() -> None:
        state = _coverage_state()
        # The child inherits a running coverage.py from its parent, if any.
        _STATE["measured"] = bool(state and state["started"])
        emit("fork", ppid=os.getppid(), cov=state, starttime=_starttime(), **context(2))

    _quiet(record)


def _patch_os() -> None:
    def make_exit(original: Any) -> Any:
        def _exit(status: int) -> Any:
            _quiet(
                lambda: emit(
                    "_exit",
                    status=status,
                    cov=_coverage_state(),
                    user_files=None if _STATE["measured"] else _user_files(),
                    **context(3),
                )
            )
            return original(status)

        return _exit

    _wrap(os, "_exit", make_exit)

    def make_exec(original: Any, name: str) -> Any:
        def execfunction(*args: Any, **kwargs: Any) -> Any:
            def record() -> None:
                argv = args[1] if len(args) > 1 else []
                env = args[2] if name == "execve" and len(args) > 2 else None
                emit(
                    "exec",
                    path=str(args[0]) if args else "",
                    argv=[str(a) for a in list(argv)[:20]],
                    env=_env_facts(env),
                    cov=_coverage_state(),
                    **context(3),
                )

            _quiet(record)
            return original(*args, **kwargs)

        return execfunction

    for name in ("execv", "execve"):
        _wrap(os, name, _bind(make_exec, name))

    def make_kill(original: Any, name: str) -> Any:
        def kill(pid: int, sig: int) -> Any:
            result = original(pid, sig)
            # Recorded after the signal left: the hook cannot delay it.
            if sig != 0:
                _quiet(lambda: emit("kill", call=name, target=pid, sig=int(sig), **context(3)))
            return result

        return kill

    for name in ("kill", "killpg"):
        _wrap(os, name, _bind(make_kill, name))

    def make_waitpid(original: Any) -> Any:
        def waitpid(pid: int, options: int) -> Any:
            result = original(pid, options)
            if result[0]:
                _quiet(lambda: emit("reaped", child=result[0], status=result[1]))
            return result

        return waitpid

    _wrap(os, "waitpid", make_waitpid)

    def make_wait(original: Any) -> Any:
        def wait() -> Any:
            result = original()
            _quiet(lambda: emit("reaped", child=result[0], status=result[1]))
            return result

        return wait

    _wrap(os, "wait", make_wait)

    def make_system(original: Any) -> Any:
        def system(command: Any) -> Any:
            _quiet(lambda: emit("system", command=str(command)[:500], phase="start", **context(3)))
            try:
                return original(command)
            finally:
                _quiet(lambda: emit("system", phase="end"))

        return system

    _wrap(os, "system", make_system)

    def make_posix_spawn(original: Any) -> Any:
        def posix_spawn(path: Any, argv: Any, env: Any, *args: Any, **kwargs: Any) -> Any:
            child = original(path, argv, env, *args, **kwargs)
            _quiet(
                lambda: emit(
                    "popen",
                    child=child,
                    argv=[str(a) for a in list(argv)[:20]],
                    env=_env_facts(env),
                    **context(3),
                )
            )
            return child

        return posix_spawn

    for name in ("posix_spawn", "posix_spawnp"):
        _wrap(os, name, make_posix_spawn)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)


def _env_facts(env: Any) -> dict[str, Any]:
    """Whether a child's environment still carries the doctor's and coverage's variables."""
    if env is None:
        return {"given": False}
    try:
        keys = {k.decode() if isinstance(k, bytes) else str(k) for k in env}
    except Exception:
        return {"given": True}
    try:
        path = env.get("PYTHONPATH", "")
        hook = isinstance(path, str) and _HERE in path.split(os.pathsep)
    except Exception:
        hook = False
    return {
        "given": True,
        "doctor": LOG_VARIABLE in keys,
        "hook": hook,
        "coverage": sorted(k for k in keys if k.startswith("COVERAGE_")),
    }


def _read(path: str) -> bytes:
    """A small file's bytes, through ``os`` calls.

    Not ``open()``: in a freshly forked child its first use costs about 0.1 ms more
    (measured), and the observer reads these files in every process.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        return os.read(fd, 65536)
    finally:
        os.close(fd)


def _starttime() -> int | None:
    """The kernel's start time of this process (Linux), to tell a reused pid apart."""
    if not _LINUX:
        return None
    try:
        return int(_read(f"/proc/{os.getpid()}/stat").rpartition(b")")[2].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _ancestors() -> list[list[Any]]:
    """``[pid, name]`` of up to six ancestors (Linux), up to the doctor."""
    chain: list[list[Any]] = []
    if not _LINUX:
        return chain
    stop = os.environ.get(DOCTOR_PID_VARIABLE, "")
    pid = os.getppid()
    for _ in range(6):
        if pid <= 1 or str(pid) == stop:
            break
        try:
            text = _read(f"/proc/{pid}/stat")
        except OSError:
            break
        name = text[text.find(b"(") + 1 : text.rfind(b")")].decode("utf-8", "replace")
        try:
            words = [w for w in _read(f"/proc/{pid}/cmdline").split(b"\0")[:2] if w]
            # "sh script.sh" says more than the kernel's 15-character name.
            name = " ".join(os.path.basename(w.decode("utf-8", "replace")) for w in words) or name
        except OSError:
            pass
        chain.append([pid, name])
        try:
            pid = int(text.rpartition(b")")[2].split()[1])
        except (ValueError, IndexError):
            break
    return chain


def _argv() -> list[str]:
    orig = getattr(sys, "orig_argv", None)
    if orig:
        return [str(a) for a in orig[:30]]
    if _LINUX:
        try:
            words = _read("/proc/self/cmdline").split(b"\0")[:30]
            return [a.decode("utf-8", "replace") for a in words if a]
        except OSError:
            pass
    return [sys.executable, *(str(a) for a in sys.argv[:30])]


def _main_file() -> str | None:
    """The file of this process's ``__main__``, if it has one."""
    main = sys.modules.get("__main__")
    # After a script has run, CPython deletes __main__.__file__: find the script another way.
    filename = getattr(main, "__file__", None)
    spec = getattr(main, "__spec__", None)
    if filename is None and spec is not None:
        filename = getattr(spec, "origin", None)
    script = sys.argv[0] if sys.argv else ""
    if filename is None and script not in ("", "-c", "-m") and not script.startswith("-"):
        filename = os.path.join(_STATE.get("cwd", ""), script)
    return filename if isinstance(filename, str) else None


def _user_paths() -> list[str]:
    """The user's own files among this process's modules, ``__main__`` first."""
    main = _main_file()
    files = [getattr(module, "__file__", None) for module in list(sys.modules.values())]
    seen: set[str] = set()
    out: list[str] = []
    for filename in [main, *files]:
        if isinstance(filename, str) and filename not in seen and _file_kind(filename) == "user":
            seen.add(filename)
            out.append(filename)
    return out


def _user_files() -> list[Any]:
    """How many of the user's own modules this process imported, and a few of their names."""
    paths = _user_paths()
    return [len(paths), paths[:3]]


def _untraced(cov: Any) -> list[list[Any]] | None:
    """The user's files here that coverage.py counted as third-party and did not measure.

    ``[file, reason, is __main__]`` each. Read from coverage.py's own cache of its
    decisions (file name to disposition, filled as code runs): it costs a scan of a
    dict, and it says what coverage.py decided when the code ran, not what it would
    decide now. Files left out by the user's own ``source``, ``include`` or ``omit``
    are a choice and not listed; a file of theirs below a virtualenv folder or on a
    site-packages path is measured by nobody, unnoticed.
    """
    cache = getattr(getattr(cov, "_collector", None), "should_trace_cache", None)
    if not isinstance(cache, dict):
        return None
    main = _main_file()
    main = os.path.abspath(main) if main else None
    out: list[list[Any]] = []
    for filename, disposition in list(cache.items()):
        if disposition is None or getattr(disposition, "trace", True):
            continue
        reason = str(getattr(disposition, "reason", "") or "")
        if "third-party" in reason and _file_kind(filename) == "user":
            path = os.path.abspath(filename)
            out.append([path, reason, path == main])
            if len(out) >= 50:
                break
    return out or None


def _at_exit() -> None:
    _STATE["exiting"] = True
    _quiet(lambda: emit("exit", user_files=None if _STATE["measured"] else _user_files()))


# -- subprocess, threading ------------------------------------------------------------------


def _patch_subprocess(module: ModuleType) -> None:
    def make_init(original: Any) -> Any:
        def __init__(self: Any, args: Any, *rest: Any, **kwargs: Any) -> None:
            original(self, args, *rest, **kwargs)

            def record() -> None:
                argv = [args] if isinstance(args, (str, bytes)) else list(args)
                emit(
                    "popen",
                    child=self.pid,
                    argv=[a.decode() if isinstance(a, bytes) else str(a) for a in argv[:20]],
                    shell=bool(kwargs.get("shell", False)),
                    env=_env_facts(kwargs.get("env")),
                    **context(3),
                )

            _quiet(record)

        return __init__

    _wrap(module.Popen, "__init__", make_init)


#: Threads started here that run the user's code (for the save-time check of daemons).
_USER_THREADS: list[Any] = []
#: Calls a library thread is watched for before the watch gives up on it.
_WATCH_CALLS = 200_000


def _untraced_threads() -> bool:
    """Whether the coverage.py measuring here cannot see new threads (no "thread", no sysmon)."""
    control = sys.modules.get("coverage.control")
    cov = control.Coverage.current() if control is not None else None
    if cov is None or not getattr(cov, "_started", False):
        return False
    concurrency = list(getattr(cov.config, "concurrency", None) or [])
    try:
        core = str(cov._collector.tracer_name())
    except Exception:
        core = ""
    return bool(concurrency) and "thread" not in concurrency and "SysMon" not in core


def _watch(thread: Any, site: dict[str, Any]) -> None:
    """Find out whether a library thread runs the user's code: profile it until it does.

    Only threads whose coverage.py cannot trace them are watched, and only this
    thread (``sys.setprofile`` is per thread); the watch ends at the first call
    into the user's code, or after ``_WATCH_CALLS`` calls.
    """
    run = thread.run
    calls = [0]

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        calls[0] += 1
        if _file_kind(frame.f_code.co_filename) == "user":
            sys.setprofile(None)
            code = frame.f_code
            _quiet(
                lambda: emit(
                    "thread",
                    target=[code.co_filename, code.co_firstlineno, code.co_name],
                    cov=_coverage_state(),
                    via="library",
                    **site,
                )
            )
        elif calls[0] > _WATCH_CALLS:
            sys.setprofile(None)

    def watched_run() -> None:
        sys.setprofile(profile)
        try:
            run()
        finally:
            sys.setprofile(None)

    thread.run = watched_run


def _patch_threading(module: ModuleType) -> None:
    def make_start(original: Any) -> Any:
        def start(self: Any) -> None:
            def record() -> None:
                target = getattr(self, "_target", None)
                code = getattr(target, "__code__", None)
                if code is None and type(self).run is not module.Thread.run:
                    code = type(self).run.__code__
                if code is None:
                    return
                kind = _file_kind(code.co_filename)
                if kind == "user":
                    _USER_THREADS.append(self)
                    emit(
                        "thread",
                        target=[code.co_filename, code.co_firstlineno, code.co_name],
                        cov=_coverage_state(),
                        daemon=bool(self.daemon),
                        **context(3),
                    )
                elif (
                    kind == "lib"
                    and (
                        "site-packages" in code.co_filename
                        or code.co_filename.endswith(
                            os.path.join("concurrent", "futures", "thread.py")
                        )
                    )
                    and _untraced_threads()
                ):
                    _watch(self, context(3))

            _quiet(record)
            original(self)

        return start

    _wrap(module.Thread, "start", make_start)


# -- multiprocessing and its copies ---------------------------------------------------------


def _patch_process(module: ModuleType) -> None:
    def make_start(original: Any) -> Any:
        def start(self: Any) -> None:
            original(self)

            def record() -> None:
                popen = getattr(self, "_popen", None)
                method = getattr(popen, "method", None) or type(popen).__name__
                emit(
                    "mp_start",
                    child=self.pid,
                    method=method,
                    popen=type(popen).__module__,
                    cls=f"{type(self).__module__}.{type(self).__qualname__}",
                    daemon=bool(self.daemon),
                    pool=_pool_key(),
                    **context(3),
                )

            _quiet(record)

        return start

    _wrap(module.BaseProcess, "start", make_start)


def _pool_key() -> int | None:
    """The id of the worker list of the Pool that is starting this process, if any."""
    frame: FrameType | None = sys._getframe(2)
    depth = 0
    while frame is not None and depth < 12:
        if frame.f_code.co_name in (
            "_repopulate_pool_static",
            "_repopulate_pool",
            "_create_worker_process",
        ):
            workers = frame.f_locals.get("pool")
            if workers is None:
                workers = getattr(frame.f_locals.get("self"), "_pool", None)
            return id(workers) if workers is not None else None
        frame = frame.f_back
        depth += 1
    return None


def _patch_pool(module: ModuleType) -> None:
    def make_init(original: Any) -> Any:
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            _quiet(
                lambda: emit(
                    "pool",
                    key=id(getattr(self, "_pool", None)),
                    cls=f"{type(self).__module__}.{type(self).__qualname__}",
                    **context(3),
                )
            )

        return __init__

    _wrap(module.Pool, "__init__", make_init)


def _patch_spawn(module: ModuleType) -> None:
    def make_fixup(original: Any) -> Any:
        def fixup(main: str) -> None:
            state = _coverage_state()
            path = os.path.abspath(main)
            lines: set[int] = set()
            tracing = (state is None or not state["started"]) and sys.gettrace() is None
            if tracing:
                # Nothing measures this import: record which lines of the script it runs.

                def local(frame: FrameType, event: str, arg: Any) -> Any:
                    if event == "line":
                        lines.add(frame.f_lineno)
                    return local

                def trace(frame: FrameType, event: str, arg: Any) -> Any:
                    name = frame.f_code.co_filename
                    return local if name in (main, path) else None

                sys.settrace(trace)
            before = sys.modules.get("__main__")
            finished = False
            try:
                original(main)
                finished = True
            finally:
                if tracing:
                    sys.settrace(None)
                # spawn returns at once when __main__ already is that file: in a forkserver
                # child on Python 3.13.8+ and 3.14.1+, whose server preloaded it. coverage.py's
                # lines for the file are then the server's, inherited, not this import's.
                ran = not finished or sys.modules.get("__main__") is not before
                traced = sorted(lines) if tracing or not ran else None
                _quiet(_record_main, path, state, traced, ran)

        return fixup

    _wrap(module, "_fixup_main_from_path", make_fixup)


def _record_main(
    path: str, state: dict[str, Any] | None, traced: list[int] | None, ran: bool = True
) -> None:
    """Record the lines of ``__mp_main__`` that ran, traced here or held by coverage.py.

    ``ran`` is false when spawn found ``__main__`` already imported and ran nothing.
    """
    lines = traced
    if lines is None and state is not None:
        cov = sys.modules["coverage.control"].Coverage.current()
        found = cov._collector.data.get(path) or ()
        numbers: set[int] = set()
        for item in found:
            if isinstance(item, int):
                numbers.add(item)
            else:  # an arc (from, to); negative numbers are entries and exits
                numbers.update(n for n in item if n > 0)
        lines = sorted(numbers)
    emit("mp_main", file=path, cov=state, lines=lines, ran=ran)


# -- coverage.py ---------------------------------------------------------------------------


def _patch_coverage(module: ModuleType) -> None:
    cls = module.Coverage

    def how_started(tags: list[str]) -> str:
        joined = " ".join(tags)
        if "multiproc.py" in joined:
            return "multiprocessing"
        if "_after_fork_in_child" in joined:
            return "fork patch"
        if "process_startup" in joined or "_start_process_coverage" in joined:
            return "startup"
        if "cmdline.py" in joined:
            return "coverage run"
        if "pytest_cov" in joined:
            return "pytest-cov"
        return "api"

    def record_start(cov: Any, ctx: dict[str, Any]) -> None:
        _STATE["measured"] = True
        emit(
            "cov_start",
            id=id(cov),
            how=how_started(ctx.get("tags", [])),
            version=getattr(sys.modules.get("coverage"), "__version__", None),
            settings=_settings(cov),
            file=_data_file(cov),
            suffix=bool(getattr(cov, "_data_suffix_specified", None)),
            **ctx,
        )

    def make_start(original: Any) -> Any:
        def start(self: Any) -> None:
            original(self)
            ctx = {}
            _quiet(lambda: ctx.update(context(2)))
            _quiet(record_start, self, ctx)

        return start

    def make_save(original: Any) -> Any:
        def save(self: Any) -> None:
            if _STATE["hook_measured"]:
                _quiet(_forget_hook, self)
            _quiet(
                lambda: emit(
                    "save_start",
                    id=id(self),
                    pending=_pending_lines(self),
                    file=_data_file(self),
                    exiting=_STATE["exiting"],
                    daemons=_live_daemons(),
                )
            )
            original(self)
            # After the save: whatever the observer does before it widens the window in
            # which a terminating signal finds the data not yet written.
            _quiet(
                lambda: emit(
                    "save_end", id=id(self), file=_data_file(self), untraced=_untraced(self)
                )
            )

        return save

    _wrap(cls, "start", make_start)
    _wrap(cls, "save", make_save)

    def make_combine(original: Any) -> Any:
        def combine(data: Any, *args: Any, **kwargs: Any) -> Any:
            target = _data_file_of(data)
            _quiet(lambda: emit("combine", phase="start", file=target))
            try:
                return original(data, *args, **kwargs)
            finally:
                _quiet(lambda: emit("combine", phase="end", file=target))

        return combine

    _wrap(module, "combine_parallel_data", make_combine)
    current = _coverage_state()
    if current is not None and current["started"]:
        # Started before this observer (coverage's start-up .pth file runs first).
        cov = cls.current()
        _quiet(record_start, cov, {"tags": ["coverage/control.py:process_startup"]})


def _forget_hook(cov: Any) -> None:
    """Drop the lines of the doctor's start-up hook from what ``cov`` is about to save.

    Only where coverage.py started before the hook (from a .pth file): the user's
    data must hold nothing of the doctor's, whose folder is gone when they report.
    """
    prefixes = tuple({_HERE + os.sep, os.path.realpath(_HERE) + os.sep})
    data = getattr(getattr(cov, "_collector", None), "data", None)
    if isinstance(data, dict):
        for name in [n for n in data if isinstance(n, str) and n.startswith(prefixes)]:
            del data[name]
    # Lines already handed to the data object (dynamic contexts flush at each switch).
    stored = getattr(cov, "_data", None)
    purge = getattr(stored, "purge_files", None)
    # Not opened yet means nothing was handed over: opening it here would create the file.
    if stored is not None and purge is not None and getattr(stored, "_have_used", False):
        ours = [n for n in stored.measured_files() if n.startswith(prefixes)]
        if ours:
            purge(ours)


def _live_daemons() -> list[list[Any]]:
    """Daemon threads running the user's code that are still alive (they die unsaved)."""
    out = []
    for thread in _USER_THREADS:
        if thread.daemon and thread.is_alive():
            code = getattr(getattr(thread, "_target", None), "__code__", None)
            if code is not None:
                out.append([code.co_filename, code.co_firstlineno, code.co_name])
    return out


def _data_file_of(data: Any) -> str | None:
    try:
        return str(os.path.abspath(data.base_filename()))
    except Exception:
        return None


def _patch_cloudpickle(module: ModuleType) -> None:
    """Record the user's functions that cloudpickle sends by value under a fake file name."""
    table = getattr(getattr(module, "Pickler", None), "_dispatch_table", None)
    code_type = type(_patch_cloudpickle.__code__)
    if not isinstance(table, dict) or code_type not in table:
        return
    original = table[code_type]
    if getattr(original, "_mpcov_doctor", False):
        return
    seen: set[int] = set()

    def code_reduce(obj: Any) -> Any:
        result = original(obj)

        def record() -> None:
            args = result[1] if isinstance(result, tuple) and len(result) > 1 else ()
            if id(obj) in seen or _file_kind(obj.co_filename) != "user":
                return
            if "<dynamic-code>" in [a for a in args if isinstance(a, str)]:
                seen.add(id(obj))
                emit(
                    "by_value",
                    code=[obj.co_filename, obj.co_firstlineno, obj.co_name],
                    module=module.__name__,
                )

        _quiet(record)
        return result

    code_reduce._mpcov_doctor = True  # type: ignore[attr-defined]
    table[code_type] = code_reduce


# -- post-import patching ---------------------------------------------------------------

_PATCHERS: dict[str, Callable[[ModuleType], None]] = {
    "subprocess": _patch_subprocess,
    "threading": _patch_threading,
    "coverage.control": _patch_coverage,
    "cloudpickle.cloudpickle": _patch_cloudpickle,
    "joblib.externals.cloudpickle.cloudpickle": _patch_cloudpickle,
}
for _package in _PACKAGES:
    _PATCHERS[f"{_package}.process"] = _patch_process
    _PATCHERS[f"{_package}.pool"] = _patch_pool
    _PATCHERS[f"{_package}.spawn"] = _patch_spawn


class _Loader:
    """Wraps a module's loader to patch the module right after it has run."""

    def __init__(self, loader: Any, patch: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._patch = patch

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)

    def create_module(self, spec: Any) -> Any:
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _quiet(self._patch, module)


class _Finder:
    """A ``sys.meta_path`` entry that finds nothing itself: it wraps the loader of watched names."""

    def __init__(self) -> None:
        self._busy: set[str] = set()

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        patch = _PATCHERS.get(name)
        if patch is None or name in self._busy:
            return None
        self._busy.add(name)
        try:
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
            else:
                return None
        finally:
            self._busy.discard(name)
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _Loader(spec.loader, patch)  # type: ignore[assignment]  # duck-typed
        return spec


def _startup_facts() -> dict[str, Any]:
    """Why coverage.py's start-up file did not start it: can this Python import it, is the file there."""
    pth: list[str] = []
    importable = False
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        pth.extend(n for n in names if n.endswith(".pth") and "cover" in n)
        importable = importable or "coverage" in names
    return {"pth": sorted(pth), "importable": importable}


def install(*, hook_measured: bool = False) -> None:
    """Start observing this process, if the doctor's environment is set; record its start.

    ``hook_measured``: coverage.py was already measuring when the start-up hook ran,
    so the hook's own lines are in its data, to be dropped before each save.
    """
    global _LOG, _STDLIB
    log = os.environ.get(LOG_VARIABLE)
    if not log or _LOG is not None:
        return
    _LOG = log
    _STATE["hook_measured"] = hook_measured
    stdlib = os.path.dirname(os.path.abspath(os.__file__))
    prefixes = {stdlib + os.sep}
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        prefixes.add(os.path.join(prefix, "lib") + os.sep)
        prefixes.add(os.path.join(prefix, "Lib") + os.sep)
    _STDLIB = tuple(sorted(prefixes))
    env = os.environ
    _STATE["cwd"] = os.getcwd()
    facts: dict[str, Any] = {"coverage": sorted(k for k in env if k.startswith("COVERAGE_"))}
    if "coverage" not in sys.modules and (
        "COVERAGE_PROCESS_START" in env or "COVERAGE_PROCESS_CONFIG" in env
    ):
        # coverage.py's start-up file runs before this hook: it should have started.
        facts["startup"] = _startup_facts()
    emit(
        "start",
        ppid=os.getppid(),
        argv=_argv(),
        executable=sys.executable,
        cwd=os.getcwd(),
        python=".".join(map(str, sys.version_info[:3])),
        ancestors=_ancestors(),
        starttime=_starttime(),
        env=facts,
    )
    _patch_os()
    atexit.register(_at_exit)
    for name, patch in _PATCHERS.items():
        module = sys.modules.get(name)
        if module is not None:
            _quiet(patch, module)
    sys.meta_path.insert(0, _Finder())
