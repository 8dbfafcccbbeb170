"""Module-level code of ``__main__`` that runs in a spawn or forkserver child as ``__mp_main__``.

spawn and forkserver children re-import the parent's main script under the name
``__mp_main__`` before they run their target (code guarded by
``if __name__ == "__main__":`` is skipped, everything else at module level
runs). coverage.py's multiprocessing support starts measuring only when the
child's bootstrap begins, after that import, so module-level lines that run
there are not recorded. (The fork server is meant to preload ``__main__`` once,
but on Python 3.9 to 3.13.7 and 3.14.0 it never does: it looks for a ``main_path`` key
that the preparation data does not contain, so every forkserver child re-imports
the script itself; 3.14.0 is read from source, not measured here.) fork copies the parent instead, so the lines never run.

From Python 3.13.8 and 3.14.1 (not 3.14.0) the fork server does preload it
(CPython gh-126631), and its children import nothing: the line then runs in the
fork server, which this configuration does not measure, so it is still lost.
That is read from CPython's and coverage.py's source, not measured here.

Settings: ``concurrency = ["multiprocessing"]``.
Expected: lost under forkserver and spawn; not applicable to fork.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = { forkserver = "lost", spawn = "lost" }
skip = { fork = "fork does not re-import the main module, so the lines never run" }
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
