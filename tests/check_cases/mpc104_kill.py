"""MPC104: SIGKILL to a child.

Settings:

[tool.coverage.run]
concurrency = ["multiprocessing"]
sigterm = true
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time


def work() -> None:
    """Run in a child for a while."""
    time.sleep(10)


def bad() -> None:
    """No handler can catch SIGKILL, whatever the settings."""
    process = multiprocessing.Process(target=work)
    process.start()
    process.kill()  # expect: MPC104
    pid = os.fork()
    if pid == 0:
        work()
    else:
        os.kill(pid, signal.SIGKILL)  # expect: MPC104


def fixed() -> None:
    """The child finishes and is joined."""
    process = multiprocessing.Process(target=work)
    process.start()
    process.join()
