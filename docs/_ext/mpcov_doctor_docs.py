"""Sphinx directives for the ``mpcov doctor`` pages: real runs, real help, real numbers.

``mpcov-doctor-run``
    Runs ``mpcov doctor -- python -m coverage run SCRIPT [METHOD]`` at build time on
    a script from ``tests/doctor_cases`` (which the tests run too), in a temporary
    folder with that folder's ``pyproject.toml``, and shows the command with its
    real output. ``:expect-exit:`` retries (up to ``:attempts:``) until the doctor
    exits with that status, because the loss it shows is a race; a run that never
    does is a build error, so the page cannot show a stale story.
``mpcov-doctor-help``
    ``mpcov doctor --help``, from the real parser.
``mpcov-doctor-schema``
    The JSON Schema of ``--json``, as shipped in the package.
``mpcov-doctor-bench``
    The overhead and loss-rate tables from ``docs/results/bench/doctor.json``.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "doctor_cases"
BENCH = ROOT / "docs" / "results" / "bench" / "doctor.json"


def _console(text: str) -> nodes.literal_block:
    block = nodes.literal_block(text, text, language="console")
    return block


class DoctorRunDirective(SphinxDirective):
    """A real ``mpcov doctor`` run on one of the test cases, with its output."""

    required_arguments = 1
    option_spec = {  # noqa: RUF012  # docutils reads this class attribute
        "method": directives.unchanged,
        "expect-exit": directives.nonnegative_int,
        "attempts": directives.positive_int,
    }

    def run(self) -> list[nodes.Node]:
        """Run the doctor and render the command and what it printed."""
        script = CASES / self.arguments[0]
        if not script.is_file():
            raise self.error(f"mpcov-doctor-run: no such case {script}")
        self.env.note_dependency(str(script))
        method = self.options.get("method")
        want = self.options.get("expect-exit")
        attempts = self.options.get("attempts", 1)
        shown = ["mpcov", "doctor", "--", "python", "-m", "coverage", "run", script.name]
        if method:
            shown.append(method)
        last: tuple[int, str] | None = None
        for _ in range(attempts):
            last = _run_case(script, method)
            if want is None or last[0] == want:
                break
        assert last is not None
        if want is not None and last[0] != want:
            raise ExtensionError(
                f"mpcov-doctor-run {script.name}: the doctor exited {last[0]}, not {want}, "
                f"in {attempts} attempt(s):\n{last[1]}"
            )
        text = f"$ {shlex.join(shown)}\n{last[1].rstrip()}\n$ echo $?\n{last[0]}"
        return [_console(text)]


def _run_case(script: Path, method: str | None) -> tuple[int, str]:
    """Run the doctor on ``script`` in a fresh folder; return its exit status and output."""
    folder = Path(tempfile.mkdtemp(prefix="mpcov-doctor-docs-"))
    try:
        shutil.copyfile(script, folder / script.name)
        shutil.copyfile(CASES / "pyproject.toml", folder / "pyproject.toml")
        env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        command = [sys.executable, "-m", "coverage", "run", script.name]
        if method:
            command.append(method)
        done = subprocess.run(
            [sys.executable, "-m", "mpcov", "doctor", "--", *command],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
            check=False,
        )
        output = done.stdout.replace(sys.executable, "python")
        return done.returncode, output
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class DoctorHelpDirective(SphinxDirective):
    """``mpcov doctor --help``, as the installed parser prints it."""

    def run(self) -> list[nodes.Node]:
        """Render the help text."""
        import argparse

        from mpcov import cli

        old = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "88"
        try:
            parser = cli.build_parser()
            sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            buf = io.StringIO()
            sub.choices["doctor"].print_help(buf)
        finally:
            if old is None:
                os.environ.pop("COLUMNS", None)
            else:
                os.environ["COLUMNS"] = old
        text = buf.getvalue()
        return [nodes.literal_block(text, text, language="text")]


class DoctorSchemaDirective(SphinxDirective):
    """The JSON Schema that ``mpcov doctor --json`` follows."""

    def run(self) -> list[nodes.Node]:
        """Render the schema file."""
        from mpcov.doctor.report import SCHEMA_PATH

        self.env.note_dependency(str(SCHEMA_PATH))
        text = SCHEMA_PATH.read_text(encoding="utf-8")
        return [nodes.literal_block(text, text, language="json")]


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


class DoctorBenchDirective(SphinxDirective):
    """The recorded overhead and loss-rate comparison, with the machine they come from."""

    def run(self) -> list[nodes.Node]:
        """Render docs/results/bench/doctor.json."""
        if not BENCH.is_file():
            raise self.error(
                f"mpcov-doctor-bench: {BENCH} is missing; run `nox -s bench -- doctor`"
            )
        self.env.note_dependency(str(BENCH))
        data: dict[str, Any] = json.loads(BENCH.read_text(encoding="utf-8"))
        meta = data["environment"]
        about = nodes.paragraph(
            text=(
                f"Recorded {data['date']} on {meta['machine']} ({meta['cpus']} CPUs), "
                f"CPython {meta['python']}, coverage.py {meta['coverage']}, "
                f"mpcov {meta['mpcov']}; {data['overhead_repeat']} pairs of runs per workload "
                "(one with, one without the doctor, in turn either first); seconds are medians, "
                "the overhead is the median of the pairs' ratios."
            )
        )
        overhead = _table(
            ["workload", "without the doctor (s)", "with it (s)", "added", "overhead"],
            [
                [
                    row["name"],
                    f"{row['plain_median']:.2f}",
                    f"{row['doctor_median']:.2f}",
                    _added(row),
                    _overhead(row),
                ]
                for row in data["overhead"]
            ],
        )
        rates = data["loss_rate"]
        rate = _table(
            ["runs of " + rates["example"], "runs", "lost", "loss rate", "95% Wilson interval"],
            [
                [
                    label,
                    str(rates[key]["runs"]),
                    str(rates[key]["lost"]),
                    f"{rates[key]['rate']:.0%}",
                    f"{rates[key]['low']:.0%} to {rates[key]['high']:.0%}",
                ]
                for key, label in (("plain", "without the doctor"), ("doctor", "under the doctor"))
            ],
        )
        return [about, overhead, rate]


def _overhead(row: dict[str, Any]) -> str:
    """The share the doctor added (median of the pairs' ratios) and its quartiles, if any."""
    if row["overhead_percent"] is None:
        return ""
    text = f"{row['overhead_percent']:+.1f}%"
    quartiles = row.get("overhead_quartiles_percent")
    if quartiles:
        text += f" (quartiles {quartiles[0]:+.1f}% to {quartiles[1]:+.1f}%)"
    return text


def _added(row: dict[str, Any]) -> str:
    """Seconds the doctor added (median), and per process where the workload counts them."""
    text = f"{row['added_seconds']:+.2f} s"
    if row.get("added_ms_per_process") is not None:
        text += f" ({row['added_ms_per_process']:.1f} ms per process, beyond the fixed cost)"
    return text


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives."""
    app.add_directive("mpcov-doctor-run", DoctorRunDirective)
    app.add_directive("mpcov-doctor-help", DoctorHelpDirective)
    app.add_directive("mpcov-doctor-schema", DoctorSchemaDirective)
    app.add_directive("mpcov-doctor-bench", DoctorBenchDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
