"""A ``multiprocessing`` pool that lets its workers save their coverage data.

``with multiprocessing.Pool() as pool:`` ends in :meth:`~multiprocessing.pool.Pool.terminate`,
which sends SIGTERM to workers that may be in the middle of writing their coverage
data. :func:`closing_pool` ends a pool the other way: :meth:`~multiprocessing.pool.Pool.close`
then :meth:`~multiprocessing.pool.Pool.join`, so every worker leaves through its normal
exit path, where coverage.py saves. Unlike a bare ``join()``, it never waits forever.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import warnings
from collections.abc import Iterable, Iterator
from multiprocessing.context import BaseContext
from multiprocessing.pool import Pool
from typing import Any, Callable, Union

__all__ = ["IncompleteCoverageWarning", "close_and_join", "closing_pool"]

#: A context object, a start method name (``"spawn"``), or ``None`` for the default.
ContextLike = Union[BaseContext, str, None]

#: Seconds :func:`closing_pool` waits for workers to finish by default.
DEFAULT_GRACE = 60.0


class IncompleteCoverageWarning(RuntimeWarning):
    """Workers had to be terminated, so their coverage data may be missing or partial."""


def _context(context: ContextLike) -> BaseContext:
    if context is None or isinstance(context, str):
        return multiprocessing.get_context(context)
    return context


def _join_within(pool: Pool, timeout: float | None) -> threading.Thread | None:
    """``pool.join()`` bounded by ``timeout`` seconds.

    Returns ``None`` if it returned in time, else the thread still running it.
    """
    if timeout is None:
        pool.join()
        return None
    # Pool.join() has no timeout of its own, so wait for it in a helper thread.
    joiner = threading.Thread(target=pool.join, name="mpcov-pool-join", daemon=True)
    joiner.start()
    joiner.join(timeout)
    return joiner if joiner.is_alive() else None


def close_and_join(pool: Pool, grace: float | None = DEFAULT_GRACE) -> bool:
    """Close ``pool`` and wait up to ``grace`` seconds for its workers to exit.

    Workers that are still busy after ``grace`` seconds are terminated, with an
    :class:`IncompleteCoverageWarning`: their coverage data may be lost.

    Args:
        pool: A pool that has not been terminated.
        grace: Seconds to wait; ``None`` waits as long as it takes.

    Returns:
        ``True`` if every worker exited by itself, ``False`` if any were terminated.
    """
    pool.close()
    joiner = _join_within(pool, grace)
    if joiner is None:
        return True
    warnings.warn(
        f"pool workers were still busy after {grace} s and were terminated; "
        "their coverage data may be missing or incomplete",
        IncompleteCoverageWarning,
        stacklevel=2,
    )
    # The grace period is over: losing a stuck worker's data beats hanging forever.
    pool.terminate()
    # The joiner thread is still inside pool.join(), waiting on the same workers that
    # terminate() reaps. Two threads in waitpid() on one pid race: the loser gets
    # ECHILD and reports the worker alive (exitcode None) until the winner records
    # its status. Waiting for the joiner, instead of a second pool.join(), leaves
    # every worker's exit code set when this returns.
    joiner.join()
    return False


@contextlib.contextmanager
def closing_pool(
    processes: int | None = None,
    initializer: Callable[..., object] | None = None,
    initargs: Iterable[Any] = (),
    maxtasksperchild: int | None = None,
    *,
    context: ContextLike = None,
    grace: float | None = DEFAULT_GRACE,
) -> Iterator[Pool]:
    """A :class:`multiprocessing.pool.Pool` that closes and joins when the block ends.

    Use it where you would write ``with multiprocessing.Pool(...) as pool:``::

        with closing_pool(4) as pool:
            results = pool.map(work, items)

    When the block ends normally the pool is closed and joined, so workers exit
    cleanly and coverage.py saves their data; after ``grace`` seconds, workers
    still busy are terminated with an :class:`IncompleteCoverageWarning`. When the
    block raises, the pool is terminated and joined (there is no point waiting
    for work whose results nobody will read), and the exception propagates.

    Args:
        processes: Number of workers; ``None`` means :func:`os.cpu_count`.
        initializer: Called as ``initializer(*initargs)`` in each worker at start.
        initargs: Arguments for ``initializer``.
        maxtasksperchild: Tasks a worker runs before it is replaced; ``None``: no limit.
        context: A :mod:`multiprocessing` context, or a start method name.
        grace: Seconds to wait for workers at the end; ``None`` waits without limit.

    Yields:
        The running pool.
    """
    pool = _context(context).Pool(processes, initializer, tuple(initargs), maxtasksperchild)
    try:
        yield pool
    except BaseException:
        # Nobody will read the results of a failed block; waiting would only delay the error.
        pool.terminate()  # mpcov: ignore[MPC102]
        pool.join()
        raise
    close_and_join(pool, grace)
