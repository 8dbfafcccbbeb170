"""Directives for the reference pages: the CLI help text and the results schema."""

from __future__ import annotations

import io
from pathlib import Path

from docutils import nodes
from sphinx.directives.code import container_wrapper
from sphinx.util.docutils import SphinxDirective

from .render import note


class CliDirective(SphinxDirective):
    """``mpcov verify --help``, as the installed parser prints it."""

    def run(self) -> list[nodes.Node]:
        """Render the help text."""
        import argparse
        import os

        from mpcov import cli

        old = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "88"
        try:
            parser = cli.build_parser()
            sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            verify = sub.choices["verify"]
            for action in verify._actions:
                if action.dest == "jobs":
                    # Not this build machine's CPU count.
                    action.default = "the reader's CPU count"
            buf = io.StringIO()
            verify.print_help(buf)
            text = buf.getvalue()
        finally:
            if old is None:
                os.environ.pop("COLUMNS", None)
            else:
                os.environ["COLUMNS"] = old
        block = nodes.literal_block(text, text, language="text")
        return [container_wrapper(self, block, "mpcov verify --help")]


class SchemaDirective(SphinxDirective):
    """The results JSON schema from the package."""

    def run(self) -> list[nodes.Node]:
        """Render the schema file, or a note when it is absent."""
        from mpcov import report

        path = Path(report.SCHEMA_PATH)
        if not path.is_file():
            return [note(f"The schema file `{path.name}` is not in this checkout yet.")]
        self.env.note_dependency(str(path))
        text = path.read_text(encoding="utf-8")
        block = nodes.literal_block(text, text, language="json")
        return [container_wrapper(self, block, f"src/mpcov/{path.name}")]
