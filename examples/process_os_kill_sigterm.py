"""``os.kill(pid, SIGTERM)`` on a busy child: lost, like ``Process.terminate()``.

On POSIX, ``Process.terminate()`` is ``os.kill(pid, SIGTERM)``
(``multiprocessing/popen_fork.py``), so sending the signal by hand to a worker's
pid loses its data the same way: SIGTERM's default action ends the child at
once, before coverage.py's save at the end of ``_bootstrap``. With
``sigterm = true`` the child saves first (process_terminate_busy_sigterm).

Settings: ``concurrency = ["multiprocessing"]``; no ``sigterm`` handler.
Expected: lost, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "lost"
platforms = ["linux", "darwin"]
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from multiprocessing.synchronize import Event


def work(started: Event) -> None:
    """Run in the child: report that it is busy, then keep busy."""
    started.set()  # mpcov: child
    time.sleep(30)  # the signal arrives during this sleep


def main() -> None:
    """Send SIGTERM to the busy child's pid."""
    started = multiprocessing.Event()
    process = multiprocessing.Process(target=work, args=(started,))
    process.start()
    started.wait(timeout=20)  # the child is now inside work()
    assert process.pid is not None
    os.kill(process.pid, signal.SIGTERM)
    process.join()
    print("exit code", process.exitcode)  # -15: killed by SIGTERM


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
