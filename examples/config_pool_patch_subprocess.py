"""Configuration compared, 2 of 3: ``patch = ["subprocess"]`` on a clean pool.

``patch = ["subprocess"]`` starts coverage.py in every new Python interpreter. A
spawn worker is one, so it is measured, and it ends through a normal interpreter
exit, which saves. A fork worker is not a new interpreter: it is a copy of the
parent that still traces, but it ends with ``os._exit()``, which skips the save.
A forkserver worker is forked from the server process (a new interpreter, so
measured) and ends the same way.

With coverage.py 7.10.0 to 7.10.2, ``patch = ["subprocess"]`` works through one
shared ``subcover.pth`` file in site-packages, which the process that wrote it
deletes when it exits (in 7.10.0 and 7.10.1 every measured process, children
included; from 7.10.2 the ``coverage run`` process alone), so coverage runs
overlapping in the same environment take it from each other: racy there
(measured when run alone). 7.10.3 gives each such process a file of its own,
and from 7.13 the file is installed with coverage.py instead.

Settings: ``patch = ["subprocess"]`` alone.
Expected: measured with spawn (racy with 7.10.0 to 7.10.2); lost with fork and forkserver.

[tool.coverage.run]
patch = ["subprocess"]

[tool.mpcov]
expect = { fork = "lost", forkserver = "lost", spawn = "measured" }
requires-coverage = ">=7.10"

[[tool.mpcov.when]]
coverage = "<7.10.3"
expect = { spawn = "racy" }
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
        pool.join()  # wait for them, so each one saves its coverage data


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
