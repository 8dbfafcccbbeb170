"""A task function for joblib_loky_task_in_module, in a module workers can import (helper).

cloudpickle sends a function by reference (module and name) when the worker can
import it, and by value otherwise: functions defined in ``__main__``, nested
functions and lambdas. Since cloudpickle 3.1.3 a function sent by value runs as
code whose file name is ``<dynamic-code>``, which coverage.py does not measure.
"""

from __future__ import annotations


def double(x: int) -> int:
    """A top-level function: pickled by reference, so its real file name is kept."""
    return x * 2  # mpcov: child
