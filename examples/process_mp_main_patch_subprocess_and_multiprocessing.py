"""Module-level code of ``__main__`` in a child, with ``patch = ["subprocess"]`` AND ``concurrency = ["multiprocessing"]``.

A surprise: adding ``concurrency = ["multiprocessing"]`` to
``patch = ["subprocess"]`` loses the ``__mp_main__`` lines again. The spawn
child's interpreter starts coverage.py at startup and measures the re-import,
but then multiprocessing's bootstrap creates its own ``Coverage`` object, and
creating any ``Coverage`` object tells the automatically started one not to
save ("this process is already coverage-aware"). Only the bootstrap's data,
which starts after the import, is written. Under forkserver the child ends with
``os._exit()`` as well, which the automatic one would not survive anyway.

On CPython 3.13.8 and later 3.13 releases, and 3.14.1 and later, the fork server
imports the main script as ``__mp_main__`` itself, before it forks any child
(``Lib/multiprocessing/forkserver.py``, gh-126631), and the child imports nothing.
The server is a new interpreter measured by the patch, makes no second
``Coverage`` object (that happens in the children), and ends normally after the
parent exits, so it saves: measured there under forkserver. That case is read
from CPython's and coverage.py's source, not measured here.

Settings: ``concurrency = ["multiprocessing"]`` plus ``patch = ["subprocess"]``.
Expected: lost under forkserver and spawn (forkserver measured on CPython 3.13.8+
and 3.14.1+: read from source, not measured here); not applicable to fork.

[tool.coverage.run]
concurrency = ["multiprocessing"]
patch = ["subprocess"]

[tool.mpcov]
expect = { forkserver = "lost", spawn = "lost" }
skip = { fork = "fork does not re-import the main module, so the lines never run" }
requires-coverage = ">=7.10"

[[tool.mpcov.when]]
python = ">=3.13.8,<3.14"
expect = { forkserver = "measured" }

[[tool.mpcov.when]]
python = ">=3.14.1"
expect = { forkserver = "measured" }

[[tool.mpcov.when]]
python = ">=3.13.8,<3.14"
coverage = "<7.10.3"
expect = { forkserver = "racy" }

[[tool.mpcov.when]]
python = ">=3.14.1"
coverage = "<7.10.3"
expect = { forkserver = "racy" }
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
