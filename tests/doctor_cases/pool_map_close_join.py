"""The same pool, closed and joined inside its ``with`` block: nothing is lost.

Run as ``python -m coverage run pool_map_close_join.py fork`` with
``concurrency = ["multiprocessing"]``.
"""

from __future__ import annotations

import multiprocessing
import sys


def double(x: int) -> int:
    """Run in a pool worker."""
    return x * 2


def main() -> None:
    """Map over a pool, then close and join it before the block ends."""
    with multiprocessing.Pool(2) as pool:
        print(pool.map(double, range(10)))
        pool.close()
        pool.join()


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "fork")
    main()
