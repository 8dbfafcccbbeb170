"""Celery's test worker with ``concurrency = ["multiprocessing"]``: the tasks are lost.

``celery.contrib.testing.worker.start_worker`` (what the ``celery_worker``
pytest fixture uses) runs the worker in a daemon thread of the test process,
with the ``solo`` pool by default: tasks run in that thread, not in a child
process (``celery/contrib/testing/worker.py``, Celery 5.7). With the default
``ctrace`` core, coverage.py traces threads only when ``concurrency`` includes
``"thread"``, which is the default until you set ``concurrency`` yourself. A
project that lists only ``"multiprocessing"`` (for its other tests) stops
tracing the worker thread, and every task line is missed.

On Python 3.14 and later, coverage.py 7.9.1 and later choose the sysmon core by
default (``SYSMON_DEFAULT`` in ``coverage/env.py``, ``coverage/core.py``), which
sees every thread; that case is read from coverage.py's source, not measured here.

Settings: ``concurrency = ["multiprocessing"]``; an in-memory broker.
Expected: lost (measured on Python 3.14+ with coverage.py 7.9.1+: read from
source, not measured here).

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "lost"
start-methods = []
requires = ["celery"]

[[tool.mpcov.when]]
python = ">=3.14"
coverage = ">=7.9.1"
expect = "measured"
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
