"""Sessions for mpcov: ``nox -s verify`` measures, ``nox`` alone runs lint, tests and docs."""

from __future__ import annotations

import os
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


# The version matrix: every CPython we test on with its newest coverage.py, and on one
# interpreter the releases where behaviour changed: 6.5.0 (no `patch`, sigterm opt-in)
# and 7.10.0 (`patch` arrives). "newest" excludes 7.17.1/7.17.2, which break combine;
# pip then picks the newest release that supports the interpreter.
PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
NEWEST = "coverage!=7.17.1,!=7.17.2"
MATRIX = [(python, "newest") for python in PYTHONS] + [("3.11", "6.5.0"), ("3.11", "7.10.0")]
MATRIX_IDS = [f"{python}-coverage-{cov}" for python, cov in MATRIX]
RESULTS = ROOT / "docs" / "results" / "data"


def _install_for_matrix(session: nox.Session, coverage: str) -> None:
    """Install mpcov without its coverage pin, then the coverage.py release under test."""
    spec = NEWEST if coverage == "newest" else f"coverage=={coverage}"
    # pytest-cov 7 needs coverage >= 7.10.6: older releases run without the pytest
    # examples, which then report themselves as skipped.
    groups = (
        ["examples"] if coverage == "newest" else ["joblib", "billiard", "multiprocess", "mpire"]
    )
    extras = [req for group in groups for req in _group(group)]
    session.install("--no-deps", ".")
    session.install(spec, "packaging>=23", "tomli>=2; python_version<'3.11'", *extras)
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
    session.install(".", *_group("examples"))
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
        *session.posargs,
    )


@nox.session(default=False)
@nox.parametrize(("python", "coverage"), MATRIX, ids=MATRIX_IDS)
def matrix(session: nox.Session, coverage: str) -> None:
    """Verify the catalogue on one interpreter and coverage.py release of the matrix.

    ``nox -s matrix`` runs them all; ``nox -s "matrix(3.9-coverage-newest)"`` one.
    """
    _install_for_matrix(session, coverage)
    session.run("python", "-m", "mpcov", "verify", "examples", "--repeat", "3", *session.posargs)


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
        # Deterministic rows need few runs; a rate needs many.
        "--repeat",
        "5",
        "--racy-repeat",
        "30",
        # Only the table at the end: a recording is long and its log is read once.
        "--quiet",
        "--record",
        str(RESULTS),
        *session.posargs,
        # 1 = some row contradicts its header: still a result worth recording.
        success_codes=[0, 1],
    )


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (engine, helper, and every example through the engine)."""
    # The third-party libraries too, so their examples' outcomes are asserted, not skipped.
    session.install(".", *_group("test"), *_group("examples"))
    session.run(
        "pytest",
        # Show the slowest tests, so creeping run time gets noticed.
        "--durations=10",
        *session.posargs,
        env=_isolated_env(session),
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Check formatting and lint with ruff, and types with mypy (strict)."""
    # The examples' libraries too: mypy follows their imports.
    session.install("-e", ".", *_group("lint"), *_group("examples"))
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")
    session.run("mypy", *session.posargs)
    # GitHub workflow and Read the Docs config against their schemas (bundled, offline).
    session.run("python", "docs/_tools/check_config_files.py")


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
    session.install(".", *_group("docs"))
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
    session.install(".", *_group("docs"), *_group("browser"))
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
    session.install(".", *_group("test"), *_group("examples"))
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
