"""``mpcov check``: find code and settings that lose child-process coverage data.

Every rule has a stable id (``MPC1xx``: the code pattern itself loses data;
``MPC2xx``: the coverage settings or the installed coverage.py do not fit what
the code does), one section in the docs, and is backed by an example in
``examples/`` whose measured outcome shows the loss, or by a cited primary source.

Code is read with :mod:`ast`; nothing is imported or run. The analysis is
deliberately simple: a pool or process is followed by the name it is bound to
(``pool``, ``self.pool``) within one file, without regard to scopes. The coverage
settings are read by coverage.py itself (:class:`coverage.Coverage`), so
``.coveragerc``, ``setup.cfg``, ``tox.ini``, ``pyproject.toml`` and
``COVERAGE_RCFILE`` mean here exactly what they mean to ``coverage run``.

A finding is silenced by a trailing comment on its line:
``# mpcov: ignore[MPC101]`` (several ids separated by commas), or
``# mpcov: ignore`` for every rule.
"""

from __future__ import annotations

import ast
import io
import os
import re
import sys
import tokenize
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import coverage
from coverage.exceptions import CoverageException
from packaging.version import InvalidVersion, Version

__all__ = [
    "RULES",
    "CheckError",
    "Finding",
    "Rule",
    "Settings",
    "check_paths",
    "check_source",
    "discover_sources",
    "read_settings",
    "select_rules",
]

#: Where each rule's section lives; a finding's ``docs`` is this plus ``#<id>``.
DOCS_URL = "https://mpcov.readthedocs.io/en/latest/reference/checks.html"


class CheckError(Exception):
    """The check cannot run: a missing path, unreadable settings, an unknown rule id."""


@dataclass(frozen=True)
class Rule:
    """One check: what it flags, how to fix it, and what shows that it matters."""

    id: str
    #: A few words, used as the docs section title.
    title: str
    #: What goes wrong, in one sentence (the start of each finding's message).
    summary: str
    #: How to fix it, in one sentence.
    fix: str
    #: Examples whose measured outcome shows the loss (lost or racy).
    examples: tuple[str, ...] = ()
    #: Examples that show the fixed form, measured.
    fixed_by: tuple[str, ...] = ()
    #: Primary sources, for rules (or parts of rules) no example can show.
    sources: tuple[str, ...] = ()

    @property
    def docs(self) -> str:
        """The URL of this rule's docs section."""
        return f"{DOCS_URL}#{self.id.lower()}"


_RULE_LIST = (
    Rule(
        id="MPC101",
        title="with Pool() without close() and join()",
        summary=(
            "leaving `with Pool(...)` calls terminate(), which SIGTERMs workers that may "
            "still be saving their coverage data"
        ),
        fix=(
            "call pool.close() and pool.join() as the last lines of the block, or use "
            "`with mpcov.closing_pool(...) as pool:`"
        ),
        examples=(
            "pool_with_block_only",
            "pool_exit_while_busy",
            "pool_async_not_waited",
            "pool_with_block_sigterm",
        ),
        fixed_by=(
            "pool_close_join",
            "pool_mpcov_closing_pool",
            "pool_async_waited",
            "pool_async_not_waited_close_join",
        ),
    ),
    Rule(
        id="MPC102",
        title="Pool.terminate()",
        summary=(
            "pool.terminate() SIGTERMs workers that may still be saving their coverage "
            "data, even after every result has arrived"
        ),
        fix="end the pool with pool.close() then pool.join() instead of terminate()",
        examples=("pool_terminate_after_results",),
        fixed_by=("pool_close_join",),
    ),
    Rule(
        id="MPC103",
        title="Process.terminate() without sigterm",
        summary=(
            "process.terminate() sends SIGTERM, which ends a busy child before coverage.py "
            "saves, and `[run] sigterm` is not true"
        ),
        fix=(
            "let the child finish and join() it; if it must be stopped, set "
            "`[run] sigterm = true` (POSIX only) so the child saves first"
        ),
        examples=("process_terminate_busy",),
        fixed_by=("process_terminate_busy_sigterm", "process_start_join"),
    ),
    Rule(
        id="MPC104",
        title="Process.kill()",
        summary=(
            "process.kill() sends SIGKILL, which no handler can catch: the child's coverage "
            "data is always lost, whatever the settings"
        ),
        fix="let the child finish and join() it; kill only children whose coverage you can lose",
        examples=("process_kill",),
        fixed_by=("process_start_join",),
    ),
    Rule(
        id="MPC105",
        title="daemon process never joined",
        summary=(
            "a daemon process still running at interpreter exit is terminated with SIGTERM "
            "before coverage.py saves, and `[run] sigterm` is not true"
        ),
        fix=(
            "join() the process before the program ends (or drop daemon=True); otherwise set "
            "`[run] sigterm = true` (POSIX only)"
        ),
        examples=("process_daemon_at_exit",),
        fixed_by=("process_daemon_at_exit_sigterm", "process_start_join"),
    ),
    Rule(
        id="MPC106",
        title="Pool never closed and joined",
        summary=(
            "a pool that is never closed and joined is terminated by its finalizer (garbage "
            "collection or interpreter exit), racing the workers' save"
        ),
        fix="call pool.close() and pool.join() when the work is done, or use mpcov.closing_pool",
        examples=("pool_never_closed", "pool_never_closed_gc"),
        fixed_by=("pool_close_join",),
    ),
    Rule(
        id="MPC107",
        title="pytest_cov.embed",
        summary=(
            "pytest_cov.embed was removed in pytest-cov 7.0.0 along with its subprocess "
            "support; with pytest-cov 7 this import fails (and under `except ImportError` "
            "silently does nothing)"
        ),
        fix=(
            'remove the import and set `[run] patch = ["subprocess"]` (coverage.py 7.10+) '
            'or `concurrency = ["multiprocessing"]` in the coverage settings'
        ),
        sources=(
            (
                "pytest-cov CHANGELOG.rst, 7.0.0 (2025-09-09): 'Dropped support for "
                "subprocesses measurement ... you might need to enable the subprocess patch'"
            ),
            (
                "pytest-cov commit 863ca1a (released in 7.0.0) deletes src/pytest_cov/embed.py, "
                "which held init(), cleanup() and cleanup_on_sigterm()"
            ),
        ),
    ),
    Rule(
        id="MPC201",
        title="os._exit() without patch _exit",
        summary=(
            "os._exit() ends the process without running atexit handlers, where coverage.py "
            'saves, and `[run] patch` does not contain "_exit"'
        ),
        fix='set `[run] patch = ["_exit"]` and `parallel = true` (coverage.py 7.10+)',
        examples=("fork_exit_without_patch", "fork_patch_fork_only"),
        fixed_by=("fork_exit_patch_exit", "fork_patch_fork_exit"),
        sources=("coverage.py CHANGES.rst, 7.10.0 (2025-07-24): `patch = _exit`",),
    ),
    Rule(
        id="MPC202",
        title="os.exec*() without patch execv",
        summary=(
            "os.exec*() replaces the program without running atexit handlers, so coverage.py "
            'never saves what ran before it, and `[run] patch` does not contain "execv"'
        ),
        fix='set `[run] patch = ["execv"]` (coverage.py 7.10+, not on Windows)',
        examples=("exec_without_patch",),
        fixed_by=("exec_patch_execv", "exec_patch_execv_subprocess"),
        sources=("coverage.py CHANGES.rst, 7.10.0 (2025-07-24): `patch = execv`",),
    ),
    Rule(
        id="MPC203",
        title="Python child without patch subprocess",
        summary=(
            "this starts a new Python interpreter (sys.executable), which coverage.py does "
            'not measure unless `[run] patch` contains "subprocess"'
        ),
        fix='set `[run] patch = ["subprocess"]` (coverage.py 7.10+)',
        examples=("subprocess_run_without_patch", "exec_without_patch"),
        fixed_by=("subprocess_run_patch_subprocess", "exec_patch_execv_subprocess"),
        sources=("coverage.py CHANGES.rst, 7.10.0 (2025-07-24): `patch = subprocess`",),
    ),
    Rule(
        id="MPC204",
        title="patch without parallel",
        summary=(
            "without `parallel`, every process writes the one data file `.coverage`, and the "
            "process that saves later erases what the other saved"
        ),
        fix="set `[run] parallel = true` and combine the data files before reporting",
        examples=("fork_exit_patch_exit_no_parallel", "exec_execve_patch_execv_no_parallel"),
        fixed_by=("fork_exit_patch_exit", "exec_patch_execv_subprocess"),
    ),
    Rule(
        id="MPC205",
        title="patch fork on coverage.py before 7.17.3",
        summary=(
            'before coverage.py 7.17.3, `patch = ["fork"]` without "subprocess" stops '
            "measuring in the forked child and starts nothing in its place (issue 2340)"
        ),
        fix='upgrade coverage.py to 7.17.3 or later, or add "subprocess" to `[run] patch`',
        examples=("fork_patch_fork_exit",),
        fixed_by=("fork_patch_fork_exit",),
    ),
    Rule(
        id="MPC206",
        title="patch subprocess without _exit for multiprocessing",
        summary=(
            'with `patch = ["subprocess"]` and no `concurrency = ["multiprocessing"]`, fork '
            "and forkserver workers are measured but end with os._exit(), which skips the save"
        ),
        fix=(
            'add "_exit" to `[run] patch` (patch = ["subprocess", "_exit"]), or set '
            '`concurrency = ["multiprocessing"]`'
        ),
        examples=("config_pool_patch_subprocess", "process_mp_main_patch_subprocess"),
        fixed_by=("config_pool_patch_subprocess_exit", "config_pool_concurrency_multiprocessing"),
    ),
    Rule(
        id="MPC207",
        title="__mp_main__ code",
        summary=(
            "code that runs while a spawn or forkserver child re-imports the main script as "
            '__mp_main__ is measured only with `patch = ["subprocess", "_exit"]` and without '
            '`concurrency = ["multiprocessing"]`, whose own Coverage starts after the import'
        ),
        fix=(
            "move the work into the child's target function, or measure with "
            '`patch = ["subprocess", "_exit"]` and no multiprocessing in `concurrency`'
        ),
        examples=(
            "process_mp_main",
            "process_mp_main_patch_subprocess",
            "process_mp_main_patch_subprocess_and_multiprocessing",
        ),
        fixed_by=("process_mp_main_patch_subprocess_exit",),
    ),
    Rule(
        id="MPC208",
        title="threads in children without concurrency thread",
        summary=(
            'naming `concurrency = ["multiprocessing"]` replaces the default "thread", so with '
            "the ctrace and pytrace cores lines run by threads a process starts are not traced"
        ),
        fix=(
            'set `concurrency = ["multiprocessing", "thread"]`, or `core = "sysmon"` '
            "(Python 3.12+, coverage.py 7.9+)"
        ),
        examples=("process_threads_multiprocessing",),
        fixed_by=("process_threads_multiprocessing_thread", "process_threads_sysmon"),
    ),
    Rule(
        id="MPC209",
        title="third-party pool without the patches it needs",
        summary=(
            "this pool's workers are not multiprocessing children that "
            '`concurrency = ["multiprocessing"]` reaches: billiard and multiprocess (pathos) '
            'workers need `patch = ["subprocess", "_exit"]`, joblib\'s loky workers '
            '`patch = ["subprocess"]`'
        ),
        fix=(
            'set `[run] patch = ["subprocess", "_exit"]` (coverage.py 7.10+); with joblib, also '
            "call get_reusable_executor().shutdown(wait=True) before the report"
        ),
        examples=(
            "billiard_pool_concurrency_multiprocessing",
            "billiard_pool_patch_subprocess",
            "multiprocess_pool_concurrency_multiprocessing",
            "joblib_loky_concurrency_multiprocessing",
        ),
        fixed_by=(
            "billiard_pool_patch_subprocess_exit",
            "multiprocess_pool_patch_subprocess_exit",
            "joblib_loky_patch_subprocess",
        ),
    ),
    Rule(
        id="MPC210",
        title="multiprocessing without settings that reach children",
        summary=(
            "coverage.py measures only the process it started unless told otherwise: "
            'without `concurrency = ["multiprocessing"]` or `patch = ["subprocess"]`, '
            "no pool worker or child process is measured"
        ),
        fix=(
            'set `[run] concurrency = ["multiprocessing"]` in the configuration file '
            "(not on the command line)"
        ),
        examples=("pytest_cov_pool_without_config", "pytest_xdist_pool_without_config"),
        fixed_by=("pytest_cov_pool_concurrency", "pytest_xdist_pool_concurrency"),
    ),
)

#: Every rule, by id.
RULES: dict[str, Rule] = {rule.id: rule for rule in _RULE_LIST}

#: coverage.py releases whose ``patch = ["fork"]`` measures a forked child by itself.
_FORK_PATCH_FIXED = Version("7.17.3")


@dataclass(frozen=True)
class Finding:
    """One place in the code where child-process coverage data is lost."""

    rule: str
    path: str
    line: int
    column: int
    message: str
    fix: str
    docs: str

    def as_text(self) -> str:
        """``path:line:col: ID message``, then the fix and the docs link on their own line."""
        return (
            f"{self.path}:{self.line}:{self.column}: {self.rule} {self.message}\n"
            f"    fix: {self.fix} ({self.docs})"
        )


@dataclass(frozen=True)
class Settings:
    """The coverage settings and version the rules depend on."""

    #: The configuration file coverage.py read, or ``None`` when it found none.
    config_file: str | None = None
    concurrency: tuple[str, ...] = ()
    patch: tuple[str, ...] = ()
    parallel: bool = False
    sigterm: bool = False
    #: ``[run] core`` (or ``COVERAGE_CORE``); ``None`` when not set.
    core: str | None = None
    coverage_version: str = coverage.__version__
    #: coverage.py's own warnings while reading the settings.
    warnings: tuple[str, ...] = field(default=(), compare=False)

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
        core, which sees every thread (set explicitly, or the default on 3.14+).
        """
        if not self.concurrency or "thread" in self.concurrency:
            return True
        if sys.version_info >= (3, 14) and self.core in (None, "sysmon"):
            return True
        return self.core == "sysmon" and sys.version_info >= (3, 12)

    def coverage_older_than(self, version: Version) -> bool:
        """Whether the coverage.py version is known and older than ``version``."""
        try:
            return Version(self.coverage_version) < version
        except InvalidVersion:
            return False


def _option(cov: coverage.Coverage, name: str) -> object:
    try:
        return cov.get_option(name)
    except CoverageException:  # an option this coverage.py release does not know
        return None


def _str_tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
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
        except CoverageException as exc:
            raise CheckError(f"coverage.py cannot use the settings: {exc}") from None
        except OSError as exc:
            raise CheckError(f"cannot read the coverage settings: {exc}") from None
    read = cov.config.config_file
    core = _option(cov, "run:core")  # 7.9+; None before, or when not set
    return Settings(
        config_file=read,
        concurrency=_str_tuple(_option(cov, "run:concurrency")),
        patch=_str_tuple(_option(cov, "run:patch")),
        parallel=bool(_option(cov, "run:parallel")),
        sigterm=bool(_option(cov, "run:sigterm")),
        core=str(core) if core else None,
        coverage_version=coverage.__version__,
        warnings=tuple(str(w.message) for w in caught),
    )


# --------------------------------------------------------------------------- code analysis

_EXEC = frozenset(
    f"os.{name}"
    for name in ("execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe")
)
#: exec functions that take an environment: the ``execv`` patch adds coverage's
#: configuration to it, so the new program is measured too.
_EXEC_WITH_ENV = frozenset({"os.execle", "os.execlpe", "os.execve", "os.execvpe"})
_SPAWN_CHILD = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.popen",
        "os.posix_spawn",
        "os.posix_spawnp",
        *(
            f"os.{name}"
            for name in (
                *("spawnl", "spawnle", "spawnlp", "spawnlpe"),
                *("spawnv", "spawnve", "spawnvp", "spawnvpe"),
            )
        ),
    }
)
#: Modules whose ``Pool``/``Process`` are threads, or are not multiprocessing at all.
_NOT_PROCESSES = ("multiprocessing.dummy.", "psutil.", "concurrent.")
_IGNORE = re.compile(r"#\s*mpcov:\s*ignore(?:\[(?P<ids>[A-Za-z0-9_,\s]*)\])?")


def _suppressions(source: str) -> dict[int, frozenset[str] | None]:
    """Line -> rule ids silenced there (``None``: every rule), from comments only."""
    found: dict[int, frozenset[str] | None] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type != tokenize.COMMENT:
                continue
            match = _IGNORE.search(token.string)
            if match is None:
                continue
            ids = match.group("ids")
            found[token.start[0]] = (
                None
                if ids is None
                else frozenset(i.strip().upper() for i in ids.split(",") if i.strip())
            )
    except (tokenize.TokenError, SyntaxError):  # pragma: no cover - ast.parse succeeded
        pass
    return found


class _Analysis(ast.NodeVisitor):
    """Collects what the rules need from one module in a single walk."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        #: Calls of multiprocessing-style constructors, by kind.
        self.pool_calls: list[ast.Call] = []
        self.process_calls: list[ast.Call] = []
        #: Names (dotted) bound to a pool or process, with the binding node.
        self.pools: dict[str, ast.AST] = {}
        self.processes: dict[str, ast.AST] = {}
        #: Pool calls used directly in a with statement or bound to a name.
        self.handled_pool_calls: set[int] = set()
        #: (receiver, method) -> call nodes, for every ``x.method(...)`` call.
        self.method_calls: dict[tuple[str, str], list[ast.Call]] = {}
        #: Names passed to ``close_and_join``.
        self.closed_and_joined: set[str] = set()
        #: Names assigned ``.daemon = True``.
        self.daemon_assignments: dict[str, ast.AST] = {}
        self.with_pools: list[tuple[ast.withitem, ast.AST, str | None, list[ast.stmt]]] = []
        self.calls: list[tuple[str, ast.Call]] = []
        self.embed_imports: list[ast.AST] = []
        self.threads: list[ast.Call] = []
        #: ``__name__ == "__mp_main__"`` tests.
        self.mp_main_tests: list[ast.Compare] = []

    # -- names

    def qualified(self, node: ast.AST) -> str | None:
        """The dotted name of ``node``, import aliases resolved.

        ``mp.Pool`` gives ``multiprocessing.Pool``; a call in the chain shows as ``name()``.
        """
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualified(node.value)
            return None if base is None else f"{base}.{node.attr}"
        if isinstance(node, ast.Call):
            base = self.qualified(node.func)
            return None if base is None else f"{base}()"
        return None

    @staticmethod
    def target(node: ast.AST) -> str | None:
        """The dotted name a value is bound to (``pool``, ``self.pool``), unresolved."""
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            base = _Analysis.target(node.value)
            return None if base is None else f"{base}.{node.attr}"
        return None

    def kind(self, node: ast.AST) -> str | None:
        """``"pool"`` or ``"process"`` when ``node`` constructs one, else ``None``."""
        if not isinstance(node, ast.Call):
            return None
        name = self.qualified(node.func)
        if name is None or name.startswith(_NOT_PROCESSES):
            return None
        last = name.rsplit(".", 1)[-1]
        if last == "Pool":
            return "pool"
        if last == "Process":
            return "process"
        return None

    # -- visitors

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            if alias.name == "pytest_cov.embed" or alias.name.startswith("pytest_cov.embed."):
                self.embed_imports.append(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
        if node.level == 0 and (
            module == "pytest_cov.embed"
            or module.startswith("pytest_cov.embed.")
            or (module == "pytest_cov" and any(a.name == "embed" for a in node.names))
        ):
            self.embed_imports.append(node)

    def _bind(self, targets: Iterable[ast.AST], value: ast.AST | None) -> None:
        if value is None:
            return
        kind = self.kind(value)
        if kind is None:
            return
        for target in targets:
            name = self.target(target)
            if name is None:
                continue
            (self.pools if kind == "pool" else self.processes)[name] = value
            self.handled_pool_calls.add(id(value))

    def visit_Assign(self, node: ast.Assign) -> None:
        self._bind(node.targets, node.value)
        if (
            isinstance(node.value, ast.Constant)
            and node.value.value is True
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Attribute)
            and node.targets[0].attr == "daemon"
        ):
            owner = self.target(node.targets[0].value)
            if owner is not None:
                self.daemon_assignments[owner] = node
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._bind([node.target], node.value)
        self.generic_visit(node)

    def _visit_with(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if self.kind(item.context_expr) == "pool":
                name = self.target(item.optional_vars) if item.optional_vars else None
                self.with_pools.append((item, item.context_expr, name, node.body))
                self.handled_pool_calls.add(id(item.context_expr))
                if name is not None:
                    self.pools[name] = item.context_expr
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        self._visit_with(node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self._visit_with(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        names = any(isinstance(o, ast.Name) and o.id == "__name__" for o in operands)
        if names and any(
            isinstance(n, ast.Constant) and n.value == "__mp_main__"
            for o in operands
            for n in ast.walk(o)
        ):
            self.mp_main_tests.append(node)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        kind = self.kind(node)
        if kind == "pool":
            self.pool_calls.append(node)
        elif kind == "process":
            self.process_calls.append(node)
        name = self.qualified(node.func)
        if name is not None:
            self.calls.append((name, node))
            if name == "threading.Thread":
                self.threads.append(node)
            if name.rsplit(".", 1)[-1] == "close_and_join" and node.args:
                closed = self.target(node.args[0])
                if closed is not None:
                    self.closed_and_joined.add(closed)
        if isinstance(node.func, ast.Attribute):
            receiver = self.target(node.func.value)
            if receiver is None and isinstance(node.func.value, ast.Call):
                receiver = f"<call@{id(node.func.value)}>"
            if receiver is not None:
                self.method_calls.setdefault((receiver, node.func.attr), []).append(node)
        self.generic_visit(node)


def _uses_sys_executable(call: ast.Call, analysis: _Analysis) -> bool:
    arguments: list[ast.AST] = [*call.args, *(k.value for k in call.keywords)]
    for argument in arguments:
        for node in ast.walk(argument):
            if isinstance(node, (ast.Name, ast.Attribute)) and (
                analysis.qualified(node) == "sys.executable"
            ):
                return True
    return False


def _calls_in(body: Sequence[ast.stmt], receiver: str, method: str) -> bool:
    for statement in body:
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == method
                and _Analysis.target(node.func.value) == receiver
            ):
                return True
    return False


def _close_and_join_in(body: Sequence[ast.stmt], receiver: str) -> bool:
    for statement in body:
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and node.args
                and _Analysis.target(node.args[0]) == receiver
                and (_Analysis.target(node.func) or "").rsplit(".", 1)[-1] == "close_and_join"
            ):
                return True
    return False


class _Collector:
    """Turns rule hits into findings for one file."""

    def __init__(self, path: str, rules: frozenset[str]) -> None:
        self.path = path
        self.rules = rules
        self.findings: list[Finding] = []

    def add(self, rule_id: str, node: ast.AST, detail: str = "") -> None:
        if rule_id not in self.rules:
            return
        rule = RULES[rule_id]
        message = rule.summary if not detail else f"{rule.summary}; {detail}"
        self.findings.append(
            Finding(
                rule=rule_id,
                path=self.path,
                line=getattr(node, "lineno", 1),
                column=getattr(node, "col_offset", 0) + 1,
                message=message,
                fix=rule.fix,
                docs=rule.docs,
            )
        )


def _check_pools(a: _Analysis, out: _Collector, settings: Settings) -> None:
    for item, call, name, body in a.with_pools:
        if name is not None and (
            _close_and_join_in(body, name)
            or (_calls_in(body, name, "close") and _calls_in(body, name, "join"))
        ):
            continue
        detail = "`[run] sigterm = true` does not make this reliable" if settings.sigterm else ""
        out.add("MPC101", call if name is None else item.context_expr, detail)
    with_calls = {id(call) for _, call, _, _ in a.with_pools}
    for name, value in a.pools.items():
        for call in a.method_calls.get((name, "terminate"), []):
            out.add("MPC102", call)
        if id(value) in with_calls:
            continue
        closed = name in a.closed_and_joined or (
            (name, "close") in a.method_calls and (name, "join") in a.method_calls
        )
        if not closed and (name, "terminate") not in a.method_calls:
            out.add("MPC106", value)
    # A pool used without ever being bound to a name: `Pool(4).map(...)`.
    for call in a.pool_calls:
        if id(call) not in a.handled_pool_calls and any(
            receiver == f"<call@{id(call)}>" for receiver, _ in a.method_calls
        ):
            out.add("MPC106", call, "the pool is never bound to a name, so nothing closes it")


def _check_processes(a: _Analysis, out: _Collector, settings: Settings) -> None:
    for name in a.processes:
        for call in a.method_calls.get((name, "kill"), []):
            out.add("MPC104", call)
        if not settings.sigterm:
            for call in a.method_calls.get((name, "terminate"), []):
                out.add("MPC103", call)
    if settings.sigterm:
        return
    bound = {id(value): name for name, value in a.processes.items()}
    for call in a.process_calls:
        daemon = any(
            k.arg == "daemon" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in call.keywords
        )
        owner = bound.get(id(call))
        if daemon and (owner is None or (owner, "join") not in a.method_calls):
            out.add("MPC105", call)
    for name, node in a.daemon_assignments.items():
        if name in a.processes and (name, "join") not in a.method_calls:
            out.add("MPC105", node)


def _check_exits(a: _Analysis, out: _Collector, settings: Settings) -> None:
    forks = [call for name, call in a.calls if name == "os.fork"]
    for name, call in a.calls:
        if name == "os._exit":
            if "_exit" not in settings.patch:
                out.add("MPC201", call)
            elif forks and not settings.effective_parallel:
                out.add("MPC204", call, "here a forked child's data is erased by its parent")
        elif name in _EXEC:
            python = _uses_sys_executable(call, a)
            if "execv" not in settings.patch:
                out.add("MPC202", call)
            elif python and name in _EXEC_WITH_ENV and not settings.effective_parallel:
                out.add(
                    "MPC204",
                    call,
                    "here the new program, measured through the environment that the execv "
                    "patch extends, erases what ran before the exec",
                )
            if python and not {"subprocess", "execv"} & set(settings.patch):
                out.add("MPC203", call)
        elif (
            name in _SPAWN_CHILD
            and _uses_sys_executable(call, a)
            and "subprocess" not in settings.patch
        ):
            out.add("MPC203", call)
    if (
        "fork" in settings.patch
        and "subprocess" not in settings.patch
        and settings.coverage_older_than(_FORK_PATCH_FIXED)
    ):
        for call in forks:
            out.add("MPC205", call, f"installed: coverage.py {settings.coverage_version}")


def _check_multiprocessing_settings(a: _Analysis, out: _Collector, settings: Settings) -> None:
    uses_multiprocessing = bool(a.pool_calls or a.process_calls)
    patch, concurrency = set(settings.patch), set(settings.concurrency)
    if "subprocess" in patch and "_exit" not in patch and "multiprocessing" not in concurrency:
        for call in sorted(a.pool_calls + a.process_calls, key=lambda c: (c.lineno, c.col_offset)):
            out.add("MPC206", call)
    if not ({"subprocess", "_exit"} <= patch and "multiprocessing" not in concurrency):
        for test in a.mp_main_tests:
            out.add("MPC207", test)
    if not {"subprocess", "_exit"} <= patch:
        for call in a.pool_calls:
            if (a.qualified(call.func) or "").startswith(("billiard.", "multiprocess.")):
                out.add("MPC209", call)
    if "subprocess" not in patch:
        for name, call in a.calls:
            if name == "joblib.Parallel":
                out.add("MPC209", call)
    if uses_multiprocessing and "multiprocessing" not in concurrency and "subprocess" not in patch:
        for call in sorted(a.pool_calls + a.process_calls, key=lambda c: (c.lineno, c.col_offset)):
            out.add("MPC210", call)
    if uses_multiprocessing and not settings.traces_all_threads:
        for call in a.threads:
            out.add("MPC208", call)


def check_source(
    source: str,
    path: str = "<string>",
    settings: Settings | None = None,
    rules: Iterable[str] | None = None,
) -> list[Finding]:
    """Check one module's source.

    Args:
        source: The Python source.
        path: The name to report findings under.
        settings: The coverage settings; defaults to an empty configuration.
        rules: Rule ids to apply; ``None`` applies all.

    Raises:
        SyntaxError: ``source`` is not valid Python.
    """
    settings = settings if settings is not None else Settings()
    module = ast.parse(source, filename=path)
    analysis = _Analysis()
    analysis.visit(module)
    out = _Collector(path, frozenset(RULES if rules is None else rules))
    _check_pools(analysis, out, settings)
    _check_processes(analysis, out, settings)
    _check_exits(analysis, out, settings)
    _check_multiprocessing_settings(analysis, out, settings)
    for node in analysis.embed_imports:
        out.add("MPC107", node)
    silenced = _suppressions(source)
    kept = []
    for finding in out.findings:
        ids = silenced.get(finding.line, frozenset())
        if ids is None or finding.rule in ids:
            continue
        kept.append(finding)
    # One finding per rule and place (a name can be bound twice to the same call).
    unique = {(f.rule, f.line, f.column): f for f in kept}
    return sorted(unique.values(), key=lambda f: (f.line, f.column, f.rule))


_SKIP_DIRS = frozenset(
    {"__pycache__", "node_modules", "site-packages", "build", "dist", "venv", "env"}
)


def discover_sources(paths: Sequence[Path]) -> list[Path]:
    """Expand directories to the ``*.py`` files below them, skipping hidden and tool dirs.

    Raises:
        CheckError: a path does not exist.
    """
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise CheckError(f"{path}: no such file or directory")
        if path.is_file():
            found.append(path)
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
            found.extend(Path(root) / f for f in sorted(files) if f.endswith(".py"))
    return found


def check_paths(
    paths: Sequence[Path],
    settings: Settings,
    rules: Iterable[str] | None = None,
    problems: list[str] | None = None,
) -> list[Finding]:
    """Check every Python file in ``paths``.

    Files that cannot be read or parsed are skipped with a note appended to
    ``problems``.

    Raises:
        CheckError: a path does not exist.
    """
    selected = frozenset(RULES if rules is None else rules)
    findings: list[Finding] = []
    for path in discover_sources(paths):
        try:
            source = path.read_text(encoding="utf-8")
            findings.extend(check_source(source, str(path), settings, selected))
        except (OSError, UnicodeDecodeError) as exc:
            if problems is not None:
                problems.append(f"{path}: cannot read: {exc}")
        except SyntaxError as exc:
            if problems is not None:
                problems.append(f"{path}:{exc.lineno}: skipped, not valid Python: {exc.msg}")
    return findings


def select_rules(select: str | None, ignore: str | None) -> list[str]:
    """The rule ids left after ``--select`` and ``--ignore``.

    Both take comma-separated ids or prefixes such as ``MPC1``.

    Raises:
        CheckError: an id or prefix matches no rule.
    """

    def expand(spec: str) -> Iterator[str]:
        for part in (p.strip().upper() for p in spec.split(",")):
            if not part:
                continue
            matched = [rule for rule in RULES if rule.startswith(part)]
            if not matched:
                raise CheckError(f"unknown rule {part!r}; known: {', '.join(RULES)}")
            yield from matched

    chosen = set(expand(select)) if select else set(RULES)
    if ignore:
        chosen -= set(expand(ignore))
    return [rule for rule in RULES if rule in chosen]
