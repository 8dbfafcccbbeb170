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

from mpcov.check.findings import Hit
from mpcov.check.settings import CommandLineSettings, Settings

#: Files and globs (relative to the project root) that hold command lines.
PLACES = (
    "tox.ini",
    "tox.toml",
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
    "scripts/*",
    "continuous_integration/*.sh",
)
#: ``COVERAGE_PROCESS_START=...`` set for the tests: every Python child that finds a
#: ``process_startup()`` .pth file (coverage.py 7.13+ installs one) measures itself.
_PROCESS_START = re.compile(
    r"(?<![A-Za-z0-9_])COVERAGE_PROCESS_START[\"']?\s*[=:]\s*[\"']?[^\s\"'#]"
)

_TOKEN_SPLIT = re.compile(r"[\s\"',()\[\]]+")
#: ``coverage run`` options that change what is measured: children never see them.
MEASUREMENT_OPTIONS = frozenset(
    {"--branch", "--cov-branch", "--include", "--omit", "--source", "--pylib", "--timid"}
)
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
        elif name in MEASUREMENT_OPTIONS:
            found.append(("measurement", name))
        elif token.startswith("COVERAGE_RCFILE:"):
            value = token.split(":", 1)[1] or (tokens[i + 1] if i + 1 < len(tokens) else "")
            if value:
                found.append(("rcfile", value))
    return found


def parse_command(tokens: list[str], where: str, line: int = 1) -> CommandLineSettings:
    """The coverage options of one command given as tokens (an example's ``command``)."""
    result = CommandLineSettings()
    _scan_lines(where, [" ".join(tokens)], result, first=line)
    return result


def scan_file(path: Path, name: str | None = None) -> CommandLineSettings:
    """The coverage options on the command lines in one file."""
    result = CommandLineSettings()
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    result.read.append(name or str(path))
    _scan_lines(name or str(path), lines, result)
    return result


def scan(root: Path) -> CommandLineSettings:
    """Collect the coverage options on command lines in the usual files under ``root``."""
    result = CommandLineSettings()
    for pattern in PLACES:
        for path in sorted(root.glob(pattern)):
            if not path.is_file() or (path.suffix in (".py", ".pyc") and pattern == "scripts/*"):
                continue
            try:
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            result.read.append(path.relative_to(root).as_posix())
            _scan_lines(path.relative_to(root).as_posix(), lines, result)
    return result


def _scan_lines(name: str, lines: list[str], result: CommandLineSettings, first: int = 1) -> None:
    recent = -_CONTEXT - 1
    commands: dict[int, list[tuple[str, str]]] = {}
    for number, line in enumerate(lines, start=first):
        tokens = [t for t in _TOKEN_SPLIT.split(line) if t]
        if "coverage" in tokens or any(t.startswith("--cov") for t in tokens):
            recent = number
        if "COVERAGE_RCFILE" in line:
            recent = number
        if "COVERAGE_PROCESS_START" in line and _PROCESS_START.search(line):
            result.process_start = True
            result.places.append(f"{name}:{number}: COVERAGE_PROCESS_START")
        if number - recent > _CONTEXT:
            continue
        for option, value in _options(tokens):
            context = " ".join(lines[recent - first : number - first + 1])
            if option == "parallel" and "coverage" not in context:
                continue  # -p is pytest's plugin option too: only after `coverage run`
            commands.setdefault(recent, []).append((option, value))
            if option == "measurement":
                continue
            result.places.append(f"{name}:{number}: {option}{'=' + value if value else ''}")
            if option == "concurrency":
                result.concurrency.extend(v for v in value.split(",") if v)
            elif option == "parallel":
                result.parallel = True
            else:
                result.rcfiles.append(value)
    for start, options in sorted(commands.items()):
        result.commands.append((name, start, options))


def check(found: CommandLineSettings, settings: Settings, starts_workers: bool) -> list[Hit]:
    """MPC213: command-line options coverage.py refuses, or that the children never see."""
    hits = []
    for path, line, options in found.commands:
        concurrency = [v for o, v in options if o == "concurrency"]
        on_line = any("multiprocessing" in v.split(",") for v in concurrency)
        measuring = sorted({v for o, v in options if o == "measurement"})
        detail = ""
        if on_line and settings.config_file is None:
            detail = (
                "--concurrency=multiprocessing without a configuration file: coverage.py stops "
                "with 'multiprocessing requires a configuration file'"
            )
        elif on_line and measuring:
            detail = (
                f"--concurrency=multiprocessing with {', '.join(measuring)}: coverage.py stops "
                "with 'Options affecting multiprocessing must only be specified in a "
                "configuration file'"
            )
        elif (
            starts_workers
            and "multiprocessing" in settings.concurrency
            and not settings.branch
            and {"--branch", "--cov-branch"} & set(measuring)
        ):
            branch = "--cov-branch" if "--cov-branch" in measuring else "--branch"
            detail = (
                f"{branch} reaches the parent only: children measure statements, and combining "
                "fails with 'Can't combine statement coverage data with branch data'"
            )
        if detail:
            hits.append(Hit("MPC213", path, line, 1, detail))
    return hits
