"""A model of Django's ``test --parallel --failfast`` after a failure: busy workers lost.

When a test fails under ``--failfast`` (or the run is interrupted), Django's
``ParallelTestSuite.run`` sees ``result.shouldStop`` and calls
``pool.terminate()`` (``django/test/runner.py``, Django 5.2.19 and 6.1.3). A worker that is
still running its group of tests is killed by SIGTERM in the middle of it, so
nothing it ran is saved. The tests that ran before the failure in other workers
are what is missing from the report; the failure itself is what you fix first.

Here one worker is surely busy (it writes a file, and the failing group waits
for that file) when the other reports the failure.

Settings: ``concurrency = ["multiprocessing"]``.
Expected: lost (the busy worker's lines), on every start method (Django 6.1.3
runs in parallel under forkserver too).

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "lost"
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from pathlib import Path

BUSY = Path("worker-busy")


def run_subsuite(index: int) -> tuple[int, bool]:
    """Run one group of "tests": group 0 is long, group 1 fails once group 0 is running."""
    if index == 0:
        print("running the long group")  # mpcov: child
        BUSY.write_text("busy")
        time.sleep(30)  # still running when the pool is terminated
        return index, True
    deadline = time.monotonic() + 20
    while not BUSY.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return index, False


def main() -> None:
    """Stop at the first failure, as ``--failfast`` does: terminate the pool."""
    pool = multiprocessing.Pool(processes=2)
    results = pool.imap_unordered(run_subsuite, [0, 1])
    should_stop = False
    while True:
        if should_stop:
            pool.terminate()
            break
        try:
            index, passed = results.next(timeout=0.1)
        except multiprocessing.TimeoutError:
            continue
        except StopIteration:
            pool.close()
            break
        should_stop = not passed
        print(index, "passed" if passed else "FAILED")
    pool.join()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
