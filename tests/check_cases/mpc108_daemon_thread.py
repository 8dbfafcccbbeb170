"""MPC108: a daemon thread in a child, never joined.

Settings:

[tool.coverage.run]
concurrency = ["multiprocessing", "thread"]
"""

from __future__ import annotations

import multiprocessing
import threading
import time


def in_thread() -> None:
    """Run in a thread of the child."""
    time.sleep(1)


def abandon() -> None:
    """The child's target returns while its daemon thread still runs."""
    threading.Thread(target=in_thread, daemon=True).start()  # expect: MPC108


def wait() -> None:
    """The child's target joins its daemon thread first."""
    thread = threading.Thread(target=in_thread, daemon=True)
    thread.start()
    thread.join()


def main() -> None:
    """Run both targets in children."""
    for target in (abandon, wait):
        process = multiprocessing.Process(target=target)
        process.start()
        process.join()
    process = multiprocessing.Process(target=abandon)
    process.start()
    process.join()
