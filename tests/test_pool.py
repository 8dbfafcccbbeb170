"""The recommended helper: close and join normally, terminate on error, never hang forever."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from multiprocessing.pool import AsyncResult, Pool
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest

from mpcov import IncompleteCoverageWarning, close_and_join, closing_pool

METHODS = multiprocessing.get_all_start_methods()
#: fork in a process with threads warns on 3.12+; that is the platform's advice, not ours.
FORK_WARNING = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="SIGTERM exit codes are POSIX")
#: Seconds a test waits for a worker to report that it has taken its task.
HANDSHAKE_TIMEOUT = 30.0

#: Set only in the test process: a forked worker inherits it, a spawned one starts without it.
_PARENT_STATE: dict[str, int] = {}
#: Set by :func:`_remember` in each worker.
_WORKER_STATE: dict[str, int] = {}


def _method_params() -> list[object]:
    return [pytest.param(m, marks=FORK_WARNING) if m == "fork" else m for m in METHODS]


def _double(x: int) -> int:
    return 2 * x


def _remember(value: int) -> None:
    _WORKER_STATE["value"] = value


def _remembered() -> int:
    return _WORKER_STATE["value"]


def _how_started(parent: int) -> tuple[bool, bool]:
    """In a worker: whether the test process is its parent, and whether it has the parent's state.

    fork: (True, True); spawn: (True, False); forkserver: (False, False), the fork
    server being the parent. So each start method leaves its own trace.
    """
    return os.getppid() == parent, bool(_PARENT_STATE)


#: What :func:`_how_started` returns in a worker of each start method.
TRACE = {"fork": (True, True), "spawn": (True, False), "forkserver": (False, False)}


def _busy(flag: str, seconds: float) -> None:
    """In a worker: say (by creating ``flag``) that the task has started, then sleep."""
    Path(flag).touch()
    time.sleep(seconds)


def _start_busy(pool: Pool, flag: Path, seconds: float = 30.0) -> AsyncResult[None]:
    """Give ``pool`` a long task and return (its result) once a worker is surely running it.

    A task only queued when the pool ends behaves differently from one a worker has
    taken (terminate() drops queued tasks), so the tests wait for this handshake,
    as coverage.py's own tests do, instead of sleeping.
    """
    result = pool.apply_async(_busy, (str(flag), seconds))
    deadline = time.monotonic() + HANDSHAKE_TIMEOUT
    while not flag.exists():
        assert time.monotonic() < deadline, "the worker never started its task"
        time.sleep(0.01)
    return result


def _new_children(before: list[BaseProcess]) -> list[BaseProcess]:
    """The children started since ``before`` was taken: a pool's workers, whatever ran first."""
    return [p for p in multiprocessing.active_children() if p not in before]


@pytest.mark.parametrize("method", _method_params())
def test_closing_pool_closes_and_joins_on_normal_exit(method: str, tmp_path: Path) -> None:
    """On a normal exit the pool waits for work in progress, and every worker exits by itself."""
    before = multiprocessing.active_children()
    with closing_pool(2, context=method) as pool:
        assert [0, 2, 4, 6] == pool.map(_double, range(4))
        busy = _start_busy(pool, tmp_path / "started", seconds=2)
        workers = _new_children(before)
    # terminate() would have killed the busy worker (-SIGTERM) before its task ended.
    assert None is busy.get(timeout=0)
    assert 2 == len(workers)
    assert [0, 0] == [worker.exitcode for worker in workers]


def _raise_with_a_busy_worker(flag: Path, workers: list[BaseProcess]) -> None:
    """Give a pool's only worker a long task, wait until it runs it, note it, raise in the block."""
    before = multiprocessing.active_children()
    with closing_pool(1, context="spawn") as pool:
        _start_busy(pool, flag)
        workers.extend(_new_children(before))
        raise ValueError("in the block")


@POSIX_ONLY
def test_closing_pool_terminates_and_reraises_on_error(tmp_path: Path) -> None:
    """When the block raises, a busy worker is terminated at once and the error propagates."""
    workers: list[BaseProcess] = []
    started = time.monotonic()
    with pytest.raises(ValueError, match=r"^in the block$"):
        _raise_with_a_busy_worker(tmp_path / "started", workers)
    assert time.monotonic() - started < 25
    assert [-signal.SIGTERM] == [worker.exitcode for worker in workers]


def _leave_with_a_stuck_worker(flag: Path, grace: float) -> tuple[BaseProcess, float]:
    """Leave a pool block while its worker runs a 30 s task; return it and how long leaving took."""
    before = multiprocessing.active_children()
    with closing_pool(1, context="spawn", grace=grace) as pool:
        _start_busy(pool, flag)
        (worker,) = _new_children(before)
        leaving = time.monotonic()
    return worker, time.monotonic() - leaving


@POSIX_ONLY
def test_closing_pool_grace_bounds_a_stuck_worker(tmp_path: Path) -> None:
    """A worker still busy after the grace period is terminated (SIGTERM), with a warning."""
    with pytest.warns(IncompleteCoverageWarning) as warned:
        worker, waited = _leave_with_a_stuck_worker(tmp_path / "started", grace=0.5)
    message = (
        "pool workers were still busy after 0.5 s and were terminated; "
        "their coverage data may be missing or incomplete"
    )
    assert [message] == [
        str(w.message) for w in warned.list if w.category is IncompleteCoverageWarning
    ]
    # It waited the grace period, not less (terminate at once) and not the whole task.
    assert 0.5 <= waited < 10
    assert -signal.SIGTERM == worker.exitcode


@pytest.mark.parametrize("method", _method_params())
def test_closing_pool_uses_the_start_method_named(method: str) -> None:
    """A start method name picks that method, whichever one is the platform's default."""
    _PARENT_STATE["pid"] = os.getpid()
    try:
        with closing_pool(1, context=method) as pool:
            assert TRACE[method] == pool.apply(_how_started, (os.getpid(),))
    finally:
        _PARENT_STATE.clear()


@pytest.mark.parametrize("method", _method_params())
def test_closing_pool_uses_the_context_object_given(method: str) -> None:
    """A context object is used as given, whichever start method is the platform's default."""
    _PARENT_STATE["pid"] = os.getpid()
    try:
        with closing_pool(1, context=multiprocessing.get_context(method)) as pool:
            assert TRACE[method] == pool.apply(_how_started, (os.getpid(),))
    finally:
        _PARENT_STATE.clear()


def test_closing_pool_traces_cover_every_start_method() -> None:
    """The start-method tests can tell every method here apart from every other."""
    assert set(METHODS) <= set(TRACE)
    assert len(set(TRACE.values())) == len(TRACE)


def test_closing_pool_passes_initializer_and_maxtasksperchild() -> None:
    """Pool arguments reach the pool: the initializer runs, workers are replaced per task."""
    with closing_pool(
        1, initializer=_remember, initargs=(7,), maxtasksperchild=1, context="spawn"
    ) as pool:
        assert 7 == pool.apply(_remembered)
        first = pool.apply(os.getpid)
        second = pool.apply(os.getpid)
    assert first != second


def test_close_and_join_returns_true_when_workers_finish() -> None:
    """close_and_join() returns True when every worker exits within the grace period."""
    pool = multiprocessing.get_context("spawn").Pool(1)
    assert 4 == pool.apply(_double, (2,))
    assert True is close_and_join(pool, grace=30)


def test_close_and_join_without_grace_waits_for_the_workers(tmp_path: Path) -> None:
    """With ``grace=None`` it waits for the task in progress and returns True."""
    pool = multiprocessing.get_context("spawn").Pool(1)
    _start_busy(pool, tmp_path / "started", seconds=0.5)
    pending = pool.apply_async(_double, (3,))
    assert True is close_and_join(pool, grace=None)
    assert 6 == pending.get(timeout=0)


def test_close_and_join_returns_false_after_terminating(tmp_path: Path) -> None:
    """close_and_join() returns False, and warns, when it had to terminate a stuck worker."""
    pool = multiprocessing.get_context("spawn").Pool(1)
    _start_busy(pool, tmp_path / "started")
    started = time.monotonic()
    with pytest.warns(
        IncompleteCoverageWarning, match=r"^pool workers were still busy after 0.3 s"
    ):
        assert False is close_and_join(pool, grace=0.3)
    assert 0.3 <= time.monotonic() - started < 10
