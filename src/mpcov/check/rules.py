"""The rule table: every check ``mpcov check`` makes, as data.

Each rule has a stable id (``MPC0xx``: the checker's own housekeeping;
``MPC1xx``: the code pattern itself loses data; ``MPC2xx``: the coverage
settings or the installed coverage.py do not fit what the code does), one
section in ``docs/reference/checks.md``, and is backed by examples in
``examples/`` whose measured outcome shows the loss, or by cited primary
sources. ``scope`` says whether a rule reports each place (``"place"``) or
once per run with a count of the places (``"project"``): a missing setting is
one mistake, however many pools it affects.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Where each rule's section lives; a finding's ``docs`` is this plus ``#<id>``.
DOCS_URL = "https://mpcov.readthedocs.io/en/latest/reference/checks.html"


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
    #: ``"place"``: one finding per place; ``"project"``: one per run, with the places.
    scope: str = "place"

    @property
    def docs(self) -> str:
        """The URL of this rule's docs section."""
        return f"{DOCS_URL}#{self.id.lower()}"


_CHANGES_7_10 = "coverage.py CHANGES.rst, 7.10.0 (2025-07-24)"

_RULE_LIST = (
    Rule(
        id="MPC001",
        title="unused or unknown suppression",
        summary=(
            "this `# mpcov: ignore` comment silences nothing: it names an unknown rule, or no "
            "selected rule reports a finding on its line"
        ),
        fix="remove the comment, or correct the rule ids it names",
        sources=(
            (
                "ruff 0.8 docs, rule RUF100 (unused-noqa): a suppression that suppresses "
                "nothing is itself reported, so stale ones do not pile up"
            ),
        ),
    ),
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
        title="Pool.terminate() before join()",
        summary=(
            "pool.terminate() SIGTERMs workers that may still be saving their coverage "
            "data, even after every result has arrived, unless join() has already waited for them"
        ),
        fix="end the pool with pool.close() then pool.join(); terminate() only after join()",
        examples=("pool_terminate_after_results", "pool_close_terminate"),
        fixed_by=("pool_close_join",),
    ),
    Rule(
        id="MPC103",
        title="SIGTERM to a child without sigterm",
        summary=(
            "process.terminate() or os.kill(pid, SIGTERM) ends a busy child before "
            "coverage.py saves, and `[run] sigterm` is not true"
        ),
        fix=(
            "let the child finish and join() it; if it must be stopped, set "
            "`[run] sigterm = true` (POSIX only) so a busy child saves first"
        ),
        examples=("process_terminate_busy", "process_os_kill_sigterm"),
        fixed_by=("process_terminate_busy_sigterm", "process_start_join"),
        sources=(
            (
                "CPython Lib/multiprocessing/popen_fork.py (3.9-3.13): terminate() is "
                "os.kill(self.pid, signal.SIGTERM), so both forms send the same signal"
            ),
        ),
    ),
    Rule(
        id="MPC104",
        title="SIGKILL to a child",
        summary=(
            "process.kill() or os.kill(pid, SIGKILL) sends SIGKILL, which no handler can "
            "catch: the child's coverage data is always lost, whatever the settings"
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
            'remove the import; for child Pythons set `[run] patch = ["subprocess", "_exit"]` '
            '(coverage.py 7.10+; "_exit" saves in fork and forkserver workers); where the code '
            "called cleanup_on_sigterm() (or cleanup_on_signal(signal.SIGTERM)), set "
            "`[run] sigterm = true` (not on Windows); where it called cleanup() before an "
            'exec, add "execv"'
        ),
        sources=(
            (
                "pytest-cov CHANGELOG.rst, 7.0.0 (2025-09-09): 'Dropped support for "
                "subprocesses measurement ... you might need to enable the subprocess patch'"
            ),
            (
                "pytest-cov commit 863ca1a (released in 7.0.0) deletes src/pytest_cov/embed.py; "
                "in pytest-cov 6.3.0 it holds init(), cleanup(), cleanup_on_signal(signum) and "
                "cleanup_on_sigterm()"
            ),
            (
                "coverage.py 7.17.5 doc/config.rst, [run] sigterm: registers a SIGTERM handler "
                "that saves the data; 'On Windows, this setting has no effect'"
            ),
        ),
    ),
    Rule(
        id="MPC108",
        title="daemon thread in a child never joined",
        summary=(
            "a daemon thread started in a child process is abandoned when the child's target "
            "returns: the child saves and exits while the thread still runs"
        ),
        fix="join the thread before the target returns, or start it without daemon=True",
        examples=("process_daemon_thread_not_joined",),
        fixed_by=("process_thread_not_joined",),
    ),
    Rule(
        id="MPC109",
        title="joblib or loky task sent by value",
        summary=(
            "cloudpickle sends this task to loky's workers by value, and from cloudpickle 3.1.3 "
            "rebuilds such code with the file name `<dynamic-code>`, which coverage.py never "
            "measures: the lines it runs only in workers are lost, whatever the settings"
        ),
        fix=(
            "define the task as a top-level function of a module the workers can import, and "
            "import it from there (a functools.partial of such a function is fine)"
        ),
        examples=("joblib_loky_patch_subprocess",),
        fixed_by=("joblib_loky_task_in_module",),
        sources=(
            (
                "cloudpickle 3.1.3 cloudpickle.py: _lookup_module_and_qualname finds no "
                "importable name for a function of __main__, a nested function or a lambda, "
                "so it is pickled by value; _code_reduce sets its co_filename to "
                "'<dynamic-code>'"
            ),
            (
                "coverage.py 7.17.5 coverage/inorout.py, InOrOut.should_trace: a file name "
                "starting with '<' is 'not real' and never traced"
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
        fixed_by=("fork_exit_patch_exit",),
        sources=(f"{_CHANGES_7_10}: `patch = _exit`",),
    ),
    Rule(
        id="MPC202",
        title="os.exec*() without patch execv",
        summary=(
            "os.exec*() replaces the program without running atexit handlers, so coverage.py "
            'never saves what ran before it, and `[run] patch` does not contain "execv"'
        ),
        fix='set `[run] patch = ["execv"]` and `parallel = true` (coverage.py 7.10+, not on Windows)',
        examples=("exec_without_patch",),
        fixed_by=("exec_patch_execv", "exec_patch_execv_subprocess"),
        sources=(f"{_CHANGES_7_10}: `patch = execv`",),
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
        sources=(f"{_CHANGES_7_10}: `patch = subprocess`",),
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
        title="patch fork restarts coverage.py inside os.fork()",
        summary=(
            '`patch = ["fork"]` stops the measurement in a forked child and starts a new '
            "coverage.py inside os.fork(), which does not measure the function that forked; "
            'before coverage.py 7.17.3, without "subprocess", it starts none (issue 2340)'
        ),
        fix=(
            'leave "fork" out of `[run] patch` and keep "_exit" with `parallel = true`: the '
            "child then carries on with the parent's tracer (7.17.3 and later measure what "
            "the child calls after the fork, but still not the forking function's own lines)"
        ),
        examples=("fork_patch_fork_exit",),
        fixed_by=("fork_exit_patch_exit",),
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
        scope="project",
    ),
    Rule(
        id="MPC207",
        title="__mp_main__ code",
        summary=(
            "code that runs while a spawn or forkserver child re-imports the main script as "
            '__mp_main__ is measured only with `patch = ["subprocess", "_exit"]` and without '
            '`concurrency = ["multiprocessing"]`, whose own Coverage starts after the import '
            "(on CPython 3.13.8+ and 3.14.1+ the fork server imports a script run by its path "
            'once, its forkserver children import nothing, and `patch = ["subprocess"]` '
            "measures that import in the server, read from source)"
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
        sources=(
            (
                "CPython gh-126631 (PR 135295; backported to 3.13 by PR 138609, merged "
                "2025-09-08, and to 3.14 by PR 138607): Lib/multiprocessing/forkserver.py "
                "ensure_running() passes spawn's init_main_from_path to the fork server as "
                "main_path, which imports __main__ before forking; spawn.py "
                "_fixup_main_from_path() then skips the import in a child whose __main__ "
                "already has that file"
            ),
        ),
    ),
    Rule(
        id="MPC208",
        title="threads without concurrency thread",
        summary=(
            'naming `concurrency = ["multiprocessing"]` replaces the default "thread", so with '
            "the ctrace and pytrace cores lines run by threads are not traced, in children and "
            "in the main process alike"
        ),
        fix=(
            'set `concurrency = ["multiprocessing", "thread"]`, or `core = "sysmon"` '
            "(Python 3.12+, coverage.py 7.9+), which coverage.py replaces with another core "
            "when `timid`, `dynamic_context` or gevent, eventlet or greenlet concurrency is "
            "set, and on Python 3.12 and 3.13 with `branch = true` (7.11.1 and 7.11.2 stop "
            "with an error instead)"
        ),
        examples=(
            "process_threads_multiprocessing",
            "celery_test_worker_concurrency_multiprocessing",
            "process_threads_sysmon_branch",
        ),
        fixed_by=(
            "process_threads_multiprocessing_thread",
            "process_threads_sysmon",
            "celery_test_worker_thread",
        ),
        sources=(
            (
                "coverage.py 7.17.5 coverage/core.py, Core.__init__: sysmon is not used with "
                "timid (pytrace), dynamic contexts, gevent, eventlet or greenlet concurrency, or "
                "branch measurement before Python 3.14; ctrace is used instead"
            ),
        ),
        scope="project",
    ),
    Rule(
        id="MPC209",
        title="third-party pool without the patches it needs",
        summary=(
            "these workers are not standard-library multiprocessing children, so "
            '`concurrency = ["multiprocessing"]` does not reach them'
        ),
        fix=(
            'billiard and multiprocess (pathos): set `[run] patch = ["subprocess", "_exit"]`; '
            'joblib and loky: set `patch = ["subprocess"]`, call '
            "get_reusable_executor().shutdown(wait=True) before the report (coverage.py 7.10+), "
            "and make each task a top-level function of an importable module (MPC109)"
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
            "joblib_loky_task_in_module",
        ),
        scope="project",
    ),
    Rule(
        id="MPC210",
        title="multiprocessing without settings that reach children",
        summary=(
            "coverage.py measures only the process it started unless told otherwise: "
            'without `concurrency = ["multiprocessing"]` or `patch = ["subprocess"]`, '
            "no pool worker, executor worker or child process is measured (with "
            '`patch = ["_exit"]`, fork workers alone)'
        ),
        fix='set `[run] concurrency = ["multiprocessing"]` in the configuration file',
        examples=(
            "pytest_cov_pool_without_config",
            "pytest_xdist_pool_without_config",
            "executor_without_settings",
        ),
        fixed_by=(
            "pytest_cov_pool_concurrency",
            "pytest_xdist_pool_concurrency",
            "executor_with_block",
        ),
        sources=(
            (
                "CPython Lib/concurrent/futures/process.py (3.9-3.13): ProcessPoolExecutor "
                "starts its workers with multiprocessing's Process class (ctx.Process), the "
                "class coverage.py's multiprocessing support patches (coverage/multiproc.py)"
            ),
        ),
        scope="project",
    ),
    Rule(
        id="MPC211",
        title="os.fork() without parallel",
        summary=(
            "a forked child that exits normally saves to the same `.coverage` file as its "
            "parent, and whichever saves later erases the other's data, because "
            "`[run] parallel` is not true"
        ),
        fix="set `[run] parallel = true` and combine the data files before reporting",
        examples=("prefork_server_sigterm_only",),
        fixed_by=("prefork_server_parallel",),
        sources=(
            (
                "coverage.py 7.17.3 doc/commands/cmd_run.rst: 'If you are measuring coverage in "
                "a multi-process program, or across a number of machines, you'll want the "
                "--parallel-mode switch to keep the data separate during measurement'; "
                "doc/config.rst, [run] parallel: 'Append the machine name, process id and "
                "random number to the data file name'"
            ),
            (
                "coverage.py 7.17.3 coverage/sqldata.py: without a suffix every process uses "
                "the one file name (_choose_filename), and CoverageData._start_using() calls "
                "erase(), which deletes that file, before a process first writes to it"
            ),
        ),
    ),
    Rule(
        id="MPC212",
        title="Python child with an environment without coverage's variables",
        summary=(
            '`patch = ["subprocess"]` reaches a new interpreter through COVERAGE_* '
            "environment variables, and this `env=` replaces the environment without them"
        ),
        fix="build the child's environment from os.environ: env={**os.environ, ...}",
        examples=("subprocess_env_allowlist",),
        fixed_by=("subprocess_env_from_environ",),
        sources=(
            (
                "coverage.py coverage/patch.py (7.10.3+): the subprocess patch exports "
                "COVERAGE_PROCESS_CONFIG (COVERAGE_PROCESS_START, a file's path, in 7.10.0 to "
                "7.10.2), which the start-up .pth file (a1_coverage.pth from 7.13) reads in "
                "the child; a child without it starts no coverage"
            ),
        ),
    ),
    Rule(
        id="MPC213",
        title="run options on the command line with multiprocessing",
        summary=(
            "this command line gives coverage.py options that it refuses with multiprocessing, "
            "or that reach the parent and not the children"
        ),
        fix=(
            "put the options in the configuration file (`branch = true`, "
            '`concurrency = ["multiprocessing"]`), where every child reads them'
        ),
        examples=(
            "cmdline_branch_with_concurrency_in_config",
            "cmdline_concurrency_with_branch_refused",
            "cmdline_concurrency_without_config_file",
            "pytest_cov_branch_with_concurrency",
        ),
        fixed_by=("cmdline_concurrency_multiprocessing", "pytest_cov_branch_in_config"),
    ),
)

#: Every rule, by id.
RULES: dict[str, Rule] = {rule.id: rule for rule in _RULE_LIST}
