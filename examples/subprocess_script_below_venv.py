"""A subprocess whose script sits below a virtualenv folder: unmeasured since coverage.py 7.13.3.

Since 7.13.3, coverage.py treats every directory on ``sys.path`` that is inside a
virtualenv (a parent folder holds ``pyvenv.cfg``) as third-party code and does not
measure it (CHANGES 7.13.3; ``_add_third_party_paths`` in ``coverage/inorout.py``).
A script's own folder is the first entry of its ``sys.path``, so a script that a
test writes to a temporary folder inside a virtualenv is never measured, even
though ``patch = ["subprocess"]`` starts coverage.py in it. That happens whenever
``TMPDIR`` points into an environment: ``session.create_tmp()`` in nox does exactly
that (it sets ``TMPDIR`` to a folder inside the session's virtualenv). Keep temporary
scripts outside every virtualenv, or name them in ``[run] source``.

Settings: ``patch = ["subprocess"]``; the child script in ``_below_venv/tmp``.
Expected: lost with coverage.py 7.13.3 or newer; measured with older releases
(racy with 7.10.0 to 7.10.2, whose shared ``subcover.pth`` overlapping runs delete).

[tool.coverage.run]
patch = ["subprocess"]

[tool.mpcov]
expect = "lost"
start-methods = []
requires-coverage = ">=7.10"
files = ["_below_venv/pyvenv.cfg", "_below_venv/tmp/_child_below_venv.py"]

[[tool.mpcov.when]]
coverage = "<7.13.3"
expect = "measured"

[[tool.mpcov.when]]
coverage = "<7.10.3"
expect = "racy"
"""

from __future__ import annotations

import subprocess
import sys


def main() -> None:
    """Run the script that lives below the virtualenv folder."""
    subprocess.run([sys.executable, "_below_venv/tmp/_child_below_venv.py"], check=True)


if __name__ == "__main__":
    main()
