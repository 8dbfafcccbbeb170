"""``mpcov check``: find code and settings that lose child-process coverage data.

Code is read with :mod:`ast`; nothing is imported or run. The rule table is
data (:data:`RULES`, in :mod:`mpcov.check.rules`); each family of rules has
its own module (:mod:`~mpcov.check.pools`, :mod:`~mpcov.check.processes`,
:mod:`~mpcov.check.tasks`, :mod:`~mpcov.check.exits`, :mod:`~mpcov.check.multiproc`).
The coverage settings are read by coverage.py itself (:mod:`mpcov.check.settings`),
so ``.coveragerc``, ``.coveragerc.toml`` (coverage.py 7.13+), ``setup.cfg``,
``tox.ini``, ``pyproject.toml`` and ``COVERAGE_RCFILE`` mean here exactly what
they mean to ``coverage run``.

A finding is silenced by a trailing comment on its line:
``# mpcov: ignore[MPC101]`` (ids or prefixes separated by commas), or
``# mpcov: ignore`` for every rule.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mpcov.check.config import DEFAULT_EXCLUDE, CheckConfig, find_config, read_config
    from mpcov.check.discovery import Skipped
    from mpcov.check.findings import Finding, Place
    from mpcov.check.rules import DOCS_URL, RULES, Rule
    from mpcov.check.runner import Report, check_files, check_paths, check_source
    from mpcov.check.selection import discover_sources, select_rules
    from mpcov.check.settings import CheckError, Measured, Settings, read_settings

#: Where each public name lives. Loaded when first asked for: ``mpcov doctor`` reads
#: the rule table (in :mod:`mpcov.check.rules`), and should not load the checker for it.
_HOMES = {
    "DEFAULT_EXCLUDE": "mpcov.check.config",
    "CheckConfig": "mpcov.check.config",
    "find_config": "mpcov.check.config",
    "read_config": "mpcov.check.config",
    "Skipped": "mpcov.check.discovery",
    "Finding": "mpcov.check.findings",
    "Place": "mpcov.check.findings",
    "DOCS_URL": "mpcov.check.rules",
    "RULES": "mpcov.check.rules",
    "Rule": "mpcov.check.rules",
    "Report": "mpcov.check.runner",
    "check_files": "mpcov.check.runner",
    "check_paths": "mpcov.check.runner",
    "check_source": "mpcov.check.runner",
    "discover_sources": "mpcov.check.selection",
    "select_rules": "mpcov.check.selection",
    "CheckError": "mpcov.check.settings",
    "Measured": "mpcov.check.settings",
    "Settings": "mpcov.check.settings",
    "read_settings": "mpcov.check.settings",
}

__all__ = [
    "DEFAULT_EXCLUDE",
    "DOCS_URL",
    "RULES",
    "CheckConfig",
    "CheckError",
    "Finding",
    "Measured",
    "Place",
    "Report",
    "Rule",
    "Settings",
    "Skipped",
    "check_files",
    "check_paths",
    "check_source",
    "discover_sources",
    "find_config",
    "read_config",
    "read_settings",
    "select_rules",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mpcov.check' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
