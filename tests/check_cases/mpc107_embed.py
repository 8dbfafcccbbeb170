"""MPC107: ``pytest_cov.embed``, removed in pytest-cov 7.

Settings:

[tool.coverage.run]
patch = ["subprocess", "_exit"]
"""

from __future__ import annotations

try:
    from pytest_cov.embed import cleanup_on_sigterm  # type: ignore[import-untyped, import-not-found, unused-ignore]  # expect: MPC107
except ImportError:
    cleanup_on_sigterm = None


def fixed() -> None:
    """Nothing to import: ``patch = ["subprocess", "_exit"]`` does the work."""
