"""Benchmark ``mpcov doctor``: its wall-time overhead, and that it does not change a race.

Two measurements, each side by side in one run so that the machine's state is shared:

* overhead: the same coverage run with and without the doctor, on a slice of this
  project's own tests under ``coverage run -m pytest`` and on an example-heavy run
  (pool, process and subprocess examples under every start method). Runs come in
  pairs, one of each side, in turn plain-first and doctor-first; the median of the
  pairs' ratios is the overhead, with its quartiles. Three small workloads take it
  apart: the doctor around ``true`` (its fixed cost: start-up, analysis, report),
  and around a program that starts 40 short Python subprocesses, or forks 40
  children (the cost in each process).
* loss rate: ``examples/pool_with_block_only.py`` (the classic ``with Pool``
  race) run N times plain and N times under the doctor, interleaved; the worker's
  line is lost or kept in each run. The doctor must not turn losses into saves:
  its rate must fall within the 95% Wilson interval of the plain runs.

Usage: ``python tests/bench/bench_doctor.py [--json PATH] [--repeat N] [--runs N]``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import coverage
from coverage.exceptions import CoverageException

from mpcov import __version__
from mpcov.header import CHILD_MARKER, parse
from mpcov.stats import wilson_interval

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
#: A slice of this project's own suite, as a user's would be: unit tests, and the pool
#: tests, which start a few dozen worker processes (each one observed). Processes are
#: where the doctor costs (its hook loads in every one), and a run of several seconds
#: is what a suite is; the whole suite, minutes long, would make the bench hours long.
OWN_TESTS = (
    "tests/test_header.py",
    "tests/test_report.py",
    "tests/test_compare.py",
    "tests/test_pool.py",
)
#: Examples for the example-heavy workload: pools, processes, subprocesses, exec.
HEAVY = (
    ("pool_close_join", ("fork", "forkserver", "spawn")),
    ("process_start_join", ("fork", "spawn")),
    ("executor_with_block", ("fork",)),
    ("subprocess_run_patch_subprocess", ("none",)),
    ("fork_exit_patch_exit", ("none",)),
)
#: Passes over HEAVY in the example-heavy run: a suite runs its examples more than once.
HEAVY_PASSES = 3
#: Processes each per-process workload starts.
CHILDREN = 40
#: The per-process workloads: a program that starts CHILDREN processes one after another.
_STARTER = """\
import os, subprocess, sys
for _ in range(int(sys.argv[2])):
    if sys.argv[1] == "popen":
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    else:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
"""
RATE_EXAMPLE = "pool_with_block_only"
RATE_METHOD = "fork"


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "MPCOV_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _doctor(command: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "mpcov", "doctor", "--output", os.devnull, "--", *command]


def _timed(command: Sequence[str], cwd: Path) -> float:
    """Wall seconds until ``command`` exits; then, untimed, until what it left has exited.

    Helpers such as multiprocessing's resource tracker outlive the command by a moment
    and save their coverage data on the way out: a folder removed before that would be
    written again, and a next run would share the machine with them.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    proc.wait()
    took = time.perf_counter() - started
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    return took


def _example_dir(name: str) -> Path:
    example = parse(EXAMPLES / f"{name}.py")
    folder = Path(tempfile.mkdtemp(prefix="mpcov-bench-"))
    (folder / "pyproject.toml").write_text(example.settings_toml, encoding="utf-8")
    shutil.copyfile(example.path, folder / example.path.name)
    for extra in example.files:
        (folder / extra).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(example.path.parent / extra, folder / extra)
    return folder


def _example_command(name: str, method: str) -> list[str]:
    command = [sys.executable, "-m", "coverage", "run", "--rcfile=pyproject.toml", f"{name}.py"]
    return command if method == "none" else [*command, method]


def _clean(folder: Path) -> None:
    for path in folder.glob(".coverage*"):
        path.unlink(missing_ok=True)


def _own_tests(doctor: bool) -> float:
    data = Path(tempfile.mkdtemp(prefix="mpcov-bench-data-"))
    command = [
        sys.executable,
        "-m",
        "coverage",
        "run",
        f"--data-file={data / '.coverage'}",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *OWN_TESTS,
    ]
    try:
        return _timed(_doctor(command) if doctor else command, ROOT)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def _heavy(doctor: bool, folders: dict[str, Path]) -> float:
    """Every example run one after the other in one shell script: one command, as a suite is."""
    lines = ["set -u"]
    for _ in range(HEAVY_PASSES):
        for name, methods in HEAVY:
            for method in methods:
                run = " ".join(shlex.quote(a) for a in _example_command(name, method))
                lines.append(f"cd {shlex.quote(str(folders[name]))} && {run} >/dev/null 2>&1")
                lines.append("rm -f .coverage*")
    script = folders[HEAVY[0][0]].parent / f"{folders[HEAVY[0][0]].name}.sh"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        command = ["sh", str(script)]
        return _timed(_doctor(command) if doctor else command, ROOT)
    finally:
        script.unlink()


def _small(command: Sequence[str], doctor: bool) -> float:
    return _timed(_doctor(command) if doctor else command, ROOT)


def overhead(repeat: int) -> list[dict[str, Any]]:
    """Median wall time of each workload with and without the doctor, alternating runs."""
    folders = {name: _example_dir(name) for name, _ in HEAVY}
    starter = folders[HEAVY[0][0]] / "start_children.py"
    starter.write_text(_STARTER, encoding="utf-8")
    runs = HEAVY_PASSES * sum(len(m) for _, m in HEAVY)
    children = [sys.executable, str(starter)]
    try:
        rows: list[dict[str, Any]] = []
        for label, work, processes, workload in (
            ("the doctor's fixed cost: `true`", lambda d: _small(["true"], d), 0, False),
            (
                f"{CHILDREN} short Python subprocesses, one after another (no coverage)",
                lambda d: _small([*children, "popen", str(CHILDREN)], d),
                CHILDREN,
                False,
            ),
            (
                f"{CHILDREN} forked children, one after another (no coverage)",
                lambda d: _small([*children, "fork", str(CHILDREN)], d),
                CHILDREN,
                False,
            ),
            (
                "own tests: 4 files, pool workers included (coverage run -m pytest)",
                _own_tests,
                0,
                True,
            ),
            (
                f"example-heavy run ({runs} example runs in one command)",
                lambda d: _heavy(d, folders),
                0,
                True,
            ),
        ):
            work(False)  # warm the caches once, unmeasured
            plain: list[float] = []
            doctor: list[float] = []
            for index in range(repeat):
                # Pairs in turn plain-first and doctor-first: neither side always runs
                # right after the other has warmed (or loaded) the machine.
                if index % 2:
                    doctor.append(work(True))
                    plain.append(work(False))
                else:
                    plain.append(work(False))
                    doctor.append(work(True))
            p, d = statistics.median(plain), statistics.median(doctor)
            # The two runs of a pair share the machine's state of the moment, which drifts
            # by more than the overhead on a busy 2-CPU machine: the share comes from the
            # pairs' ratios, with their quartiles as its spread.
            ratios = sorted(b / a for a, b in zip(plain, doctor) if a > 0)
            row: dict[str, Any] = {
                "name": label,
                "plain": [round(x, 4) for x in plain],
                "doctor": [round(x, 4) for x in doctor],
                "plain_median": round(p, 4),
                "doctor_median": round(d, 4),
                "added_seconds": round(d - p, 4),
                # A share of a run of a few milliseconds says nothing: only workloads get one.
                "overhead_percent": _percent(statistics.median(ratios)) if workload else None,
                "overhead_quartiles_percent": (
                    [_percent(q) for q in _quartiles(ratios)] if workload else None
                ),
            }
            if processes:
                # What each process adds, beyond the fixed cost measured in the first row.
                fixed = rows[0]["added_seconds"]
                row["added_ms_per_process"] = round((d - p - fixed) / processes * 1000, 2)
            rows.append(row)
        return rows
    finally:
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)


def _percent(ratio: float) -> float:
    return round((ratio - 1) * 100, 2)


def _quartiles(values: list[float]) -> tuple[float, float]:
    """The first and third quartiles (the median of each half)."""
    half = len(values) // 2
    return statistics.median(values[: max(half, 1)]), statistics.median(values[-max(half, 1) :])


def _kept(folder: Path, lines: set[int]) -> bool:
    """Whether every marked line of the rate example is in some readable data file."""
    target = (folder / f"{RATE_EXAMPLE}.py").resolve()
    found: set[int] = set()
    for path in folder.glob(".coverage*"):
        if path.stat().st_size == 0:
            continue
        try:
            data = coverage.CoverageData(basename=str(path))
            data.read()
        except CoverageException:  # half-written: holds nothing usable
            continue
        for measured in data.measured_files():
            if Path(measured).resolve() == target:
                found.update(data.lines(measured) or ())
    return lines <= found


def loss_rate(runs: int) -> dict[str, Any]:
    """Runs of the classic ``with Pool`` race, plain and under the doctor, interleaved."""
    folder = _example_dir(RATE_EXAMPLE)
    source = (folder / f"{RATE_EXAMPLE}.py").read_text(encoding="utf-8").splitlines()
    lines = {n for n, text in enumerate(source, 1) if text.rstrip().endswith(CHILD_MARKER)}
    lost = {"plain": 0, "doctor": 0}
    try:
        command = _example_command(RATE_EXAMPLE, RATE_METHOD)
        for _ in range(runs):
            for kind in ("plain", "doctor"):
                _timed(_doctor(command) if kind == "doctor" else command, folder)
                lost[kind] += not _kept(folder, lines)
                _clean(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    out: dict[str, Any] = {"example": f"{RATE_EXAMPLE} ({RATE_METHOD})", "runs": runs}
    for kind, count in lost.items():
        low, high = wilson_interval(count, runs)
        out[kind] = {
            "runs": runs,
            "lost": count,
            "rate": round(count / runs, 4),
            "low": round(low, 4),
            "high": round(high, 4),
        }
    doctor_rate = out["doctor"]["rate"]
    out["within_plain_interval"] = out["plain"]["low"] <= doctor_rate <= out["plain"]["high"]
    return out


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run both measurements, print the tables, and write the JSON file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, dest="json_path", help="write the results here")
    parser.add_argument("--repeat", type=int, default=11, help="runs per workload and side")
    parser.add_argument("--runs", type=int, default=200, help="runs per side for the loss rate")
    args = parser.parse_args(argv)
    rows = overhead(args.repeat)
    rate = loss_rate(args.runs)
    print(f"{'workload':70} {'plain s':>9} {'doctor s':>9} {'added s':>8} {'overhead':>9}")
    for row in rows:
        print(
            f"{row['name']:70} {row['plain_median']:9.2f} {row['doctor_median']:9.2f} "
            f"{row['added_seconds']:+8.2f} "
            + (
                f"{row['overhead_percent']:+8.1f}%  (quartiles "
                + " to ".join(f"{q:+.1f}%" for q in row["overhead_quartiles_percent"])
                + ")"
                if row["overhead_percent"] is not None
                else ""
            )
        )
    print(f"\nloss rate of {rate['example']}, {rate['runs']} runs each:")
    for kind in ("plain", "doctor"):
        r = rate[kind]
        print(
            f"  {kind:7} {r['lost']:4}/{r['runs']} lost  {r['rate']:.0%}  [{r['low']:.0%}, {r['high']:.0%}]"
        )
    print(f"  doctor within the plain interval: {rate['within_plain_interval']}")
    document = {
        "benchmark": "doctor",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "environment": {
            "machine": platform.machine(),
            "system": f"{platform.system()} {platform.release()}",
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "coverage": coverage.__version__,
            "mpcov": __version__,
            "libraries": {
                n: _version(n) for n in ("pytest", "pytest-cov", "joblib", "cloudpickle")
            },
            "load_average_at_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        },
        "overhead_repeat": args.repeat,
        "overhead": rows,
        "loss_rate": rate,
    }
    if args.json_path is not None:
        args.json_path.parent.mkdir(parents=True, exist_ok=True)
        args.json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"\nwritten to {args.json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
