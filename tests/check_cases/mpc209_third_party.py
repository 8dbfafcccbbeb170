"""MPC209: billiard, multiprocess and joblib workers, each with the fix that works for it.

Bad settings:

[tool.coverage.run]
concurrency = ["multiprocessing"]

Fixed settings:

[tool.coverage.run]
patch = ["subprocess", "_exit"]
"""

from __future__ import annotations

import billiard  # type: ignore[import-untyped]  # billiard ships no types
import multiprocess  # type: ignore[import-untyped]  # multiprocess ships no types
from joblib.parallel import Parallel, delayed  # type: ignore[import-untyped]


def work(x: int) -> int:
    """Run in a worker."""
    return x * 2


def main() -> None:
    """One finding per library, at its first place."""
    process = billiard.Process(target=work, args=(1,))  # expect: MPC209
    process.start()
    process.join()
    with billiard.Pool(2) as pool:
        print(pool.map(work, [1, 2]))
        pool.close()
        pool.join()
    child = multiprocess.Process(target=work, args=(1,))  # expect: MPC209
    child.start()
    child.join()
    print(Parallel(n_jobs=2)(delayed(work)(i) for i in range(4)))  # expect: MPC209
