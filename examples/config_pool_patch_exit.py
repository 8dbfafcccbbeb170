"""Configuration compared: ``patch = ["_exit"]`` alone on a clean pool saves fork workers only.

``patch = ["_exit"]`` wraps ``os._exit()`` so that a running coverage.py saves
first. A fork-method worker is a copy of the measured parent, tracer included,
and it ends with ``os._exit()``: the patch saves it. A forkserver worker is
forked from the fork server, which multiprocessing starts as a fresh
interpreter, not from the measured parent: no coverage.py runs in the server or
in its children, so there is nothing to save. A spawn worker is a fresh
interpreter too. Only ``concurrency = ["multiprocessing"]`` or
``patch = ["subprocess"]`` puts a coverage.py into those interpreters.

This matters most where forkserver is the default start method: Linux from
Python 3.14 on (CPython gh-84559; read from CPython's documentation, not measured
here).

Settings: ``patch = ["_exit"]`` and ``parallel = true``.
Expected: measured with fork; lost with forkserver and spawn.

[tool.coverage.run]
patch = ["_exit"]
parallel = true

[tool.mpcov]
expect = { fork = "measured", forkserver = "lost", spawn = "lost" }
requires-coverage = ">=7.10"
"""

from __future__ import annotations

import multiprocessing
import sys


def work(x: int) -> int:
    """Run in a pool worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """Close and join the pool before the ``with`` block ends."""
    with multiprocessing.Pool(1) as pool:
        print(pool.apply(work, (21,)))
        pool.close()  # no more tasks: workers exit once the queue is drained
        pool.join()  # wait for them, so each one reaches its os._exit()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
