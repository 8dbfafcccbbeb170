"""MPC105: a daemon child never joined.

Settings:

[tool.coverage.run]
concurrency = ["multiprocessing"]
"""

from __future__ import annotations

import multiprocessing
import time


def work() -> None:
    """Run in a child for a while."""
    time.sleep(10)


def bad() -> None:
    """Still running at exit, the daemon child is SIGTERMed."""
    process = multiprocessing.Process(target=work, daemon=True)  # expect: MPC105
    process.start()


def fixed() -> None:
    """Joined through the list that holds them; one never started."""
    children = []
    for _ in range(2):
        child = multiprocessing.Process(target=work, daemon=True)
        child.start()
        children.append(child)
    for child in children:
        child.join()
    multiprocessing.Process(target=work, daemon=True)
