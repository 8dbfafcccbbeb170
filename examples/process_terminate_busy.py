"""``Process.terminate()`` on a busy child: its data is lost.

The parent waits until the child signals that it is at work (its marked lines
have run), then calls ``terminate()``, which sends SIGTERM on POSIX. The default
action of SIGTERM ends the process at once, so coverage.py's save at the end of
the child never runs and none of the lines it executed are recorded.

Settings: ``concurrency = ["multiprocessing"]``; no ``sigterm`` handler.
Expected: lost, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "lost"
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from multiprocessing.synchronize import Event


def work(started: Event) -> None:
    """Run in the child: report that it is busy, then keep busy."""
    started.set()  # mpcov: child
    time.sleep(30)  # terminate() arrives during this sleep


def main() -> None:
    """Terminate the child while it is certainly busy."""
    started = multiprocessing.Event()
    process = multiprocessing.Process(target=work, args=(started,))
    process.start()
    started.wait(timeout=20)  # the child is now inside work()
    process.terminate()
    process.join()
    print("exit code", process.exitcode)  # -15: killed by SIGTERM


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
