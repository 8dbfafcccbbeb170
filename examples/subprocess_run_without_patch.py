"""A Python child started with ``subprocess.run([sys.executable, ...])``: lost by default.

``coverage run`` measures the process it starts, and nothing else. A new Python
interpreter started by that process knows nothing about coverage.py: it does not
import it, and its lines are never recorded, however cleanly it exits. The
same holds for ``os.system()`` and ``os.spawn*()`` children. (``os.exec*()``
starts no child: it replaces the measured program, whose unsaved data goes
with it; see ``exec_execve_patch_execv_no_parallel``.)

Settings: ``parallel = true`` only (``concurrency = ["multiprocessing"]`` would not help: it only
reaches children that multiprocessing starts).
Expected: lost.

[tool.coverage.run]
parallel = true

[tool.mpcov]
expect = "lost"
start-methods = []
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
