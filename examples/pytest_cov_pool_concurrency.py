"""pytest + pytest-cov 7, a test that uses a pool: ``concurrency = ["multiprocessing"]``.

pytest-cov reads the same ``[tool.coverage.run]`` settings as ``coverage run``.
With ``concurrency = ["multiprocessing"]`` every pool worker starts coverage.py
and saves when it exits; the pool is closed and joined inside the test, so the
files exist when pytest-cov combines them at the end of the session.

Settings: ``concurrency = ["multiprocessing"]`` (``patch = ["subprocess",
"_exit"]`` works too).
Expected: measured, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

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
