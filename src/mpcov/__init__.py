"""mpcov: measure and verify code coverage of Python child processes.

The helpers users import live here; the verification engine is in
:mod:`mpcov.engine` and its command line in :mod:`mpcov.cli`.
"""

from mpcov.pool import IncompleteCoverageWarning, close_and_join, closing_pool

__version__ = "0.1.0"

__all__ = ["IncompleteCoverageWarning", "__version__", "close_and_join", "closing_pool"]
