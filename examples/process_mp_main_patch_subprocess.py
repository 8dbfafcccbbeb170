"""Module-level code of ``__main__`` in a child, with ``patch = ["subprocess"]`` only.

``patch = ["subprocess"]`` makes every new Python interpreter started below the
measured one start coverage.py at interpreter startup and save at interpreter
exit. A spawn child is such an interpreter: its re-import of the main script as
``__mp_main__`` is measured, and so is the rest of its work. A forkserver child
is not: it is forked from the fork server (a new interpreter, so measured from
its start), runs the import and its target in the forked copy, and ends with
``os._exit()``, which skips the save. Adding ``"_exit"`` fixes that
(``process_mp_main_patch_subprocess_exit``).

On CPython 3.13.8 and later 3.13 releases, and 3.14.1 and later, the fork server
imports the main script as ``__mp_main__`` itself, before it forks any child
(``Lib/multiprocessing/forkserver.py``, gh-126631), and the child imports nothing.
The server is a new interpreter, measured by the patch, and it ends normally after
the parent exits, so it saves: measured there under forkserver. That case is
read from CPython's and coverage.py's source, not measured here.

From coverage.py 7.10.0 to 7.10.2, ``patch = ["subprocess"]`` writes one
shared ``subcover.pth`` into site-packages when a measured run starts and deletes
it when that run exits, so two runs at once in the same environment (parallel CI
jobs, ``mpcov verify -j 2``) can remove it under each other's children, which then
start unmeasured: "racy" there. From 7.10.3 each run writes a file of
its own, ``subcover_<pid>.pth`` (coverage.py 7.10.3, coverage/patch.py), and from
7.13 the file is installed with coverage.py and none is written at run time: the
race is gone. The recorded results give the rates.

Settings: ``patch = ["subprocess"]`` (coverage.py 7.10+), no ``concurrency``.
Expected: measured under spawn (racy on 7.10.0 to 7.10.2 when runs overlap), lost under
forkserver (measured on CPython 3.13.8+ and 3.14.1+, racy there too on 7.10.0 to
7.10.2: read from source, not measured here); not applicable to fork.

[tool.coverage.run]
patch = ["subprocess"]

[tool.mpcov]
expect = { forkserver = "lost", spawn = "measured" }
skip = { fork = "fork does not re-import the main module, so the lines never run" }
requires-coverage = ">=7.10"

[[tool.mpcov.when]]
python = ">=3.13.8,<3.14"
expect = { forkserver = "measured" }

[[tool.mpcov.when]]
python = ">=3.14.1"
expect = { forkserver = "measured" }

[[tool.mpcov.when]]
coverage = "<7.10.3"
expect = { spawn = "racy" }

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
