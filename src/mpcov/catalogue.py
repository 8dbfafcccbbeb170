"""Where the example catalogue is: shipped inside the package, or a checkout's ``examples/``.

A wheel carries the examples as ``mpcov/examples`` (see ``[tool.hatch.build]`` in
pyproject.toml), so ``mpcov verify`` with no argument checks the reader's platform
without a checkout. In a checkout (an editable install), the examples stay where the
repository keeps them, beside ``src/``.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def examples_dir() -> Path | None:
    """The folder of the example catalogue, or ``None`` when neither place has one."""
    for candidate in (_HERE / "examples", _HERE.parents[1] / "examples"):
        if candidate.is_dir() and any(candidate.glob("*.py")):
            return candidate
    return None
