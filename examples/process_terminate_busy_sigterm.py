"""``Process.terminate()`` on a busy child with ``[run] sigterm = true``: measured.

The same busy child as ``process_terminate_busy``, but coverage.py now installs
a SIGTERM handler in the child. When ``terminate()`` sends SIGTERM, the handler
stops measurement, saves the data, restores the previous handler and sends the
signal again, so the child still dies of SIGTERM, but with its data written.
Unlike the pool race, the child here is not already saving when the signal
comes, so the handler's save is the only one.

Settings: ``concurrency = ["multiprocessing"]`` and ``sigterm = true``.
Expected: measured, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]
sigterm = true

[tool.mpcov]
expect = "measured"
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
    print("exit code", process.exitcode)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
