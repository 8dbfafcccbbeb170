"""pytest-cov 7 and joblib: loky workers outlive the session, so the report misses them.

With ``patch = ["subprocess"]`` loky's workers are measured, but they are kept
for reuse and save only when they exit, at interpreter exit, after pytest-cov
has combined the data and written its report. Their data files appear in the
directory afterwards and are in no report (the header's ``data = "combined"``
judges only the data file pytest-cov combined, which is what it reported).

Settings: ``patch = ["subprocess"]``, no executor shutdown.
Expected: lost (from the report).

[tool.coverage.run]
patch = ["subprocess"]

[tool.mpcov]
expect = "lost"
start-methods = []
requires = ["pytest-cov", "joblib"]
requires-coverage = ">=7.10.6"
command = ["{python}", "-m", "pytest", "{script}", "-p", "no:cacheprovider", "--cov", "--cov-report=", "-q"]
data = "combined"
"""

from __future__ import annotations

import sys

import pytest
from joblib import Parallel, delayed  # type: ignore[import-untyped]  # joblib ships no types


def work(x: int) -> int:
    """Run in a loky worker process."""
    return x * 2  # mpcov: child


def test_parallel_doubles() -> None:
    """A test that maps over joblib's default backend (loky's reusable executor)."""
    assert Parallel(n_jobs=2)(delayed(work)(i) for i in range(4)) == [0, 2, 4, 6]


def main() -> None:
    """Run this file's tests under pytest (any name works when the file is named)."""
    sys.exit(pytest.main([__file__, "-q"]))


if __name__ == "__main__":
    main()
