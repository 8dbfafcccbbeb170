"""A pool used only through its ``with`` block: the doctor's tutorial and acceptance case.

Run as ``python -m coverage run pool_map_with.py fork`` with
``concurrency = ["multiprocessing"]``: leaving the block calls ``terminate()``.
"""

from __future__ import annotations

import multiprocessing
import sys


def double(x: int) -> int:
    """Run in a pool worker."""
    return x * 2


def main() -> None:
    """Map over a pool and leave the ``with`` block at once."""
    with multiprocessing.Pool(2) as pool:
        print(pool.map(double, range(10)))


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "fork")
    main()
