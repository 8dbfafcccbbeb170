"""Timeline (sequence) diagrams drawn as inline SVG from a small text language.

The language is described in docs/diagrams/README.txt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from .render import inline


@dataclass
class Step:
    """One statement of a sequence diagram: an arrow or a note."""

    kind: str  # "arrow", "note"
    source: str
    target: str
    text: str
    tone: str = ""


def parse_sequence(text: str) -> tuple[str, list[tuple[str, str]], list[Step]]:
    """Read the small sequence-diagram language (see docs/diagrams/README.txt)."""
    title = ""
    actors: list[tuple[str, str]] = []
    steps: list[Step] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("title:"):
            title = line.partition(":")[2].strip()
        elif line.startswith("actor "):
            key, _, label = line[6:].partition(":")
            actors.append((key.strip(), label.strip()))
        elif "->" in line.partition(":")[0]:
            head, _, label = line.partition(":")
            source, _, target = head.partition("->")
            steps.append(Step("arrow", source.strip(), target.strip(), label.strip()))
        elif re.match(r"^(note|good|bad)\s", line):
            head, _, label = line.partition(":")
            tone, _, key = head.partition(" ")
            steps.append(Step("note", key.strip(), key.strip(), label.strip(), tone))
        else:
            raise ValueError(f"line {number}: cannot read {raw!r}")
    if not actors:
        raise ValueError("no actors: declare at least one with 'actor KEY: Label'")
    keys = {k for k, _ in actors}
    if len(keys) != len(actors):
        raise ValueError("an actor is declared twice")
    for step in steps:
        for key in (step.source, step.target):
            if key not in keys:
                raise ValueError(f"unknown actor {key!r} (declare it with 'actor {key}: Label')")
    return title, actors, steps


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap to at most ``width`` characters a line."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines or [""]


def render_sequence(text: str) -> str:
    """Inline SVG for a sequence diagram; colours follow the page (currentColor)."""
    title, actors, steps = parse_sequence(text)
    width = 720
    lane = width / len(actors)
    x = {key: lane * (i + 0.5) for i, (key, _) in enumerate(actors)}
    char = 6.6  # average glyph width at 12px
    line_h = 15
    y = 58
    parts: list[str] = []
    for step in steps:
        if step.kind == "arrow":
            x1, x2 = x[step.source], x[step.target]
            lines = wrap(step.text, max(int(abs(x2 - x1) / char) - 2, 12))
            for i, t in enumerate(lines):
                parts.append(
                    f'<text x="{(x1 + x2) / 2:.0f}" y="{y + i * line_h:.0f}" text-anchor="middle">{escape(t)}</text>'
                )
            y += len(lines) * line_h
            parts.append(
                f'<line x1="{x1:.0f}" y1="{y:.0f}" x2="{x2:.0f}" y2="{y:.0f}" class="arrow" marker-end="url(#mpcov-arrow)"/>'
            )
            y += 22
        else:
            cx = x[step.source]
            box_w = min(lane * 1.7, width - 8)
            lines = wrap(step.text, int(box_w / char) - 2)
            box_h = len(lines) * line_h + 10
            left = min(max(cx - box_w / 2, 4), width - box_w - 4)
            parts.append(
                f'<rect x="{left:.0f}" y="{y - 4:.0f}" width="{box_w:.0f}" height="{box_h:.0f}" rx="5" class="note {step.tone}"/>'
            )
            for i, t in enumerate(lines):
                parts.append(
                    f'<text x="{left + box_w / 2:.0f}" y="{y + 10 + i * line_h:.0f}" text-anchor="middle">{escape(t)}</text>'
                )
            y += box_h + 14
    height = y + 8
    head = []
    for key, label in actors:
        head.append(
            f'<rect x="{x[key] - lane / 2 + 12:.0f}" y="6" width="{lane - 24:.0f}" height="26" rx="4" class="actor"/>'
            f'<text x="{x[key]:.0f}" y="24" text-anchor="middle" font-weight="bold">{escape(label)}</text>'
            f'<line x1="{x[key]:.0f}" y1="32" x2="{x[key]:.0f}" y2="{height - 4:.0f}" class="lifeline"/>'
        )
    return (
        f'<svg class="mpcov-sequence" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="12">'
        # No <title> child: aria-label names the image, and Sphinx's search highlighter
        # calls getBBox() on the parent of every matching text node, which <title> lacks.
        '<defs><marker id="mpcov-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="currentColor"/></marker></defs>'
        + "".join(head)
        + "".join(parts)
        + "</svg>"
    )


class SequenceDirective(SphinxDirective):
    """A timeline diagram from a text file in docs/diagrams."""

    required_arguments = 1
    option_spec = {"caption": directives.unchanged}  # noqa: RUF012

    def run(self) -> list[nodes.Node]:
        """Render the diagram file as an inline SVG figure."""
        rel, path = self.env.relfn2path(self.arguments[0])
        self.env.note_dependency(rel)
        try:
            svg = render_sequence(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise self.error(f"{self.arguments[0]}: {exc}") from None
        figure = nodes.figure(classes=["mpcov-diagram"])
        figure += nodes.raw("", svg, format="html")
        if "caption" in self.options:
            figure += nodes.caption("", "", *inline(self.options["caption"]))
        return [figure]
