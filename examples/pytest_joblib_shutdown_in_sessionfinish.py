"""pytest-cov 7 and joblib: a shutdown in ``pytest_sessionfinish`` comes too late.

``get_reusable_executor().shutdown(wait=True)`` makes loky's workers save their
data, but only data saved before pytest-cov combines is in the report, and
pytest-cov 7 combines at the end of its ``pytest_runtestloop`` wrapper, before
pytest calls any ``pytest_sessionfinish`` hook. The workers' files are written
after the combine and are in no report. This file is loaded as a plugin
(``-p`` in the command) so that its hook runs, as one in ``conftest.py`` would.

Settings: ``patch = ["subprocess"]``, the shutdown in ``pytest_sessionfinish``.
Expected: lost (from the report); shut down in a session fixture's teardown
instead (pytest_joblib_with_shutdown).

[tool.coverage.run]
patch = ["subprocess"]

[tool.mpcov]
expect = "lost"
start-methods = []
requires = ["pytest-cov", "joblib"]
requires-coverage = ">=7.10.6"
command = ["{python}", "-m", "pytest", "{script}", "-p", "pytest_joblib_shutdown_in_sessionfinish", "-p", "no:cacheprovider", "--cov", "--cov-report=", "-q"]
data = "combined"
"""

from __future__ import annotations

import sys

import pytest
from joblib import Parallel, delayed  # type: ignore[import-untyped]  # joblib ships no types
from joblib.externals.loky import get_reusable_executor  # type: ignore[import-untyped]


def work(x: int) -> int:
    """Run in a loky worker process."""
    return x * 2  # mpcov: child


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the reusable workers when the session ends: after pytest-cov's combine."""
    get_reusable_executor().shutdown(wait=True)


def test_parallel_doubles() -> None:
    """A test that maps over joblib's default backend (loky's reusable executor)."""
    assert Parallel(n_jobs=2)(delayed(work)(i) for i in range(4)) == [0, 2, 4, 6]


def main() -> None:
    """Run this file's tests under pytest, with the file as a plugin so its hook runs."""
    sys.exit(pytest.main([__file__, "-p", "pytest_joblib_shutdown_in_sessionfinish", "-q"]))


if __name__ == "__main__":
    main()
