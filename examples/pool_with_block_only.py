"""The classic loss: ``with Pool()`` and nothing else.

Leaving a ``with multiprocessing.Pool()`` block calls ``Pool.terminate()``
(``Pool.__exit__`` does that, not ``close()``). terminate() first tells idle workers
to stop and then sends SIGTERM to every worker that has not exited yet. A worker
that has just received its stop sentinel is usually inside coverage.py's final
``stop(); save()`` when the signal arrives, so its data file is missing, empty or
half-written. Whether a run keeps the child's lines is a race, decided by the
platform's scheduler: the outcome is a rate, not a constant.

Settings: the usual ``concurrency = ["multiprocessing"]``, which is not enough here.
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
    """Use a pool only through its ``with`` block."""
    with multiprocessing.Pool(1) as pool:
        print(pool.apply(work, (21,)))
    # Pool.__exit__ has called terminate() here: the worker may not have saved its data.


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
