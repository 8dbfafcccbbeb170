"""Directives that show examples: their header, their settings and their code."""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.directives.code import LiteralIncludeReader, container_wrapper
from sphinx.util.docutils import SphinxDirective

from mpcov.header import Example, Override

from .base import MpcovDirective
from .data import coverage_tables
from .decisions import register_example_target
from .render import inline, make_details, paragraph


def describe_expectation(example: Example) -> str:
    """The declared outcome per start method, in words."""
    by_outcome: dict[str, list[str]] = {}
    for label in example.labels:
        if label in example.expect:
            by_outcome.setdefault(example.expect[label], []).append(label)
    parts = []
    for outcome, labels in by_outcome.items():
        if labels == ["none"]:
            parts.append(outcome)
        else:
            parts.append(f"{outcome} ({', '.join(labels)})")
    for label, reason in example.skip.items():
        parts.append(f"skipped under {label}: {reason}")
    parts.extend(describe_override(example, override) for override in example.when)
    return "; ".join(parts)


def describe_override(example: Example, override: Override) -> str:
    """One ``[[tool.mpcov.when]]`` entry in words: ``with coverage.py <7.17.3: lost``."""
    conditions = []
    if override.python is not None:
        conditions.append(f"Python {override.python}")
    if override.coverage is not None:
        conditions.append(f"coverage.py {override.coverage}")
    for name, spec in override.libraries.items():
        conditions.append(f"{name} {spec}")
    if override.platforms is not None:
        conditions.append(f"on {', '.join(override.platforms)}")
    changes: list[str] = []
    labels = example.labels
    if override.expect:
        values = set(override.expect.values())
        if len(values) == 1 and set(override.expect) == set(labels):
            changes.append(values.pop())
        else:
            changes.extend(f"{v} ({k})" for k, v in override.expect.items())
    changes.extend(f"skipped under {k}: {v}" for k, v in override.skip.items())
    if override.exit_code is not None:
        changes.append(f"exit status {override.exit_code}")
    return f"with {' and '.join(conditions) or 'any version'}: {', '.join(changes) or 'as above'}"


def settings_block(directive: SphinxDirective, example: Example) -> nodes.Node:
    """The coverage tables of an example's header as a captioned TOML block."""
    text = coverage_tables(example)
    block = nodes.literal_block(text, text, language="toml")
    block["classes"].append("mpcov-settings")
    return container_wrapper(directive, block, f"pyproject.toml (from {example.path.name})")


class ExampleDirective(MpcovDirective):
    """The header of one example: title, description and expected outcome."""

    required_arguments = 1
    option_spec = {  # noqa: RUF012
        "settings": directives.flag,
        "no-description": directives.flag,
        "no-file": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        """Render the example's header, with the whole file one click away."""
        example = self.example(self.arguments[0])
        box = nodes.container(classes=["mpcov-example"])
        target = register_example_target(self.env, example.name)
        if target is not None:
            box["ids"].append(target)
        box += paragraph(
            nodes.literal(text=example.path.name),
            ": ",
            *inline(example.title),
            classes=["mpcov-example-title"],
        )
        if "no-description" not in self.options:
            for chunk in re.split(r"\n\s*\n", example.description):
                box += paragraph(*inline(" ".join(chunk.split())))
        box += paragraph(nodes.strong(text="Declared outcome: "), describe_expectation(example))
        if "settings" in self.options:
            box += settings_block(self, example)
        if "no-file" not in self.options:
            box += whole_file(example.path)
            for name in example.files:
                if name.endswith(".py"):
                    box += whole_file(example.path.parent / name)
        return [box]


def whole_file(path: Path) -> nodes.Node:
    """The whole file, collapsed: one click away from the excerpt on the page."""
    text = path.read_text(encoding="utf-8")
    block = nodes.literal_block(text, text, language="python", source=str(path))
    return make_details(
        [nodes.Text("The whole file: "), nodes.literal(text=path.name)],
        block,
        classes=["mpcov-whole-file"],
    )


class SettingsDirective(MpcovDirective):
    """The coverage settings from an example's header, as a pyproject.toml block."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        """Render the settings block."""
        return [settings_block(self, self.example(self.arguments[0]))]


class ListingDirective(MpcovDirective):
    """The lines of an example that matter (its header directive holds the whole file).

    ``:show:`` names the functions to show (default ``main``, unless a marker slice is
    given); ``:start-at:`` and ``:end-before:`` add a slice between two markers (text
    in the file, never line numbers); ``:file:`` picks a companion file listed in the
    header's ``files`` instead of the script.
    """

    required_arguments = 1
    option_spec = {  # noqa: RUF012
        "show": directives.unchanged,
        "file": directives.unchanged,
        "start-at": directives.unchanged_required,
        "end-before": directives.unchanged_required,
    }

    def run(self) -> list[nodes.Node]:
        """Render the chosen functions and a collapsed listing of the whole file."""
        example = self.example(self.arguments[0])
        path = example.path
        if "file" in self.options:
            name = self.options["file"].strip()
            if name not in example.files:
                raise self.error(f"{self.name}: {name!r} is not in the header's files")
            path = example.path.parent / name
        sliced = "start-at" in self.options or "end-before" in self.options
        shown = self.options.get("show", "" if sliced else "main").split()
        location = self.state_machine.get_source_and_line(self.lineno)
        wanted: list[dict[str, str]] = []
        if sliced:
            wanted.append(
                {k: self.options[k] for k in ("start-at", "end-before") if k in self.options}
            )
        wanted.extend({"pyobject": obj} for obj in shown)
        parts = []
        for options in wanted:
            try:
                # get_source_and_line gives (None, None) for generated text; read() wants None.
                source = location if location[0] is not None else None
                text, _ = LiteralIncludeReader(path, options, self.config).read(source)
            except ValueError as exc:
                raise self.error(f"{self.name}: {exc}") from None
            if not text.strip():
                raise self.error(f"{self.name}: {options} selects nothing in {path.name}")
            parts.append(text.rstrip("\n"))
        labels = (["excerpt"] if sliced else []) + shown
        excerpt = "\n\n".join(parts) + "\n"
        block = nodes.literal_block(excerpt, excerpt, language="python", source=str(path))
        block["classes"].append("mpcov-excerpt")
        return [container_wrapper(self, block, f"{path.name} ({', '.join(labels)})")]
