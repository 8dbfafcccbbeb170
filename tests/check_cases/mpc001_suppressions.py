"""MPC001: suppression comments that silence nothing, and one that does.

Settings:

[tool.coverage.run]
patch = ["_exit"]
parallel = true
"""

from __future__ import annotations

import os


def bad() -> None:
    """A comment with an unknown id, one on a clean line, and a word that is not ``ignore``."""
    os.getpid()  # mpcov: ignore[MPC999]  # expect: MPC001
    os.getpid()  # mpcov: ignore  # expect: MPC001
    os.execv("/bin/true", ["true"])  # mpcov: ignored for now  # expect: MPC202


def fixed() -> None:
    """A prefix that silences the finding on its line."""
    os.execv("/bin/true", ["true"])  # mpcov: ignore[MPC2]
