"""Coverage options given on command lines: tox.ini, noxfile.py, Makefiles, CI files.

``coverage run --concurrency=multiprocessing`` in a tox environment reaches the
children as surely as the same setting in a configuration file, so the rules
must see it. The files are read as text, line by line: an option counts when
``coverage`` (or ``--cov``, for pytest-cov) appears on its line or within the
few lines before it, which covers shell continuations and ``session.run(...)``
calls split over lines. Nothing is run, and command lines elsewhere (other CI
systems, shell history, a developer's habits) cannot be seen: the output says
which files were read.
"""

from __future__ import annotations

import re
from pathlib import Path

from mpcov.check.settings import CommandLineSettings

#: Files and globs (relative to the project root) that hold command lines.
PLACES = (
    "tox.ini",
    "noxfile.py",
    "Makefile",
    "justfile",
    "setup.cfg",
    "pyproject.toml",
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    ".gitlab-ci.yml",
    "azure-pipelines.yml",
    ".circleci/config.yml",
    ".travis.yml",
    "*.sh",
    "scripts/*.sh",
    "ci/*.sh",
)

_TOKEN_SPLIT = re.compile(r"[\s\"',()\[\]]+")
#: How many lines before an option may hold the ``coverage`` that it belongs to.
_CONTEXT = 6


def _options(tokens: list[str]) -> list[tuple[str, str]]:
    found = []
    for i, token in enumerate(tokens):
        name, _, value = token.partition("=")
        if not value and i + 1 < len(tokens) and not tokens[i + 1].startswith("-"):
            value = tokens[i + 1]
        if name == "--concurrency" and value:
            found.append(("concurrency", value))
        elif name in ("-p", "--parallel-mode"):
            found.append(("parallel", ""))
        elif (name in ("--rcfile", "--cov-config") and value) or (
            name == "COVERAGE_RCFILE" and value
        ):
            found.append(("rcfile", value))
        elif token.startswith("COVERAGE_RCFILE:"):
            value = token.split(":", 1)[1] or (tokens[i + 1] if i + 1 < len(tokens) else "")
            if value:
                found.append(("rcfile", value))
    return found


def scan(root: Path) -> CommandLineSettings:
    """Collect the coverage options on command lines in the usual files under ``root``."""
    result = CommandLineSettings()
    for pattern in PLACES:
        for path in sorted(root.glob(pattern)):
            if not path.is_file():
                continue
            try:
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            result.read.append(path.relative_to(root).as_posix())
            _scan_lines(path.relative_to(root).as_posix(), lines, result)
    return result


def _scan_lines(name: str, lines: list[str], result: CommandLineSettings) -> None:
    recent = -_CONTEXT - 1
    for number, line in enumerate(lines, start=1):
        tokens = [t for t in _TOKEN_SPLIT.split(line) if t]
        if "coverage" in tokens or any(t.startswith("--cov") for t in tokens):
            recent = number
        if "COVERAGE_RCFILE" in line:
            recent = number
        if number - recent > _CONTEXT:
            continue
        for option, value in _options(tokens):
            if option == "parallel" and "coverage" not in " ".join(lines[recent - 1 : number]):
                continue  # -p is pytest's plugin option too: only after `coverage run`
            result.places.append(f"{name}:{number}: {option}{'=' + value if value else ''}")
            if option == "concurrency":
                result.concurrency.extend(v for v in value.split(",") if v)
            elif option == "parallel":
                result.parallel = True
            else:
                result.rcfiles.append(value)
