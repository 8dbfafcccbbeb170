"""MPC213: ``--branch`` on a command line, which the children never see.

The test reads this docstring's command line as the project's, as mpcov reads
tox.ini, noxfile.py or a CI file:

    coverage run --branch -m pytest  # expect: MPC213

With the fixed settings the children read ``branch = true`` from the file too.

Bad settings:

[tool.coverage.run]
concurrency = ["multiprocessing"]

Fixed settings:

[tool.coverage.run]
concurrency = ["multiprocessing"]
branch = true
"""

from __future__ import annotations

import multiprocessing


def work(x: int) -> int:
    """Run in a worker."""
    return x * 2


def main() -> None:
    """Start workers, so that what the children measure matters."""
    with multiprocessing.Pool(2) as pool:
        print(pool.map(work, [1, 2]))
        pool.close()
        pool.join()
