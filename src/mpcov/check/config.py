"""The ``[tool.mpcov.check]`` table in ``pyproject.toml``, in the manner of ruff.

The closest ``pyproject.toml`` above the current directory that has the table
is used; its patterns are relative to its directory. Command-line options add
to it (``--exclude``, ``--extend-exclude``) or replace it (``--select``,
``--ignore``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpcov.check.settings import CheckError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

#: Folders and files never checked unless ``exclude`` is replaced: tool and
#: environment folders, and code that is not run under coverage (examples,
#: benchmarks, documentation). A pattern without ``/`` matches any path
#: component; one with ``/`` matches the path from the project root.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".*",
    "__pycache__",
    "__pypackages__",
    "node_modules",
    "site-packages",
    "*.egg-info",
    "_build",
    "examples*",
    "example",
    "benchmarks",
    "benchmark",
    "asv_bench",
    "ci",
    "docs",
    "doc",
    "Doc",
    "testdata",
    "test_data",
    "test-data",
)

#: Below a ``tests``/``test`` folder, these hold inputs a test suite reads rather
#: than runs (a linter's test files); their ``test_*.py``, ``*_test.py`` and
#: ``conftest.py`` files are still checked.
TEST_DATA_DIRS: frozenset[str] = frozenset(
    {"data", "fixtures", "input", "inputs", "functional", "regrtest_data", "samples"}
)

_KEYS = {
    "include",
    "exclude",
    "extend-exclude",
    "select",
    "ignore",
    "per-file-ignores",
    "respect-gitignore",
    "exclude-test-data",
}


@dataclass(frozen=True)
class CheckConfig:
    """Where ``mpcov check`` looks and which rules it applies."""

    #: The ``pyproject.toml`` the table came from, or ``None``.
    path: str | None = None
    #: The directory patterns are relative to.
    root: Path = field(default_factory=Path.cwd)
    include: tuple[str, ...] = ("*.py",)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    #: Glob -> rule ids or prefixes not applied to matching files.
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    respect_gitignore: bool = True
    exclude_test_data: bool = True

    @property
    def all_excludes(self) -> tuple[str, ...]:
        """``exclude`` and ``extend-exclude`` together."""
        return (*self.exclude, *self.extend_exclude)


def _strings(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CheckError(f"{where}: [tool.mpcov.check] {key} must be a list of strings")
    return tuple(value)


def find_config(start: Path | None = None) -> Path | None:
    """The closest ``pyproject.toml`` at or above ``start`` with a ``[tool.mpcov.check]`` table."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if isinstance(data.get("tool", {}).get("mpcov", {}).get("check"), dict):
                return candidate
    return None


def read_config(path: Path | None) -> CheckConfig:
    """Read ``[tool.mpcov.check]`` from ``path``; ``None`` gives the defaults.

    Raises:
        CheckError: the file cannot be read, or the table has an unknown key or a bad value.
    """
    if path is None:
        return CheckConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CheckError(f"{path}: cannot read: {exc}") from None
    table = data.get("tool", {}).get("mpcov", {}).get("check", {})
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise CheckError(
            f"{path}: unknown key in [tool.mpcov.check]: {', '.join(unknown)}; "
            f"known: {', '.join(sorted(_KEYS))}"
        )
    where = str(path)
    values: dict[str, Any] = {"path": where, "root": path.parent.resolve()}
    for key in ("include", "exclude", "extend-exclude", "ignore"):
        if key in table:
            values[key.replace("-", "_")] = _strings(table, key, where)
    if "select" in table:
        values["select"] = _strings(table, "select", where)
    for key in ("respect-gitignore", "exclude-test-data"):
        if key in table:
            if not isinstance(table[key], bool):
                raise CheckError(f"{where}: [tool.mpcov.check] {key} must be true or false")
            values[key.replace("-", "_")] = table[key]
    if "per-file-ignores" in table:
        ignores = table["per-file-ignores"]
        if not isinstance(ignores, dict):
            raise CheckError(f"{where}: [tool.mpcov.check] per-file-ignores must be a table")
        values["per_file_ignores"] = {str(glob): _strings(ignores, glob, where) for glob in ignores}
    return CheckConfig(**values)
