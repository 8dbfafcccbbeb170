"""``patch = ["fork", "_exit"]``: the child's own calls are saved, the forking function is not.

With ``fork`` patched, coverage.py stops the parent's copy of itself in the child,
right after the fork, and starts a new one, whose data file holds only what the
child runs. With ``_exit`` patched, the child's ``os._exit()`` saves that data.
(The new coverage.py wraps ``os._exit`` around the parent copy's wrapper, so the
child also saves the parent copy: a second file from the child, with the parent's
lines from before the fork. Read from coverage.py 7.17.5's ``patch.py`` and seen
in a run; harmless once combined.)

But the new coverage.py starts inside ``os.fork()``, while the function that
called it is still running, and coverage.py does not measure a frame that was
already running when it started (``Coverage.start``'s docstring: "Statements in
the same scope as start() won't be measured"). The child's lines in ``main``
below are lost; the lines of ``child_work``, a call made after the fork, are
kept. ``patch = ["_exit"]`` alone (fork_exit_patch_exit) keeps both, because the
parent's tracer simply carries on in the child.

Before coverage.py 7.17.3 the fork hook started a new coverage.py only if
``patch = ["subprocess"]`` had exported the configuration (issue 2340): with
``fork`` alone, nothing measured the child.

Settings: ``patch = ["fork", "_exit"]``, ``parallel = true``.
Expected: partial with coverage.py 7.17.3 or later (``child_work`` measured, the
forking function's lines not); lost with 7.10.4 to 7.17.2. Leave ``fork`` out.

[tool.coverage.run]
patch = ["fork", "_exit"]
parallel = true

[tool.mpcov]
expect = "partial"
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
