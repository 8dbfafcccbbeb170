"""The fix for Python subprocesses: ``patch = ["subprocess"]``.

With ``patch = ["subprocess"]`` (coverage.py 7.10+) the measured process passes
its configuration to every child through an environment variable
(``COVERAGE_PROCESS_CONFIG`` now; the config file's path in
``COVERAGE_PROCESS_START`` in 7.10.0 to 7.10.2), and coverage.py's start-up hook, a ``.pth``
file in site-packages, starts measuring in any Python that sees it. The patch also turns
on ``parallel``, so each process writes its own data file. The child saves at
its normal exit, like any ``coverage run`` process.

With coverage.py 7.10.0 to 7.10.2, ``patch = ["subprocess"]`` works through one
shared ``subcover.pth`` file in site-packages, which the process that wrote it
deletes when it exits (in 7.10.0 and 7.10.1 every measured process, children
included; from 7.10.2 the ``coverage run`` process alone), so coverage runs
overlapping in the same environment take it from each other: racy there
(measured when run alone). 7.10.3 gives each such process a file of its own,
and from 7.13 the file is installed with coverage.py instead.

Settings: ``patch = ["subprocess"]``.
Expected: measured (racy with 7.10.0 to 7.10.2). Before 7.10 coverage.py ignores ``patch``.

[tool.coverage.run]
patch = ["subprocess"]

[tool.mpcov]
expect = "measured"
start-methods = []
requires-coverage = ">=7.10"

[[tool.mpcov.when]]
coverage = "<7.10.3"
expect = "racy"
"""

from __future__ import annotations

import subprocess
import sys


def child_main() -> None:
    """Run in the child interpreter."""
    total = sum(range(10))  # mpcov: child
    print(f"child computed {total}")  # mpcov: child


def main() -> None:
    """Run this same script again in a new interpreter, as the child."""
    subprocess.run([sys.executable, __file__, "child"], check=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        child_main()
    else:
        main()
