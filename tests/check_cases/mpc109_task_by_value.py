"""MPC109: joblib tasks that cloudpickle sends by value, which coverage.py never measures.

Settings:

[tool.coverage.run]
patch = ["subprocess"]
"""

from __future__ import annotations

import functools

from joblib import Parallel, delayed  # type: ignore[import-untyped]
from joblib.externals.loky import get_reusable_executor  # type: ignore[import-untyped]


def double(x: int) -> int:
    """A top-level function of this module: sent by reference when the module is imported."""
    return x * 2


def bad() -> None:
    """A nested function has no name a worker could import, and only a worker runs it."""

    def triple(x: int) -> int:
        return x * 3

    print(Parallel(n_jobs=2)(delayed(triple)(i) for i in range(4)))  # expect: MPC109
    # A lambda goes by value too, but its lines are this statement's, which runs here.
    print(Parallel(n_jobs=2)(delayed(lambda x: x + 1)(i) for i in range(4)))
    get_reusable_executor().shutdown(wait=True)


def fixed() -> None:
    """Top-level functions of an importable module, also inside functools.partial."""
    print(Parallel(n_jobs=2)(delayed(double)(i) for i in range(4)))
    print(Parallel(n_jobs=2)(delayed(functools.partial(double))(i) for i in range(4)))
    get_reusable_executor().shutdown(wait=True)


if __name__ == "__main__":
    # Run as the script, this module is __main__: double is sent by value here.
    print(Parallel(n_jobs=2)(delayed(double)(i) for i in range(4)))  # expect: MPC109
