"""Sphinx directives that show the engine benchmark: the last committed run, never typed numbers.

``mpcov-bench-coverage``
    The measuring cost coverage.py adds in a child process: task and child times per
    task, start method and core (no coverage, ctrace, sysmon), with the ratio to the
    run without coverage, read from ``docs/results/bench/engine.json``.
``mpcov-bench-engine``
    The engine's own ratios from the same file (per-run overhead against a bare
    ``coverage run``, the ``--jobs 2`` speed-up, ``closing_pool`` against close/join),
    each with its goal.

Both start with a line naming the machine, Python, coverage.py, the date and the
repeats of the recording. ``nox -s bench -- engine`` writes the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "docs" / "results" / "bench" / "engine.json"
SCHEMA = "mpcov-bench-engine/1"
MODES = {"none": "no coverage", "ctrace": "ctrace", "sysmon": "sysmon"}


def _table(header: list[str], rows: list[list[str]]) -> nodes.table:
    table = nodes.table()
    group = nodes.tgroup(cols=len(header))
    table += group
    for _ in header:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    group += head
    row = nodes.row()
    for cell in header:
        row += nodes.entry("", nodes.paragraph(text=cell))
    head += row
    body = nodes.tbody()
    group += body
    for values in rows:
        row = nodes.row()
        for cell in values:
            row += nodes.entry("", nodes.paragraph(text=cell))
        body += row
    return table


class _BenchDirective(SphinxDirective):
    """Reads the recording, declares it a dependency, and says where it comes from."""

    def recording(self) -> dict[str, Any]:
        """The committed benchmark document; a missing or foreign file fails the build."""
        if not BENCH.is_file():
            raise self.error(f"{BENCH} is missing: run `nox -s bench -- engine`")
        self.env.note_dependency(str(BENCH))
        document: dict[str, Any] = json.loads(BENCH.read_text(encoding="utf-8"))
        if document.get("schema") != SCHEMA:
            raise self.error(f"{BENCH}: schema {document.get('schema')!r}, expected {SCHEMA!r}")
        return document

    def about(self, document: dict[str, Any], what: str) -> nodes.paragraph:
        """One sentence: when, on what, with which versions and how many repeats."""
        machine = document["machine"]
        python = document["python"]
        return nodes.paragraph(
            text=(
                f"Recorded {document['created'][:10]} on {machine['system']} "
                f"{machine['release']} ({machine['machine']}, {machine['usable_cpus']} usable "
                f"CPUs, load average {machine['load_average'][0]:.1f} at the start), "
                f"{python['implementation']} {python['version']}, coverage.py "
                f"{document['coverage']}, mpcov {document['versions']['mpcov']}; {what}."
            )
        )


class CoverageCostDirective(_BenchDirective):
    """What coverage.py costs in a child, per task, start method and core."""

    def run(self) -> list[nodes.Node]:
        """Render the coverage-cost table."""
        document = self.recording()
        rows = document["coverage_cost"]
        modes = [m for m in MODES if any(r["mode"] == m for r in rows)]
        header = ["task", "start method"]
        for mode in modes:
            header.append(f"{MODES[mode]}: task CPU ms" + ("" if mode == "none" else " (x)"))
        for mode in modes:
            header.append(f"{MODES[mode]}: child ms" + ("" if mode == "none" else " (x)"))
        cells: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        for row in rows:
            cells.setdefault((row["task"], row["start_method"]), {})[row["mode"]] = row
        body = []
        for (task, method), by_mode in cells.items():
            line = [task, method]
            for key, ratio in (("task_seconds", "task_ratio"), ("child_seconds", "child_ratio")):
                for mode in modes:
                    row = by_mode.get(mode)
                    if row is None:
                        line.append("-")
                    elif mode == "none":
                        line.append(f"{row[key] * 1000:.0f}")
                    else:
                        line.append(f"{row[key] * 1000:.0f} ({row[ratio]:.2f}x)")
            body.append(line)
        repeats = document["repeats"]["child_repeats"]
        missing = "" if "sysmon" in modes else " (sysmon needs Python 3.12+: not measured here)"
        return [
            self.about(document, f"median of {repeats} interleaved runs per cell{missing}"),
            _table(header, body),
        ]


class EngineRatiosDirective(_BenchDirective):
    """The engine's ratios with their goals."""

    def run(self) -> list[nodes.Node]:
        """Render the engine-ratio table."""
        document = self.recording()
        overhead = document["engine_overhead"]
        speedup = document["jobs_speedup"]
        rows = [
            [
                (
                    f"engine run / bare coverage run ({overhead['runs']} runs of "
                    f"{overhead['example']} [{overhead['start_method']}], interleaved)"
                ),
                f"{overhead['ratio']:.3f}x",
                f"at most {overhead['goal']}x",
            ],
            [
                f"--jobs 1 / --jobs 2 ({speedup['runs']} runs, median of {speedup['repeats']})",
                f"{speedup['speedup']:.2f}x",
                f"at least {speedup['goal']}x",
            ],
        ]
        for row in document["closing_pool"]:
            rows.append(
                [
                    (
                        f"closing_pool / close() + join() ({row['start_method']}, "
                        f"median of {row['repeats']})"
                    ),
                    f"{row['ratio']:.3f}x",
                    f"at most {row['goal']}x",
                ]
            )
        return [
            self.about(document, "ratios of runs measured side by side"),
            _table(["measurement", "ratio", "goal"], rows),
        ]


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives."""
    app.add_directive("mpcov-bench-coverage", CoverageCostDirective)
    app.add_directive("mpcov-bench-engine", EngineRatiosDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
