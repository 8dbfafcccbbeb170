"""Run pytest, then keep only the data that pytest-cov combined (helper, not an example).

pytest-cov combines the parallel data files that exist when the test session
ends. A child that outlives the session (a loky worker kept for reuse) writes
its file later, at interpreter exit, and that file never reaches pytest-cov's
report. The verification engine reads every data file in the run directory, so
this wrapper removes the late files after pytest has exited: what is left is
exactly what the report was made from.

Usage: ``python _pytest_combined_only.py PYTEST-ARGS...``
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> None:
    """Run ``python -m pytest`` with our arguments and drop uncombined data files."""
    result = subprocess.run([sys.executable, "-m", "pytest", *sys.argv[1:]], check=False)
    late = sorted(Path.cwd().glob(".coverage.*"))
    for path in late:
        path.unlink()
    if late:
        print(
            f"removed {len(late)} data file(s) written after pytest-cov combined", file=sys.stderr
        )
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
