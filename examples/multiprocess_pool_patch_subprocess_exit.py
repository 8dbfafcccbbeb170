"""multiprocess (pathos) with ``patch = ["subprocess", "_exit"]``: measured.

The patches do not care which library starts the worker: ``subprocess`` starts
coverage.py in every new interpreter (spawn workers, the forkserver process),
and ``_exit`` saves fork and forkserver workers, which end with ``os._exit()``.

Settings: ``patch = ["subprocess", "_exit"]``.
Expected: measured, on every start method (forkserver and spawn racy with
coverage.py 7.10.0 to 7.10.2, whose shared ``subcover.pth`` start-up file
overlapping coverage runs delete for each other; 7.10.3 gives each process its own).

[tool.coverage.run]
patch = ["subprocess", "_exit"]

[tool.mpcov]
expect = "measured"
requires = ["multiprocess"]
requires-coverage = ">=7.10"

[[tool.mpcov.when]]
coverage = "<7.10.3"
expect = { forkserver = "racy", spawn = "racy" }
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
