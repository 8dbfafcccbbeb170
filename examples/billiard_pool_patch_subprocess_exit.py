"""billiard with ``patch = ["subprocess", "_exit"]``: measured.

``subprocess`` starts coverage.py in billiard's spawned interpreters (spawn
workers, the forkserver process) and ``_exit`` makes the worker's final
``os._exit()`` save first; fork and forkserver workers inherit a running
coverage.py. This is the configuration Celery users need for the prefork pool.

On Python 3.9 (billiard 4.2.4, the newest there) spawn and forkserver pools do
not work at all, with or without coverage.py: the worker cannot unpickle the
task ("Can't get attribute 'work' on <module '__main__'>"), dies, and ``apply()``
waits forever. Those rows are skipped there.

Settings: ``patch = ["subprocess", "_exit"]``.
Expected: measured, on every start method (forkserver and spawn racy with
coverage.py 7.10.0 to 7.10.2, whose shared ``subcover.pth`` start-up file
overlapping coverage runs delete for each other; 7.10.3 gives each process its own).

[tool.coverage.run]
patch = ["subprocess", "_exit"]

[tool.mpcov]
expect = "measured"
requires = ["billiard"]
requires-coverage = ">=7.10"

[[tool.mpcov.when]]
coverage = "<7.10.3"
expect = { forkserver = "racy", spawn = "racy" }

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
