"""MPC204: patches that measure a child, without ``parallel``.

Bad settings:

[tool.coverage.run]
patch = ["_exit"]

Fixed settings:

[tool.coverage.run]
patch = ["_exit"]
parallel = true
"""

from __future__ import annotations

import os


def main() -> None:
    """The child saves first; the parent's save then erases it."""
    if os.fork() == 0:
        os._exit(0)  # expect: MPC204
