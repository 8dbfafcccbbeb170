"""MPC209: billiard, multiprocess, joblib and mpire-with-dill workers, each with its fix.

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
from mpire.pool import WorkerPool


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
    # With dill, mpire's spawn and forkserver workers are multiprocess processes...
    with WorkerPool(n_jobs=2, use_dill=True, start_method="spawn") as dill_pool:  # expect: MPC209
        print(dill_pool.map(work, [1, 2]))
    # ...while its fork workers stay the standard library's, reached by concurrency.
    with WorkerPool(n_jobs=2, use_dill=True, start_method="fork") as fork_pool:
        print(fork_pool.map(work, [1, 2]))
