"""``coverage run --concurrency=multiprocessing`` with no configuration file: refused.

Without a configuration file the children would have nothing to read their
settings from, so coverage.py stops before running the script with
"multiprocessing requires a configuration file". Here ``pyproject.toml`` holds
no ``[tool.coverage]`` table, so coverage.py does not count it as one. The
script never runs, and nothing is measured.

Settings: none (no ``[tool.coverage]`` table anywhere), and
``--concurrency=multiprocessing`` on the command line.
Expected: lost: coverage.py exits with status 1 and that message.

[tool.mpcov]
expect = "lost"
start-methods = []
exit-code = 1
output = "multiprocessing requires a configuration file"
command = ["{python}", "-m", "coverage", "run", "--concurrency=multiprocessing", "{script}"]
"""

from __future__ import annotations

import multiprocessing


def work(x: int) -> int:
    """Run in a pool worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """Close and join the pool before the ``with`` block ends."""
    with multiprocessing.Pool(1) as pool:
        print(pool.apply(work, (21,)))
        pool.close()
        pool.join()


if __name__ == "__main__":
    main()
