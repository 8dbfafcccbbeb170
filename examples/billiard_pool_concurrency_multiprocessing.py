"""billiard (Celery's prefork pool) with ``concurrency = ["multiprocessing"]``: lost.

billiard is a fork of multiprocessing with its own process class and pool.
coverage.py's ``concurrency = ["multiprocessing"]`` patches the standard
library's ``multiprocessing`` only, which billiard does not use to start or
bootstrap its workers; and a billiard pool worker ends its process itself with
``os._exit()`` (after telling the pool it is leaving), on every start method.

On Python 3.9 (billiard 4.2.4, the newest there) spawn and forkserver pools do
not work at all, with or without coverage.py: the worker cannot unpickle the
task ("Can't get attribute 'work' on <module '__main__'>"), dies, and ``apply()``
waits forever. Those rows are skipped there.

Settings: ``concurrency = ["multiprocessing"]``.
Expected: lost, on every start method, although the pool is closed and joined.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "lost"
requires = ["billiard"]

[[tool.mpcov.when]]
python = "<3.10"
skip = { forkserver = "billiard 4.2 on Python 3.9 hangs: workers cannot find the task", spawn = "billiard 4.2 on Python 3.9 hangs: workers cannot find the task" }
"""

from __future__ import annotations

import sys

import billiard  # type: ignore[import-untyped]  # billiard ships no types


def work(x: int) -> int:
    """Run in a billiard pool worker."""
    return x * 2  # mpcov: child


def main(method: str) -> None:
    """Use a billiard pool cleanly: ``close()`` then ``join()``."""
    pool = billiard.get_context(method).Pool(1)
    print(pool.apply(work, (21,)))
    pool.close()
    pool.join()


if __name__ == "__main__":
    # The start method (fork, forkserver or spawn), as `mpcov verify` passes it.
    main(sys.argv[1])
