"""A closure factory for joblib_loky_nested_function (helper, not an example).

The module is importable, but the function ``make_scaler`` returns is nested:
it has no name a worker could import, so cloudpickle sends it by value.
"""

from __future__ import annotations

from typing import Callable


def make_scaler(factor: int) -> Callable[[int], int]:
    """Return a closure that multiplies by ``factor``."""

    def scale(x: int) -> int:
        return x * factor  # mpcov: child

    return scale
