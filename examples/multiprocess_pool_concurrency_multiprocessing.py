"""multiprocess (pathos) with ``concurrency = ["multiprocessing"]``: lost.

``multiprocess`` is a renamed copy of the standard library's multiprocessing
(using dill to pickle). coverage.py's ``concurrency = ["multiprocessing"]``
patches ``multiprocessing``, not this copy, so nothing starts coverage.py in a
spawn or forkserver worker or saves a fork worker's data, even for a pool that
is closed and joined.

Settings: ``concurrency = ["multiprocessing"]``.
Expected: lost, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "lost"
requires = ["multiprocess"]
"""

from __future__ import annotations

import sys

import multiprocess  # type: ignore[import-untyped]  # multiprocess ships no types


def work(x: int) -> int:
    """Run in a multiprocess pool worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """Close and join the pool before the ``with`` block ends."""
    with multiprocess.Pool(1) as pool:
        print(pool.apply(work, (21,)))
        pool.close()
        pool.join()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocess.set_start_method(sys.argv[1])
    main()
