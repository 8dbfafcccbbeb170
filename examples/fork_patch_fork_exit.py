"""``patch = ["fork", "_exit"]``: a fresh coverage.py in the child, saved at ``os._exit()``.

With ``fork`` patched, the child starts its own coverage.py right after the fork,
so its data file holds only what the child ran, not a copy of the parent's lines
from before the fork; with ``_exit`` patched, the child's ``os._exit()`` saves
that data before the process ends.

Before coverage.py 7.17.3 the fork hook stopped the parent's copy in the child
and then started a new one only if ``patch = ["subprocess"]`` had exported the
configuration (issue 2340): with ``fork`` alone, nothing measured the child.

Settings: ``patch = ["fork", "_exit"]``, ``parallel = true``.
Expected: measured with coverage.py 7.17.3 or later; lost with 7.10.4 to 7.17.2.

[tool.coverage.run]
patch = ["fork", "_exit"]
parallel = true

[tool.mpcov]
expect = "measured"
start-methods = []
platforms = ["linux", "darwin"]
requires-coverage = ">=7.10.4"

[[tool.mpcov.when]]
coverage = "<7.17.3"
expect = "lost"
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
        status = 1  # if child_work() raises
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
