"""Sessions for mpcov: ``nox -s verify`` measures, ``nox`` alone runs lint, tests and docs."""

from __future__ import annotations

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


def _isolated_env(session: nox.Session) -> dict[str, str]:
    """Each session writes its own coverage data, never the caller's."""
    return {"COVERAGE_FILE": str(ROOT / f".coverage.{session.name}")}


@nox.session(default=False)
def verify(session: nox.Session) -> None:
    """Run every example under coverage.py on every start method and report what was measured.

    Pass options through, e.g. ``nox -s verify -- --repeat 30 --json results.json``.
    """
    session.install(".")
    session.run(
        "python",
        "-m",
        "mpcov",
        "verify",
        "examples",
        # A few runs per row keeps the default run short; racy rows want --repeat 30.
        "--repeat",
        "5",
        *session.posargs,
    )


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (engine, helper, and every example through the engine)."""
    session.install(".", *_group("test"))
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
    session.install("-e", ".", *_group("lint"))
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")
    session.run("mypy", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site; warnings are errors, and no network is used.

    Run interactively (``nox -s docs -- --serve``) to rebuild on every change.
    """
    session.install(".", *_group("docs"))
    out = ROOT / "docs" / "_build" / "html"
    if "--serve" in session.posargs:
        session.install("sphinx-autobuild")
        session.run("sphinx-autobuild", "docs", str(out), "--open-browser")
        return
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
        *session.posargs,
    )
    session.log(f"Site built in {out}")


if __name__ == "__main__":
    nox.main()
