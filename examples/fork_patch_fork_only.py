"""``patch = ["fork"]`` alone does not save a child that ends with ``os._exit()``.

``patch = ["fork"]`` (coverage.py 7.10.4+) registers an ``os.register_at_fork``
hook that stops the parent's copy of coverage.py in the child and starts a fresh
one there (before 7.17.3 it started none unless ``subprocess`` was patched too,
so the child was not measured at all). Either way the child's data is written
only when the child exits through ``atexit`` or a patched ``os._exit``: a forked
child calling plain ``os._exit()`` still skips the save.

Settings: ``patch = ["fork"]``, ``parallel = true``.
Expected: lost. Adding ``"_exit"`` saves only part of the child
(fork_patch_fork_exit); ``patch = ["_exit"]`` alone saves all of it
(fork_exit_patch_exit).

[tool.coverage.run]
patch = ["fork"]
parallel = true

[tool.mpcov]
expect = "lost"
start-methods = []
platforms = ["linux", "darwin"]
requires-coverage = ">=7.10.4"
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
