"""MPC210: multiprocessing and executors without settings that reach the workers.

Bad settings:

[tool.coverage.run]
branch = true

Fixed settings:

[tool.coverage.run]
branch = true
concurrency = ["multiprocessing"]
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor


def work(x: int) -> int:
    """Run in a worker."""
    return x * 2


def main() -> None:
    """An executor's workers are multiprocessing children too."""
    with ProcessPoolExecutor(2) as executor:  # expect: MPC210
        print(list(executor.map(work, [1, 2])))
