"""The coverage settings the rules depend on, read by coverage.py itself.

``.coveragerc``, ``setup.cfg``, ``tox.ini``, ``pyproject.toml`` and
``COVERAGE_RCFILE`` mean here exactly what they mean to ``coverage run``,
because :class:`coverage.Coverage` reads them. ``[run] source``, ``include``
and ``omit`` decide which files coverage would measure (:class:`Measured`).
"""

from __future__ import annotations

import dataclasses
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import coverage
from coverage.exceptions import ConfigError, CoverageException
from packaging.version import InvalidVersion, Version


class CheckError(Exception):
    """The check cannot run: a missing path, unreadable settings, an unknown rule id."""


@dataclass(frozen=True)
class Settings:
    """The coverage settings and version the rules depend on."""

    #: The configuration file coverage.py read, or ``None`` when it found none.
    config_file: str | None = None
    concurrency: tuple[str, ...] = ()
    patch: tuple[str, ...] = ()
    parallel: bool = False
    sigterm: bool = False
    branch: bool = False
    #: ``[run] core`` (or ``COVERAGE_CORE``); ``None`` when not set.
    core: str | None = None
    coverage_version: str = coverage.__version__
    #: ``[run] source`` and ``source_pkgs``: with either, only that code is measured.
    source: tuple[str, ...] = ()
    source_pkgs: tuple[str, ...] = ()
    #: ``[run] include`` (ignored by coverage.py when a source is given) and ``omit``, with
    #: ``[report]``'s: code left out of every report loses nothing that anyone sees.
    include: tuple[str, ...] = ()
    omit: tuple[str, ...] = ()
    #: ``[report] exclude_lines`` and ``exclude_also``: regexes of lines coverage ignores.
    exclude: tuple[str, ...] = ()
    #: coverage.py's own warnings while reading the settings.
    warnings: tuple[str, ...] = field(default=(), compare=False)
    #: Settings found on command lines (tox.ini, noxfile.py, CI files), as ``path:line: text``.
    command_lines: tuple[str, ...] = field(default=(), compare=False)
    #: ``COVERAGE_PROCESS_START`` is set on a command line: every new Python interpreter
    #: starts coverage itself (through coverage.py's .pth file), as with the subprocess patch.
    process_start: bool = False

    @property
    def measures_new_pythons(self) -> bool:
        """Whether a new Python interpreter started by the code measures itself."""
        return "subprocess" in self.patch or self.process_start

    @property
    def effective_parallel(self) -> bool:
        """Whether each process gets its own data file.

        ``patch = subprocess`` and ``concurrency = multiprocessing`` both turn it on.
        """
        return self.parallel or "subprocess" in self.patch or "multiprocessing" in self.concurrency

    @property
    def traces_all_threads(self) -> bool:
        """Whether threads a process starts are measured.

        They are with ``thread`` in ``concurrency`` (its default), or with the sysmon
        core, which sees every thread (set explicitly, or the default on 3.14+). On
        3.12 and 3.13 sysmon cannot measure branches: with ``branch = true``
        coverage.py falls back to ctrace (warning ``no-sysmon``).
        """
        if not self.concurrency or "thread" in self.concurrency:
            return True
        if sys.version_info >= (3, 14) and self.core in (None, "sysmon"):
            return True
        if self.branch and sys.version_info < (3, 14):
            return False
        return self.core == "sysmon" and sys.version_info >= (3, 12)

    def coverage_older_than(self, version: Version) -> bool:
        """Whether the coverage.py version is known and older than ``version``."""
        try:
            return Version(self.coverage_version) < version
        except InvalidVersion:
            return False

    def with_command_line(self, found: CommandLineSettings) -> Settings:
        """These settings with what command lines add (``--concurrency``, ``-p``).

        ``--concurrency`` counts only with a configuration file: without one,
        coverage.py refuses it (MPC213).
        """
        if not found.places:
            return self
        added = found.concurrency if self.config_file is not None else []
        concurrency = tuple(dict.fromkeys((*self.concurrency, *added)))
        return dataclasses.replace(
            self,
            concurrency=concurrency,
            parallel=self.parallel or found.parallel,
            command_lines=tuple(found.places),
            process_start=self.process_start or found.process_start,
        )


@dataclass
class CommandLineSettings:
    """Coverage options given on command lines in the project's scripts and CI files."""

    concurrency: list[str] = field(default_factory=list)
    parallel: bool = False
    #: ``path:line: option`` for every option found.
    places: list[str] = field(default_factory=list)
    #: ``COVERAGE_PROCESS_START`` is set for the tests: Python children measure themselves.
    process_start: bool = False
    #: Configuration files named on a command line (``--rcfile``, ``--cov-config``).
    rcfiles: list[str] = field(default_factory=list)
    #: The files that were read for command lines.
    read: list[str] = field(default_factory=list)
    #: Each command line with coverage options: (path, line, [(option, value), ...]).
    commands: list[tuple[str, int, list[tuple[str, str]]]] = field(default_factory=list)


#: ``[run] concurrency`` values coverage.py accepts (CoverageConfig.CONCURRENCY_CHOICES).
_CONCURRENCY = frozenset({"thread", "gevent", "greenlet", "eventlet", "multiprocessing"})
#: What coverage.py raises for bad settings: ConfigError is no CoverageException before 7.11.
_COVERAGE_ERRORS = (CoverageException, ConfigError)


def _option(cov: coverage.Coverage, name: str) -> object:
    try:
        return cov.get_option(name)
    except _COVERAGE_ERRORS:  # an option this coverage.py release does not know
        return None


def _str_tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if str(v).strip())
    return ()


def read_settings(config_file: str | Path | None = None) -> Settings:
    """Read the coverage settings as ``coverage run`` would.

    Args:
        config_file: The file to read; ``None`` searches like coverage.py does
            (``COVERAGE_RCFILE``, then ``.coveragerc``, ``setup.cfg``, ``tox.ini``,
            ``pyproject.toml`` in the current directory).

    Raises:
        CheckError: coverage.py could not read or accept the settings.
    """
    spec: str | bool = True if config_file is None else str(config_file)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cov = coverage.Coverage(config_file=spec)
        except _COVERAGE_ERRORS as exc:
            raise CheckError(f"coverage.py cannot use the settings: {exc}") from None
        except OSError as exc:
            raise CheckError(f"cannot read the coverage settings: {exc}") from None
    concurrency = _str_tuple(_option(cov, "run:concurrency"))
    unknown = sorted(set(concurrency) - _CONCURRENCY)
    if unknown:
        # coverage.py before 7.11 checks this only when it starts measuring.
        raise CheckError(
            f"coverage.py cannot use the settings: Unknown concurrency choices: {', '.join(unknown)}"
        )
    read = cov.config.config_file
    core = _option(cov, "run:core")  # 7.9+; None before, or when not set
    return Settings(
        config_file=read,
        concurrency=concurrency,
        patch=_str_tuple(_option(cov, "run:patch")),
        parallel=bool(_option(cov, "run:parallel")),
        sigterm=bool(_option(cov, "run:sigterm")),
        branch=bool(_option(cov, "run:branch")),
        core=str(core) if core else None,
        coverage_version=coverage.__version__,
        source=_str_tuple(_option(cov, "run:source")),
        source_pkgs=_str_tuple(_option(cov, "run:source_pkgs")),
        include=_str_tuple(_option(cov, "run:include"))
        or _str_tuple(_option(cov, "report:include")),
        omit=(*_str_tuple(_option(cov, "run:omit")), *_str_tuple(_option(cov, "report:omit"))),
        exclude=(
            *_str_tuple(_option(cov, "report:exclude_lines")),
            *_str_tuple(_option(cov, "report:exclude_also")),
        ),
        warnings=tuple(str(w.message) for w in caught),
    )


class Measured:
    """Which files ``coverage run`` would measure, from ``[run] source/include/omit``.

    Relative entries are taken from ``base``, the directory coverage.py runs in
    (the configuration file's). The matching itself is coverage.py's
    (:mod:`coverage.files`), so patterns mean what they mean to coverage.
    """

    def __init__(self, settings: Settings, base: Path) -> None:
        """The filter of ``settings``, with relative entries taken from ``base``."""
        from coverage import files  # coverage's own matchers; imported late, they are internal

        self.active = bool(settings.source or settings.source_pkgs or settings.include)
        self.active = self.active or bool(settings.omit)
        dirs, packages = [], list(settings.source_pkgs)
        for entry in settings.source:
            path = (base / entry).resolve()
            if path.is_dir():
                dirs.append(str(path))
            else:
                packages.append(entry)
        self.packages = [tuple(p.split(".")) for p in packages]
        self.tree = files.TreeMatcher(dirs, "source") if dirs else None
        self.sourced = bool(dirs or packages)

        def globs(patterns: tuple[str, ...]) -> files.GlobMatcher | None:
            if not patterns:
                return None
            prepared = [p if p.startswith(("*", "/")) else str(base / p) for p in patterns]
            return files.GlobMatcher(files.prep_patterns(prepared), "pattern")

        self.include = None if self.sourced else globs(settings.include)
        self.omit = globs(settings.omit)

    def __call__(self, path: Path) -> bool:
        """Whether coverage would measure the code in ``path``."""
        if not self.active:
            return True
        name = str(path.resolve())
        if self.omit is not None and self.omit.match(name):
            return False
        if self.sourced:
            if self.tree is not None and self.tree.match(name):
                return True
            parts = path.resolve().with_suffix("").parts
            return any(_contains(parts, pkg) for pkg in self.packages)
        if self.include is not None:
            return bool(self.include.match(name))
        return True


def _contains(parts: tuple[str, ...], package: tuple[str, ...]) -> bool:
    size = len(package)
    return any(parts[i : i + size] == package for i in range(len(parts) - size + 1))
