"""A model of a prefork server (gunicorn-style) with ``parallel = true``: measured.

The workers of a prefork server leave through ``sys.exit()`` after their own
SIGTERM handler stops their loop, so coverage.py saves in each of them as in
any normal exit (see ``prefork_server_sigterm_only``). With ``parallel = true``
each process names its data file with its own process id, so the master no
longer erases its workers' data, and ``coverage combine`` merges them.

For a real server, start the master under coverage (``coverage run -m gunicorn
...``) or with ``patch = ["subprocess"]`` from a measured parent, and stop it
with SIGTERM or SIGINT so that it stops its workers and exits normally itself.

Settings: ``parallel = true``.
Expected: measured, every time.

[tool.coverage.run]
parallel = true

[tool.mpcov]
expect = "measured"
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
