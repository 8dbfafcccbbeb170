"""``os.execve()`` with ``patch = ["execv"]`` but no ``parallel``: the new program erases the old one's data.

For ``os.execve`` the ``execv`` patch also adds coverage.py's configuration to
the new environment (the configuration file's path in ``COVERAGE_PROCESS_START``
up to 7.10.3, the whole configuration in ``COVERAGE_PROCESS_CONFIG`` from
7.10.4), so the new program is measured. But without ``parallel``
both programs use the one file ``.coverage``, and coverage.py erases its data
file the first time a process writes to it: the new program's save deletes what
the old program saved just before the ``exec``. Its own lines survive; the
lines that ran before the ``exec`` (marked here) are lost, every time.

Before coverage.py 7.13 nothing started coverage.py in the new program (the
start-up ``.pth`` file existed only while ``patch = ["subprocess"]`` was active),
so the new program was not measured, did not erase anything, and the lines
before the ``exec`` were kept.
Until 7.13 any start-up file that another process put in site-packages starts
coverage.py in the new program as well: one of another coverage run with
``patch = ["subprocess"]`` in the same environment (one shared ``subcover.pth``
up to 7.10.2, a ``subcover_<pid>.pth`` per process from 7.10.3), or one that a
killed or exec'd process left behind. If one is there at the moment of the
``exec``, the new program is measured after all, and erases (read from source).
The header declares that race for 7.10.0 to 7.10.2 only; the recording on
7.10.7 measured every run, and a run alone in a clean environment measures on
every release before 7.13.

Settings: ``patch = ["execv"]``, without ``parallel``.
Expected: lost (the lines before the exec) with coverage.py 7.13 or later, measured
before (racy with 7.10.0 to 7.10.2); add ``parallel = true`` to keep them.

[tool.coverage.run]
patch = ["execv"]

[tool.mpcov]
expect = "lost"
start-methods = []
platforms = ["linux", "darwin"]
requires-coverage = ">=7.10"

[[tool.mpcov.when]]
coverage = "<7.13"
expect = "measured"

[[tool.mpcov.when]]
coverage = "<7.10.3"
expect = "racy"
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
    os.execve(sys.executable, [sys.executable, __file__, "after-exec"], dict(os.environ))


if __name__ == "__main__":
    if sys.argv[1:] == ["after-exec"]:
        after_exec()
    else:
        main()
