"""The decision table: pattern x settings x start method -> outcome, and where it holds.

Nothing in it is typed on a page: the page names the patterns and lists their
examples; the settings come from each example's header, the outcomes from the
recordings (or, until an example is recorded, from its header, marked as declared).
"""

from __future__ import annotations

from typing import Any, cast

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from mpcov.header import DEFAULT_COMMAND, START_METHODS, Example

from .base import MpcovDirective
from .data import cells
from .render import Cell, cell, inline, note, paragraph, table
from .results import base_declaration, summary_nodes

#: Command-line words that only steer the run, not what is measured.
_QUIET_ARGS = {"-q", "-p", "no:cacheprovider", "--cov-report=", "-m", "run", "coverage", "pytest"}


def settings_summary(example: Example) -> list[nodes.Node]:
    """The example's coverage settings, one literal per setting, and its command-line options."""
    out: list[nodes.Node] = []
    for table_name, values in example.coverage_settings.items():
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            shown = _toml_value(value)
            prefix = "" if table_name == "run" else f"[{table_name}] "
            out.append(nodes.literal(text=f"{prefix}{key} = {shown}"))
    options = command_options(example)
    if options:
        out.append(nodes.literal(text=" ".join(options)))
    for command in example.then:
        out.append(nodes.Text("then "))
        out.append(nodes.literal(text=" ".join(a for a in command if a not in ("{python}", "-m"))))
    if example.exit_code or example.output:
        said = "; ".join(f"\u201c{text}\u201d" for text in example.output)
        out.append(
            nodes.emphasis(text=f"exits {example.exit_code}" + (f": {said}" if said else ""))
        )
    if not out:
        out.append(nodes.Text("no coverage settings"))
    joined: list[nodes.Node] = []
    for node in out:
        if joined and not isinstance(joined[-1], nodes.Text):
            joined.append(nodes.Text(" "))
        joined.append(node)
    return joined


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def command_options(example: Example) -> list[str]:
    """The options an example's command adds to a plain ``coverage run`` (or pytest) call."""
    if example.command == DEFAULT_COMMAND:
        return []
    words = []
    for arg in example.command[1:]:
        if arg in _QUIET_ARGS or arg.startswith(("{", "--rcfile")) or "{script}" in arg:
            continue
        words.append(arg)
    runner = "pytest" if "pytest" in example.command else "coverage run"
    return [runner, *words]


def example_link(name: str) -> nodes.Node:
    """The example's name, linked to where a page shows it (resolved once all pages are read)."""
    ref = nodes.reference("", "", internal=True, classes=["mpcov-example-link"])
    ref["mpcov-example"] = name
    ref += nodes.literal(text=name)
    return ref


class DecisionsDirective(MpcovDirective):
    """``mpcov-decisions``: one row per example, grouped under the pattern named on each line.

    Each content line is ``Pattern: example example ...``.
    """

    has_content = True

    def run(self) -> list[nodes.Node]:
        """Render the table."""
        groups: list[tuple[str, list[str]]] = []
        for number, line in enumerate(self.content, start=1):
            if not line.strip():
                continue
            pattern, colon, listed = line.partition(":")
            if not colon or not pattern.strip():
                raise self.error(f"{self.name}: line {number} is not 'Pattern: example ...'")
            groups.append((pattern.strip(), self.names(listed)))
        if not groups:
            raise self.error(f"{self.name}: no pattern listed")
        recordings = self.recordings()
        header = [cell("pattern, example and settings"), *(cell(m) for m in START_METHODS)]
        body: list[list[Cell]] = []
        unrecorded = 0
        for pattern, names in groups:
            for index, name in enumerate(names):
                example = self.example(name)
                head: list[nodes.Node] = []
                if index == 0:
                    head.append(
                        paragraph(nodes.strong("", "", *inline(pattern)), classes=["mpcov-pattern"])
                    )
                head.append(paragraph(example_link(name)))
                head.append(
                    paragraph(*settings_summary(example), classes=["mpcov-settings-summary"])
                )
                row = [cell(head, "mpcov-decision-pattern")]
                if not example.start_methods:
                    infos = cells(example, recordings, "none")
                    unrecorded += not infos
                    row.append(
                        cell(
                            self.outcome(example, "none", infos),
                            "mpcov-decision-outcome",
                            span=len(START_METHODS),
                        )
                    )
                else:
                    for method in START_METHODS:
                        if method not in example.start_methods:
                            row.append(cell("not run", "mpcov-rate-none"))
                            continue
                        infos = cells(example, recordings, method)
                        unrecorded += not infos
                        row.append(
                            cell(self.outcome(example, method, infos), "mpcov-decision-outcome")
                        )
                body.append(row)
        out: list[nodes.Node] = [table([header], body, classes=["mpcov-decisions"])]
        out.append(
            paragraph(
                "Settings come from each example's header, outcomes from the recordings: each "
                "chip says what the runs showed and on which coverage.py and Python versions. "
                "A row whose example has no recording yet shows what its header declares, "
                "marked \u201cdeclared\u201d. A row with no process start method (\u201cany\u201d) "
                "starts its children without multiprocessing.",
                classes=["mpcov-caption"],
            )
        )
        if unrecorded:
            out.append(
                note(f"{unrecorded} of these rows are not recorded yet: they show the declaration.")
            )
        return out

    def outcome(self, example: Example, label: str, infos: list[Any]) -> list[nodes.Node]:
        """The chips of a cell, or the declaration when nothing is recorded."""
        if infos:
            nodes_ = summary_nodes(infos, short=True)
            if label == "none":
                nodes_.insert(0, nodes.emphasis(text="any: "))
            return nodes_
        text = f"declared {base_declaration(example, label, short=True)}, not recorded yet"
        if label == "none":
            text = "any: " + text
        return [
            nodes.inline(text=text, classes=["mpcov-chip", "mpcov-rate-none", "mpcov-declared"])
        ]


# ------------------------------------------------------------------ example links


def _shown(env: BuildEnvironment) -> dict[str, tuple[str, str]]:
    if not hasattr(env, "mpcov_examples_shown"):
        env.mpcov_examples_shown = {}  # type: ignore[attr-defined]
    return env.mpcov_examples_shown  # type: ignore[attr-defined, no-any-return]


def _priority(docname: str) -> tuple[int, str]:
    """Which page an example link should lead to: a how-to guide first, then explanations."""
    order = ("how-to/", "explanation/", "reference/")
    rank = next((i for i, prefix in enumerate(order) if docname.startswith(prefix)), len(order))
    return rank, docname


def register_example_target(env: BuildEnvironment, name: str) -> str | None:
    """Offer this page as where ``name`` is shown; the target id, or ``None`` if already on it."""
    on_page = cast("set[str]", env.temp_data.setdefault("mpcov_targets", set()))
    if name in on_page:
        return None
    on_page.add(name)
    target = f"example-{name.replace('_', '-')}"
    shown = _shown(env)
    if name not in shown or _priority(env.docname) < _priority(shown[name][0]):
        shown[name] = (env.docname, target)
    return target


def purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    """Forget the examples a page showed before it is read again."""
    shown = _shown(env)
    for name in [n for n, (doc, _) in shown.items() if doc == docname]:
        del shown[name]


def merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    """Parallel reads: take the other process's pages (the first page in name order wins)."""
    shown = _shown(env)
    for name, (doc, target) in _shown(other).items():
        if name not in shown or _priority(doc) < _priority(shown[name][0]):
            shown[name] = (doc, target)


def resolve(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    """Point every example link at the page that shows the example."""
    shown = _shown(app.env)
    for ref in doctree.findall(nodes.reference):
        name = ref.get("mpcov-example")
        if not name:
            continue
        if name not in shown:
            ref.replace_self(ref.children)
            continue
        doc, target = shown[name]
        ref["refuri"] = app.builder.get_relative_uri(fromdocname, doc) + "#" + target
