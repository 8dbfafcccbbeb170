"""joblib with ``patch = ["subprocess"]``, the task defined in the script: lost since cloudpickle 3.1.3.

loky's workers are new Python interpreters, so ``patch = ["subprocess"]`` starts
coverage.py in them, and they save when they exit normally; they are kept for
reuse, so ``get_reusable_executor().shutdown(wait=True)`` makes them exit and
save at a point you choose. But the task function is defined in the script,
``__main__``, which no worker can import, so cloudpickle sends the function by
value. cloudpickle 3.1.3 rebuilds such functions with the file name
``<dynamic-code>`` (``_code_reduce`` in cloudpickle/cloudpickle.py), and
coverage.py never measures code whose file name is not real (inorout.py: "original
file name is not real"). With cloudpickle 3.1.2 or older the worker line is
measured. The fix is joblib_loky_task_in_module: import the task from a module.

Settings: ``patch = ["subprocess"]``, plus the shutdown call in the code.
Expected: lost with cloudpickle >= 3.1.3; measured with older cloudpickle (racy
with coverage.py 7.10.0 to 7.10.2, whose shared ``subcover.pth`` start-up file
overlapping coverage runs delete for each other).

[tool.coverage.run]
patch = ["subprocess"]

[tool.mpcov]
expect = "measured"
start-methods = []
requires = ["joblib"]
requires-coverage = ">=7.10"

[[tool.mpcov.when]]
coverage = "<7.10.3"
expect = "racy"

[[tool.mpcov.when]]
libraries = { cloudpickle = ">=3.1.3" }
expect = "lost"
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
