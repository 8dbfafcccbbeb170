"""A model of Django's ``test --parallel``: a pool closed and joined, measured.

Django's ``ParallelTestSuite.run`` (``django/test/runner.py``, Django 5.2)
starts a ``multiprocessing.Pool`` with an initializer, hands each worker a
group of test cases through ``imap_unordered``, polls the results with
``next(timeout=0.1)``, and when they are all in calls ``pool.close()`` and then
``pool.join()``. The workers leave through their normal exit, so with
``concurrency = ["multiprocessing"]`` every worker saves. This script does the
same steps with plain functions in place of test cases, so it runs without
Django.

Which start methods Django uses: with ``--parallel auto``, Django 5.2.19 runs
in parallel only under fork and spawn, and Django 6.1.3 under forkserver too
(``get_max_test_processes`` returns 1 for any other method). An explicit
``--parallel N`` is not checked against the start method in either release
(``django/core/management/commands/test.py`` resolves only ``auto``). Django
6.1.3 runs the same steps inside ``with multiprocessing.Pool(...)``, joining
before the block ends, so its ``terminate()`` meets no live worker. The model
runs on every start method.

Settings: ``concurrency = ["multiprocessing"]``.
Expected: measured.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "measured"
"""

from __future__ import annotations

import multiprocessing
import sys
from typing import Any

_worker_id = 0


def init_worker(counter: Any) -> None:
    """Give each worker a number, as Django's ``_init_worker`` does for its test databases."""
    global _worker_id
    with counter.get_lock():
        counter.value += 1
        _worker_id = counter.value


def run_subsuite(args: tuple[int, list[int]]) -> tuple[int, list[str]]:
    """Run one group of "tests" in a worker and return its events."""
    index, tests = args
    events = [f"worker {_worker_id} passed test {t}" for t in tests]  # mpcov: child
    return index, events


def main() -> None:
    """Distribute the groups, collect results as they come, then close and join."""
    subsuites = [[1, 2], [3, 4], [5]]
    counter = multiprocessing.Value("i", 0)
    pool = multiprocessing.Pool(processes=2, initializer=init_worker, initargs=(counter,))
    results = pool.imap_unordered(run_subsuite, list(enumerate(subsuites)))
    while True:
        try:
            index, events = results.next(timeout=0.1)
        except multiprocessing.TimeoutError:
            continue
        except StopIteration:
            pool.close()
            break
        print(index, events)
    pool.join()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
