"""Benchmark the verification engine and what coverage.py costs in a child process.

Four measurements, taken side by side in one run on one machine, so their ratios
mean something (absolute times do not travel):

1. **Engine overhead**: ``Runner.run`` of one example against a bare loop of
   ``python -m coverage run`` of the same script in a fresh temporary folder, runs
   interleaved one for one. Goal: at most 1.10x.
2. **--jobs 2 speed-up**: the same runs through ``verify()`` one at a time and two
   at a time. Goal: at least 1.7x on two CPUs.
3. **closing_pool**: ``with closing_pool(...)`` against a hand-written
   ``close(); join()`` around the same pool work, per start method. Goal: at most
   1.02x.
4. **Measuring cost in a child**: a ``multiprocessing.Process`` child runs a
   CPU-bound task or an import-heavy task, without coverage, under coverage.py's
   C tracer (``ctrace``) and, on Python 3.12+, under ``sysmon``, per start method.
   The child measures the CPU time of its task (``time.process_time``, which other
   load on the machine does not inflate); the parent measures the wall time from
   ``start()`` to ``join()`` (which includes coverage.py starting and saving in the
   child).

``python tests/bench/bench_engine.py --json docs/results/bench/engine.json`` (what
``nox -s bench`` runs) prints a table and writes the JSON the docs page shows.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import coverage

from mpcov import __version__, closing_pool
from mpcov.engine import Environment, Runner, run_environment, verify
from mpcov.header import Example, parse

ROOT = Path(__file__).resolve().parents[2]
#: The example both the engine and the bare loop run: a Process started and joined.
EXAMPLE = ROOT / "examples" / "process_start_join.py"
SCHEMA = "mpcov-bench-engine/1"
GOALS = {"engine_overhead": 1.10, "jobs_speedup": 1.7, "closing_pool": 1.02}

#: The child of the coverage-cost driver: times one task, writes the seconds to a file.
DRIVER = """\
from __future__ import annotations

import importlib
import multiprocessing
import sys
import time
from pathlib import Path

#: Standard modules that neither this driver nor coverage.py imports in the parent,
#: so the child imports each afresh (what they import in turn may be loaded already).
MODULES = [
    "asyncio", "email.mime.multipart", "email.policy", "http.client", "http.cookiejar",
    "xml.etree.ElementTree", "logging.handlers", "argparse", "csv", "difflib",
    "fractions", "statistics", "tarfile", "zipfile", "unittest", "urllib.request",
    "ftplib", "smtplib", "imaplib", "calendar", "pydoc", "pickletools", "mailbox",
    "plistlib", "doctest", "pdb", "cProfile", "trace", "shelve", "html.parser",
    "http.server", "socketserver", "xmlrpc.client", "hmac", "secrets",
]


def cpu() -> None:
    total = 0
    for i in range(400_000):
        total += i * i % 7
    if total < 0:
        raise AssertionError


def imports() -> None:
    for name in MODULES:
        importlib.import_module(name)


#: What coverage.py itself imports: loaded before the clock starts in every mode, so the
#: import task does the same work with coverage as without it.
BASE = [
    "ast", "configparser", "dataclasses", "decimal", "dis", "gettext", "inspect",
    "ipaddress", "json", "locale", "optparse", "sqlite3", "textwrap", "typing", "uuid",
    "xml.dom.minidom",
]


def child(task: str, out: str) -> None:
    for name in BASE:
        importlib.import_module(name)
    # CPU time of this process: what the task cost, whatever else the machine runs.
    started = time.process_time()
    {"cpu": cpu, "import": imports}[task]()
    Path(out).write_text(repr(time.process_time() - started))


if __name__ == "__main__":
    method, task, out = sys.argv[1:4]
    multiprocessing.set_start_method(method)
    process = multiprocessing.Process(target=child, args=(task, out))
    began = time.perf_counter()
    process.start()
    process.join()
    Path(out + ".lifetime").write_text(repr(time.perf_counter() - began))
    if process.exitcode != 0:
        raise SystemExit(process.exitcode)
"""

#: Not ``.coveragerc``: the data files are removed by the pattern ``.coverage.*``.
RCFILE = "bench-coverage.ini"
COVERAGE_CONFIG = """\
[run]
concurrency = multiprocessing
parallel = true
"""


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _bare_run(example: Example, label: str) -> float:
    """One ``coverage run`` of the example the way a user would, in a fresh folder."""
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="mpcov-bench-"))
    scratch = Path(tempfile.mkdtemp(prefix="mpcov-bench-tmp-"))
    try:
        (folder / "pyproject.toml").write_text(example.settings_toml, encoding="utf-8")
        shutil.copyfile(example.path, folder / example.path.name)
        cmd = [sys.executable, "-m", "coverage", "run", "--rcfile=pyproject.toml"]
        subprocess.run(
            [*cmd, example.path.name, label],
            cwd=folder,
            env=run_environment(scratch),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return time.perf_counter() - started


def engine_overhead(example: Example, label: str, runs: int) -> dict[str, Any]:
    """Engine runs and bare runs of the same example, interleaved one for one."""
    runner = Runner()
    env = Environment.current()
    expected = env.expected(example, label)
    engine: list[float] = []
    bare: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        result = runner.run(example, label, expected=expected)
        engine.append(time.perf_counter() - started)
        if result.outcome != "measured":
            raise SystemExit(f"{example.name} [{label}] was {result.outcome} in the benchmark")
        bare.append(_bare_run(example, label))
    return {
        "example": example.name,
        "start_method": label,
        "runs": runs,
        "engine_seconds": engine,
        "bare_seconds": bare,
        "ratio": sum(engine) / sum(bare),
        "median_ratio": _median(engine) / _median(bare),
        "goal": GOALS["engine_overhead"],
    }


def jobs_speedup(example: Example, label: str, runs: int, repeats: int) -> dict[str, Any]:
    """``verify()`` of ``runs`` runs with one job, then two, ``repeats`` times alternately."""
    env = Environment.current()
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(repeats):
        for jobs in (1, 2):
            started = time.perf_counter()
            groups = verify([example], labels=[label], repeat=runs, jobs=jobs, env=env)
            times[jobs].append(time.perf_counter() - started)
            if [g.matches for g in groups if g.label == label] != [True]:
                raise SystemExit(f"{example.name} [{label}] did not match in the benchmark")
    return {
        "example": example.name,
        "start_method": label,
        "runs": runs,
        "repeats": repeats,
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "jobs1_seconds": times[1],
        "jobs2_seconds": times[2],
        "speedup": _median(times[1]) / _median(times[2]),
        "goal": GOALS["jobs_speedup"],
    }


def square(x: int) -> int:
    """A pool task."""
    return x * x


def _with_closing_pool(method: str) -> float:
    started = time.perf_counter()
    with closing_pool(2, context=method) as pool:
        pool.map(square, range(200))
    return time.perf_counter() - started


def _with_close_join(method: str) -> float:
    started = time.perf_counter()
    pool = multiprocessing.get_context(method).Pool(2)
    try:
        pool.map(square, range(200))
    finally:
        pool.close()
        pool.join()
    return time.perf_counter() - started


def closing_pool_cost(methods: Sequence[str], repeats: int) -> list[dict[str, Any]]:
    """``closing_pool`` against a hand-written close/join, alternately, per start method."""
    rows = []
    for method in methods:
        helper: list[float] = []
        hand: list[float] = []
        for _ in range(repeats):
            helper.append(_with_closing_pool(method))
            hand.append(_with_close_join(method))
        rows.append(
            {
                "start_method": method,
                "repeats": repeats,
                "closing_pool_seconds": helper,
                "close_join_seconds": hand,
                "ratio": _median(helper) / _median(hand),
                "goal": GOALS["closing_pool"],
            }
        )
    return rows


def _sysmon_available() -> bool:
    return sys.version_info >= (3, 12) and hasattr(sys, "monitoring")


def _child_cost_once(folder: Path, method: str, task: str, mode: str) -> tuple[float, float]:
    out = folder / f"{method}-{task}-{mode}.txt"
    env = run_environment(folder / "tmp")
    if mode == "none":
        cmd = [sys.executable, "driver.py", method, task, str(out)]
    else:
        env["COVERAGE_CORE"] = mode
        cmd = [sys.executable, "-m", "coverage", "run", f"--rcfile={RCFILE}"]
        cmd += ["driver.py", method, task, str(out)]
    subprocess.run(
        cmd, cwd=folder, env=env, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    task_seconds = float(out.read_text())
    lifetime = float(Path(f"{out}.lifetime").read_text())
    data_files = list(folder.glob(".coverage.*"))
    # parallel = true: one file from the parent and one from the child, or it was not measured.
    if mode != "none" and len(data_files) != 2:
        raise SystemExit(f"{mode} [{method}] {task}: {len(data_files)} data file(s), not 2")
    for data in data_files:
        data.unlink()
    return task_seconds, lifetime


def coverage_cost(methods: Sequence[str], repeats: int) -> list[dict[str, Any]]:
    """The child's task and lifetime without coverage, under ctrace and under sysmon."""
    modes = ["none", "ctrace"] + (["sysmon"] if _sysmon_available() else [])
    folder = Path(tempfile.mkdtemp(prefix="mpcov-bench-child-"))
    (folder / "tmp").mkdir()
    (folder / "driver.py").write_text(DRIVER, encoding="utf-8")
    (folder / RCFILE).write_text(COVERAGE_CONFIG, encoding="utf-8")
    rows: list[dict[str, Any]] = []
    try:
        for task in ("cpu", "import"):
            for method in methods:
                samples: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
                for _ in range(repeats):
                    for mode in modes:  # interleaved: load drifts hit every mode alike
                        samples[mode].append(_child_cost_once(folder, method, task, mode))
                base_task = _median([s[0] for s in samples["none"]])
                base_life = _median([s[1] for s in samples["none"]])
                for mode in modes:
                    task_median = _median([s[0] for s in samples[mode]])
                    life_median = _median([s[1] for s in samples[mode]])
                    rows.append(
                        {
                            "task": task,
                            "start_method": method,
                            "mode": mode,
                            "repeats": repeats,
                            "task_seconds": task_median,
                            "child_seconds": life_median,
                            "task_ratio": task_median / base_task,
                            "child_ratio": life_median / base_life,
                            "samples": [list(s) for s in samples[mode]],
                        }
                    )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def _versions() -> dict[str, str]:
    names = ["mpcov", "coverage", "packaging", "tomli"]
    found = {}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    found["mpcov"] = __version__
    found["coverage"] = coverage.__version__
    return found


def _machine() -> dict[str, Any]:
    return {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def _table(document: dict[str, Any]) -> str:
    lines = []
    python = document["python"]
    lines.append(
        f"{python['implementation']} {python['version']}, coverage {document['coverage']}, "
        f"{document['machine']['system']} {document['machine']['machine']}, "
        f"{document['machine']['usable_cpus']} CPU(s), {document['created']}"
    )
    lines.append("")
    overhead = document["engine_overhead"]
    speedup = document["jobs_speedup"]
    lines.append(f"{'measurement':<46}{'ratio':>8}  goal")
    lines.append(
        f"{'engine / bare coverage run (' + str(overhead['runs']) + ' runs)':<46}"
        f"{overhead['ratio']:>7.3f}x  <= {overhead['goal']}"
    )
    lines.append(
        f"{'--jobs 1 / --jobs 2 (' + str(speedup['runs']) + ' runs)':<46}"
        f"{speedup['speedup']:>7.3f}x  >= {speedup['goal']}"
    )
    for row in document["closing_pool"]:
        lines.append(
            f"{'closing_pool / close+join (' + row['start_method'] + ')':<46}"
            f"{row['ratio']:>7.3f}x  <= {row['goal']}"
        )
    lines.append("")
    lines.append(
        f"{'task':<8}{'method':<12}{'mode':<8}{'task cpu ms':>12}{'x':>7}{'child ms':>11}{'x':>7}"
    )
    for row in document["coverage_cost"]:
        lines.append(
            f"{row['task']:<8}{row['start_method']:<12}{row['mode']:<8}"
            f"{row['task_seconds'] * 1000:>12.1f}{row['task_ratio']:>7.2f}"
            f"{row['child_seconds'] * 1000:>11.1f}{row['child_ratio']:>7.2f}"
        )
    return "\n".join(lines)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Take every measurement and return the document."""
    example = parse(EXAMPLE)
    methods = [
        m for m in ("fork", "forkserver", "spawn") if m in multiprocessing.get_all_start_methods()
    ]
    label = "fork" if "fork" in methods else methods[0]
    started = time.perf_counter()
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": _machine(),
        "python": {
            "implementation": platform.python_implementation(),
            "version": platform.python_version(),
        },
        "coverage": coverage.__version__,
        "versions": _versions(),
        "repeats": {
            "engine_runs": args.runs,
            "jobs_runs": args.jobs_runs,
            "jobs_repeats": args.repeats,
            "pool_repeats": args.pool_repeats,
            "child_repeats": args.repeats,
        },
    }
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("engine_overhead", lambda: engine_overhead(example, label, args.runs)),
        ("jobs_speedup", lambda: jobs_speedup(example, label, args.jobs_runs, args.repeats)),
        ("closing_pool", lambda: closing_pool_cost(methods, args.pool_repeats)),
        ("coverage_cost", lambda: coverage_cost(methods, args.repeats)),
    ]
    for name, step in steps:
        print(f"measuring {name}...", file=sys.stderr, flush=True)
        document[name] = step()
    document["seconds"] = round(time.perf_counter() - started, 1)
    return document


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--runs", type=int, default=24, help="engine and bare runs (24)")
    parser.add_argument("--jobs-runs", type=int, default=16, help="runs per verify() (16)")
    parser.add_argument("--repeats", type=int, default=7, help="repeats of the rest (7)")
    parser.add_argument("--pool-repeats", type=int, default=20, help="pools per method (20)")
    args = parser.parse_args(argv)
    document = measure(args)
    print(_table(document))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        print(f"written to {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    # spawn and forkserver children re-import this file as __mp_main__: keep the guard.
    sys.exit(main())
