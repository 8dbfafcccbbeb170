"""MPC207: code under ``__name__ == "__mp_main__"``.

Bad settings:

[tool.coverage.run]
concurrency = ["multiprocessing"]

Fixed settings:

[tool.coverage.run]
patch = ["subprocess", "_exit"]
"""

from __future__ import annotations

if __name__ == "__mp_main__":  # expect: MPC207
    print("re-imported in a spawn child")
