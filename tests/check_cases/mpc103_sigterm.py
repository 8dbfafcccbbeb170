"""MPC103: SIGTERM to a busy child, by terminate() or os.kill() of its pid.

Settings:

[tool.coverage.run]
concurrency = ["multiprocessing"]
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
    """Both forms send SIGTERM, which ends the child before it saves."""
    children = [multiprocessing.Process(target=work) for _ in range(2)]
    for child in children:
        child.start()
    for child in children:
        os.kill(child.pid, signal.SIGTERM)  # type: ignore[arg-type]  # expect: MPC103
    process = multiprocessing.Process(target=work)
    process.start()
    process.terminate()  # expect: MPC103


def fixed() -> None:
    """The children finish and are joined."""
    process = multiprocessing.Process(target=work)
    process.start()
    process.join()
    process.terminate()
