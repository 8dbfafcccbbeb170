"""The coverage settings the rules depend on, read by coverage.py itself.

``.coveragerc``, ``.coveragerc.toml`` (coverage.py 7.13+), ``setup.cfg``, ``tox.ini``,
``pyproject.toml`` and ``COVERAGE_RCFILE`` mean here exactly what they mean to ``coverage run``,
because :class:`coverage.Coverage` reads them. ``[run] source``, ``include``
and ``omit`` decide which files coverage would measure (:class:`Measured`).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import sys
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import coverage
from coverage.exceptions import ConfigError, CoverageException
from packaging.version import InvalidVersion, Version


class CheckError(Exception):
    """The check cannot run: a missing path, unreadable settings, an unknown rule id."""


@functools.lru_cache(maxsize=1)
def installed_cloudpickle() -> str | None:
    """The version of the cloudpickle that loky pickles tasks with here, or ``None``.

    joblib releases that vendor cloudpickle (joblib/externals/cloudpickle) use their
    copy; later ones, and loky itself, use the installed cloudpickle. It decides how a
    task reaches loky's workers (MPC109), as the installed coverage.py decides the
    release-dependent rules.
    """
    try:
        files = metadata.files("joblib") or []
    except metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.as_posix() == "joblib/externals/cloudpickle/__init__.py":
            try:
                match = _VERSION_LINE.search(file.read_text(encoding="utf-8"))
            except OSError:
                return None
            return match.group(1) if match else None
    try:
        return metadata.version("cloudpickle")
    except metadata.PackageNotFoundError:
        return None


_VERSION_LINE = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def _python() -> tuple[int, int]:
    return (sys.version_info[0], sys.version_info[1])


#: Concurrency choices the sysmon core does not support: coverage.py 7.17.5 uses ctrace
#: instead (coverage/core.py); 7.11.0 refused the pair (collector.py): no thread is measured.
_LIGHT_THREADS = ("greenlet", "eventlet", "gevent")


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
    #: ``[run] dynamic_context`` (``test_function``); ``None`` when not set.
    dynamic_context: str | None = None
    timid: bool = False
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
    #: starts coverage itself (through coverage.py's .pth file from 7.13, or one the
    #: project installs), as with the subprocess patch, but without turning on parallel.
    process_start: bool = False
    #: The Python that runs the code: sysmon needs 3.12+, and is the default core on 3.14+.
    python_version: tuple[int, int] = field(default_factory=_python)
    #: The cloudpickle loky uses here (:func:`installed_cloudpickle`); ``None``: none found.
    cloudpickle_version: str | None = field(default_factory=installed_cloudpickle)

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
    def sysmon_conflict(self) -> str:
        """Why coverage.py would not use the sysmon core with these settings, or ``""``.

        coverage.py 7.17.5 ``Core.__init__`` (coverage/core.py) uses another core when
        ``timid`` is set, when dynamic contexts are on, with gevent, eventlet or
        greenlet concurrency, and on Python 3.12 and 3.13 with ``branch = true``.
        """
        if self.python_version < (3, 12):
            return "sys.monitoring needs Python 3.12+"
        if self.timid:
            return "`timid = true` selects the pytrace core"
        if self.branch and self.python_version < (3, 14):
            return "sysmon cannot measure branches before Python 3.14"
        if self.dynamic_context not in (None, "", "none"):
            return "sysmon does not support `dynamic_context`"
        light = [c for c in self.concurrency if c in _LIGHT_THREADS]
        if light:
            return f'sysmon does not support concurrency "{light[0]}"'
        return ""

    @property
    def asks_for_sysmon(self) -> bool:
        """Whether the settings choose sysmon: ``core = "sysmon"``, or no core on 3.14+."""
        return self.core == "sysmon" or (self.core is None and self.python_version >= (3, 14))

    @property
    def traces_all_threads(self) -> bool:
        """Whether threads a process starts are measured.

        They are with ``thread`` in ``concurrency`` (its default), or with the sysmon
        core, which sees every thread (set explicitly, or the default on 3.14+), unless
        a setting makes coverage.py fall back to ctrace or pytrace (:attr:`sysmon_conflict`).
        """
        if not self.concurrency or "thread" in self.concurrency:
            return True
        return self.asks_for_sysmon and not self.sysmon_conflict

    def cloudpickle_at_least(self, version: Version) -> bool:
        """Whether the cloudpickle version is known and ``version`` or later."""
        if self.cloudpickle_version is None:
            return False
        try:
            return Version(self.cloudpickle_version) >= version
        except InvalidVersion:
            return False

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
            (``COVERAGE_RCFILE``, then ``.coveragerc``, ``.coveragerc.toml`` (7.13+),
            ``setup.cfg``, ``tox.ini``, ``pyproject.toml`` in the current directory).

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
    dynamic_context = _option(cov, "run:dynamic_context")
    return Settings(
        config_file=read,
        concurrency=concurrency,
        patch=_str_tuple(_option(cov, "run:patch")),
        parallel=bool(_option(cov, "run:parallel")),
        sigterm=bool(_option(cov, "run:sigterm")),
        branch=bool(_option(cov, "run:branch")),
        core=str(core) if core else None,
        dynamic_context=str(dynamic_context) if dynamic_context else None,
        timid=bool(_option(cov, "run:timid")),
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
