"""A subprocess started with an allow-listed ``env=``: not measured, even with the patch.

``patch = ["subprocess"]`` reaches a new Python through the environment:
coverage.py puts its configuration in ``COVERAGE_PROCESS_CONFIG`` (the
configuration file's path in ``COVERAGE_PROCESS_START`` before 7.10.3), and the
start-up ``.pth`` file starts measuring only in a process that has it. Code that builds the child's environment from scratch, a
few allowed variables and nothing else, drops that variable, and the child runs
unmeasured. Nothing warns: the child works, and its lines are missing.

Settings: ``patch = ["subprocess"]``; the child gets ``env={"PATH": ...}``.
Expected: lost, every time.

[tool.coverage.run]
patch = ["subprocess"]

[tool.mpcov]
expect = "lost"
start-methods = []
requires-coverage = ">=7.10"
"""

from __future__ import annotations

import os
import subprocess
import sys


def child_main() -> None:
    """Run in the child interpreter."""
    total = sum(range(10))  # mpcov: child
    print(f"child computed {total}")


def main() -> None:
    """Run this script again as the child, with only the variables it is allowed."""
    allowed = {"PATH": os.environ.get("PATH", "")}
    subprocess.run([sys.executable, __file__, "child"], env=allowed, check=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        child_main()
    else:
        main()
