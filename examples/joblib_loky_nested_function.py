"""joblib with a nested function from an importable module: lost since cloudpickle 3.1.3.

Moving tasks into a module helps only for top-level functions. A closure (or a
lambda, or any nested function) has no importable name, so cloudpickle sends it
by value wherever it was defined, and cloudpickle 3.1.3 rebuilds it with the file
name ``<dynamic-code>``, which coverage.py does not measure. With cloudpickle
3.1.2 or older the closure keeps its real file name and is measured. The fix is a
top-level function (``functools.partial`` of one keeps it by reference).

Settings: ``patch = ["subprocess"]`` and the shutdown call, as in
joblib_loky_task_in_module.
Expected: lost with cloudpickle >= 3.1.3; measured with older cloudpickle (racy
with coverage.py 7.10.0 to 7.10.2).

[tool.coverage.run]
patch = ["subprocess"]

[tool.mpcov]
expect = "measured"
start-methods = []
requires = ["joblib"]
requires-coverage = ">=7.10"
files = ["_joblib_closures.py"]

[[tool.mpcov.when]]
coverage = "<7.10.3"
expect = "racy"

[[tool.mpcov.when]]
libraries = { cloudpickle = ">=3.1.3" }
expect = "lost"
"""

from __future__ import annotations

from _joblib_closures import make_scaler
from joblib import Parallel, delayed  # type: ignore[import-untyped]  # joblib ships no types
from joblib.externals.loky import get_reusable_executor  # type: ignore[import-untyped]


def main() -> None:
    """Map a closure made in an importable module over loky's workers."""
    triple = make_scaler(3)
    print(Parallel(n_jobs=2)(delayed(triple)(i) for i in range(4)))
    get_reusable_executor().shutdown(wait=True)


if __name__ == "__main__":
    main()
