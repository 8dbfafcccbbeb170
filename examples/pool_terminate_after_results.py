"""An explicit ``pool.terminate()`` once the results are in: the same race as ``with Pool()``.

Calling ``terminate()`` yourself after the last result has arrived looks tidy but
does exactly what ``Pool.__exit__`` does: it tells the idle workers to stop and
then sends SIGTERM to every worker that has not exited yet. A worker that has
just taken its stop sentinel is usually in the middle of coverage.py's final
``stop(); save()`` when the signal lands, so its data is usually lost. With two workers there is a second way to lose: ``terminate()`` keeps the
lock the workers read their queue under, so the worker that does not get it
never reads its sentinel and is killed idle (``Pool._help_stuff_finish``). Having all
the results says nothing about whether the workers have saved.

Settings: ``concurrency = ["multiprocessing"]``, which is not enough here; use
``close()`` and ``join()`` instead of ``terminate()``.
Expected: racy on every start method (often lost).

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "racy"
"""

from __future__ import annotations

import multiprocessing
import sys


def work(x: int) -> int:
    """Run in a pool worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """Collect every result, then terminate the pool."""
    pool = multiprocessing.Pool(2)
    print(pool.map(work, range(4)))
    pool.terminate()  # SIGTERM to workers that have not exited yet: a race with their save
    pool.join()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
