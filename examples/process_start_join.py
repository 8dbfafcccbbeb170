"""``multiprocessing.Process``: ``start()`` then ``join()``.

The child runs its target and returns from it; multiprocessing's bootstrap then
returns normally, and coverage.py's multiprocessing support saves the child's
data on that path. ``join()`` only makes the parent wait for it; the child would
save even if the parent did not join, since non-daemon children are joined at
interpreter exit anyway.

Settings: ``concurrency = ["multiprocessing"]``.
Expected: measured, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "measured"
"""

from __future__ import annotations

import multiprocessing
import sys


def work(x: int) -> None:
    """Run in the child process."""
    print(x * 2)  # mpcov: child


def main() -> None:
    """Start one child and wait for it."""
    process = multiprocessing.Process(target=work, args=(21,))
    process.start()
    process.join()
    print("exit code", process.exitcode)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
