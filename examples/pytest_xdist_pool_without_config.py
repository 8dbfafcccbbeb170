"""pytest-xdist (``-n 2``) + pytest-cov 7, a test that uses a pool, no settings: lost.

pytest-cov measures the xdist workers themselves (it starts coverage.py in each
one and collects their data), so the test's own lines are reported. The pool
workers that a test starts are one level further down, and nothing measures
or saves them, exactly as without xdist.

Settings: none (an empty ``[tool.coverage.run]``).
Expected: lost, on every start method.

[tool.coverage.run]

[tool.mpcov]
expect = "lost"
requires = ["pytest-cov", "pytest-xdist"]
requires-coverage = ">=7.10.6"
command = ["{python}", "-m", "pytest", "{script}::test_pool_doubles[{method}]", "-p", "no:cacheprovider", "--cov", "--cov-report=", "-q", "-n", "2"]
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
