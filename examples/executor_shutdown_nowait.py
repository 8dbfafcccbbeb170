"""``ProcessPoolExecutor.shutdown(wait=False)`` with a task still running.

``shutdown(wait=False)`` returns at once, but it does not abandon the workers:
the executor's management thread still delivers the work and the stop
sentinels, and at interpreter exit ``concurrent.futures`` joins that thread,
which joins the workers. So the running task finishes, every worker leaves by
its normal exit path and coverage.py saves its data. The task here sleeps
briefly so that it is certainly still running when ``shutdown()`` returns.

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
import time
from concurrent.futures import ProcessPoolExecutor


def work(x: int) -> int:
    """Run in an executor worker, slowly."""
    time.sleep(0.5)  # still running when shutdown(wait=False) returns
    return x * 2  # mpcov: child


def main() -> None:
    """Submit a task and shut down without waiting."""
    executor = ProcessPoolExecutor(1)
    executor.submit(work, 21)
    executor.shutdown(wait=False)
    print("shutdown returned")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
