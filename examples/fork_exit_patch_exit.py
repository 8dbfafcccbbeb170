"""The fix for ``os.fork()`` + ``os._exit()``: ``patch = ["_exit"]`` with ``parallel``.

``patch = ["_exit"]`` (coverage.py 7.10+) replaces ``os._exit`` with a version that
saves the coverage data first. The forked child still carries the parent's
tracer, so when it calls ``os._exit()`` its lines are written to a data file of
its own: with ``parallel = true`` the file name contains the process id, and
coverage.py notices the fork and picks a new name for the child.

Settings: ``patch = ["_exit"]`` and ``parallel = true`` (see
fork_exit_patch_exit_no_parallel for what happens without ``parallel``).
Expected: measured. coverage.py before 7.10 does not know ``patch``.

[tool.coverage.run]
patch = ["_exit"]
parallel = true

[tool.mpcov]
expect = "measured"
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
