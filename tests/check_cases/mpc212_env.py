"""MPC212: ``env=`` that drops coverage's variables, under ``patch = ["subprocess"]``.

Settings:

[tool.coverage.run]
patch = ["subprocess"]
"""

from __future__ import annotations

import os
import subprocess
import sys


def bad() -> None:
    """A new mapping: COVERAGE_PROCESS_CONFIG does not reach the child."""
    env = {"PATH": os.environ["PATH"]}
    subprocess.run([sys.executable, "child.py"], env={"LANG": "C"}, check=True)  # expect: MPC212
    subprocess.run([sys.executable, "child.py"], env=dict(LANG="C"), check=True)  # noqa: C408  # expect: MPC212
    subprocess.run([sys.executable, "child.py"], env=env, check=True)  # expect: MPC212


def fixed() -> None:
    """The child's environment starts from os.environ."""
    subprocess.run([sys.executable, "child.py"], env={**os.environ, "LANG": "C"}, check=True)
    subprocess.run([sys.executable, "child.py"], env=dict(os.environ, LANG="C"), check=True)
