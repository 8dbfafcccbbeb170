"""``patch = ["execv"]``: save before ``os.execv()`` replaces the process.

``patch = ["execv"]`` (coverage.py 7.10+) wraps ``os.execv`` and ``os.execve`` (every
``exec*`` and ``spawn*`` function ends in one of them) so that coverage.py saves
its data before the program is replaced: the lines that ran before the ``exec``
are kept. It does not, by itself, measure the new program: ``os.execv`` hands
over the current environment, which says nothing about coverage.py; add
``"subprocess"`` for that (exec_patch_execv_subprocess).

Settings: ``patch = ["execv"]``.
Expected: measured (the lines before the exec). Not available on Windows.

[tool.coverage.run]
patch = ["execv"]

[tool.mpcov]
expect = "measured"
start-methods = []
platforms = ["linux", "darwin"]
requires-coverage = ">=7.10"
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
    print("replaced")


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
