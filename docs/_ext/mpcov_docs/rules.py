"""The ``mpcov-rules`` directive: the summary table of ``mpcov check``'s rules.

Each row comes from the rule data (``mpcov.check.rules.RULES``): the id, linked to
the rule's section label (``(mpc101)=`` on the page), its scope, and what backs it:
the examples that show the loss, or, for a rule no example shows, its sources. A
table typed by hand drifts from the rules; this one cannot.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

from .render import Cell, cell, scroller, table

if TYPE_CHECKING:
    from mpcov.check.rules import Rule


def backing(rule: Rule) -> list[nodes.Node]:
    """The examples that show the rule's loss, or its sources when no example shows it."""
    out: list[nodes.Node] = []
    if rule.examples:
        for i, name in enumerate(rule.examples):
            if i:
                out.append(nodes.Text(", "))
            out.append(nodes.literal(text=name))
        return out
    out.append(nodes.Text("sources: " + "; ".join(rule.sources)))
    return out


def rule_link(rule: Rule, docname: str) -> addnodes.pending_xref:
    """A reference to the rule's section label (``mpc101``), shown as its id."""
    ref = addnodes.pending_xref(
        "",
        refdomain="std",
        reftype="ref",
        reftarget=rule.id.lower(),
        refexplicit=True,
        refwarn=True,
        refdoc=docname,
    )
    ref += nodes.inline(text=rule.id)
    return ref


def rules_table(rules: Iterable[Rule], docname: str) -> nodes.table:
    """One row per rule: id (a link to its section), scope, and what backs it."""
    header = [cell("rule"), cell("scope"), cell("backed by")]
    body: list[list[Cell]] = [
        [cell(rule_link(rule, docname)), cell(rule.scope), cell(backing(rule))] for rule in rules
    ]
    return table([header], body, classes=["mpcov-rules-table"])


class RulesDirective(SphinxDirective):
    """The table of every rule of ``mpcov check``, in the order of the rule data."""

    def run(self) -> list[nodes.Node]:
        """Render the table from ``mpcov.check.rules``."""
        from mpcov.check import rules as rule_data

        self.env.note_dependency(rule_data.__file__)
        return [scroller(rules_table(rule_data.RULES.values(), self.env.docname))]
