"""pytest-cov with branch coverage and a pool: ``branch = true`` in the config file.

Every coverage.py that a child starts reads the configuration file, so a
setting that all processes must share belongs there, not on the command line:
here ``branch = true`` sits next to ``concurrency``, every worker measures
branches like the pytest process, and pytest-cov combines the data without
complaint (compare ``pytest_cov_branch_with_concurrency``).

Settings: ``concurrency = ["multiprocessing"]`` and ``branch = true``; plain
``--cov`` on the command line.
Expected: measured, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]
branch = true

[tool.mpcov]
expect = "measured"
requires = ["pytest-cov"]
requires-coverage = ">=7.10.6"
command = ["{python}", "-m", "pytest", "{script}::test_pool_doubles[{method}]", "-p", "no:cacheprovider", "--cov", "--cov-report=", "-q"]
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
        assert pool.apply(work, (21,)) == 42
        pool.close()
        pool.join()


def main() -> None:
    """Run this file's tests under pytest (any name works when the file is named)."""
    sys.exit(pytest.main([__file__, "-q"]))


if __name__ == "__main__":
    main()
