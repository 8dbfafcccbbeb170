"""``coverage run --include=...`` with ``concurrency`` in the config file: the children ignore it.

Options on the ``coverage run`` command line configure the parent's coverage.py
only. Each multiprocessing child starts its own coverage.py from the
configuration file, so a filter given as ``--include`` (or ``--omit``,
``--source``) does not reach it. Here ``--include`` names a file that does not
exist, so the parent measures nothing; the child still measures this script.
"Measured" below means the child ignored the filter.

Settings: ``concurrency = ["multiprocessing"]`` in the file,
``--include=not_this_file.py`` on the command line.
Expected: measured (by the child, despite ``--include``), on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "measured"
command = ["{python}", "-m", "coverage", "run", "--include=not_this_file.py", "{script}", "{method}"]
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
