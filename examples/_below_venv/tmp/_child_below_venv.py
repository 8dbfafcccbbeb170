"""The child script of subprocess_script_below_venv (helper, not an example).

It sits in ``_below_venv/tmp``, below a folder that holds a ``pyvenv.cfg``, as a
script written to a TMPDIR inside a virtualenv does.
"""

from __future__ import annotations

print("child ran")  # mpcov: child
