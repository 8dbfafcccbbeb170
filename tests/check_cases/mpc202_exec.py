"""MPC202: ``os.exec*()`` without the ``execv`` patch.

Bad settings:

[tool.coverage.run]
parallel = true

Fixed settings:

[tool.coverage.run]
patch = ["execv"]
parallel = true
"""

from __future__ import annotations

import os


def main() -> None:
    """Replace the program: what ran before is never saved."""
    os.execv("/bin/true", ["true"])  # expect: MPC202
