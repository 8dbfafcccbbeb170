"""``concurrent.futures.ProcessPoolExecutor`` in a ``with`` block.

Unlike ``multiprocessing.Pool``, leaving an executor's ``with`` block calls
``shutdown(wait=True)``: every worker receives a stop sentinel, finishes its
loop and leaves by its normal exit path, where coverage.py's multiprocessing
support saves its data, and the executor waits for that. No signal is sent.

Settings: ``concurrency = ["multiprocessing"]``.
Expected: measured, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "measured"
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor


def work(x: int) -> int:
    """Run in an executor worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """Use the executor through its ``with`` block only."""
    with ProcessPoolExecutor(2) as executor:
        print(list(executor.map(work, range(4))))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
