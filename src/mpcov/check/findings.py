"""Findings, and the collector that turns rule hits into them for one file."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from mpcov.check.rules import RULES


@dataclass(frozen=True)
class Place:
    """A place in a file: ``path:line:column`` (1-based)."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        """``path:line:column``."""
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    """One place in the code (or, for a project rule, the first of several) that loses data."""

    rule: str
    path: str
    line: int
    column: int
    message: str
    fix: str
    docs: str
    #: For a project rule (one finding per run): every place it applies to, this one first.
    places: tuple[Place, ...] = ()

    def as_text(self) -> str:
        """``path:line:col: ID message``, then the fix and the docs link on their own line."""
        return (
            f"{self.path}:{self.line}:{self.column}: {self.rule} {self.message}\n"
            f"    fix: {self.fix} ({self.docs})"
        )


@dataclass(frozen=True)
class Hit:
    """A rule applying at one node, before suppressions and aggregation."""

    rule: str
    path: str
    line: int
    column: int
    detail: str = ""
    #: For project rules: which group it counts in (the library family for MPC209).
    group: str = ""
    #: A fix that replaces the rule's own (MPC209: the one for this library).
    fix: str = ""


class Collector:
    """Collects the hits of the selected rules in one file."""

    def __init__(self, path: str, rules: frozenset[str]) -> None:
        """A collector for the file ``path``, keeping hits of ``rules`` only."""
        self.path = path
        self.rules = rules
        self.hits: list[Hit] = []

    def add(
        self, rule_id: str, node: ast.AST, detail: str = "", group: str = "", fix: str = ""
    ) -> None:
        """Record that ``rule_id`` applies at ``node``."""
        if rule_id not in self.rules:
            return
        line = getattr(node, "lineno", 1)
        column = getattr(node, "col_offset", 0) + 1
        self.hits.append(Hit(rule_id, self.path, line, column, detail, group, fix))


def finding(hit: Hit, places: tuple[Place, ...] = ()) -> Finding:
    """The finding for one hit (the first of ``places``, for a project rule)."""
    rule = RULES[hit.rule]
    message = rule.summary if not hit.detail else f"{rule.summary}; {hit.detail}"
    if len(places) > 1:
        shown = ", ".join(str(p) for p in places[1:4])
        more = f" and {len(places) - 4} more" if len(places) > 4 else ""
        message += f" ({len(places)} places; also {shown}{more})"
    return Finding(
        rule=hit.rule,
        path=hit.path,
        line=hit.line,
        column=hit.column,
        message=message,
        fix=hit.fix or rule.fix,
        docs=rule.docs,
        places=places,
    )
