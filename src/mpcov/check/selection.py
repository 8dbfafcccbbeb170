"""Choosing rules (``--select``/``--ignore``) and listing the files a run would read."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from mpcov.check.config import CheckConfig
from mpcov.check.discovery import discover
from mpcov.check.rules import RULES
from mpcov.check.settings import CheckError


def _expand(spec: Iterable[str], option: str) -> Iterator[str]:
    for part in (p.strip().upper() for p in spec):
        if not part:
            continue
        matched = [rule for rule in RULES if rule.startswith(part)]
        if not matched:
            raise CheckError(f"{option}: unknown rule {part!r}; known: {', '.join(RULES)}")
        yield from matched


def _split(spec: str | Sequence[str] | None, option: str) -> list[str] | None:
    if spec is None:
        return None
    parts = spec.split(",") if isinstance(spec, str) else list(spec)
    if not any(p.strip() for p in parts):
        raise CheckError(f"{option}: no rule id given (expected ids or prefixes such as MPC1)")
    return parts


def select_rules(
    select: str | Sequence[str] | None, ignore: str | Sequence[str] | None
) -> list[str]:
    """The rule ids left after ``--select`` and ``--ignore``.

    Both take comma-separated ids or prefixes such as ``MPC1`` (or lists of them).

    Raises:
        CheckError: an id or prefix matches no rule, or none is given.
    """
    chosen_spec = _split(select, "--select")
    ignore_spec = _split(ignore, "--ignore")
    chosen = set(_expand(chosen_spec, "--select")) if chosen_spec is not None else set(RULES)
    if ignore_spec is not None:
        chosen -= set(_expand(ignore_spec, "--ignore"))
    return [rule for rule in RULES if rule in chosen]


def discover_sources(paths: Sequence[Path], config: CheckConfig | None = None) -> list[Path]:
    """The files a run over ``paths`` would check.

    Raises:
        CheckError: a path does not exist.
    """
    return discover(paths, config or CheckConfig()).files
