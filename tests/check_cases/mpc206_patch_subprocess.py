"""MPC206: ``patch = ["subprocess"]`` without ``_exit`` for multiprocessing.

Bad settings:

[tool.coverage.run]
patch = ["subprocess"]

Fixed settings:

[tool.coverage.run]
patch = ["subprocess", "_exit"]
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def work(x: int) -> int:
    """Run in a worker."""
    return x * 2


def main() -> None:
    """Fork and forkserver workers end with os._exit(): one finding for both places."""
    with multiprocessing.Pool(2) as pool:  # expect: MPC206
        print(pool.map(work, [1, 2]))
        pool.close()
        pool.join()
    with ProcessPoolExecutor(2) as executor:
        print(list(executor.map(work, [1, 2])))
