"""MPC201: ``os._exit()`` without the ``_exit`` patch.

Bad settings:

[tool.coverage.run]
parallel = true

Fixed settings:

[tool.coverage.run]
patch = ["_exit"]
parallel = true
"""

from __future__ import annotations

import os


def main() -> None:
    """A forked child that ends with os._exit(); the parent leaving right after fork is fine."""
    if os.fork() == 0:
        print("child")
        os._exit(0)  # expect: MPC201
    if os.fork():
        os._exit(0)
