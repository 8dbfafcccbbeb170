"""``Process.kill()``: SIGKILL, so the child's data is always lost.

SIGKILL cannot be caught, so no handler can save anything, whatever the
settings: not even ``sigterm = true`` (which only handles SIGTERM) helps. The
parent waits until the child is busy, so that its marked line has certainly run,
and then kills it. Use ``kill()`` only for children whose coverage you can lose.

Settings: ``concurrency = ["multiprocessing"]`` and ``sigterm = true`` (no help).
Expected: lost, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]
sigterm = true

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
    time.sleep(30)  # kill() arrives during this sleep


def main() -> None:
    """Kill the child while it is certainly busy."""
    started = multiprocessing.Event()
    process = multiprocessing.Process(target=work, args=(started,))
    process.start()
    started.wait(timeout=20)  # the child is now inside work()
    process.kill()
    process.join()
    print("exit code", process.exitcode)  # -9: killed by SIGKILL


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
