"""``pytest --cov --cov-branch`` with ``concurrency`` in the config file: INTERNALERROR at combine.

pytest-cov passes ``--cov-branch`` (and ``--cov=PKG``) to the coverage.py it
starts in the pytest process, not to the configuration file. A pool worker
started by a test starts its own coverage.py from the configuration file alone,
so it measures statements without branches. When pytest-cov combines the data
at the end of the session, coverage.py refuses to mix the two kinds:
``INTERNALERROR`` with "Can't combine statement coverage data with branch
data" (or "branch ... with statement", when the worker's file is read first),
and pytest exits with
status 3. The combined data keeps only the file read before the failure: the
pytest process's or the worker's, whichever name sorts first. Two lines are
marked here, one in the test and one in the worker, and exactly one of them is
in the combined data: partial, every time.

The fix is ``branch = true`` in the configuration file
(``pytest_cov_branch_in_config``).

Settings: ``concurrency = ["multiprocessing"]``, and ``--cov --cov-branch`` on the
pytest command line.
Expected: partial in the combined data (one process's), on every start method;
pytest exits 3.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "partial"
requires = ["pytest-cov"]
requires-coverage = ">=7.10.6"
command = ["{python}", "-m", "pytest", "{script}::test_pool_doubles[{method}]", "-p", "no:cacheprovider", "--cov", "--cov-branch", "--cov-report=", "-q"]
exit-code = 3
output = "Can't combine"
data = "combined"
"""

from __future__ import annotations

import multiprocessing
import sys

import pytest


def work(x: int) -> int:
    """Run in a pool worker."""
    return x * 2  # mpcov: child


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_pool_doubles(method: str) -> None:
    """A test that uses a cleanly closed pool (``mpcov verify`` selects one method)."""
    with multiprocessing.get_context(method).Pool(1) as pool:
        # This marked line runs in the pytest process, the other one in the pool worker.
        assert pool.apply(work, (21,)) == 42  # mpcov: child
        pool.close()
        pool.join()


def main() -> None:
    """Run this file's tests under pytest (any name works when the file is named)."""
    sys.exit(pytest.main([__file__, "-q"]))


if __name__ == "__main__":
    main()
