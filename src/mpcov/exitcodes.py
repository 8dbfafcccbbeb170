"""Exit statuses shared by every ``mpcov`` command, and the one-line error format."""

from __future__ import annotations

import sys

#: Nothing to report: every result matched, no finding, no data lost.
EXIT_OK = 0
#: Something to report: a result contradicts its header, a finding, data was lost.
EXIT_FOUND = 1
#: Bad input: usage, a missing path, an invalid header or settings, unreadable input.
EXIT_USAGE = 2
#: Stopped by Ctrl-C, SIGTERM or SIGHUP, after every started process was stopped.
EXIT_INTERRUPTED = 130


def error(message: str) -> int:
    """Print ``mpcov: error: MESSAGE`` on one line of stderr and return :data:`EXIT_USAGE`."""
    print(f"mpcov: error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_USAGE
