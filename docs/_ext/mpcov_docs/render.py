"""Small builders for docutils nodes: paragraphs, tables, notes and click-to-open details."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from docutils import nodes


class details(nodes.General, nodes.Element):
    """A ``<details>`` element in HTML: a summary line, the rest one click away."""


class summary(nodes.General, nodes.TextElement):
    """The always-visible line of a :class:`details` node."""


def visit_details_html(translator: Any, node: details) -> None:
    """Open ``<details>`` (with the node's classes)."""
    classes = " ".join(node.get("classes", []))
    attribute = f' class="{classes}"' if classes else ""
    translator.body.append(f"<details{attribute}>")


def depart_details_html(translator: Any, node: details) -> None:
    """Close ``</details>``."""
    translator.body.append("</details>")


def visit_summary_html(translator: Any, node: summary) -> None:
    """Open ``<summary>``."""
    translator.body.append("<summary>")


def depart_summary_html(translator: Any, node: summary) -> None:
    """Close ``</summary>``."""
    translator.body.append("</summary>")


def visit_plain(translator: Any, node: nodes.Element) -> None:
    """Other builders (text, man, LaTeX): render the children as they are."""


def depart_plain(translator: Any, node: nodes.Element) -> None:
    """Nothing to close for other builders."""


def make_details(
    title: str | list[nodes.Node], *content: nodes.Node, classes: Sequence[str] = ()
) -> details:
    """A details node whose summary is ``title`` and whose body is ``content``."""
    box = details(classes=["mpcov-details", *classes])
    head = summary()
    if isinstance(title, str):
        head += nodes.Text(title)
    else:
        for part in title:
            head += part
    box += head
    for node in content:
        box += node
    return box


_CODE = re.compile(r"``(.+?)``|`([^`]+)`")


def inline(text: str) -> list[nodes.Node]:
    """Header prose is reST-flavoured: turn ``code`` spans into literals, keep the rest."""
    out: list[nodes.Node] = []
    pos = 0
    for match in _CODE.finditer(text):
        if match.start() > pos:
            out.append(nodes.Text(text[pos : match.start()]))
        out.append(nodes.literal(text=match.group(1) or match.group(2)))
        pos = match.end()
    if pos < len(text):
        out.append(nodes.Text(text[pos:]))
    return out


def paragraph(*parts: nodes.Node | str, classes: Sequence[str] = ()) -> nodes.paragraph:
    """A paragraph from text and nodes."""
    para = nodes.paragraph(classes=list(classes))
    for part in parts:
        para += nodes.Text(part) if isinstance(part, str) else part
    return para


def note(text: str) -> nodes.Element:
    """A note admonition with inline code from backticks."""
    admonition = nodes.note()
    admonition += paragraph(*inline(text))
    return admonition


def rate_class(rate: float | None) -> str:
    """A CSS class per 10 % step of the measured rate (colour scale in mpcov.css)."""
    if rate is None:
        return "mpcov-rate-none"
    return f"mpcov-rate-{round(rate * 10)}"


#: The CSS class of each observed outcome (see data.observed).
OUTCOME_CLASS = {
    "measured": "mpcov-rate-10",
    "lost": "mpcov-rate-0",
    "partial": "mpcov-rate-4",
    "racy": "mpcov-rate-5",
    "skipped": "mpcov-rate-none",
    "no runs": "mpcov-rate-none",
}


@dataclass
class Cell:
    """One table cell: its nodes, CSS classes and column span."""

    content: list[nodes.Node]
    classes: tuple[str, ...] = ()
    span: int = 1


def cell(value: str | nodes.Node | list[nodes.Node], *classes: str, span: int = 1) -> Cell:
    """Make a :class:`Cell` from text, a node or a list of nodes."""
    if isinstance(value, str):
        value = [nodes.Text(value)]
    elif isinstance(value, nodes.Node):
        value = [value]
    return Cell(list(value), tuple(classes), span)


_BLOCKS = (nodes.paragraph, nodes.bullet_list, details, nodes.container, nodes.literal_block)


def table(
    header_rows: Sequence[Sequence[Cell]],
    body_rows: Sequence[Sequence[Cell]],
    *,
    title: str | None = None,
    classes: Sequence[str] = (),
) -> nodes.table:
    """A docutils table (themes style it like any other) from rows of cells."""
    first = header_rows[0] if header_rows else body_rows[0] if body_rows else []
    ncols = max(1, sum(c.span for c in first))
    tab = nodes.table(classes=["mpcov-table", *classes])
    if title:
        tab += nodes.title(text=title)
    group = nodes.tgroup(cols=ncols)
    tab += group
    for _ in range(ncols):
        group += nodes.colspec(colwidth=1)

    def make(rows: Sequence[Sequence[Cell]], parent: nodes.Element) -> None:
        for row in rows:
            tr = nodes.row()
            for c in row:
                entry = nodes.entry(classes=list(c.classes))
                if c.span > 1:
                    entry["morecols"] = c.span - 1
                # Block nodes go in as they are; runs of inline nodes share a paragraph.
                run: list[nodes.Node] = []
                for node in c.content:
                    if isinstance(node, _BLOCKS):
                        if run:
                            entry += paragraph(*run)
                            run = []
                        entry += node
                    else:
                        run.append(node)
                if run or not len(entry):
                    entry += paragraph(*run)
                tr += entry
            parent += tr

    if header_rows:
        head = nodes.thead()
        make(header_rows, head)
        group += head
    body = nodes.tbody()
    make(body_rows, body)
    group += body
    return tab


def scroller(node: nodes.Node) -> nodes.container:
    """Wrap a wide table so that only it scrolls sideways, not the page."""
    box = nodes.container(classes=["mpcov-scroll"])
    box += node
    return box
