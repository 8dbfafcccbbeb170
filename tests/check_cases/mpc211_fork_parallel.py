"""MPC211: ``os.fork()`` children that exit normally, without ``parallel``.

Bad settings:

[tool.coverage.run]
branch = true

Fixed settings:

[tool.coverage.run]
branch = true
parallel = true
"""

from __future__ import annotations

import os
import sys


def serve() -> None:
    """A prefork server: each child works and exits through sys.exit."""
    for _ in range(2):
        pid = os.fork()  # expect: MPC211
        if pid == 0:
            print("worker", os.getpid())
            sys.exit(0)
