"""``ProcessPoolExecutor`` with no coverage settings: the workers are never measured.

An executor's workers are multiprocessing children. Closed cleanly by its
``with`` block they leave through their normal exit, but without
``concurrency = ["multiprocessing"]`` (or ``patch = ["subprocess"]`` for spawn) a
fork worker keeps the measurement it inherited yet ends with ``os._exit()``, which
skips the save, and a spawn or forkserver worker is a new interpreter that never
starts one. The same code is measured with the setting (executor_with_block).

Settings: none (an empty ``[tool.coverage.run]`` table).
Expected: lost, on every start method.

[tool.coverage.run]

[tool.mpcov]
expect = "lost"
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor


def work(x: int) -> int:
    """Run in an executor worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """Map over an executor that is shut down cleanly."""
    with ProcessPoolExecutor(2) as executor:
        print(list(executor.map(work, range(4))))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
