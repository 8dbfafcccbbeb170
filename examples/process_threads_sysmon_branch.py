"""``core = "sysmon"`` with ``branch = true`` on Python 3.12 and 3.13: the child's thread is lost.

On Python 3.12 and 3.13, ``sys.monitoring`` cannot measure branches the way
coverage.py needs, so with ``branch = true`` a requested sysmon core is not
used: coverage.py warns "Can't use core=sysmon: sys.monitoring can't measure
branches in this version, using default core" (``no-sysmon``) and falls back to
the ctrace core (``coverage/core.py``, 7.17.5). 7.9.0 to 7.11.0 fell back the
same way, with the warning "sys.monitoring can't measure branches in this
version, using default core"; 7.11.1 and 7.11.2 raised an error instead, and
7.11.3 restored the warning and the fallback (CHANGES.rst 7.11.3). ctrace
traces only the threads it is told about, and ``concurrency`` here lists
``multiprocessing`` alone, so the line run by the child's thread is not
measured. Add ``"thread"`` to ``concurrency``
(``process_threads_multiprocessing_thread``).

On Python 3.14 and later sysmon measures branches and would see the thread;
that case is read from coverage.py's source (``env.PYBEHAVIOR.branch_right_left``),
not measured here.

Settings: ``core = "sysmon"``, ``branch = true``, ``concurrency = ["multiprocessing"]``.
Expected: lost, with the ``no-sysmon`` warning, on Python 3.12 and 3.13.

[tool.coverage.run]
concurrency = ["multiprocessing"]
core = "sysmon"
branch = true

[tool.mpcov]
expect = "lost"
requires-python = ">=3.12"
requires-coverage = ">=7.11.3"
output = "Can't use core=sysmon: sys.monitoring can't measure branches in this version"

[[tool.mpcov.when]]
python = ">=3.14"
expect = "measured"
output = []
"""

from __future__ import annotations

import multiprocessing
import sys
import threading


def in_thread(results: list[int], x: int) -> None:
    """Run in a thread of the child process."""
    results.append(x * 2)  # mpcov: child


def work(x: int) -> None:
    """Run in the child process: do the work in a thread."""
    results: list[int] = []
    thread = threading.Thread(target=in_thread, args=(results, x))
    thread.start()
    thread.join()
    print(results)


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
