"""The classic ``with Pool()`` loss with ``[run] sigterm = true``: still a race.

``sigterm = true`` makes coverage.py install a SIGTERM handler in every
process it measures; the handler saves the data and then lets the signal end the
process. That sounds like a fix for ``Pool.__exit__``'s ``terminate()``, but the
signal usually arrives while the worker is already inside its final save, and
the handler then saves again on top of it: errors such as "no such table" or
"Cannot operate on a closed database", empty or half-written data files, and
occasionally a worker that never exits, which hangs ``terminate()``. It also
changes the program: a busy worker no longer dies at once.

Settings: ``concurrency = ["multiprocessing"]`` and ``sigterm = true``.
Expected: racy on every start method; a run may hang (bounded by a short timeout).

[tool.coverage.run]
concurrency = ["multiprocessing"]
sigterm = true

[tool.mpcov]
expect = "racy"
may-hang = true
timeout = 20
"""

from __future__ import annotations

import multiprocessing
import sys


def work(x: int) -> int:
    """Run in a pool worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """Use a pool only through its ``with`` block, relying on ``sigterm = true``."""
    with multiprocessing.Pool(1) as pool:
        print(pool.apply(work, (21,)))
    # terminate() has sent SIGTERM; the handler may save, collide with the save, or hang.


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
