"""mpcov: measure and verify code coverage of Python child processes.

The helpers users import live here; the verification engine is in
:mod:`mpcov.engine` and its command line in :mod:`mpcov.cli`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mpcov.pool import IncompleteCoverageWarning, close_and_join, closing_pool

__version__ = "0.1.0"

__all__ = ["IncompleteCoverageWarning", "__version__", "close_and_join", "closing_pool"]


def __getattr__(name: str) -> Any:
    # The helpers load multiprocessing.pool: only when asked for, so that the command
    # line (and the doctor's observer in every process) does not pay for it.
    if name in ("IncompleteCoverageWarning", "close_and_join", "closing_pool"):
        from mpcov import pool

        return getattr(pool, name)
    raise AttributeError(f"module 'mpcov' has no attribute {name!r}")
