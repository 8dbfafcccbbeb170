"""Directives that show recorded results: per-example outcomes, every recording, a heat map."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives

from mpcov.header import Example

from .base import MpcovDirective
from .data import (
    Cellinfo,
    Recording,
    cells,
    evidence,
    example_index,
    group_cells,
    group_where,
    is_stale,
    label_index,
    labels_of,
)
from .render import (
    OUTCOME_CLASS,
    Cell,
    cell,
    make_details,
    note,
    paragraph,
    rate_class,
    scroller,
    table,
)

NOT_RECORDED = "not recorded yet"


def recordings_note(recordings: Sequence[Recording]) -> nodes.Element:
    """A bullet list describing each recording a table draws on."""
    bullets = nodes.bullet_list(classes=["mpcov-recordings"])
    for rec in recordings:
        item = nodes.list_item()
        item += paragraph(nodes.strong(text=rec.short), ": ", rec.describe())
        bullets += item
    return bullets


def run_text(info: Cellinfo) -> str:
    """One recording's row in words: ``3/3 measured (loss < 63%), as declared``."""
    row = info.row
    if info.seen == "skipped":
        return f"skipped: {row['skip_reason']}"
    text = f"{row['measured']}/{row['runs']} measured"
    shown = evidence(row)
    if shown:
        text += f" ({shown})"
    if row.get("timeouts"):
        text += f", {row['timeouts']} timed out"
    if info.stale:
        text += f"; recorded for an older header (declared {row['expect']} then)"
    elif info.never_lost:
        text += f"; does NOT match the declared {info.declared}: it never lost"
    elif info.agrees is False:
        text += f"; does NOT match the declared {info.declared}"
    elif info.agrees:
        text += f"; as declared ({info.declared})"
    return text


def declared_text(infos: Sequence[Cellinfo], example: Example, label: str) -> str:
    """The current header's declaration for this row; ``varies`` when versions differ."""
    values = sorted({i.declared for i in infos})
    if not values:
        return base_declaration(example, label)
    return values[0] if len(values) == 1 else "varies: " + ", ".join(values)


def base_declaration(example: Example, label: str, *, short: bool = False) -> str:
    """The header's outcome for ``label`` before any ``when`` entry, noting that some exist."""
    base = example.expect.get(label) or f"skip: {example.skip.get(label, '')}"
    touched = any(label in o.expect or label in o.skip for o in example.when)
    if not touched:
        return base
    return base + (" (varies by version)" if short else " (other versions differ: see the header)")


def summary_nodes(infos: Sequence[Cellinfo], *, short: bool = False) -> list[nodes.Node]:
    """The per-row summary: one coloured chip per outcome, with where it held.

    Skipped recordings are one grey line, not a chip: they measured nothing.
    """
    if not infos:
        return [nodes.inline(text=NOT_RECORDED, classes=["mpcov-chip", "mpcov-rate-none"])]
    out: list[nodes.Node] = []
    for group in group_cells(infos):
        if group.seen in ("skipped", "no runs"):
            where = group_where(group, infos, short=short)
            out.append(nodes.inline(text=f"{group.seen} on {where}", classes=["mpcov-skipped"]))
            continue
        chip = nodes.inline(classes=["mpcov-chip", OUTCOME_CLASS.get(group.seen, "")])
        chip += nodes.strong(text=f"{group.seen} {group.measured}/{group.runs}")
        chip += nodes.Text(f" on {group_where(group, infos, short=short)}")
        out.append(chip)
    problems = [i for i in infos if i.agrees is False]
    stale = [i for i in infos if i.stale]
    if problems:
        out.append(
            nodes.inline(text=f" {len(problems)} NOT as declared", classes=["mpcov-mismatch"])
        )
    if stale:
        out.append(
            nodes.inline(text=f" ({len(stale)} for an older header)", classes=["mpcov-stale"])
        )
    return out


def details_nodes(infos: Sequence[Cellinfo]) -> nodes.Node:
    """Each recording's numbers, one click away."""
    bullets = nodes.bullet_list(classes=["mpcov-runs"])
    for info in infos:
        item = nodes.list_item()
        item += paragraph(nodes.strong(text=info.recording.short), ": ", run_text(info))
        bullets += item
    return make_details("each recording", bullets, classes=["mpcov-row-details"])


class OutcomesDirective(MpcovDirective):
    """Measured outcomes of the named examples: a summary per row, each recording a click away."""

    required_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        """Render the outcomes table and the list of recordings it uses."""
        names = self.names(self.arguments[0])
        examples = {name: self.example(name) for name in names}
        everything = self.recordings()
        recordings = [r for r in everything if any(r.rows(n) for n in names)]
        section = nodes.container(classes=["mpcov-outcomes"])
        header = [cell("example"), cell("start method"), cell("declared"), cell("recorded")]
        body = []
        for name in names:
            example = examples[name]
            for label in labels_of(example, recordings):
                infos = cells(example, recordings, label)
                summary: list[nodes.Node] = summary_nodes(infos)
                if infos:
                    summary.append(details_nodes(infos))
                body.append(
                    [
                        cell(nodes.literal(text=name)),
                        cell(label),
                        cell(declared_text(infos, example, label)),
                        cell(summary, "mpcov-summary"),
                    ]
                )
        section += table([header], body, classes=["mpcov-outcomes-table"])
        if not recordings:
            section += note(
                "No measurements of these examples have been recorded yet. "
                "Run `nox -s verify` to measure them on your machine (see the tutorial)."
            )
            return [section]
        section += paragraph(
            "Each chip: what the runs showed (runs with every child line measured / runs, "
            "over the recordings in the chip), and the versions where that held. "
            '"each recording" opens the numbers per recording, with the '
            "evidence (for a deterministic row the one-sided 95% upper bound on the contrary "
            "rate, for a racy row the 95% Wilson interval) and whether they agree with what the "
            "header declares for that recording's versions.",
            classes=["mpcov-caption"],
        )
        section += make_details(
            f"The {len(recordings)} recordings these rows come from",
            recordings_note(recordings),
            classes=["mpcov-recordings-details"],
        )
        return [section]


def match_cell(row: dict[str, Any], stale: bool) -> Cell:
    """The 'matches' cell of a results row."""
    matches = row["matches"]
    text = "skipped" if matches is None else ("yes" if matches else "NO")
    if stale:
        text += " (older header)"
    return cell(text, "mpcov-match" if matches is not False else "mpcov-mismatch")


class ResultsDirective(MpcovDirective):
    """Every recording as a table with its metadata."""

    def run(self) -> list[nodes.Node]:
        """Render one section per recording."""
        recordings = self.recordings()
        if not recordings:
            return [note("No result files are committed in `docs/results/data` yet.")]
        names = {row["example"] for rec in recordings for row in rec.doc["results"]}
        examples = example_index(sorted(names), self.examples_dir)
        for example in examples.values():
            if example is not None:
                self.depend_on_example(example)
        out: list[nodes.Node] = []
        for rec in recordings:
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
                key=lambda r: (r["example"], label_index(r["start_method"])),
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
                        match_cell(row, is_stale(row, examples.get(row["example"]), rec)),
                        cell(
                            ", ".join(
                                f"{n} {v or 'absent'}"
                                for n, v in (row.get("libraries") or {}).items()
                                if n != "coverage"
                            )
                        ),
                    ]
                )
            section += scroller(table([header], body, classes=["mpcov-results-table"]))
            out.append(section)
        return out


class MatrixDirective(MpcovDirective):
    """Heat map: example rows, (recording, start method) columns, colour = rate."""

    option_spec = {"examples": directives.unchanged}  # noqa: RUF012

    def run(self) -> list[nodes.Node]:
        """Render one heat map per platform, plus a legend."""
        wanted = self.names(self.options["examples"]) if "examples" in self.options else []
        recordings = self.recordings()
        if not recordings:
            return [note("No result files are committed in `docs/results/data` yet.")]
        out: list[nodes.Node] = []
        for platform in sorted({rec.platform for rec in recordings}):
            recs = [r for r in recordings if r.platform == platform]
            columns = [
                (rec, label)
                for rec in recs
                for label in sorted(
                    {row["start_method"] for row in rec.doc["results"]}, key=label_index
                )
            ]
            names = wanted or sorted({row["example"] for rec in recs for row in rec.doc["results"]})
            for example in example_index(names, self.examples_dir).values():
                if example is not None:
                    self.depend_on_example(example)
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
                    row = rec.row(name, label)
                    if row is None or row["rate"] is None:
                        reason = "n/a" if row is None else "skip"
                        row_cells.append(cell(reason, "mpcov-rate-none", "mpcov-matrix-cell"))
                    else:
                        row_cells.append(
                            cell(f"{row['rate']:.0%}", rate_class(row["rate"]), "mpcov-matrix-cell")
                        )
                body.append(row_cells)
            out.append(
                scroller(
                    table(
                        [header1, header2],
                        body,
                        title=f"Share of runs with every child line measured ({platform})",
                        classes=["mpcov-matrix"],
                    )
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
