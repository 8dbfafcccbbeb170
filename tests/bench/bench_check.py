"""Benchmark ``mpcov check`` against its floor, ``ast.parse`` of the same files.

Every target is a folder. The files are the ones the checker itself finds there
(its default excludes and ``.gitignore`` apply), and the floor is reading and
parsing each of them with :func:`ast.parse`, which the checker must do anyway.
The checker's time is a whole run of :func:`mpcov.check.check_files`:
discovery, reading, parsing, the project index and every rule. Each is timed
``--repeat`` times and the best run counts, since other load only ever adds time.
Seconds are CPU seconds of this process (``time.process_time``), which other
processes on a shared machine disturb far less than wall-clock time; the wall
seconds are recorded too.

With no target, the benchmark checks this project's own ``src`` and ``tests``, so
``nox -s bench`` needs nothing outside the repository. Other trees are named as
arguments or in ``MPCOV_BENCH_PATHS`` (separated by the OS path separator); the
accuracy page's projects are benchmarked that way (docs/reference/check-accuracy.md).

    python tests/bench/bench_check.py --json docs/results/bench/check.json
    python tests/bench/bench_check.py /work/ext/black /work/ext/pylint --repeat 5
"""

from __future__ import annotations

import argparse
import ast
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import coverage

import mpcov
from mpcov.check import CheckConfig, Settings, check_files
from mpcov.check.discovery import discover
from mpcov.check.runner import read_source

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "mpcov-bench-check/1"


def _parse_all(files: list[Path]) -> tuple[float, float, int]:
    """Wall and CPU seconds to read and parse ``files`` with ast.parse, and their lines."""
    lines = 0
    start, cpu = time.perf_counter(), time.process_time()
    for path in files:
        try:
            text = read_source(path)
            ast.parse(text, filename=str(path))
        except (OSError, SyntaxError, ValueError, RecursionError):
            continue  # the checker skips these too
        lines += text.count("\n")
    return time.perf_counter() - start, time.process_time() - cpu, lines


def _check(folder: Path) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    check_files([folder], Settings(), config=CheckConfig(root=folder))
    return time.perf_counter() - start, time.process_time() - cpu


def _commit(folder: Path, given: dict[str, str]) -> str | None:
    if folder.name in given:
        return given[folder.name]
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def measure(folder: Path, repeat: int, commits: dict[str, str]) -> dict[str, Any]:
    """Time the floor and the checker on one folder."""
    files = discover([folder], CheckConfig(root=folder)).files
    parse_runs, check_runs, lines = [], [], 0
    for _ in range(repeat):
        wall, cpu, lines = _parse_all(files)
        parse_runs.append((cpu, wall))
        check_wall, check_cpu = _check(folder)
        check_runs.append((check_cpu, check_wall))
    (parse_s, parse_wall), (check_s, check_wall) = min(parse_runs), min(check_runs)
    return {
        "name": folder.name,
        "commit": _commit(folder, commits),
        "files": len(files),
        "lines": lines,
        "parse_seconds": round(parse_s, 4),
        "check_seconds": round(check_s, 4),
        "parse_wall_seconds": round(parse_wall, 4),
        "check_wall_seconds": round(check_wall, 4),
        "parse_lines_per_second": round(lines / parse_s) if parse_s else None,
        "check_lines_per_second": round(lines / check_s) if check_s else None,
        "ratio": round(check_s / parse_s, 2) if parse_s else None,
    }


def _total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    lines = sum(r["lines"] for r in rows)
    parse_s = sum(r["parse_seconds"] for r in rows)
    check_s = sum(r["check_seconds"] for r in rows)
    return {
        "name": "total",
        "files": sum(r["files"] for r in rows),
        "lines": lines,
        "parse_seconds": round(parse_s, 4),
        "check_seconds": round(check_s, 4),
        "parse_wall_seconds": round(sum(r["parse_wall_seconds"] for r in rows), 4),
        "check_wall_seconds": round(sum(r["check_wall_seconds"] for r in rows), 4),
        "parse_lines_per_second": round(lines / parse_s) if parse_s else None,
        "check_lines_per_second": round(lines / check_s) if check_s else None,
        "ratio": round(check_s / parse_s, 2) if parse_s else None,
    }


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a plain-text table."""
    header = ("target", "files", "lines", "parse cpu s", "check cpu s", "lines/s", "ratio")
    body = [
        (
            r["name"],
            str(r["files"]),
            str(r["lines"]),
            f"{r['parse_seconds']:.3f}",
            f"{r['check_seconds']:.3f}",
            f"{r['check_lines_per_second'] or 0:,}",
            f"{r['ratio'] or 0:.2f}",
        )
        for r in rows
    ]
    widths = [max(len(x) for x in column) for column in zip(header, *body)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
    lines += [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
        for row in body
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the table and write the JSON file if asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", type=Path, help="folders to check")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--repeat", type=int, default=3, help="runs per target (best counts)")
    parser.add_argument(
        "--commit",
        action="append",
        default=[],
        metavar="NAME=SHA",
        help="the commit a target folder holds, when it is not a git work tree",
    )
    args = parser.parse_args(argv)
    targets = list(args.targets)
    if not targets and os.environ.get("MPCOV_BENCH_PATHS"):
        targets = [Path(p) for p in os.environ["MPCOV_BENCH_PATHS"].split(os.pathsep) if p]
    if not targets:
        targets = [ROOT / "src", ROOT / "tests"]
    commits = dict(c.split("=", 1) for c in args.commit)
    rows = [measure(t.resolve(), args.repeat, commits) for t in targets]
    total = _total(rows)
    print(table([*rows, total]))
    if args.json is not None:
        document = {
            "schema": SCHEMA,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": {
                "platform": platform.platform(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            },
            "python": platform.python_version(),
            "versions": {"mpcov": mpcov.__version__, "coverage": coverage.__version__},
            "repeat": args.repeat,
            "targets": rows,
            "total": total,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
