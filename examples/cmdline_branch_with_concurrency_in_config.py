"""``coverage run --branch`` with ``concurrency`` in the config file: combine fails.

With ``concurrency = ["multiprocessing"]`` in the configuration file and
``--branch`` on the command line, ``coverage run`` accepts the option (the
refusal applies only when ``--concurrency`` is on the command line too). But
only the parent measures branches: each child starts its own coverage.py from
the configuration file alone, which does not say ``branch``. ``coverage
combine`` then stops with exit status 1 and "Can't combine statement coverage
data with branch data" (or "branch coverage data with statement data", whichever
file it reads first; coverage.py 6.5 says "arc data" and "line data"), and the
combined file holds the parent's data only.

The fix is to put ``branch = true`` in the configuration file, where the
children read it.

Settings: ``concurrency = ["multiprocessing"]`` in the file, ``--branch`` on the
command line, then ``coverage combine``.
Expected: lost from the combined file, on every start method; combine exits 1
with that message.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "lost"
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
        print(pool.apply(work, (21,)))
        pool.close()
        pool.join()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
