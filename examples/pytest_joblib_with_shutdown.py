"""pytest-cov 7 and joblib: shut the reusable executor down in a session fixture.

``get_reusable_executor().shutdown(wait=True)`` stops loky's workers, so each one
saves its data while the test session is still running, in time for
pytest-cov's combine. The call goes in the teardown of a session-scoped fixture
(here autouse, in a real suite in ``conftest.py``): pytest tears session
fixtures down at the end of the test loop, and pytest-cov 7 combines right
after the loop, in its ``pytest_runtestloop`` wrapper. A ``pytest_sessionfinish``
hook runs after that combine and is too late
(pytest_joblib_shutdown_in_sessionfinish).

Settings: ``patch = ["subprocess"]``, plus the shutdown fixture.
Expected: measured (from the report, run as in pytest_joblib_without_shutdown).

[tool.coverage.run]
patch = ["subprocess"]

[tool.mpcov]
expect = "measured"
start-methods = []
requires = ["pytest-cov", "joblib"]
requires-coverage = ">=7.10.6"
command = ["{python}", "-m", "pytest", "{script}", "-p", "no:cacheprovider", "--cov", "--cov-report=", "-q"]
data = "combined"
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from joblib import Parallel, delayed  # type: ignore[import-untyped]  # joblib ships no types
from joblib.externals.loky import get_reusable_executor  # type: ignore[import-untyped]


def work(x: int) -> int:
    """Run in a loky worker process."""
    return x * 2  # mpcov: child


@pytest.fixture(scope="session", autouse=True)
def _stop_loky_workers() -> Iterator[None]:
    """Stop the reusable workers after the last test, before pytest-cov combines."""
    yield
    get_reusable_executor().shutdown(wait=True)


def test_parallel_doubles() -> None:
    """A test that maps over joblib's default backend (loky's reusable executor)."""
    assert Parallel(n_jobs=2)(delayed(work)(i) for i in range(4)) == [0, 2, 4, 6]


def main() -> None:
    """Run this file's tests under pytest (any name works when the file is named)."""
    sys.exit(pytest.main([__file__, "-q"]))


if __name__ == "__main__":
    main()
