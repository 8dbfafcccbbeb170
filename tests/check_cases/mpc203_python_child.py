"""MPC203: a new Python interpreter without the ``subprocess`` patch.

Bad settings:

[tool.coverage.run]
parallel = true

Fixed settings:

[tool.coverage.run]
patch = ["subprocess"]
"""

from __future__ import annotations

import subprocess
import sys


def main() -> None:
    """The first child runs the project; pip and venv run no code of it."""
    subprocess.run([sys.executable, "-m", "mpc203_python_child"], check=True)  # expect: MPC203
    subprocess.run([sys.executable, "-m", "pip", "--version"], check=True)
    subprocess.run([sys.executable, "-m", "venv", "env"], check=True)
