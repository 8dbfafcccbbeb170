"""joblib with ``patch = ["subprocess"]`` and the task imported from a module: measured.

cloudpickle sends a function by reference when it lives at the top level of a
module the worker can import: the worker imports ``_joblib_tasks`` and runs
``double`` from its real file, which coverage.py measures. This holds whichever
cloudpickle is installed; a function defined in the script itself is sent by
value and, since cloudpickle 3.1.3, is not measured (joblib_loky_patch_subprocess).
loky keeps its workers for reuse, so ``get_reusable_executor().shutdown(wait=True)``
makes them exit and save before anything reports.

Settings: ``patch = ["subprocess"]``, the shutdown call, and task functions at the
top level of an importable module.
Expected: measured (racy with coverage.py 7.10.0 to 7.10.2, whose shared ``subcover.pth``
start-up file overlapping coverage runs delete for each other).

[tool.coverage.run]
patch = ["subprocess"]

[tool.mpcov]
expect = "measured"
start-methods = []
requires = ["joblib"]
requires-coverage = ">=7.10"
files = ["_joblib_tasks.py"]

[[tool.mpcov.when]]
coverage = "<7.10.3"
expect = "racy"
"""

from __future__ import annotations

from _joblib_tasks import double
from joblib import Parallel, delayed  # type: ignore[import-untyped]  # joblib ships no types
from joblib.externals.loky import get_reusable_executor  # type: ignore[import-untyped]


def main() -> None:
    """Map an imported function over joblib's default backend (loky)."""
    print(Parallel(n_jobs=2)(delayed(double)(i) for i in range(4)))
    # Stop the reusable workers now, so they exit (and save) before any report.
    get_reusable_executor().shutdown(wait=True)


if __name__ == "__main__":
    main()
