"""Pools backed by threads or greenlets start no process: no finding, whatever the settings.

Settings:

[tool.coverage.run]
branch = true
"""

from __future__ import annotations

import multiprocessing.dummy
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool

import billiard.dummy  # type: ignore[import-untyped]  # billiard ships no types
import gevent.pool  # type: ignore[import-untyped, import-not-found, unused-ignore]  # never run
import multiprocess.dummy  # type: ignore[import-untyped]  # multiprocess ships no types
from joblib import Parallel, delayed  # type: ignore[import-untyped]


def work(x: int) -> int:
    """Run in a thread."""
    return x * 2


def main() -> None:
    """Every one of these runs work() in a thread of this process."""
    with multiprocessing.dummy.Pool(2) as a, ThreadPool(2) as b, ThreadPoolExecutor() as c:
        print(a.map(work, [1]), b.map(work, [1]), list(c.map(work, [1])))
    with billiard.dummy.Pool(2) as d, multiprocess.dummy.Pool(2) as e:
        print(d.map(work, [1]), e.map(work, [1]))
    print(gevent.pool.Pool(2).map(work, [1]))
    print(Parallel(n_jobs=2, backend="threading")(delayed(work)(i) for i in range(2)))
    print(Parallel(n_jobs=2, prefer="threads")(delayed(work)(i) for i in range(2)))
