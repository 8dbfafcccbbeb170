"""What each library's pools, processes and executors are, as data.

A constructor's dotted name (import aliases resolved) decides its *kind*
(``pool``, ``process``, ``executor``) and its *family*: which coverage
settings reach its workers. Thread- and greenlet-backed pools start no
process and are never flagged.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

#: Families whose workers ``concurrency = ["multiprocessing"]`` reaches: the
#: standard library's Process class (and wrappers of it).
STDLIB = "multiprocessing"


@dataclass(frozen=True)
class Kind:
    """What a constructor call makes."""

    #: ``"pool"``, ``"process"`` or ``"executor"``.
    kind: str
    #: ``multiprocessing``, ``billiard``, ``multiprocess``, ``loky``, ``joblib``, ``mpire``
    #: or ``mpire-dill``.
    family: str
    #: Whether leaving ``with`` terminates the workers (the standard library's Pool).
    with_terminates: bool = True
    #: A project class that starts and saves coverage in its children itself.
    measures_itself: bool = False
    #: Where a project class or factory is defined (``module.name``), for messages.
    defined_in: str = ""
    #: The start method its processes use, when a literal says (``"spawn"``).
    start_method: str = ""


#: Module prefixes whose ``Pool``/``Process`` run in threads or greenlets, or are
#: not processes at all.
NOT_PROCESSES = (
    "multiprocessing.dummy",
    "multiprocessing.pool.ThreadPool",
    "billiard.dummy",
    "billiard.pool.ThreadPool",
    "multiprocess.dummy",
    "multiprocess.pool.ThreadPool",
    "pathos.threading",
    "pathos.pools.ThreadPool",
    "pathos.pools.SerialPool",
    "pathos.serial",
    "pathos.pools.ParallelPool",
    "pathos.parallel",
    "concurrent.futures.thread",
    "concurrent.futures.ThreadPoolExecutor",
    "gevent",
    "eventlet",
    "psutil",
    "asyncio",
    "mpcov",
)

#: mpire's pools with ``use_dill=True`` and a forkserver or spawn start method, whose
#: workers are processes of the multiprocess package.
MPIRE_DILL = "mpire-dill"

#: Dotted prefix -> family, longest first when matched.
ROOTS = {
    "multiprocessing": STDLIB,
    "torch.multiprocessing": STDLIB,
    "concurrent.futures": STDLIB,
    "billiard": "billiard",
    "multiprocess": "multiprocess",
    "pathos": "multiprocess",
    "loky": "loky",
    "joblib.externals.loky": "loky",
    "joblib": "joblib",
    "mpire": "mpire",
}
_ROOTS_LONGEST = sorted(ROOTS, key=len, reverse=True)

#: Names whose last component makes a thread pool whatever the module.
_THREAD_NAMES = frozenset({"ThreadPool", "ThreadPoolExecutor", "DummyPool"})

#: The fix that works for each family's workers (MPC209, MPC210).
FAMILY_FIX = {
    STDLIB: 'set `[run] concurrency = ["multiprocessing"]` in the configuration file',
    "mpire": 'set `[run] concurrency = ["multiprocessing"]` in the configuration file',
    "billiard": 'set `[run] patch = ["subprocess", "_exit"]` (coverage.py 7.10+)',
    "multiprocess": 'set `[run] patch = ["subprocess", "_exit"]` (coverage.py 7.10+)',
    MPIRE_DILL: 'set `[run] patch = ["subprocess", "_exit"]` (coverage.py 7.10+)',
    "loky": (
        'set `[run] patch = ["subprocess"]` (coverage.py 7.10+), call '
        "get_reusable_executor().shutdown(wait=True) before the report, and make each task "
        "a top-level function of an importable module (MPC109)"
    ),
    "joblib": (
        'set `[run] patch = ["subprocess"]` (coverage.py 7.10+), call '
        "get_reusable_executor().shutdown(wait=True) before the report, and make each task "
        "a top-level function of an importable module (MPC109)"
    ),
}


def family_of(name: str) -> str | None:
    """The family of a dotted name by its module prefix, or ``None``."""
    for root in _ROOTS_LONGEST:
        if name == root or name.startswith(root + "."):
            return ROOTS[root]
    return None


def _keyword(call: ast.Call, name: str) -> object:
    for keyword in call.keywords:
        if keyword.arg == name and isinstance(keyword.value, ast.Constant):
            return keyword.value.value
    return None


def _joblib_kind(call: ast.Call) -> Kind | None:
    backend = _keyword(call, "backend")
    if backend == "threading" or _keyword(call, "prefer") == "threads":
        return None
    if _keyword(call, "require") == "sharedmem" or _keyword(call, "n_jobs") == 1:
        return None
    if backend == "multiprocessing":
        return Kind("executor", STDLIB, with_terminates=False)
    return Kind("executor", "joblib", with_terminates=False)


def classify(name: str, call: ast.Call, imported: frozenset[str]) -> Kind | None:
    """The kind of what ``call`` (of the dotted ``name``) constructs, or ``None``.

    Args:
        name: The callee's dotted name with aliases resolved; ``ctx.Pool`` stays
            ``ctx.Pool`` when ``ctx`` could not be resolved.
        call: The call itself, for keyword arguments (joblib's backend, mpire's
            start method).
        imported: The families the module imports, to place an unresolved
            ``ctx.Process(...)``.
    """
    if name.endswith("()"):
        return None  # calling what a call returned: ``Parallel(...)(tasks)``
    plain = name.replace("()", "")
    if plain.startswith(NOT_PROCESSES):
        return None
    last = plain.rsplit(".", 1)[-1]
    if last in _THREAD_NAMES:
        return None
    family = family_of(plain)
    if family == "joblib":
        return _joblib_kind(call) if last == "Parallel" else None
    if family == "mpire":
        method = _keyword(call, "start_method")
        if last != "WorkerPool" or method == "threading":
            return None
        if _keyword(call, "use_dill") is True and method in ("forkserver", "spawn"):
            # mpire 2.10.2 worker_factory: with dill these workers are multiprocess
            # processes, which concurrency = ["multiprocessing"] does not patch.
            return Kind("pool", MPIRE_DILL, with_terminates=False)
        known = method if method in ("fork", "forkserver", "spawn") else ""
        return Kind("pool", "mpire", with_terminates=False, start_method=str(known))
    if family == "loky":
        if last in ("ProcessPoolExecutor", "get_reusable_executor"):
            return Kind("executor", "loky", with_terminates=False)
        if last == "Process":  # a loky context's process: a fresh interpreter, like its workers
            return Kind("process", "loky")
        return None
    if last == "ProcessPoolExecutor":
        return Kind("executor", family or STDLIB, with_terminates=False)
    if family == "multiprocess" and plain.startswith("pathos"):
        if last in ("ProcessPool", "ProcessingPool", "Pool"):
            return Kind("pool", "multiprocess", with_terminates=False)
        return None
    if last not in ("Pool", "Process"):
        return None
    kind = "pool" if last == "Pool" else "process"
    if family is not None:
        return Kind(kind, family)
    if "." not in plain:
        return None  # a bare Pool() that no import explains: not ours to guess
    # ``ctx.Process(...)`` with an unresolved ``ctx``: a context of the library
    # the module imports, and nothing when it imports none.
    for candidate in ("billiard", "multiprocess", STDLIB):
        if candidate in imported and len(imported) == 1:
            return Kind(kind, candidate)
    return Kind(kind, STDLIB) if imported else None
