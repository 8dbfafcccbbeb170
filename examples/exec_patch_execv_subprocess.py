"""``patch = ["execv", "subprocess"]``: both sides of an ``exec`` are measured.

``execv`` saves the old program's data just before it is replaced; ``subprocess``
exports the configuration in the environment, which the new program inherits
through ``exec``, so coverage.py starts in it too. ``subprocess`` also turns on
``parallel``, so the two programs (same process id, different data) write
separate files.

Before coverage.py 7.13 the ``subprocess`` patch wrote its start-up ``.pth`` file
into site-packages at run time and deleted it from an ``atexit`` handler, which
the ``exec`` skips: with 7.10.7 and 7.12.0 every run left a ``subcover_<pid>.pth``
file behind in the interpreter's site-packages. 7.10.0 and 7.10.1 used one shared
name, removed by the new program (which applies the patches again), but also by any
other coverage run in the same environment that ends first: racy there (measured
when run alone). 7.10.2 keeps the shared name but lets no program started by the
``.pth`` file touch it, so the new program leaves it behind as later releases do
(read from coverage.py 7.10.2's ``control.py`` ``process_startup``).

Settings: ``patch = ["execv", "subprocess"]``.
Expected: measured, before and after the exec (racy with 7.10.0 and 7.10.1). Not on Windows.

[tool.coverage.run]
patch = ["execv", "subprocess"]

[tool.mpcov]
expect = "measured"
start-methods = []
platforms = ["linux", "darwin"]
requires-coverage = ">=7.10"

[[tool.mpcov.when]]
coverage = "<7.13"
skip = { none = "from 7.10.2 to 7.13 each run leaves a .pth file in site-packages (7.10.7 and 7.12.0 checked, 7.10.2 read from source)" }

[[tool.mpcov.when]]
coverage = "<7.10.2"
expect = "racy"
"""

from __future__ import annotations

import os
import sys


def before_exec() -> int:
    """Run in the process that is about to be replaced."""
    total = sum(range(10))  # mpcov: child
    return total % 7  # mpcov: child


def after_exec() -> None:
    """Run in the new program: this same script, started by ``exec``."""
    print("replaced")  # mpcov: child


def main() -> None:
    """Do some work, then replace this process with a new Python program."""
    before_exec()
    sys.stdout.flush()  # exec discards Python's buffers
    os.execv(sys.executable, [sys.executable, __file__, "after-exec"])


if __name__ == "__main__":
    if sys.argv[1:] == ["after-exec"]:
        after_exec()
    else:
        main()
