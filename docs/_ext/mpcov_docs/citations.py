"""Roles that carry a claim's source on the page.

``{source}`TEXT``` cites a primary source read for a claim (a project, its version,
a file or a CHANGES entry): ``{source}`coverage.py 7.17.5, coverage/patch.py```.

``{unmeasured}`TEXT``` marks a claim as read from source and not measured on the
machines the recordings come from, such as anything about Python 3.14+:
``{unmeasured}`CPython 3.14 docs, multiprocessing```.

tests/test_docs.py counts a paragraph with either role as cited.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes


def source_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: dict[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``(source: TEXT)``, styled as a citation."""
    return _cite(rawtext, text, lineno, inliner, "source: ", "mpcov-source")


def unmeasured_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: dict[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``(read from TEXT, not measured here)``, styled so a reader sees it is not a measurement."""
    return _cite(
        rawtext, text, lineno, inliner, "read from ", "mpcov-unmeasured", ", not measured here"
    )


def _cite(
    rawtext: str, text: str, lineno: int, inliner: Any, before: str, css: str, after: str = ""
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    if not text.strip():
        message = inliner.reporter.error("a citation role needs the source it cites", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    span = nodes.inline(rawtext, "", classes=["mpcov-cite", css])
    span += nodes.Text(f"({before}")
    span += nodes.emphasis(text=text.strip())
    span += nodes.Text(f"{after})")
    return [span], []
