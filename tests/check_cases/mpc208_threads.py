"""MPC208: threads in children while ``concurrency`` lacks "thread".

Bad settings:

[tool.coverage.run]
concurrency = ["multiprocessing"]
core = "ctrace"

Fixed settings:

[tool.coverage.run]
concurrency = ["multiprocessing", "thread"]
core = "ctrace"
"""

from __future__ import annotations

import multiprocessing
import threading


def work() -> None:
    """Start a thread in the child."""
    thread = threading.Thread(target=print, args=("in a thread",))  # expect: MPC208
    thread.start()
    thread.join()


def main() -> None:
    """Run work() in a child."""
    process = multiprocessing.Process(target=work)
    process.start()
    process.join()
