"""A model of a prefork server (gunicorn-style) with ``sigterm = true`` alone: lost.

A prefork server's master forks its workers with ``os.fork()``. Each worker
installs its own SIGTERM handler, which only tells its loop to stop; the worker
then leaves with ``sys.exit(0)``, and coverage.py saves on the way out as in
any normal exit (here ``coverage run``'s own save, which the ``SystemExit``
passes through; a coverage.py started by the start-up ``.pth`` file saves from
``atexit``) (gunicorn 27: ``Arbiter.spawn_worker`` in
``gunicorn/arbiter.py``, ``Worker.init_signals`` and ``handle_exit`` in
``gunicorn/workers/base.py``). Saving is not the problem. The file name is:
without ``parallel``, the worker and the master both write ``.coverage``, and
the master, saving last, erases what its workers wrote.

``sigterm = true`` does not change that. Its handler is replaced by the
worker's own, and even where it runs it saves into the same shared file.

Settings: ``sigterm = true`` (and nothing else).
Expected: lost, every time.

[tool.coverage.run]
sigterm = true

[tool.mpcov]
expect = "lost"
start-methods = []
platforms = ["linux", "darwin"]
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

alive = True


def handle_exit(signum: int, frame: FrameType | None) -> None:
    """The worker's SIGTERM handler: finish the current loop, then leave."""
    global alive
    alive = False


def worker_loop(number: int) -> None:
    """Serve "requests" until told to stop."""
    signal.signal(signal.SIGTERM, handle_exit)
    served = 0  # mpcov: child
    Path(f"worker-{number}-ready").write_text("ready")
    while alive:
        served += 1
        time.sleep(0.01)


def spawn_worker(number: int) -> int:
    """Fork one worker; in the child, run it and leave through ``sys.exit``."""
    pid = os.fork()
    if pid != 0:
        return pid
    try:
        worker_loop(number)
        sys.exit(0)
    finally:
        sys.stdout.flush()


def main() -> None:
    """Start two workers, wait until they serve, stop them with SIGTERM, reap them."""
    pids = [spawn_worker(n) for n in range(2)]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(
        Path(f"worker-{n}-ready").exists() for n in range(2)
    ):
        time.sleep(0.01)
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    for pid in pids:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
