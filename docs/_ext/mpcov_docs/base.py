"""The base of every directive that names examples or reads recordings."""

from __future__ import annotations

from pathlib import Path

from sphinx.util.docutils import SphinxDirective

from mpcov.header import Example, HeaderError

from .data import DATA, EXAMPLES, Recording, load_example, load_recordings


class MpcovDirective(SphinxDirective):
    """Examples and recordings from the configured folders; bad names are build errors."""

    @property
    def examples_dir(self) -> Path:
        """``mpcov_examples_dir`` from conf.py (default: the repository's examples/)."""
        return Path(getattr(self.config, "mpcov_examples_dir", None) or EXAMPLES)

    @property
    def results_dir(self) -> Path:
        """``mpcov_results_dir`` from conf.py (default: docs/results/data)."""
        return Path(getattr(self.config, "mpcov_results_dir", None) or DATA)

    def example(self, name: str) -> Example:
        """Parse ``examples/NAME.py`` (and depend on it) or stop with a clear error."""
        try:
            example = load_example(name, self.examples_dir)
        except HeaderError as exc:
            raise self.error(f"{self.name}: {exc}") from None
        self.depend_on_example(example)
        return example

    def depend_on_example(self, example: Example) -> None:
        """Rebuild the page when the example or one of its companion files changes."""
        self.env.note_dependency(str(example.path))
        for name in example.files:
            self.env.note_dependency(str(example.path.parent / name))

    def recordings(self) -> list[Recording]:
        """Every recording (and depend on each file)."""
        found = load_recordings(self.results_dir)
        for rec in found:
            self.env.note_dependency(str(rec.path))
        return found

    def names(self, text: str) -> list[str]:
        """Example names from a space-separated argument or option; each must exist."""
        names = text.split()
        if not names:
            raise self.error(f"{self.name}: no example named")
        for name in names:
            self.example(name)
        return names
