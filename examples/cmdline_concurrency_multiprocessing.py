"""``coverage run --concurrency=multiprocessing``: works on the command line when a config file exists.

The multiprocessing support needs a configuration file, because each child
finds its settings through the file's path (coverage.py exports it as
``COVERAGE_RCFILE``). It does not need ``concurrency`` to be written in that
file: here ``pyproject.toml`` has a ``[tool.coverage]`` table without it, and
the option is given on the command line. Every child is measured.

Settings: a ``[tool.coverage]`` table (any), and ``--concurrency=multiprocessing``
on the ``coverage run`` command line.
Expected: measured, on every start method.

[tool.coverage.report]
show_missing = true

[tool.mpcov]
expect = "measured"
command = ["{python}", "-m", "coverage", "run", "--concurrency=multiprocessing", "{script}", "{method}"]
"""

from __future__ import annotations

import multiprocessing
import sys


def work(x: int) -> int:
    """Run in a pool worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """Close and join the pool before the ``with`` block ends."""
    with multiprocessing.Pool(1) as pool:
        print(pool.apply(work, (21,)))
        pool.close()
        pool.join()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
