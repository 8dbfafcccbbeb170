"""MPC205: ``patch = ["fork"]`` on coverage.py before 7.17.3.

The test runs this case with the installed coverage.py taken as 7.16.2 for the
bad settings; the fixed settings leave "fork" out, as the rule's fix says.

Bad settings:

[tool.coverage.run]
patch = ["fork", "_exit"]
parallel = true

Fixed settings:

[tool.coverage.run]
patch = ["_exit"]
parallel = true
"""

from __future__ import annotations

import os


def main() -> None:
    """A forked child that the fork patch alone does not measure before 7.17.3."""
    if os.fork() == 0:  # expect: MPC205
        os._exit(0)
