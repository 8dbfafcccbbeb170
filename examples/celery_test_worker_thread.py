"""Celery's test worker with ``concurrency = ["multiprocessing", "thread"]``: measured.

The test worker runs tasks in a thread of the test process
(``celery_test_worker_concurrency_multiprocessing``). Listing ``"thread"``
next to ``"multiprocessing"`` makes coverage.py trace that thread too, so the
task lines are measured, and multiprocessing children elsewhere in the tests
still are.

Celery's prefork pool (billiard) is a different case: see the Celery and
billiard page.

Settings: ``concurrency = ["multiprocessing", "thread"]``; an in-memory broker.
Expected: measured.

[tool.coverage.run]
concurrency = ["multiprocessing", "thread"]

[tool.mpcov]
expect = "measured"
start-methods = []
requires = ["celery"]
"""

from __future__ import annotations

from celery import Celery  # type: ignore[import-untyped]  # celery ships no types
from celery.contrib.testing.worker import start_worker  # type: ignore[import-untyped]

app = Celery("example", broker="memory://", backend="cache+memory://")


@app.task  # type: ignore[untyped-decorator]
def double(x: int) -> int:
    """Run by the test worker's thread."""
    return x * 2  # mpcov: child


def main() -> None:
    """Start the embedded test worker, run one task through it, wait for the result."""
    with start_worker(app, perform_ping_check=False):
        print(double.delay(21).get(timeout=20))


if __name__ == "__main__":
    main()
