"""``# mpcov: ignore[...]`` comments: which findings they silence, and which silence nothing.

A comment silences the findings on its own line: ``# mpcov: ignore`` every
rule, ``# mpcov: ignore[MPC101, MPC2]`` the rules with those ids or prefixes.
``ignore`` must be a whole word (``# mpcov: ignored for now`` is just a comment).
A comment that names an unknown rule, or that silences nothing although its
rules ran, is itself reported as MPC001, as ruff reports unused ``noqa``
comments (RUF100).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

_IGNORE = re.compile(r"#\s*mpcov:\s*ignore(?![\w-])(?:\[(?P<ids>[^\]]*)\])?")


@dataclass
class Suppression:
    """One ``# mpcov: ignore`` comment."""

    line: int
    column: int
    #: Rule ids or prefixes, upper-cased; ``None`` for every rule.
    ids: tuple[str, ...] | None
    #: The ids or prefixes that silenced at least one finding.
    used: set[str] = field(default_factory=set)
    #: Whether the comment silenced anything at all.
    silenced: bool = False

    def covers(self, rule: str) -> str | None:
        """The id or prefix that silences ``rule`` here (``"*"`` for a bare ignore), or ``None``."""
        if self.ids is None:
            return "*"
        for spec in self.ids:
            if rule.startswith(spec):
                return spec
        return None


def suppressions(source: str) -> list[Suppression]:
    """The suppression comments in ``source`` (comments only, never strings)."""
    if "mpcov:" not in source:
        return []  # the common case, without the cost of tokenizing
    found: list[Suppression] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type != tokenize.COMMENT:
                continue
            match = _IGNORE.search(token.string)
            if match is None:
                continue
            raw = match.group("ids")
            ids = (
                None
                if raw is None
                else tuple(i.strip().upper() for i in raw.split(",") if i.strip())
            )
            found.append(Suppression(token.start[0], token.start[1] + match.start() + 1, ids))
    except (tokenize.TokenError, SyntaxError):  # pragma: no cover - ast.parse succeeded
        pass
    return found
