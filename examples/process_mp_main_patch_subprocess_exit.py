"""Module-level code of ``__main__`` in a child, with ``patch = ["subprocess", "_exit"]``.

``"subprocess"`` starts coverage.py in every new interpreter (the spawn child,
the fork server), from its first line; ``"_exit"`` makes ``os._exit()`` save
first. A forkserver child is forked from the measured fork server, re-imports the
main script as ``__mp_main__`` there and ends with ``os._exit()``, which now
saves. So the module-level lines are measured under both start methods. On
CPython 3.13.8 and later 3.13 releases, and 3.14.1 and later, the fork server
imports the script itself before it forks (``Lib/multiprocessing/forkserver.py``,
gh-126631) and saves when it exits after the parent: measured all the same (read
from source, not measured here).

From coverage.py 7.10.0 to 7.10.2, ``patch = ["subprocess"]`` writes one
shared ``subcover.pth`` into site-packages when a measured run starts and deletes
it when that run exits, so two runs at once in the same environment (parallel CI
jobs, ``mpcov verify -j 2``) can remove it under each other's children, which then
start unmeasured: "racy" there. From 7.10.3 each run writes a file of
its own, ``subcover_<pid>.pth`` (coverage.py 7.10.3, coverage/patch.py), and from
7.13 the file is installed with coverage.py and none is written at run time: the
race is gone. The recorded results give the rates.

Settings: ``patch = ["subprocess", "_exit"]`` (coverage.py 7.10+), no ``concurrency``.
Expected: measured under forkserver and spawn (racy on 7.10.0 to 7.10.2 when runs overlap);
not applicable to fork.

[tool.coverage.run]
patch = ["subprocess", "_exit"]

[tool.mpcov]
expect = { forkserver = "measured", spawn = "measured" }
skip = { fork = "fork does not re-import the main module, so the lines never run" }
requires-coverage = ">=7.10"

[[tool.mpcov.when]]
coverage = "<7.10.3"
expect = { forkserver = "racy", spawn = "racy" }
"""

from __future__ import annotations

import multiprocessing
import sys

if __name__ == "__mp_main__":
    # Runs only in a spawn or forkserver child, while it imports the parent's script.
    CHILD_SETTING = 42  # mpcov: child


def work(x: int) -> None:
    """Run in the child process."""
    print(x * 2)


def main() -> None:
    """Start one child and wait for it."""
    process = multiprocessing.Process(target=work, args=(21,))
    process.start()
    process.join()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
