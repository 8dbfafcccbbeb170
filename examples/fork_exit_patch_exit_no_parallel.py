"""``patch = ["_exit"]`` without ``parallel``: the parent erases the child's data.

The child's patched ``os._exit()`` does save its lines, to ``.coverage``, the one
data file every process uses when ``parallel`` is off. But coverage.py erases its
data file the first time a process writes to it, and the parent writes for the
first time at its own exit, after the child is gone: the parent's save deletes
the child's file and writes only the parent's lines. The order is fixed (the
parent waits for the child), so the loss is certain.

Settings: ``patch = ["_exit"]`` alone, the tempting one-line fix.
Expected: lost; add ``parallel = true`` (fork_exit_patch_exit) to keep the data.

[tool.coverage.run]
patch = ["_exit"]

[tool.mpcov]
expect = "lost"
start-methods = []
platforms = ["linux", "darwin"]
requires-coverage = ">=7.10"
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
