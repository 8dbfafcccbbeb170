"""``coverage run --branch`` with ``concurrency`` in the config file: combine fails.

With ``concurrency = ["multiprocessing"]`` in the configuration file and
``--branch`` on the command line, ``coverage run`` accepts the option (the
refusal applies only when ``--concurrency`` is on the command line too). But
only the parent measures branches: each child starts its own coverage.py from
the configuration file alone, which does not say ``branch``. ``coverage
combine`` then stops with exit status 1 and "Can't combine statement coverage
data with branch data" (or "branch coverage data with statement data": the two
kinds in the order it reads the files; coverage.py 6.5 says "arc data" and "line
data"). The combined file keeps only what it read before the failure: the data
of the parent or of the child, whichever file name sorts first (process ids, so
usually the parent). Two lines are marked here, one the parent runs and one the
child runs, and exactly one of them is in the combined file: partial, every time.

The fix is to put ``branch = true`` in the configuration file, where the
children read it.

Settings: ``concurrency = ["multiprocessing"]`` in the file, ``--branch`` on the
command line, then ``coverage combine``.
Expected: partial in the combined file (one process's data), on every start
method; combine exits 1 with that message.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "partial"
command = ["{python}", "-m", "coverage", "run", "--branch", "{script}", "{method}"]
then = [["{python}", "-m", "coverage", "combine"]]
exit-code = 1
output = "Can't combine"
data = "combined"
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
        # This marked line runs in the parent, the other one in the pool worker.
        print(pool.apply(work, (21,)))  # mpcov: child
        pool.close()
        pool.join()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
