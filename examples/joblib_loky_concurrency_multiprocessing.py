"""joblib's default backend with ``concurrency = ["multiprocessing"]``: lost.

joblib runs ``Parallel`` on loky's reusable executor. loky starts each worker as
a fresh interpreter with its own start-up code (``loky.backend.spawn``), not
through multiprocessing's spawn preparation, so coverage.py's multiprocessing
patch never reaches the workers: nothing starts coverage.py in them.

Settings: ``concurrency = ["multiprocessing"]``, the usual advice, which does not
apply here.
Expected: lost. The fix is joblib_loky_patch_subprocess.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "lost"
start-methods = []
requires = ["joblib"]
"""

from __future__ import annotations

from joblib import Parallel, delayed  # type: ignore[import-untyped]  # joblib ships no types


def work(x: int) -> int:
    """Run in a loky worker process."""
    return x * 2  # mpcov: child


def main() -> None:
    """Map over joblib's default backend (loky's reusable executor)."""
    print(Parallel(n_jobs=2)(delayed(work)(i) for i in range(4)))


if __name__ == "__main__":
    main()
