"""Sphinx directives that put mpcov's examples and recorded results on the site.

Everything shown by these directives is read at build time from files in the
repository, so a page cannot drift from the code or the measurements:

``mpcov-example NAME``
    The example's header (title, what it shows, declared outcome), parsed with
    :func:`mpcov.header.parse`; ``:settings:`` adds its coverage config block.
``mpcov-settings NAME``
    Only the ``[tool.coverage.*]`` tables of the example's header, as a
    ``pyproject.toml`` block.
``mpcov-listing NAME``
    The functions that matter (``:show: main``), with the whole file one click away.
``mpcov-outcomes NAME [NAME ...]``
    One row per example and start method: a summary of what the recordings showed
    and where, each recording's numbers one click away.
``mpcov-decisions``
    The decision table: pattern x settings x start method -> outcome, with the
    coverage.py and Python versions where it held.
``mpcov-results``
    One table per result file in ``docs/results/data`` with its metadata.
``mpcov-soak``
    The soak's parts so far (docs/results/soak/LABEL/), before they are merged.
``mpcov-matrix``
    A heat map: example x (Python, start method), coloured by the share of
    runs in which every child line was measured.
``mpcov-sequence FILE``
    A timeline (sequence) diagram drawn as inline SVG from a small text file.
``mpcov-cli``, ``mpcov-schema``
    The ``mpcov verify --help`` text and the results JSON schema.
``mpcov-rules``
    The summary table of ``mpcov check``'s rules, from ``mpcov.check.rules``.

Roles ``{source}`` and ``{unmeasured}`` carry the source of a claim (citations.py).

Modules: data (headers and recordings, no Sphinx), render (node builders),
examples, results, soak, decisions, diagrams, reference, rules, citations.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from . import decisions
from .citations import source_role, unmeasured_role
from .data import (
    DATA,
    EXAMPLES,
    Recording,
    coverage_tables,
    example_index,
    load_example,
    load_recordings,
)
from .decisions import DecisionsDirective
from .diagrams import SequenceDirective, parse_sequence, render_sequence
from .examples import ExampleDirective, ListingDirective, SettingsDirective, describe_expectation
from .reference import CliDirective, SchemaDirective
from .render import (
    Cell,
    cell,
    depart_details_html,
    depart_plain,
    depart_summary_html,
    details,
    inline,
    note,
    paragraph,
    rate_class,
    summary,
    table,
    visit_details_html,
    visit_plain,
    visit_summary_html,
)
from .results import MatrixDirective, OutcomesDirective, ResultsDirective
from .rules import RulesDirective
from .soak import SoakDirective

__all__ = [
    "DATA",
    "EXAMPLES",
    "Cell",
    "Recording",
    "cell",
    "coverage_tables",
    "describe_expectation",
    "example_index",
    "inline",
    "load_example",
    "load_recordings",
    "note",
    "paragraph",
    "parse_sequence",
    "rate_class",
    "render_sequence",
    "setup",
    "table",
]


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives, roles, nodes and the stylesheet."""
    app.add_config_value("mpcov_examples_dir", None, "env", types=(str,))
    app.add_config_value("mpcov_results_dir", None, "env", types=(str,))
    app.add_config_value("mpcov_soak_dir", None, "env", types=(str,))
    plain = (visit_plain, depart_plain)
    app.add_node(
        details,
        html=(visit_details_html, depart_details_html),
        text=plain,
        latex=plain,
        man=plain,
        texinfo=plain,
    )
    app.add_node(
        summary,
        html=(visit_summary_html, depart_summary_html),
        text=plain,
        latex=plain,
        man=plain,
        texinfo=plain,
    )
    app.add_directive("mpcov-example", ExampleDirective)
    app.add_directive("mpcov-settings", SettingsDirective)
    app.add_directive("mpcov-listing", ListingDirective)
    app.add_directive("mpcov-outcomes", OutcomesDirective)
    app.add_directive("mpcov-decisions", DecisionsDirective)
    app.add_directive("mpcov-results", ResultsDirective)
    app.add_directive("mpcov-matrix", MatrixDirective)
    app.add_directive("mpcov-soak", SoakDirective)
    app.add_directive("mpcov-sequence", SequenceDirective)
    app.add_directive("mpcov-cli", CliDirective)
    app.add_directive("mpcov-schema", SchemaDirective)
    app.add_directive("mpcov-rules", RulesDirective)
    app.add_role("source", source_role)
    app.add_role("unmeasured", unmeasured_role)
    app.connect("env-purge-doc", decisions.purge)
    app.connect("env-merge-info", decisions.merge)
    app.connect("doctree-resolved", decisions.resolve)
    app.add_css_file("mpcov.css")
    return {"version": "2", "parallel_read_safe": True, "parallel_write_safe": True}
