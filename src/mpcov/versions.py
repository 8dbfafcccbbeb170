"""The versions of the distributions that decide an example's outcome.

A recorded result is true for the coverage.py release *and* for the libraries the
example runs (joblib with one cloudpickle measures a task function; with the next
it does not). Every recording therefore names the installed distributions, and
each row the versions of what its example requires, followed through their own
requirements.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable, Mapping

from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name


def installed_distributions() -> dict[str, str]:
    """Canonical name -> version of every distribution this interpreter can import from.

    Where a name is installed twice on the path, the first one wins, as it does for
    :func:`importlib.metadata.version`.
    """
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonicalize_name(name), dist.version)
    return dict(sorted(found.items()))


def _requirements_of(name: str) -> list[Requirement]:
    try:
        texts = importlib.metadata.requires(name) or []
    except importlib.metadata.PackageNotFoundError:
        return []
    out = []
    for text in texts:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        try:
            # Only what installs without extras: {"extra": ""} rules out extra-only needs.
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
        except (UndefinedComparison, UndefinedEnvironmentName):
            continue
        out.append(requirement)
    return out


def closure(names: Iterable[str], installed: Mapping[str, str]) -> dict[str, str | None]:
    """The versions of ``names`` and of everything they require, recursively.

    A required distribution that is not installed maps to ``None``.
    """
    out: dict[str, str | None] = {}
    todo = [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out[name] = installed.get(name)
        if out[name] is not None:
            todo.extend(canonicalize_name(r.name) for r in _requirements_of(name))
    return dict(sorted(out.items()))
