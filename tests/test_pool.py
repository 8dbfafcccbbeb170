"""The recommended helper: close and join normally, terminate on error, never hang forever."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from multiprocessing.process import BaseProcess

import pytest

from mpcov import IncompleteCoverageWarning, close_and_join, closing_pool

METHODS = multiprocessing.get_all_start_methods()
#: fork in a process with threads warns on 3.12+; that is the platform's advice, not ours.
FORK_WARNING = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")

#: Set only in the test process: a forked worker inherits it, a spawned one starts without it.
_PARENT_STATE: dict[str, int] = {}
#: Set by :func:`_remember` in each worker.
_WORKER_STATE: dict[str, int] = {}


def _double(x: int) -> int:
    return 2 * x


def _parent_state() -> dict[str, int]:
    return dict(_PARENT_STATE)


def _remember(value: int) -> None:
    _WORKER_STATE["value"] = value


def _remembered() -> int:
    return _WORKER_STATE["value"]


@pytest.mark.parametrize(
    "method", [pytest.param(m, marks=FORK_WARNING) if m == "fork" else m for m in METHODS]
)
def test_closing_pool_closes_and_joins_on_normal_exit(method: str) -> None:
    """On a normal exit every worker leaves by itself (exit code 0) and results are right."""
    with closing_pool(2, context=method) as pool:
        assert [0, 2, 4, 6] == pool.map(_double, range(4))
        workers = multiprocessing.active_children()
        assert 2 == len(workers)
    assert [0, 0] == [worker.exitcode for worker in workers]


def _raise_with_a_busy_worker(workers: list[BaseProcess]) -> None:
    """Give a pool's only worker a long task, note the worker, and raise inside the block."""
    with closing_pool(1, context="spawn") as pool:
        assert 2 == pool.apply(_double, (1,))  # the worker is up
        pool.apply_async(time.sleep, (30,))
        workers.extend(multiprocessing.active_children())
        raise ValueError("in the block")


def _leave_with_a_stuck_worker(grace: float) -> tuple[BaseProcess, float]:
    """Leave a pool block while its worker sleeps 30 s; return it and when the block ended."""
    with closing_pool(1, context="spawn", grace=grace) as pool:
        assert 2 == pool.apply(_double, (1,))
        pool.apply_async(time.sleep, (30,))
        (worker,) = multiprocessing.active_children()
        leaving = time.monotonic()
    return worker, leaving


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM exit codes are POSIX")
def test_closing_pool_terminates_and_reraises_on_error() -> None:
    """When the block raises, a busy worker is terminated at once and the error propagates."""
    workers: list[BaseProcess] = []
    started = time.monotonic()
    with pytest.raises(ValueError, match="in the block"):
        _raise_with_a_busy_worker(workers)
    assert time.monotonic() - started < 10
    assert [-signal.SIGTERM] == [worker.exitcode for worker in workers]


def test_closing_pool_grace_bounds_a_stuck_worker() -> None:
    """A worker still busy after the grace period is terminated, with a warning."""
    with pytest.warns(IncompleteCoverageWarning, match=r"still busy after 0.5 s"):
        worker, leaving = _leave_with_a_stuck_worker(grace=0.5)
    assert time.monotonic() - leaving < 5
    assert worker.exitcode is not None


def test_closing_pool_accepts_a_context_object() -> None:
    """A context object is used as given: a spawn worker does not inherit parent state."""
    _PARENT_STATE["pid"] = os.getpid()
    try:
        with closing_pool(1, context=multiprocessing.get_context("spawn")) as pool:
            assert {} == pool.apply(_parent_state)
    finally:
        _PARENT_STATE.clear()


@pytest.mark.skipif("fork" not in METHODS, reason="no fork")
@FORK_WARNING
def test_closing_pool_accepts_a_start_method_name() -> None:
    """A start method name picks that method: a fork worker inherits the parent's state."""
    _PARENT_STATE["pid"] = os.getpid()
    try:
        with closing_pool(1, context="fork") as pool:
            assert {"pid": os.getpid()} == pool.apply(_parent_state)
    finally:
        _PARENT_STATE.clear()


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


def test_close_and_join_without_grace_waits_for_the_workers() -> None:
    """With ``grace=None`` it waits for the pending task and returns True."""
    pool = multiprocessing.get_context("spawn").Pool(1)
    pending = pool.apply_async(time.sleep, (0.3,))
    assert True is close_and_join(pool, grace=None)
    assert pending.ready()


def test_close_and_join_returns_false_after_terminating() -> None:
    """close_and_join() returns False, and warns, when it had to terminate a stuck worker."""
    pool = multiprocessing.get_context("spawn").Pool(1)
    pool.apply_async(time.sleep, (30,))
    started = time.monotonic()
    with pytest.warns(IncompleteCoverageWarning):
        assert False is close_and_join(pool, grace=0.3)
    assert time.monotonic() - started < 5
