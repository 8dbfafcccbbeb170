"""billiard with ``patch = ["subprocess"]`` alone: lost even with spawn.

``patch = ["subprocess"]`` does start coverage.py in billiard's spawn workers
(they are new interpreters), and fork workers inherit the parent's tracer. But
billiard's pool worker ends its process with ``os._exit()`` on every start
method, spawn included, so no worker ever reaches the normal exit where
coverage.py saves.

On Python 3.9 (billiard 4.2.4, the newest there) spawn and forkserver pools do
not work at all, with or without coverage.py: the worker cannot unpickle the
task ("Can't get attribute 'work' on <module '__main__'>"), dies, and ``apply()``
waits forever. Those rows are skipped there.

Settings: ``patch = ["subprocess"]``.
Expected: lost, on every start method. Add ``"_exit"`` (billiard_pool_patch_subprocess_exit).

[tool.coverage.run]
patch = ["subprocess"]

[tool.mpcov]
expect = "lost"
requires = ["billiard"]
requires-coverage = ">=7.10"

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
