"""A subprocess with a custom environment built from ``os.environ``: measured.

Start from a copy of ``os.environ`` and change what you need, instead of
building the environment from nothing: coverage.py's variables
(``COVERAGE_PROCESS_CONFIG`` with ``patch = ["subprocess"]``) travel along, and
the child measures itself (compare ``subprocess_env_allowlist``). If some
variables must go, remove those by name.

With coverage.py 7.10.0 to 7.10.2, ``patch = ["subprocess"]`` works through one
shared ``subcover.pth`` file in site-packages, which the process that wrote it
deletes when it exits (in 7.10.0 and 7.10.1 every measured process, children
included; from 7.10.2 the ``coverage run`` process alone), so coverage runs
overlapping in the same environment take it from each other: racy there
(measured when run alone). 7.10.3 gives each such process a file of its own,
and from 7.13 the file is installed with coverage.py instead.

Settings: ``patch = ["subprocess"]``; the child gets
``env={**os.environ, "APP_MODE": "test"}``.
Expected: measured (racy with 7.10.0 to 7.10.2).

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

import os
import subprocess
import sys


def child_main() -> None:
    """Run in the child interpreter."""
    total = sum(range(10))  # mpcov: child
    print(f"child computed {total} in mode {os.environ['APP_MODE']}")


def main() -> None:
    """Run this script again as the child, with one variable added to the environment."""
    env = {**os.environ, "APP_MODE": "test"}
    subprocess.run([sys.executable, __file__, "child"], env=env, check=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        child_main()
    else:
        main()
