"""Running the checks over files: reading, parsing, the project index, suppressions.

A run has two passes. The first reads and parses every file and records the
classes and factory functions that make pools, processes or executors
(:class:`~mpcov.check.analysis.ProjectIndex`), so that a subclass defined in
one module is known in another. The second analyses the files that can
matter: a file whose text names nothing the rules look at (no ``Pool``, no
``fork``, no project pool class, ...) cannot produce a finding, and is parsed
but not walked. Project rules (one finding per run) are gathered at the end.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import fnmatch
import gc
import io
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mpcov.check import cmdline, exits, multiproc, pools, processes, tasks
from mpcov.check.analysis import ModuleAnalysis, Obj, ProjectIndex, module_name
from mpcov.check.config import CheckConfig
from mpcov.check.discovery import Skipped, discover
from mpcov.check.findings import Collector, Finding, Hit, Place, finding
from mpcov.check.rules import RULES
from mpcov.check.settings import CommandLineSettings, Measured, Settings
from mpcov.check.suppress import Suppression, suppressions

#: Words without which a file cannot produce any finding (see the module docstring).
_TRIGGERS = re.compile(
    r"Pool|Process|Executor|Parallel|fork|_exit|exec[lv]|subprocess|system\(|popen|spawn|"
    r"kill|__mp_main__|pytest_cov|get_reusable_executor|mpcov:|Thread|start_worker|Timer"
)
#: A signal handler of the project's own, in a file that names SIGTERM.
_SIGNAL_HANDLER = re.compile(r"\b(?:signal\.signal|add_signal_handler|setsignal)\(")
_BUILTINS = frozenset(dir(builtins))
#: Syntax newer than some interpreter mpcov supports, to name the version a file needs.
_NEWER_SYNTAX = (
    ((3, 12), re.compile(r"^\s*type\s+\w+\s*(\[[^\]]*\])?\s*=", re.MULTILINE)),
    ((3, 12), re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+\w+\s*\[", re.MULTILINE)),
    ((3, 11), re.compile(r"^\s*except\s*\*", re.MULTILINE)),
    ((3, 10), re.compile(r"^\s*match\s+[^=\n]+:\s*(?:#.*)?\n\s+case\s", re.MULTILINE)),
)


@dataclass
class Source:
    """One file read and parsed."""

    path: Path
    name: str
    text: str
    lines: int
    module: str
    is_package: bool
    tree: ast.Module | None = None


@dataclass
class Report:
    """Everything a run found."""

    findings: list[Finding] = field(default_factory=list)
    #: Files and folders not checked, with the reason.
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0
    lines: int = 0
    #: Files that coverage would not measure ([run] source/include/omit).
    unmeasured: int = 0
    #: Whether any Python file was found at all, before excludes.
    seen_python: bool = True

    @property
    def errors(self) -> list[Skipped]:
        """The files that could not be checked (bad input)."""
        return [s for s in self.skipped if s.error]


def _newer_syntax(text: str) -> tuple[int, int] | None:
    for version, pattern in _NEWER_SYNTAX:
        if version > sys.version_info[:2] and pattern.search(text):
            return version
    return None


def read_source(path: Path) -> str:
    """The text of a Python file, decoded as Python does (PEP 263 coding line, BOM).

    Raises:
        OSError: the file cannot be read.
        SyntaxError: the coding line names an unknown encoding, or the bytes do not decode.
    """
    data = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SyntaxError(f"cannot decode as {encoding}: {exc.reason}") from None


def parse(text: str, name: str) -> ast.Module:
    """Parse ``text``, naming the Python version a file of newer syntax needs.

    Raises:
        SyntaxError: not valid Python for this interpreter (the message says why).
        RecursionError: nested too deeply for the parser.
    """
    try:
        return ast.parse(text, filename=name)
    except SyntaxError as exc:
        newer = _newer_syntax(text)
        if newer is not None:
            running = ".".join(map(str, sys.version_info[:2]))
            needed = ".".join(map(str, newer))
            exc.msg = (
                f"uses Python {needed} syntax, newer than the Python {running} running mpcov; "
                f"run mpcov with Python {needed} or newer"
            )
        raise


class _Packages:
    """Module names of files, from the ``__init__.py`` files above them (cached)."""

    def __init__(self) -> None:
        self._package: dict[Path, bool] = {}

    def is_package_dir(self, folder: Path) -> bool:
        if folder not in self._package:
            self._package[folder] = (folder / "__init__.py").is_file()
        return self._package[folder]

    def module(self, path: Path) -> tuple[str, bool]:
        parts = [path.name]
        folder = (path if path.is_absolute() else Path.cwd() / path).parent
        while self.is_package_dir(folder) and folder.parent != folder:
            parts.insert(0, folder.name)
            folder = folder.parent
        return module_name(parts), path.name == "__init__.py"


class Checker:
    """A run over many files: settings, rules, the project index and the findings."""

    def __init__(
        self,
        settings: Settings,
        rules: Iterable[str] | None = None,
        config: CheckConfig | None = None,
        measured: Measured | None = None,
        command_lines: CommandLineSettings | None = None,
    ) -> None:
        """A run with these settings, rules, configuration and command lines."""
        self.settings = settings
        self.command_lines = command_lines
        #: Whether any file starts standard-library multiprocessing workers.
        self.starts_workers = False
        self.rules = frozenset(RULES if rules is None else rules)
        self.config = config or CheckConfig()
        self.measured = measured
        self.index = ProjectIndex()
        self.report = Report()
        self._project_hits: list[Hit] = []
        self._suppressions: dict[str, list[Suppression]] = {}
        self._packages = _Packages()
        #: Where the project installs its own SIGTERM handler, outside its tests.
        self.sigterm_handlers: list[str] = []
        self._exclude = _compile_excludes(settings.exclude)

    # -- pass 1

    def load(self, path: Path, text: str | None = None) -> Source | None:
        """Read and parse one file and add it to the index; ``None`` when it is skipped."""
        name = str(path)
        try:
            if text is None:
                text = read_source(path)
            tree = parse(text, name)
        except OSError as exc:
            self._skip(name, f"cannot read: {exc.strerror or exc}")
            return None
        except SyntaxError as exc:
            where = f"{name}:{exc.lineno}" if exc.lineno else name
            self.report.skipped.append(Skipped(where, f"not valid Python: {exc.msg}", True))
            return None
        except (RecursionError, MemoryError):
            self._skip(name, "nested too deeply for Python's parser (RecursionError)")
            return None
        except ValueError as exc:  # source with NUL bytes
            self._skip(name, f"not valid Python: {exc}")
            return None
        module, is_package = self._packages.module(path)
        lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        source = Source(path, name, text, lines, module, is_package, tree)
        deep = bool(_TRIGGERS.search(text))
        measures = "coverage" in text
        if "SIGTERM" in text and not _is_test(path):
            match = _SIGNAL_HANDLER.search(text)
            if match is not None:
                line = text.count("\n", 0, match.start()) + 1
                self.sigterm_handlers.append(f"{name}:{line}")
        try:
            self.index.add_module(
                tree, module, is_package, deep, measures, text.splitlines() if deep else None
            )
        except RecursionError:
            self._skip(name, "nested too deeply to analyse (RecursionError)")
            return None
        self.report.files += 1
        self.report.lines += lines
        if not deep:
            source.tree = None  # nothing to walk: free the tree now
        return source

    def _skip(self, name: str, reason: str) -> None:
        self.report.skipped.append(Skipped(name, reason, error=True))

    # -- pass 2

    def analyse(self, source: Source, project_names: re.Pattern[str] | None) -> None:
        """Apply every rule to one file."""
        text = source.text
        tree = source.tree
        if tree is None:
            if project_names is None or not project_names.search(text):
                return
            tree = ast.parse(text, filename=source.name)
        rules = self.rules - self._ignored_here(source.path)
        out = Collector(source.name, rules)
        try:
            a = ModuleAnalysis(source.module, source.is_package, self.index).run(tree)
        except RecursionError:
            self._skip(source.name, "nested too deeply to analyse (RecursionError)")
            return
        measured = self.measured is None or self.measured(source.path)
        if not measured:
            self.report.unmeasured += 1
        objs = [o for o in a.objs if measured or not _local_only(o, a)]
        a.thread_objs = [t for t in a.thread_objs if measured or not _local_only(t, a)]
        objs = [o for o in objs if not _builtin_only(o, a)]
        self.starts_workers = self.starts_workers or any(
            o.kind.family in ("multiprocessing", "mpire") for o in objs
        )
        pools.check(a, out, self.settings, objs)
        processes.check(a, out, self.settings, objs, bool(self.sigterm_handlers))
        exits.check(a, out, self.settings, self._project_packages())
        multiproc.check(a, out, self.settings, objs)
        tasks.check(a, out, self.settings, objs)
        for node in a.embed_imports:
            out.add("MPC107", node)
        found = suppressions(text)
        self._suppressions[source.name] = found
        by_line: dict[int, list[Suppression]] = {}
        for suppression in found:
            by_line.setdefault(suppression.line, []).append(suppression)
        unique = {(h.rule, h.line, h.column, h.group): h for h in out.hits}
        excluded = self._excluded_lines(text, tree) if unique else set()
        for hit in unique.values():
            if hit.line in excluded:
                continue
            if _silenced(hit, by_line.get(hit.line, ())):
                continue
            if RULES[hit.rule].scope == "project":
                self._project_hits.append(hit)
            else:
                self.report.findings.append(finding(hit))
        if "MPC001" in rules:
            self._unused_suppressions(source.name, found, rules)

    def _excluded_lines(self, text: str, tree: ast.Module) -> set[int]:
        """Lines coverage leaves out ([report] exclude_lines): no data there to lose."""
        if self._exclude is None or not self._exclude.search(text):
            return set()
        lines = text.splitlines()
        matching = {i for i, line in enumerate(lines, start=1) if self._exclude.search(line)}
        excluded = set(matching)
        for node in ast.walk(tree):
            if isinstance(node, ast.stmt) and node.lineno in matching and hasattr(node, "body"):
                excluded.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        return excluded

    def _project_packages(self) -> frozenset[str]:
        return frozenset(m.split(".", 1)[0] for m in self.index.module_names if m)

    def _ignored_here(self, path: Path) -> set[str]:
        ignored: set[str] = set()
        if not self.config.per_file_ignores:
            return ignored
        try:
            relative = path.resolve().relative_to(self.config.root).as_posix()
        except ValueError:
            relative = path.as_posix()
        for pattern, ids in self.config.per_file_ignores.items():
            if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(path.name, pattern):
                ignored.update(r for r in RULES if any(r.startswith(i.upper()) for i in ids))
        return ignored

    def _unused_suppressions(
        self, name: str, found: list[Suppression], rules: frozenset[str]
    ) -> None:
        for suppression in found:
            ids = suppression.ids or ()
            unknown = [i for i in ids if not any(r.startswith(i) for r in RULES)]
            place = ast.Constant(
                value=None, lineno=suppression.line, col_offset=suppression.column - 1
            )
            if unknown:
                detail = f"unknown rule {', '.join(unknown)}"
                self._add_direct("MPC001", name, place, detail)
                continue
            active = [i for i in ids if any(r.startswith(i) and r in rules for r in RULES)]
            if suppression.ids is None:
                if not suppression.silenced:
                    self._add_direct("MPC001", name, place, "it silences no finding")
            elif active and not set(active) & suppression.used:
                self._add_direct("MPC001", name, place, f"no {', '.join(active)} finding here")

    def _add_direct(self, rule: str, name: str, node: ast.AST, detail: str) -> None:
        out = Collector(name, self.rules)
        out.add(rule, node, detail)
        self.report.findings.extend(finding(h) for h in out.hits)

    # -- the end

    def finish(self) -> Report:
        """Gather the project rules into one finding each, and sort everything."""
        groups: dict[tuple[str, str], list[Hit]] = {}
        for hit in self._project_hits:
            groups.setdefault((hit.rule, hit.group), []).append(hit)
        for hits in groups.values():
            hits.sort(key=lambda h: (h.path, h.line, h.column))
            places = tuple(Place(h.path, h.line, h.column) for h in hits)
            self.report.findings.append(finding(hits[0], places))
        if self.command_lines is not None and "MPC213" in self.rules:
            for hit in cmdline.check(self.command_lines, self.settings, self.starts_workers):
                self.report.findings.append(finding(hit))
        self.report.findings.sort(key=lambda f: (f.path, f.line, f.column, f.rule))
        self.report.skipped.sort(key=lambda s: s.path)
        return self.report


def _silenced(hit: Hit, here: Iterable[Suppression]) -> bool:
    for suppression in here:
        spec = suppression.covers(hit.rule)
        if spec is not None:
            suppression.used.add(spec)
            suppression.silenced = True
            return True
    return False


def _compile_excludes(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    valid = []
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error:
            continue  # coverage.py reports its own bad patterns
        valid.append(f"(?:{pattern})")
    return re.compile("|".join(valid)) if valid else None


def _is_test(path: Path) -> bool:
    parts = {p.lower() for p in path.parts[:-1]}
    return bool(parts & {"tests", "test", "testing"}) or path.name.startswith("test_")


def _builtin_only(obj: Obj, a: ModuleAnalysis) -> bool:
    """Whether every task ``obj`` is given is a builtin (``pool.map(pow, ...)``): no measured code."""
    return bool(obj.tasks) and all(
        isinstance(t, ast.Name) and t.id in _BUILTINS and t.id not in a.defined_anywhere
        for t in obj.tasks
    )


def _local_only(obj: Obj, a: ModuleAnalysis) -> bool:
    """Whether everything ``obj``'s workers run is defined in its own (unmeasured) module."""
    if obj.kind.defined_in and obj.kind.defined_in.rsplit(".", 1)[0] == a.module:
        return True
    if not obj.tasks:
        return False
    return all(
        isinstance(task, ast.Lambda)
        or (isinstance(task, ast.Name) and task.id in a.defined_anywhere | a.defined)
        for task in obj.tasks
    )


def run_sources(checker: Checker, sources: Sequence[Source]) -> Report:
    """Pass 2 over loaded sources, then the project rules."""
    checker.index.finish()
    names = checker.index.names()
    pattern = re.compile("|".join(sorted(map(re.escape, names)))) if names else None
    for source in sources:
        checker.analyse(source, pattern)
    return checker.finish()


def check_files(
    paths: Sequence[Path],
    settings: Settings,
    rules: Iterable[str] | None = None,
    config: CheckConfig | None = None,
    measured: Measured | None = None,
    force_exclude: bool = False,
    command_lines: CommandLineSettings | None = None,
) -> Report:
    """Check every Python file in ``paths`` (directories are walked).

    Raises:
        CheckError: a path does not exist.
    """
    config = config or CheckConfig()
    found = discover(paths, config, force_exclude)
    checker = Checker(settings, rules, config, measured, command_lines)
    checker.report.skipped.extend(found.skipped)
    checker.report.seen_python = found.seen_python
    with _no_cyclic_gc():
        sources = [s for s in (checker.load(p) for p in found.files) if s is not None]
        return run_sources(checker, sources)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while trees are kept for the second pass.

    Syntax trees hold no reference cycles, so reference counting frees them; but every
    collection would walk all the nodes still alive, which made a run over a large
    project spend more time collecting than parsing.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_source(
    source: str,
    path: str = "<string>",
    settings: Settings | None = None,
    rules: Iterable[str] | None = None,
    command_lines: CommandLineSettings | None = None,
) -> list[Finding]:
    """Check one module's source on its own (project rules gathered over it alone).

    Args:
        source: The Python source.
        path: The name to report findings under.
        settings: The coverage settings; defaults to an empty configuration.
        rules: Rule ids to apply; ``None`` applies all.
        command_lines: Coverage options found on command lines (MPC213).

    Raises:
        SyntaxError: ``source`` is not valid Python.
    """
    checker = Checker(
        settings if settings is not None else Settings(), rules, command_lines=command_lines
    )
    tree = parse(source, path)
    module = Path(path).stem
    checker.index.add_module(tree, module, False, True)
    loaded = Source(Path(path), path, source, source.count("\n"), module, False, tree)
    return run_sources(checker, [loaded]).findings


def check_paths(
    paths: Sequence[Path],
    settings: Settings,
    rules: Iterable[str] | None = None,
    problems: list[str] | None = None,
) -> list[Finding]:
    """Check every Python file in ``paths`` with the default configuration.

    Files that cannot be read or parsed are skipped with a note appended to
    ``problems``.

    Raises:
        CheckError: a path does not exist.
    """
    report = check_files(paths, settings, rules)
    if problems is not None:
        problems.extend(f"{s.path}: skipped: {s.reason}" for s in report.errors)
    return report.findings
