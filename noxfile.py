"""Sessions for mpcov: ``nox -s verify`` measures, ``nox`` alone runs lint, tests and docs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nox

# dependency_groups() arrived in 2025.2.9.
nox.needs_version = ">=2025.2.9"
# uv makes environments in a second; plain virtualenv is there wherever nox is.
nox.options.default_venv_backend = "uv|virtualenv"
# Re-running a session should not reinstall everything (CI starts clean anyway).
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "tests", "docs"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


# The locks: pip constraints files made by `nox -s lock` (uv pip compile --universal), one
# for what runs the examples and tests (every Python from 3.9, markers per version) and one
# for the tools (docs, lint, browser; 3.11+). Constraints files, not uv.lock, because both
# of nox's backends read them (uv pip and plain pip), because they pin without turning mpcov
# into a uv project, and because a matrix cell can drop one pin (coverage 6.5.0) and keep
# the rest. A recording names the lock's digest; upgrading it comes with new recordings.
LOCKS = ROOT / "docs" / "results" / "constraints"
EXAMPLES_LOCK = LOCKS / "examples.txt"
TOOLS_LOCK = LOCKS / "tools.txt"
#: The dependency groups each lock resolves, and the oldest Python it serves.
LOCK_GROUPS = {
    EXAMPLES_LOCK: (["test", "examples"], "3.9"),
    TOOLS_LOCK: (["docs", "lint", "browser", "test", "examples"], "3.11"),
}


def _install(session: nox.Session, *args: str, tools: bool = False) -> None:
    """Install ``args`` pinned by the committed locks (``tools``: the tools' lock too)."""
    locks = [EXAMPLES_LOCK, TOOLS_LOCK] if tools else [EXAMPLES_LOCK]
    pins = [arg for lock in locks for arg in ("-c", str(lock))]
    session.install(*pins, *args)


def _tmp(session: nox.Session, name: str = "") -> Path:
    """A scratch folder for the session that is not inside its virtualenv.

    Not ``session.create_tmp()``: that folder is inside the session's venv and becomes
    ``TMPDIR`` for every later command, so the engine's run folders would be too, and
    coverage.py treats a script below a folder with a ``pyvenv.cfg`` as a third-party
    file it does not measure (coverage/inorout.py, ``_add_third_party_paths``).
    """
    # Parametrized names ("record_side(side='cloudpickle-3.1.2')") hold quotes and "=".
    folder = re.sub(r"[^A-Za-z0-9._-]+", "-", session.name).strip("-")
    path = ROOT / ".nox" / "_tmp" / folder / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def _without(lock: Path, names: set[str], session: nox.Session) -> Path:
    """A copy of ``lock`` in the session's folder without the pins of ``names``."""
    kept = [
        line
        for line in lock.read_text(encoding="utf-8").splitlines()
        if line.split("==")[0].strip().lower() not in names
    ]
    out = _tmp(session) / f"{lock.stem}-without-{'-'.join(sorted(names))}.txt"
    out.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return out


# The version matrix: every CPython we test on with its newest coverage.py, and on one
# interpreter the releases where behaviour changed: 6.5.0 (no `patch`, sigterm opt-in),
# 7.10.0 (`patch` arrives) and 7.13.2 (before folders inside a virtualenv count as
# third-party code). "newest" excludes 7.17.1/7.17.2, which break combine;
# pip then picks the newest release that supports the interpreter.
PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
#: The main interpreter: the soak, the side recordings and the tools run on it.
MAIN = "3.11"
NEWEST = "coverage!=7.17.1,!=7.17.2"
MATRIX = [(python, "newest") for python in PYTHONS] + [
    ("3.11", "6.5.0"),
    ("3.11", "7.10.0"),
    # The last release before 7.13.3 counted folders inside a virtualenv as third-party.
    ("3.11", "7.13.2"),
]
MATRIX_IDS = [f"{python}-coverage-{cov}" for python, cov in MATRIX]
RESULTS = ROOT / "docs" / "results" / "data"


def _install_for_matrix(session: nox.Session, coverage: str) -> None:
    """Install mpcov without its coverage pin, then the coverage.py release under test.

    "newest" is the lock's coverage.py for this Python; an older release replaces that
    one pin and keeps every other.
    """
    # pytest-cov 7 needs coverage >= 7.10.6: older releases run without the pytest
    # examples, which then report themselves as skipped.
    modern = coverage == "newest" or tuple(map(int, coverage.split("."))) >= (7, 10, 6)
    groups = ["examples"] if modern else ["joblib", "billiard", "multiprocess", "mpire"]
    extras = [req for group in groups for req in _group(group)]
    session.install("--no-deps", ".")
    if coverage == "newest":
        lock, spec = EXAMPLES_LOCK, NEWEST
    else:
        lock, spec = _without(EXAMPLES_LOCK, {"coverage"}, session), f"coverage=={coverage}"
    session.install(
        "-c", str(lock), spec, "packaging>=23", "tomli>=2; python_version<'3.11'", *extras
    )
    # coverage 7.10.1-7.12 leave subcover_<pid>.pth files behind when a process that set
    # them up is killed or exec'd; in a reused environment they would steer later runs.
    location = getattr(session.virtualenv, "location", None)
    if location:
        for stale in Path(location).glob("lib*/**/site-packages/subcover_*.pth"):
            session.log(f"Removing {stale.name} left by an earlier run")
            stale.unlink(missing_ok=True)  # lib64 can be a link to lib: seen twice


def _isolated_env(session: nox.Session) -> dict[str, str]:
    """Each session writes its own coverage data, never the caller's."""
    return {"COVERAGE_FILE": str(ROOT / f".coverage.{session.name}")}


@nox.session(default=False)
def verify(session: nox.Session) -> None:
    """Run every example under coverage.py on every start method and report what was measured.

    Pass options or scripts through: ``nox -s verify -- --repeat 30 --json results.json``,
    ``nox -s verify -- examples/pool_close_join.py -m spawn``.
    """
    _install(session, ".", *_group("examples"))
    # The whole catalogue unless the arguments name scripts or folders of their own.
    targets = [] if any(Path(arg).exists() for arg in session.posargs) else ["examples"]
    session.run(
        "python",
        "-m",
        "mpcov",
        "verify",
        *targets,
        # A few runs per row keeps the default run to minutes; rates want --racy-repeat 30.
        "--repeat",
        "3",
        # Named in a --json/--record report, with its digest.
        "--lock",
        str(EXAMPLES_LOCK),
        *session.posargs,
    )


@nox.session(default=False)
@nox.parametrize(("python", "coverage"), MATRIX, ids=MATRIX_IDS)
def matrix(session: nox.Session, coverage: str) -> None:
    """Verify the catalogue on one interpreter and coverage.py release of the matrix.

    ``nox -s matrix`` runs them all; ``nox -s "matrix(3.9-coverage-newest)"`` one.
    """
    _install_for_matrix(session, coverage)
    session.run(
        "python",
        "-m",
        "mpcov",
        "verify",
        "examples",
        "--repeat",
        "3",
        *_lock_args(coverage),
        *session.posargs,
    )


def _lock_args(coverage: str) -> list[str]:
    # Only the newest cells are installed from the lock as it is.
    return ["--lock", str(EXAMPLES_LOCK)] if coverage == "newest" else []


@nox.session(default=False)
@nox.parametrize(("python", "coverage"), MATRIX, ids=MATRIX_IDS)
def record(session: nox.Session, coverage: str) -> None:
    """Record results for the docs into docs/results/data (slow: many runs per racy row).

    Recordings are committed; rows that contradict their example's header are kept
    and shown as mismatches, so the session does not fail on them.
    """
    _install_for_matrix(session, coverage)
    session.run(
        "python",
        "-m",
        "mpcov",
        "verify",
        "examples",
        # "0 losses in 20 runs" bounds the loss rate below 14%; a rate needs 30 for its
        # interval, and a racy row with fewer than 20 runs cannot fail (RACY_MIN_RUNS).
        "--repeat",
        "20",
        "--racy-repeat",
        "30",
        *_lock_args(coverage),
        # Only the table at the end: a recording is long and its log is read once.
        "--quiet",
        "--record",
        str(RESULTS),
        *session.posargs,
        # 1 = some row contradicts its header: still a result worth recording.
        success_codes=[0, 1],
    )


#: Parts of the soak campaigns, one JSON document per example (docs/_tools/soak.py).
SOAK_PARTS = ROOT / "docs" / "results" / "soak"


@nox.session(default=False, python=MAIN)
def soak(session: nox.Session) -> None:
    """Record the soak on the main Python: 200 runs per deterministic row, 100 per racy row.

    Two campaigns: on a quiet machine (``...-soak.json``) and beside a process that
    burns one CPU (``...-soak-load.json``); ``-- quiet`` or ``-- load`` runs one. Hours
    on two cores, so each example is recorded as a part in docs/results/soak/LABEL/
    and the next call goes on where the last stopped: ``-- --minutes 120`` starts no
    new example after two hours. Parts from another environment (any version, the
    lock, the example's header) are recorded again. When every part is there, they
    are merged into the recording in docs/results/data. A part's runs that contradict
    their header are kept one by one (``--details contrary``), the others counted.
    """
    import contextlib
    import shutil
    import time

    _install_for_matrix(session, "newest")
    args = list(session.posargs)
    minutes = None
    if "--minutes" in args:
        at = args.index("--minutes")
        try:
            minutes = float(args[at + 1])
        except (IndexError, ValueError):
            session.error("--minutes needs a number")
        del args[at : at + 2]
    unknown = set(args) - {"quiet", "load"}
    if unknown:
        session.error(f"unknown soak argument(s): {', '.join(sorted(unknown))}")
    wanted = set(args) or {"quiet", "load"}
    deadline = None if minutes is None else time.monotonic() + minutes * 60
    examples = str(ROOT / "examples")

    def leftovers(marker: str, temp: Path) -> list[str]:
        """What is left in the campaign's TMPDIR, and live processes with its marker."""
        found = sorted(p.name for p in temp.iterdir())
        wanted_env = f"MPCOV_SOAK_MARKER={marker}".encode()
        for entry in Path("/proc").glob("[0-9]*"):
            with contextlib.suppress(OSError):
                if wanted_env in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(f"process {entry.name}")
        return found

    tool = ["python", str(ROOT / "docs" / "_tools" / "soak.py")]
    for kind in ("quiet", "load"):
        if kind not in wanted:
            continue
        label = "soak" if kind == "quiet" else "soak-load"
        parts = SOAK_PARTS / label
        listed = session.run(
            *tool, "plan", str(parts), examples, "--lock", str(EXAMPLES_LOCK), silent=True
        )
        # Its stderr (parts it recorded again, and why) comes in the same text.
        lines = str(listed or "").splitlines()
        todo = [line for line in lines if line.endswith(".py") and Path(line).is_file()]
        for line in lines:
            if line not in todo:
                session.log(line)
        session.log(f"{label}: {len(todo)} examples to record")
        began = time.monotonic()
        for number, script in enumerate(todo, 1):
            if deadline is not None and time.monotonic() > deadline:
                session.log(f"{label}: time is up; {len(todo) - number + 1} examples left")
                break
            # Zero leftovers is part of the result: every process a part starts inherits
            # this marker, and its temporary folders go to a TMPDIR of its own.
            marker = f"{kind}-{os.getpid()}-{number}"
            temp = _tmp(session) / f"soak-{kind}"
            shutil.rmtree(temp, ignore_errors=True)
            temp.mkdir()
            burner = None
            if kind == "load":
                # A busy core beside the runs: deterministic rows must stay deterministic.
                burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            session.log(f"{label}: [{number}/{len(todo)}] {Path(script).stem}")
            try:
                session.run(
                    "python",
                    "-m",
                    "mpcov",
                    "verify",
                    script,
                    "--repeat",
                    "200",
                    "--racy-repeat",
                    "100",
                    # Two at a time on two cores, as the issue that asked for it measured.
                    "--jobs",
                    "2",
                    "--quiet",
                    "--label",
                    label,
                    # 200 runs of each row: the agreeing ones are counts, not entries.
                    "--details",
                    "contrary",
                    "--json",
                    str(parts / f"{Path(script).stem}.json"),
                    *_lock_args("newest"),
                    env={"MPCOV_SOAK_MARKER": marker, "TMPDIR": str(temp)},
                    # A contradiction is the finding a soak exists for: keep the part.
                    success_codes=[0, 1],
                )
            finally:
                if burner is not None:
                    burner.kill()
                    burner.wait()
            time.sleep(2)  # the watchdog and the last runs' processes leave
            left = leftovers(marker, temp)
            if left:
                session.error(f"{label}: {script} left {len(left)} thing(s): {', '.join(left)}")
            session.log(f"{label}: {_soak_progress(parts / f'{Path(script).stem}.json')}")
            pace = (time.monotonic() - began) / number
            session.log(
                f"{label}: {number}/{len(todo)} done; about "
                f"{(len(todo) - number) * pace / 60:.0f} min left at this pace"
            )
        session.run(
            *tool, "merge", str(parts), examples, "--into", str(RESULTS), success_codes=[0, 3]
        )


def _soak_progress(part: Path) -> str:
    """One part in a line: its rows, runs and runs against the header."""
    try:
        rows = json.loads(part.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return f"{part.stem}: no part written"
    runs = sum(int(r["runs"]) for r in rows)
    contrary = sum(int(r.get("contrary") or 0) for r in rows)
    return f"{part.stem}: {len(rows)} rows, {runs} runs, {contrary} against the header"


# The other side of a library change: the lock with one pin moved, recorded for the
# examples that library decides (labelled recordings beside the main one).
SIDES = {"cloudpickle-3.1.2": ("cloudpickle==3.1.2", ["joblib_*.py", "pytest_joblib_*.py"])}


@nox.session(default=False, python=MAIN)
@nox.parametrize("side", list(SIDES))
def record_side(session: nox.Session, side: str) -> None:
    """Record the examples of one library with one of its pins moved (``-cloudpickle-3.1.2``)."""
    pin, patterns = SIDES[side]
    name = pin.split("==")[0]
    session.install("--no-deps", ".")
    lock = _without(EXAMPLES_LOCK, {name}, session)
    session.install("-c", str(lock), pin, "packaging>=23", *_group("examples"))
    scripts = sorted({str(p) for pattern in patterns for p in (ROOT / "examples").glob(pattern)})
    session.run(
        "python",
        "-m",
        "mpcov",
        "verify",
        *scripts,
        "--repeat",
        "20",
        "--racy-repeat",
        "30",
        "--quiet",
        "--label",
        side,
        "--record",
        str(RESULTS),
        *session.posargs,
        success_codes=[0, 1],
    )


#: verify's options that run part of the catalogue.
SELECTIONS = {"--select", "-k", "--library", "--installed", "--start-method", "-m"}


@nox.session(default=False, python=PYTHONS)
def drift(session: nox.Session) -> None:
    """Run the catalogue on the newest coverage.py and libraries; report what changed.

    Installs without the lock, verifies every example (20 runs per row, 30 per racy
    row) and compares with the committed recording for this Python (``mpcov compare``):
    it prints each example and start method whose outcome changed, before -> after, with
    the versions that differ, and fails (exit 1) when anything changed. The scheduled
    GitHub job runs it to watch upstream releases.
    """
    session.install("--upgrade", "--no-deps", ".")
    session.install(
        "--upgrade",
        NEWEST,
        "packaging>=23",
        "tomli>=2; python_version<'3.11'",
        *_group("examples"),
    )
    report = _tmp(session) / "drift.json"
    session.run(
        "python",
        "-m",
        "mpcov",
        "verify",
        "examples",
        "--repeat",
        "20",
        "--racy-repeat",
        "30",
        "--quiet",
        "--json",
        str(report),
        *session.posargs,
        success_codes=[0, 1],
    )
    # A selection (-- --select joblib) is compared on the rows it ran, not the whole catalogue.
    selecting = any(a.split("=")[0] in SELECTIONS for a in session.posargs)
    common = ["--common"] if selecting else []
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        table = session.run(
            "python",
            "-m",
            "mpcov",
            "compare",
            str(RESULTS),
            str(report),
            "--format",
            "markdown",
            *common,
            silent=True,
            success_codes=[0, 1],
        )
        with Path(summary).open("a", encoding="utf-8") as stream:
            stream.write(f"### Drift on Python {session.python}\n\n{table}\n")
    session.run("python", "-m", "mpcov", "compare", str(RESULTS), str(report), *common)


@nox.session(default=False)
def lock(session: nox.Session) -> None:
    """Re-resolve the locks in docs/results/constraints with uv (universal, all platforms).

    ``nox -s lock`` keeps every pin that still fits pyproject.toml; ``-- --upgrade``
    moves everything to the newest releases, ``-- --upgrade-package joblib`` one. A new
    lock is a deliberate commit that comes with new recordings (``nox -s record soak``).
    ``-- --check`` only fails when a lock no longer fits pyproject.toml (lint runs that).
    """
    session.install("uv")
    _compile_locks(session, check="--check" in session.posargs, extra=session.posargs)


def _compile_locks(session: nox.Session, *, check: bool, extra: list[str] = []) -> None:  # noqa: B006 - never mutated
    tmp = _tmp(session)
    for target, (groups, oldest) in LOCK_GROUPS.items():
        out = tmp / target.name if check else target
        if check:
            out.write_text(target.read_text(encoding="utf-8"), encoding="utf-8")
        session.run(
            "uv",
            "pip",
            "compile",
            "pyproject.toml",
            *(f"--group={g}" for g in groups),
            # The tools' pins agree with the examples' where both name a package.
            *([] if target == EXAMPLES_LOCK else ["-c", str(EXAMPLES_LOCK)]),
            "--universal",
            f"--python-version={oldest}",
            "--quiet",
            "--custom-compile-command",
            "nox -s lock",
            "-o",
            str(out),
            *(a for a in extra if a != "--check"),
            silent=check,
        )
        if check and out.read_text(encoding="utf-8") != target.read_text(encoding="utf-8"):
            session.error(
                f"{target.relative_to(ROOT)} no longer fits pyproject.toml: run nox -s lock"
            )


def _coverage_file(python: str) -> Path:
    """The combined coverage data of the tests session on ``python``."""
    return ROOT / f".coverage.tests-{python}"


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the tests under coverage.py on every Python; the slow ones on the main one only.

    Child processes are measured too (``[tool.coverage.run]``); the ``coverage`` session
    then combines the data of every Python and enforces the floor.
    ``nox -s tests-3.12 -- tests/test_pool.py`` runs one file on one Python.
    """
    main = session.python == MAIN
    # The third-party libraries too, so their examples' outcomes are asserted, not skipped;
    # on the main Python Sphinx too (the docs group, 3.11+), for the docs extension's tests.
    docs = _group("docs") if main else []
    _install(session, ".", *_group("test"), *_group("examples"), *docs, tools=main)
    env = {"COVERAGE_FILE": str(_coverage_file(str(session.python)))}
    # Data files left by an interrupted run would be combined with this run's.
    session.run("coverage", "erase", env=env)
    # Every example through the engine, and the package built and installed: minutes, so
    # on the main Python only (the matrix sessions run the examples on the others). The
    # doctor on the whole catalogue takes tens of minutes: nox -s doctor_catalogue.
    marks = ["-m", "not catalogue" if main else "not slow and not catalogue"]
    session.run(
        "coverage",
        "run",
        "-m",
        "pytest",
        # Show the slowest tests, so creeping run time gets noticed.
        "--durations=10",
        *marks,
        *session.posargs,
        env=env,
    )
    # Only a passing run hands its data on: the coverage session combines what it finds.
    session.run("coverage", "combine", "--quiet", env=env)
    session.notify("coverage")


@nox.session(default=False, python=MAIN)
def doctor_catalogue(session: nox.Session) -> None:
    """Run ``mpcov doctor`` on every example and start method: the right cause for each loss.

    Tens of minutes on two cores, so not part of ``nox -s tests``; CI runs it as a job
    of its own. ``-- -k pool_with_block_only`` runs one example's cases.
    """
    _install(session, ".", *_group("test"), *_group("examples"))
    session.run("pytest", "tests/test_doctor_catalogue.py", "-m", "catalogue", *session.posargs)


@nox.session(default=False, python=MAIN)
def coverage(session: nox.Session) -> None:
    """Combine the tests sessions' coverage data and report it (``nox -s tests`` ends here).

    The floor (``fail_under``) holds when every Python's data is there; after
    ``nox -s tests-3.12`` alone the report is shown without it.
    """
    _install(session, "coverage")
    env = {"COVERAGE_FILE": str(ROOT / ".coverage")}
    ran = [python for python in PYTHONS if _coverage_file(python).exists()]
    if not ran:
        session.error("no coverage data: run nox -s tests first")
    # Combining consumes the per-Python files, so stale data never joins a later run.
    session.run("coverage", "combine", "--quiet", *(str(_coverage_file(p)) for p in ran), env=env)
    partial = ran != PYTHONS
    if partial:
        session.warn(f"coverage of Python {', '.join(ran)} only: the floor is not enforced")
    floor = ["--fail-under=0"] if partial else []
    session.run("coverage", "report", *floor, env=env)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        table = session.run("coverage", "report", "--format=markdown", *floor, env=env, silent=True)
        with Path(summary).open("a", encoding="utf-8") as stream:
            stream.write(f"### Coverage of src/mpcov (Python {', '.join(ran)})\n\n{table}\n")


@nox.session
def lint(session: nox.Session) -> None:
    """Check formatting and lint with ruff, types with mypy (strict), mpcov with mpcov check."""
    # The examples' libraries and Sphinx too: mypy follows their imports.
    _install(session, "-e", ".", *_group("lint"), *_group("examples"), *_group("docs"), tools=True)
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")
    session.run("mypy", *session.posargs)
    # The project follows its own advice: no pattern that loses child-process data, and
    # coverage settings that reach every child its tests start ([tool.mpcov.check]).
    session.run("python", "-m", "mpcov", "check")
    # GitHub workflow and Read the Docs config against their schemas (bundled, offline).
    session.run("python", "docs/_tools/check_config_files.py")
    # The locks still fit pyproject.toml (asks the package index, as installing does).
    session.install("uv")
    _compile_locks(session, check=True)


DOCS_OUT = ROOT / "docs" / "_build" / "html"


def _build_docs(session: nox.Session, out: Path, *extra: str) -> None:
    """Check the committed inventories and config files, then build the site offline."""
    # The intersphinx inventories are generated: fail if someone edited one by hand.
    session.run("python", "docs/_tools/make_inventories.py", "--check")
    session.run(
        "sphinx-build",
        # Nitpicky: every cross-reference must resolve.
        "-n",
        # Warnings are errors...
        "-W",
        # ...but report all of them in one build.
        "--keep-going",
        # Full tracebacks for extension errors.
        "-T",
        # Rebuild everything, so a stale pickle cannot hide a warning.
        "-E",
        "-b",
        "html",
        "docs",
        str(out),
        *extra,
        # Deprecation chatter from extensions is not a warning of this build.
        env={"PYTHONWARNINGS": "ignore::DeprecationWarning"},
    )
    session.log(f"Site built in {out}")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site offline; warnings and broken references are errors.

    ``nox -s docs -- --serve`` rebuilds on every change and serves it (sphinx-autobuild).
    """
    _install(session, ".", *_group("docs"), tools=True)
    # Read the Docs runs this same session and collects the site from its own folder.
    rtd = os.environ.get("READTHEDOCS_OUTPUT")
    out = Path(rtd) / "html" if rtd else DOCS_OUT
    extra = [arg for arg in session.posargs if arg != "--serve"]
    # Opt-in: `nox` alone runs this session, and it must end.
    if "--serve" in session.posargs and session.interactive and not rtd:
        session.install("sphinx-autobuild")
        session.run("sphinx-autobuild", "docs", str(out), "--open-browser", *extra)
        return
    _build_docs(session, out, *extra)


@nox.session(default=False)
def browser(session: nox.Session) -> None:
    """Build the site, serve it on 127.0.0.1 and check it in headless Debian chromium.

    Needs ``/usr/bin/chromium`` (``apt-get install chromium``); no browser is downloaded.
    Screenshots go to docs/_build/screenshots.
    """
    _install(session, ".", *_group("docs"), *_group("browser"), tools=True)
    _build_docs(session, DOCS_OUT)
    session.run(
        "python",
        "docs/_tools/browser_check.py",
        str(DOCS_OUT),
        "--screenshots",
        str(ROOT / "docs" / "_build" / "screenshots"),
        *session.posargs,
    )


BENCH = ROOT / "tests" / "bench"
BENCH_RESULTS = ROOT / "docs" / "results" / "bench"


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Run every benchmark in tests/bench side by side and write docs/results/bench/*.json.

    Each ``tests/bench/bench_NAME.py`` prints its table and writes JSON to ``--json``;
    ``nox -s bench -- engine`` runs only ``bench_engine.py``. Ratios mean something only
    within one run on one machine: the docs quote the committed files with their metadata.
    """
    # Bytecode compiled at install, as pip does by default (uv does not): otherwise whether
    # a run pays for compiling mpcov, pytest and coverage.py depends on what ran before.
    session.env["UV_COMPILE_BYTECODE"] = "1"
    _install(session, ".", *_group("test"), *_group("examples"))
    wanted = set(session.posargs)
    scripts = sorted(BENCH.glob("bench_*.py"))
    if wanted:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in wanted]
        if not scripts:
            session.error(f"no benchmark named {', '.join(sorted(wanted))} in {BENCH}")
    for script in scripts:
        out = BENCH_RESULTS / f"{script.stem.removeprefix('bench_')}.json"
        session.run("python", str(script), "--json", str(out), env=_isolated_env(session))


@nox.session(default=False)
def merge_results(session: nox.Session) -> None:
    """Merge result files (such as CI artifacts) into docs/results/data.

    ``nox -s merge_results -- incoming/`` validates each file and names it by platform,
    Python and coverage.py version; a recording only replaces an older one.
    """
    session.install(".", "jsonschema>=4.18")
    session.run("python", "docs/_tools/merge_results.py", *session.posargs)


if __name__ == "__main__":
    nox.main()
