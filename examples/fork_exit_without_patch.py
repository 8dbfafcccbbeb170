"""A raw ``os.fork()`` child that ends with ``os._exit()``: lost without a patch.

After ``os.fork()`` the child is a copy of the parent, including coverage.py's
tracer, so the child's lines are recorded, but only in the child's memory.
coverage.py writes its data from an ``atexit`` handler, and ``os._exit()`` leaves
the process without running any: the child's data is never written. This is how
well-behaved fork children end (they must not run the parent's clean-up code),
so the loss is certain, not a race.

Settings: ``parallel = true`` only, so that the parent's save cannot be what
erases the child's data; ``concurrency = ["multiprocessing"]`` would not help,
because no multiprocessing code is involved.
Expected: lost.

[tool.coverage.run]
parallel = true

[tool.mpcov]
expect = "lost"
start-methods = []
platforms = ["linux", "darwin"]
"""

from __future__ import annotations

import os
import sys


def child_work() -> int:
    """Run in the forked child."""
    total = sum(range(10))  # mpcov: child
    return total % 7  # mpcov: child


def main() -> None:
    """Fork, let the child work and leave with ``os._exit()``, and wait for it."""
    pid = os.fork()
    if pid == 0:
        # The exit status if child_work() raises. This line runs in the child, in the
        # frame that called os.fork(): its marker shows whether that frame is measured.
        status = 1  # mpcov: child
        try:
            child_work()
            status = 0
        finally:
            # The usual way out of a forked child: no atexit handlers, no buffers flushed.
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
