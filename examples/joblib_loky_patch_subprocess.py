"""joblib's default backend with ``patch = ["subprocess"]`` and an explicit shutdown.

loky's workers are new Python interpreters, so ``patch = ["subprocess"]`` starts
coverage.py in them, and they save when they exit normally. They are kept alive
for reuse (up to 300 s idle), so a worker saves only once the executor shuts
down. Under ``coverage run`` loky's own exit hook stops them before the data is
combined, but a report made inside the process (pytest-cov at the end of the
session) comes too early: ``get_reusable_executor().shutdown(wait=True)`` makes
the workers exit and save at a point you choose (see pytest_joblib_*).

Settings: ``patch = ["subprocess"]``, plus the shutdown call in the code.
Expected: measured (racy with coverage.py 7.10.0, whose shared ``subcover.pth``
start-up file overlapping coverage runs delete for each other).

[tool.coverage.run]
patch = ["subprocess"]

[tool.mpcov]
expect = "measured"
start-methods = []
requires = ["joblib"]
requires-coverage = ">=7.10"

[[tool.mpcov.when]]
coverage = "==7.10.0"
expect = "racy"
"""

from __future__ import annotations

from joblib import Parallel, delayed  # type: ignore[import-untyped]  # joblib ships no types
from joblib.externals.loky import get_reusable_executor  # type: ignore[import-untyped]


def work(x: int) -> int:
    """Run in a loky worker process."""
    return x * 2  # mpcov: child


def main() -> None:
    """Map over joblib's default backend (loky's reusable executor)."""
    print(Parallel(n_jobs=2)(delayed(work)(i) for i in range(4)))
    # Stop the reusable workers now, so they exit (and save) before any report.
    get_reusable_executor().shutdown(wait=True)


if __name__ == "__main__":
    main()
