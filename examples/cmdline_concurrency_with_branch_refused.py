"""``--concurrency=multiprocessing`` and ``--branch`` on one command line: refused.

When ``--concurrency=multiprocessing`` is itself on the ``coverage run`` command
line, coverage.py refuses the other options that change what is measured
(``--branch``, ``--include``, ``--omit``, ``--pylib``, ``--source``,
``--timid``): the children read only the configuration file and would measure
differently. It prints "Options affecting multiprocessing must only be
specified in a configuration file" and exits with status 1 before running the
script.

Settings: a ``[tool.coverage]`` table, and ``--concurrency=multiprocessing
--branch`` on the command line.
Expected: lost: coverage.py exits with status 1 and that message.

[tool.coverage.report]
show_missing = true

[tool.mpcov]
expect = "lost"
start-methods = []
exit-code = 1
output = "Options affecting multiprocessing must only be specified in a configuration file"
command = ["{python}", "-m", "coverage", "run", "--concurrency=multiprocessing", "--branch", "{script}"]
"""

from __future__ import annotations

import multiprocessing


def work(x: int) -> int:
    """Run in a pool worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """Close and join the pool before the ``with`` block ends."""
    with multiprocessing.Pool(1) as pool:
        print(pool.apply(work, (21,)))
        pool.close()
        pool.join()


if __name__ == "__main__":
    main()
