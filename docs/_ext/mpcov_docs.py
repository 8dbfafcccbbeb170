"""Sphinx directives that put mpcov's examples and recorded results on the site.

Everything shown by these directives is read at build time from files in the
repository, so a page cannot drift from the code or the measurements:

``mpcov-example NAME``
    The example's header (title, what it shows, expected outcome), parsed with
    :func:`mpcov.header.parse`; ``:settings:`` adds its coverage config block.
``mpcov-settings NAME``
    Only the ``[tool.coverage.*]`` tables of the example's header, as a
    ``pyproject.toml`` block.
``mpcov-outcomes NAME [NAME ...]``
    The recorded outcome of those examples, one column per result file.
``mpcov-results``
    One table per result file in ``docs/results/data`` with its metadata.
``mpcov-matrix``
    A heat map: example x (Python, start method), coloured by the share of
    runs in which every child line was measured.
``mpcov-sequence FILE``
    A timeline (sequence) diagram drawn as inline SVG from a small text file.
``mpcov-cli``
    The ``mpcov verify --help`` text, generated from the real parser.
``mpcov-schema``
    The results JSON schema shipped in the package, if present.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.directives.code import container_wrapper
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from mpcov.header import START_METHODS, Example, HeaderError, parse

LOG = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DATA = ROOT / "docs" / "results" / "data"
LABEL_ORDER = (*START_METHODS, "none")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Recording:
    """One result file: one platform, Python and coverage.py version."""

    path: Path
    doc: dict[str, Any]

    @property
    def platform(self) -> str:
        """The recording's ``sys.platform``."""
        return str(self.doc["platform"]["sys_platform"])

    @property
    def python(self) -> str:
        """Implementation and version, e.g. ``CPython 3.11.7``."""
        return f"{self.doc['python']['implementation']} {self.doc['python']['version']}"

    @property
    def coverage(self) -> str:
        """The coverage.py version measured."""
        return str(self.doc["coverage"]["version"])

    @property
    def date(self) -> str:
        """The day the recording was made (ISO date)."""
        return str(self.doc["created"])[:10]

    @property
    def short(self) -> str:
        """A column label: ``linux 3.11.7 / cov 7.17.3`` (and the campaign, if any)."""
        label = f" ({self.label})" if self.label else ""
        return f"{self.platform} {self.doc['python']['version']} / cov {self.coverage}{label}"

    def sort_key(self) -> tuple[Any, ...]:
        """Order by platform, then Python and coverage.py versions, numerically."""

        def version(text: str) -> tuple[int, ...]:
            return tuple(int(p) for p in re.findall(r"\d+", text)[:3])

        return (
            self.platform,
            version(self.doc["python"]["version"]),
            version(self.coverage),
            self.label or "",
        )

    def rows(self, example: str) -> list[dict[str, Any]]:
        """The rows for one example, in start-method order."""
        rows = [r for r in self.doc["results"] if r["example"] == example]
        return sorted(rows, key=lambda r: _label_index(r["start_method"]))

    @property
    def label(self) -> str | None:
        """The campaign (``soak``, ``cloudpickle-3.1.2``), or ``None`` for a plain recording."""
        label = self.doc.get("label")
        return str(label) if label else None

    def libraries(self) -> dict[str, str]:
        """Versions of every library some example here requires (and of what they require)."""
        found: dict[str, str] = {}
        for row in self.doc["results"]:
            for name, version in (row.get("libraries") or {}).items():
                if version is not None and name != "coverage":
                    found[name] = version
        return dict(sorted(found.items()))

    def describe(self) -> str:
        """One line of metadata: machine, versions, repeat counts, lock and date."""
        p = self.doc["platform"]
        repeat, racy = self.doc["repeat"], self.doc.get("racy_repeat", self.doc["repeat"])
        runs = f"{repeat} runs per row" + (f", {racy} for racy rows" if racy != repeat else "")
        libraries = ", ".join(f"{n} {v}" for n, v in self.libraries().items())
        lock = self.doc.get("lock")
        parts = [
            (
                f"{p['system']} {p['release']} ({p['machine']}, {p['cpus']} CPUs), "
                f"{self.python}, coverage.py {self.coverage}, mpcov {self.doc['mpcov']['version']}"
            ),
            f"libraries: {libraries}" if libraries else "no library versions recorded",
            runs + f", {self.doc['jobs']} at a time",
        ]
        if lock:
            parts.append(f"installed from {lock['file']} (sha256 {lock['sha256'][:12]})")
        if self.label:
            parts.append(f"campaign: {self.label}")
        parts.append(f"recorded {self.date}")
        return "; ".join(parts)


def _label_index(label: str) -> int:
    return LABEL_ORDER.index(label) if label in LABEL_ORDER else len(LABEL_ORDER)


def load_recordings(directory: Path = DATA) -> list[Recording]:
    """Every result file, sorted by platform, Python and coverage version."""
    found = []
    for path in sorted(directory.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        found.append(Recording(path, doc))
    return sorted(found, key=Recording.sort_key)


def load_example(name: str) -> Example:
    """Parse ``examples/NAME.py``; a missing or broken example is a build error."""
    return parse(EXAMPLES / f"{name}.py")


def coverage_tables(example: Example) -> str:
    """The header's TOML without the ``[tool.mpcov]`` tables: what a user pastes."""
    kept: list[str] = []
    keep = True
    for line in example.settings_toml.splitlines():
        table = re.match(r"^\[\[?([^\]]+)\]\]?\s*$", line)
        if table:
            keep = not table.group(1).strip().startswith("tool.mpcov")
        if keep:
            kept.append(line)
    return "\n".join(kept).strip() + "\n"


# ----------------------------------------------------------------------- helpers


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


def rate_class(rate: float | None) -> str:
    """A CSS class per 10 % step of the measured rate (colour scale in mpcov.css)."""
    if rate is None:
        return "mpcov-rate-none"
    return f"mpcov-rate-{round(rate * 10)}"


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


def table(
    header_rows: Sequence[Sequence[Cell]],
    body_rows: Sequence[Sequence[Cell]],
    *,
    title: str | None = None,
    classes: Sequence[str] = (),
) -> nodes.table:
    """A docutils table (themes style it like any other) from rows of cells."""
    ncols = sum(c.span for c in (header_rows[0] if header_rows else body_rows[0]))
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
                entry += paragraph(*c.content)
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


def match_cell(row: dict[str, Any], stale: bool) -> Cell:
    """The 'matches' cell of a results row."""
    matches = row["matches"]
    text = "skipped" if matches is None else ("yes" if matches else "NO")
    if stale:
        text += " (older header)"
    return cell(text, "mpcov-match" if matches is not False else "mpcov-mismatch")


def is_stale(row: dict[str, Any], examples: dict[str, Example | None]) -> bool:
    """The result was recorded for a header that has changed since (or a removed example)."""
    example = examples.get(row["example"])
    return example is None or example.header_sha256 != row["header_sha256"]


def example_index(names: Iterable[str]) -> dict[str, Example | None]:
    """Parse the named examples; ``None`` for one that no longer exists or parses."""
    out: dict[str, Example | None] = {}
    for name in names:
        try:
            out[name] = load_example(name)
        except HeaderError:
            out[name] = None
    return out


def recordings_note(recordings: Sequence[Recording]) -> nodes.Element:
    """A bullet list describing each recording a table draws on."""
    bullets = nodes.bullet_list(classes=["mpcov-recordings"])
    for rec in recordings:
        item = nodes.list_item()
        item += paragraph(nodes.strong(text=rec.short), ": ", rec.describe())
        bullets += item
    return bullets


def note(text: str) -> nodes.Element:
    """A note admonition with inline code from backticks."""
    admonition = nodes.note()
    admonition += paragraph(*inline(text))
    return admonition


# -------------------------------------------------------------------- directives


class _ExampleDirective(SphinxDirective):
    """Base for directives that name examples: a bad name is a build error, not a crash."""

    def example(self, name: str) -> Example:
        """Parse ``examples/NAME.py`` or stop this directive with a clear error."""
        try:
            return load_example(name)
        except HeaderError as exc:
            raise self.error(f"{self.name}: {exc}") from None


class ExampleDirective(_ExampleDirective):
    """The header of one example: title, description and expected outcome."""

    required_arguments = 1
    option_spec = {"settings": directives.flag, "no-description": directives.flag}  # noqa: RUF012

    def run(self) -> list[nodes.Node]:
        """Render the example's header."""
        example = self.example(self.arguments[0])
        self.env.note_dependency(str(example.path))
        box = nodes.container(classes=["mpcov-example"])
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
        return [box]


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
    if example.when:
        parts.append("with version- or platform-specific exceptions declared in the header")
    return "; ".join(parts)


def settings_block(directive: SphinxDirective, example: Example) -> nodes.Node:
    """The coverage tables of an example's header as a captioned TOML block."""
    text = coverage_tables(example)
    block = nodes.literal_block(text, text, language="toml")
    block["classes"].append("mpcov-settings")
    return container_wrapper(directive, block, f"pyproject.toml (from {example.path.name})")


class SettingsDirective(_ExampleDirective):
    """The coverage settings from an example's header, as a pyproject.toml block."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        """Render the settings block."""
        example = self.example(self.arguments[0])
        self.env.note_dependency(str(example.path))
        return [settings_block(self, example)]


class OutcomesDirective(_ExampleDirective):
    """Measured outcomes of the named examples, one column per recording."""

    required_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        """Render the outcomes table and the list of recordings it uses."""
        names = self.arguments[0].split()
        examples = {}
        for name in names:
            examples[name] = self.example(name)
            self.env.note_dependency(str(examples[name].path))
        recordings = [r for r in load_recordings() if any(r.rows(n) for n in names)]
        for rec in load_recordings():
            self.env.note_dependency(str(rec.path))
        section = nodes.container(classes=["mpcov-outcomes"])
        if not recordings:
            section += note(
                "No measurements of these examples have been recorded yet. "
                "Run `nox -s verify` to measure them on your machine (see the tutorial)."
            )
            return [section]
        header = [
            cell("example"),
            cell("start method"),
            cell("declared"),
            *(cell(rec.short) for rec in recordings),
        ]
        body = []
        for name in names:
            labels = sorted(
                {row["start_method"] for rec in recordings for row in rec.rows(name)},
                key=_label_index,
            )
            if not labels:
                body.append(
                    [
                        cell(nodes.literal(text=name)),
                        cell("-"),
                        cell(describe_expectation(examples[name])),
                        *(cell("not recorded yet", "mpcov-rate-none") for _ in recordings),
                    ]
                )
                continue
            for label in labels:
                row_cells = [cell(nodes.literal(text=name)), cell(label)]
                rows = [
                    next((r for r in rec.rows(name) if r["start_method"] == label), None)
                    for rec in recordings
                ]
                # Each recording was judged by the declaration that applied to its versions.
                declared = sorted({r["expect"] for r in rows if r is not None and r["expect"]})
                common = declared[0] if len(declared) == 1 else None
                cells = []
                for row in rows:
                    if row is None:
                        cells.append(cell("not recorded", "mpcov-rate-none"))
                        continue
                    shown = None if row["expect"] == common else row["expect"]
                    cells.append(outcome_cell(row, is_stale(row, examples), declared=shown))
                row_cells.append(cell(common or ("varies: see each cell" if declared else "skip")))
                body.append(row_cells + cells)
        section += table([header], body, classes=["mpcov-outcomes-table"])
        section += paragraph(
            "Each cell: runs in which every child line was measured / runs, with the "
            "evidence (for a deterministic row the one-sided 95% upper bound on the "
            "contrary rate, for a racy row the 95% Wilson interval of the rate), and whether "
            "that agrees with the outcome the example declares for that recording's "
            "versions. Recorded on:",
            classes=["mpcov-caption"],
        )
        section += recordings_note(recordings)
        return [section]


def evidence(row: dict[str, Any]) -> str:
    """The statistics behind a row, short: ``loss < 14%``, ``12%-41%``, ``never raced``."""
    from mpcov.stats import percent, wilson_interval

    runs, measured = row["runs"], row["measured"]
    if not runs:
        return ""
    bound = row.get("contrary_upper_bound")
    if bound is not None:
        what = "loss" if row["expect"] == "measured" else "otherwise"
        return f"{what} < {percent(bound)}"
    if row["expect"] == "racy":
        if measured in (0, runs):
            return f"never raced in {runs}" if runs >= row.get("racy_min_runs", 20) else ""
        low, high = wilson_interval(measured, runs)
        return f"{percent(low)}-{percent(high)}"
    return ""


def outcome_cell(row: dict[str, Any], stale: bool, declared: str | None = None) -> Cell:
    """A cell with measured/runs, its evidence, agreement with the header, coloured by rate."""
    if row["skip_reason"] is not None:
        return cell(f"skipped: {row['skip_reason']}", "mpcov-rate-none")
    text = f"{row['measured']}/{row['runs']} measured"
    shown = evidence(row)
    if shown:
        text += f" ({shown})"
    if declared:
        text += f", declared {declared}"
    if row["matches"] is False:
        text += ", does NOT match"
    elif row["matches"]:
        text += ", as declared"
    if stale:
        text += " (recorded for an older header)"
    return cell(text, rate_class(row["rate"]))


class ResultsDirective(SphinxDirective):
    """Every recording as a table with its metadata."""

    def run(self) -> list[nodes.Node]:
        """Render one section per recording."""
        recordings = load_recordings()
        if not recordings:
            return [note("No result files are committed in `docs/results/data` yet.")]
        names = {row["example"] for rec in recordings for row in rec.doc["results"]}
        examples = example_index(names)
        out: list[nodes.Node] = []
        for rec in recordings:
            self.env.note_dependency(str(rec.path))
            section = nodes.section(ids=[nodes.make_id(f"results-{rec.path.stem}")])
            campaign = f" ({rec.label})" if rec.label else ""
            section += nodes.title(
                text=f"{rec.platform}, {rec.python}, coverage.py {rec.coverage}{campaign}"
            )
            section += paragraph(rec.describe(), " (file ", nodes.literal(text=rec.path.name), ").")
            header = [
                cell("example"),
                cell("start method"),
                cell("runs"),
                cell("measured"),
                cell("rate"),
                cell("evidence"),
                cell("declared"),
                cell("matches"),
                cell("libraries"),
            ]
            body = []
            for row in sorted(
                rec.doc["results"],
                key=lambda r: (r["example"], _label_index(r["start_method"])),
            ):
                rate = row["rate"]
                body.append(
                    [
                        cell(nodes.literal(text=row["example"])),
                        cell(row["start_method"]),
                        cell(str(row["runs"])),
                        cell(str(row["measured"])),
                        cell("-" if rate is None else f"{rate:.0%}", rate_class(rate)),
                        cell(evidence(row)),
                        cell(row["expect"] or f"skipped: {row['skip_reason']}"),
                        match_cell(row, is_stale(row, examples)),
                        cell(
                            ", ".join(
                                f"{n} {v or 'absent'}"
                                for n, v in (row.get("libraries") or {}).items()
                                if n != "coverage"
                            )
                        ),
                    ]
                )
            section += table([header], body, classes=["mpcov-results-table"])
            out.append(section)
        return out


class MatrixDirective(SphinxDirective):
    """Heat map: example rows, (recording, start method) columns, colour = rate."""

    option_spec = {"examples": directives.unchanged}  # noqa: RUF012

    def run(self) -> list[nodes.Node]:
        """Render one heat map per platform, plus a legend."""
        recordings = load_recordings()
        for rec in recordings:
            self.env.note_dependency(str(rec.path))
        if not recordings:
            return [note("No result files are committed in `docs/results/data` yet.")]
        wanted = self.options.get("examples", "").split()
        out: list[nodes.Node] = []
        for platform in sorted({rec.platform for rec in recordings}):
            recs = [r for r in recordings if r.platform == platform]
            columns = [
                (rec, label)
                for rec in recs
                for label in sorted(
                    {row["start_method"] for row in rec.doc["results"]}, key=_label_index
                )
            ]
            names = wanted or sorted({row["example"] for rec in recs for row in rec.doc["results"]})
            header1 = [cell("example", "mpcov-matrix-corner")]
            header2 = [cell("", "mpcov-matrix-corner")]
            for rec in recs:
                labels = [label for r, label in columns if r is rec]
                header1.append(
                    cell(
                        f"{rec.python}, coverage {rec.coverage}",
                        "mpcov-matrix-group",
                        span=len(labels),
                    )
                )
                header2.extend(cell(label, "mpcov-matrix-method") for label in labels)
            body = []
            for name in names:
                row_cells = [cell(nodes.literal(text=name), "mpcov-matrix-example")]
                for rec, label in columns:
                    row = next((r for r in rec.rows(name) if r["start_method"] == label), None)
                    if row is None or row["rate"] is None:
                        reason = "n/a" if row is None else "skip"
                        row_cells.append(cell(reason, "mpcov-rate-none", "mpcov-matrix-cell"))
                    else:
                        row_cells.append(
                            cell(f"{row['rate']:.0%}", rate_class(row["rate"]), "mpcov-matrix-cell")
                        )
                body.append(row_cells)
            out.append(
                table(
                    [header1, header2],
                    body,
                    title=f"Share of runs with every child line measured ({platform})",
                    classes=["mpcov-matrix"],
                )
            )
        legend = nodes.container(classes=["mpcov-legend"])
        legend += paragraph(
            *[
                nodes.inline(text=f"{p}%", classes=["mpcov-legend-step", f"mpcov-rate-{p // 10}"])
                for p in range(0, 101, 20)
            ],
            nodes.Text("  n/a: not recorded; skip: not available there."),
        )
        out.append(legend)
        return out


# ------------------------------------------------------------------ diagrams


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
    keys = {k for k, _ in actors}
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
            lines = wrap(step.text, int(abs(x2 - x1) / char) - 2)
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


# ------------------------------------------------------------------ reference


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
                    action.default = "os.cpu_count()"
            buf = io.StringIO()
            verify.print_help(buf)
            text = buf.getvalue().replace("usage: mpcov verify", "usage: mpcov verify", 1)
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


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives and the stylesheet."""
    app.add_directive("mpcov-example", ExampleDirective)
    app.add_directive("mpcov-settings", SettingsDirective)
    app.add_directive("mpcov-outcomes", OutcomesDirective)
    app.add_directive("mpcov-results", ResultsDirective)
    app.add_directive("mpcov-matrix", MatrixDirective)
    app.add_directive("mpcov-sequence", SequenceDirective)
    app.add_directive("mpcov-cli", CliDirective)
    app.add_directive("mpcov-schema", SchemaDirective)
    app.add_css_file("mpcov.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
