"""``os.execv()`` replaces the process: both programs are lost without a patch.

An ``os.exec*()`` call does not start a child: it replaces the running program
with a new one in the same process. The old program never reaches its exit, so
coverage.py's ``atexit`` handler never runs and nothing it recorded is saved. The
new program is a fresh Python that knows nothing about coverage.py. Neither the
lines before the ``exec`` nor those after it are recorded.

Settings: ``parallel = true`` only.
Expected: lost (both the lines before the exec and those of the new program).

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


def before_exec() -> int:
    """Run in the process that is about to be replaced."""
    total = sum(range(10))  # mpcov: child
    return total % 7  # mpcov: child


def after_exec() -> None:
    """Run in the new program: this same script, started by ``exec``."""
    print("replaced")  # mpcov: child


def main() -> None:
    """Do some work, then replace this process with a new Python program."""
    before_exec()
    sys.stdout.flush()  # exec discards Python's buffers
    os.execv(sys.executable, [sys.executable, __file__, "after-exec"])


if __name__ == "__main__":
    if sys.argv[1:] == ["after-exec"]:
        after_exec()
    else:
        main()
