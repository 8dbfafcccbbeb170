"""Tests of ``mpcov check``: each rule, suppression, settings, the CLI, and the catalogue."""

from __future__ import annotations

import os
import re
import sys
import textwrap
from pathlib import Path

import pytest

from mpcov.check import (
    RULES,
    CheckConfig,
    CheckError,
    Finding,
    Measured,
    Report,
    Settings,
    check_files,
    check_paths,
    check_source,
    cmdline,
    find_config,
    read_config,
    read_settings,
    select_rules,
)
from mpcov.check.discovery import discover as discover_files
from mpcov.check.libraries import FAMILY_FIX as LIBRARY_FIX
from mpcov.engine import Environment, skip_reason
from mpcov.header import Example, discover, parse

ROOT = Path(__file__).parent.parent
EXAMPLES_DIR = ROOT / "examples"
CHECKS_DOC = ROOT / "docs" / "reference" / "checks.md"


@pytest.fixture(autouse=True)
def _no_coverage_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep our own coverage run's ``COVERAGE_*`` variables out of the settings read here."""
    for name in [n for n in os.environ if n.startswith("COVERAGE_")]:
        monkeypatch.delenv(name)


def _rules(source: str, settings: Settings | None = None) -> list[str]:
    return [f.rule for f in check_source(textwrap.dedent(source), "t.py", settings)]


def _places(source: str, settings: Settings | None = None) -> list[tuple[str, int]]:
    return [(f.rule, f.line) for f in check_source(textwrap.dedent(source), "t.py", settings)]


MP = Settings(concurrency=("multiprocessing",))


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _found(report: Report, root: Path) -> list[tuple[str, str, int]]:
    return [(f.rule, Path(f.path).relative_to(root).as_posix(), f.line) for f in report.findings]


def test_rules_table_is_data() -> None:
    """Each rule has an id, a title, a summary, a fix and a scope the runner knows."""
    for rule_id, rule in RULES.items():
        assert rule_id == rule.id
        assert rule.scope in ("place", "project"), rule_id
        assert rule.title, rule_id
        assert rule.summary, rule_id
        assert rule.fix, rule_id


def test_scopes_keep_names_apart() -> None:
    """A ``proc`` that is a Process in one function is not the ``proc`` of another."""
    source = """
    import multiprocessing, subprocess
    def one():
        proc = multiprocessing.Process(target=work)
        proc.start()
        proc.join()
    def two():
        proc = subprocess.Popen(["ls"])
        proc.terminate()
        proc.kill()
    """
    assert [] == _places(source, MP)


def test_pool_terminate_is_one_finding() -> None:
    """A pool's terminate() is MPC102 only, never also MPC103."""
    source = """
    import multiprocessing
    pool = multiprocessing.Pool(2)
    pool.terminate()
    """
    assert [("MPC102", 4)] == _places(source, MP)


def test_self_attribute_closed_in_another_method() -> None:
    """``self.pool`` created in ``__init__`` and closed and joined in ``stop()`` is fine."""
    source = """
    import multiprocessing
    class Runner:
        def __init__(self):
            self.pool = multiprocessing.Pool(2)
        def stop(self):
            self.pool.close()
            self.pool.join()
    """
    assert [] == _places(source, MP)


def test_mock_patched_pool_is_not_a_pool() -> None:
    """A pool made while ``multiprocessing.Pool`` is patched by ``mock.patch`` is a mock."""
    source = """
    import multiprocessing
    from unittest import mock
    def test_pool():
        with mock.patch("multiprocessing.Pool"):
            pool = multiprocessing.Pool(2)
            pool.map(print, [1])
    @mock.patch("multiprocessing.Process")
    def test_process(process):
        p = multiprocessing.Process(target=work, daemon=True)
        p.start()
    """
    assert [] == _places(source, Settings())


def test_builtin_tasks_run_no_measured_code() -> None:
    """A pool whose only task is a builtin runs none of the project's code in its workers."""
    source = """
    import multiprocessing
    pool = multiprocessing.Pool(2)
    print(pool.map(abs, [-1]))
    """
    assert [] == _places(source, Settings())


def test_joblib_delayed_builtin_runs_no_measured_code() -> None:
    """The task in ``delayed(task)`` counts: a joblib pool running only a builtin is no MPC209."""
    source = """
    from joblib import Parallel, delayed
    print(Parallel(n_jobs=2)(delayed(abs)(i) for i in range(2)))
    print(Parallel(n_jobs=2)(delayed(work)(i) for i in range(2)))
    """
    assert [("MPC209", 4)] == _places(source, MP)


def test_pragma_no_cover_lines_are_left_out(tmp_path: Path) -> None:
    """Lines (and blocks) coverage excludes from measurement give no finding."""
    _write(tmp_path, "pyproject.toml", "[tool.coverage.run]\nbranch = true\n")
    bad = _write(
        tmp_path,
        "m.py",
        """
        import os
        def reexec():  # pragma: no cover
            os.execv("/bin/true", ["true"])
        os._exit(0)  # pragma: no cover
        os._exit(1)
        """,
    )
    settings = read_settings(tmp_path / "pyproject.toml")
    report = check_files([bad], settings)
    assert [("MPC201", "m.py", 6)] == _found(report, tmp_path)


def test_project_sigterm_handler_silences_mpc103(tmp_path: Path) -> None:
    """A project that installs its own SIGTERM handler may end children cleanly: no MPC103."""
    _write(tmp_path, "server.py", "import signal\nsignal.signal(signal.SIGTERM, print)\n")
    run = _write(
        tmp_path,
        "run.py",
        """
        import multiprocessing
        p = multiprocessing.Process(target=work)
        p.start()
        p.terminate()
        p.kill()
        """,
    )
    report = check_files([tmp_path], MP)
    assert [("MPC104", "run.py", 6)] == _found(report, tmp_path)
    assert [("MPC103", "run.py", 5), ("MPC104", "run.py", 6)] == _found(
        check_files([run], MP), tmp_path
    )


def test_subclass_from_another_module_with_safe_exit(tmp_path: Path) -> None:
    """A Pool subclass imported from another module is flagged only if it keeps Pool's exit.

    One whose ``__exit__`` closes and joins is fine.
    """
    _write(tmp_path, "pkg/__init__.py", "")
    _write(
        tmp_path,
        "pkg/pools.py",
        """
        import multiprocessing.pool
        class SafePool(multiprocessing.pool.Pool):
            def __exit__(self, *exc):
                self.close()
                self.join()
        class PlainPool(multiprocessing.pool.Pool):
            pass
        """,
    )
    _write(
        tmp_path,
        "pkg/use.py",
        """
        from pkg.pools import PlainPool, SafePool
        from . import pools
        def work(x):
            return x
        def run():
            with SafePool(2) as pool:
                pool.map(work, [1])
            with pools.PlainPool(2) as pool:
                pool.map(work, [1])
        """,
    )
    report = check_files([tmp_path], MP)
    assert [("MPC101", "pkg/use.py", 9)] == _found(report, tmp_path)


def test_mpc210_spares_literal_fork_workers_that_the_exit_patch_saves() -> None:
    """With patch _exit and parallel, only workers of an explicit fork context are saved."""
    source = """
    import multiprocessing
    from mpire import WorkerPool
    def run(work):
        forked = multiprocessing.get_context("fork").Process(target=work)
        default = multiprocessing.Process(target=work)
        with WorkerPool(n_jobs=2, start_method="fork") as pool:
            pool.map(work, [1])
        spawned = multiprocessing.get_context("spawn").Process(target=work)
    """
    exit_patch = Settings(patch=("_exit",), parallel=True)
    assert [("MPC210", 6)] == _places(source, exit_patch)
    (finding,) = check_source(textwrap.dedent(source), "t.py", exit_patch)
    assert 2 == len(finding.places)
    no_parallel = Settings(patch=("_exit",))
    (finding,) = check_source(textwrap.dedent(source), "t.py", no_parallel)
    assert ("MPC210", 5, 4) == (finding.rule, finding.line, len(finding.places))


def test_project_rule_reported_once_with_places(tmp_path: Path) -> None:
    """MPC210 is one finding for the whole run, at the first place, counting every place."""
    for name in ("a.py", "b.py"):
        _write(
            tmp_path,
            name,
            """
            import multiprocessing
            def run(work):
                with multiprocessing.get_context("spawn").Pool(2) as pool:
                    pool.map(work, [1])
                    pool.close()
                    pool.join()
                p = multiprocessing.Process(target=work)
                p.start()
                p.join()
            """,
        )
    (finding,) = check_files([tmp_path], Settings()).findings
    assert ("MPC210", str(tmp_path / "a.py"), 4) == (finding.rule, finding.path, finding.line)
    assert 4 == len(finding.places)
    assert "(4 places; also " in finding.message


def test_project_rule_place_can_be_suppressed(tmp_path: Path) -> None:
    """Suppressing one place of a project rule moves the finding to the next place."""
    _write(
        tmp_path,
        "a.py",
        """
        import multiprocessing
        p = multiprocessing.Process(target=work)  # mpcov: ignore[MPC210]
        p.start()
        p.join()
        q = multiprocessing.Process(target=work)
        q.start()
        q.join()
        """,
    )
    report = check_files([tmp_path], Settings())
    assert [("MPC210", "a.py", 6)] == _found(report, tmp_path)


def test_unmeasured_file_with_local_tasks_is_left_out(tmp_path: Path) -> None:
    """A pool in a file coverage omits, running only that file's functions, loses nothing."""
    _write(tmp_path, ".coveragerc", "[run]\nsource = src\nomit = tools/*\n")
    _write(tmp_path, "src/app.py", "def task(x):\n    return x\n")
    _write(
        tmp_path,
        "tools/bench.py",
        """
        import multiprocessing
        from app import task
        def local(x):
            return x
        with multiprocessing.Pool(2) as pool:
            pool.map(local, [1])
        with multiprocessing.Pool(2) as pool:
            pool.map(task, [1])
        """,
    )
    settings = read_settings(tmp_path / ".coveragerc")
    measured = Measured(settings, tmp_path)
    report = check_files([tmp_path], settings, measured=measured)
    assert [("MPC101", "tools/bench.py", 8), ("MPC210", "tools/bench.py", 8)] == _found(
        report, tmp_path
    )
    assert 1 == report.unmeasured


def test_measured_follows_coverage_source_and_omit(tmp_path: Path) -> None:
    """``[run] source``/``source_pkgs``/``omit`` decide which files coverage measures."""
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    settings = Settings(source=("src",), source_pkgs=("other",), omit=("src/pkg/skip.py",))
    measured = Measured(settings, tmp_path)
    assert [True, False, True, False] == [
        measured(tmp_path / "src" / "pkg" / "m.py"),
        measured(tmp_path / "src" / "pkg" / "skip.py"),
        measured(tmp_path / "lib" / "other" / "x.py"),
        measured(tmp_path / "tests" / "test_m.py"),
    ]


def test_command_line_settings_reach_mpc210(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``coverage run --concurrency=multiprocessing`` in tox.ini counts as that setting."""
    _write(
        tmp_path,
        "tox.ini",
        "[testenv]\ncommands =\n    coverage run \\\n        --concurrency=multiprocessing -m pytest\n",
    )
    found = cmdline.scan(tmp_path)
    assert (["multiprocessing"], ["tox.ini:4: concurrency=multiprocessing"], ["tox.ini"]) == (
        found.concurrency,
        found.places,
        found.read,
    )
    settings = Settings(config_file="tox.ini").with_command_line(found)
    assert [] == _places("import multiprocessing\nmultiprocessing.Process(target=work)\n", settings)


@pytest.mark.parametrize(
    ("command", "config_file", "detail"),
    [
        (
            "coverage run --concurrency=multiprocessing -m pytest",
            None,
            "--concurrency=multiprocessing without a configuration file",
        ),
        (
            "coverage run --concurrency=multiprocessing --include=src/* -m pytest",
            "pyproject.toml",
            "--concurrency=multiprocessing with --include: coverage.py stops",
        ),
        ("pytest --cov --cov-branch", "pyproject.toml", "--cov-branch reaches the parent only"),
        ("coverage run --concurrency=multiprocessing -m pytest", "pyproject.toml", None),
    ],
)
def test_mpc213_command_line_options(
    command: str, config_file: str | None, detail: str | None
) -> None:
    """Command lines coverage.py refuses, or whose options the children never see, are MPC213."""
    found = cmdline.parse_command(command.split(), "tox.ini", line=7)
    settings = Settings(config_file=config_file, concurrency=("multiprocessing",))
    hits = cmdline.check(found, settings, starts_workers=True)
    assert ([] if detail is None else [("MPC213", "tox.ini", 7)]) == [
        (h.rule, h.path, h.line) for h in hits
    ]
    if detail is not None:
        assert hits[0].detail.startswith(detail)


def test_command_line_scan_reads_noxfile_and_workflows(tmp_path: Path) -> None:
    """Options split over a ``session.run(...)`` call and in workflow files are found."""
    _write(
        tmp_path,
        "noxfile.py",
        """
        def tests(session):
            session.run(
                "coverage", "run", "--parallel-mode",
                "--rcfile", "ci/coveragerc", "-m", "pytest",
            )
        """,
    )
    _write(tmp_path, ".github/workflows/ci.yml", "env:\n  COVERAGE_RCFILE: ci/other.ini\n")
    found = cmdline.scan(tmp_path)
    assert (True, ["ci/coveragerc", "ci/other.ini"]) == (found.parallel, found.rcfiles)


def test_signal_after_grace_period_is_not_flagged() -> None:
    """``join(timeout)``, then ``terminate()``/SIGKILL only if still alive: only a hung child loses."""
    source = """
    import multiprocessing, os, signal
    p = multiprocessing.Process(target=work)
    p.start()
    p.join(timeout=5)
    if p.is_alive():
        p.terminate()
        os.kill(p.pid, signal.SIGKILL)
    q = multiprocessing.Process(target=work)
    q.start()
    q.join(timeout=5)
    q.terminate()
    """
    assert [("MPC103", 12)] == _places(source, MP)


def test_pool_handed_to_other_code_is_not_flagged() -> None:
    """A pool stored on another object (``mock.return_value = pool``) is that code's to end."""
    source = """
    import multiprocessing
    def test(mocked):
        real = multiprocessing.Pool(1)
        mocked.return_value = real
    """
    assert [] == _places(source, MP)


def test_class_attribute_context_process() -> None:
    """``Process = staticmethod(ctx.Process)`` in a class makes ``self.Process(...)`` that kind."""
    source = """
    from loky.backend import get_context
    ctx = get_context("loky")
    class TestBackend:
        Process = staticmethod(ctx.Process)
        def test(self):
            p = self.Process(target=work)
            p.start()
            p.join()
    """
    (finding,) = check_source(textwrap.dedent(source), "t.py", MP)
    assert ("MPC209", 7, LIBRARY_FIX["loky"]) == (finding.rule, finding.line, finding.fix)


def test_coverage_process_start_measures_new_pythons(tmp_path: Path) -> None:
    """``COVERAGE_PROCESS_START`` set for the tests measures Python children (not a typo of it)."""
    _write(tmp_path, "scripts/test", "export COVERAGE_PROCESS_START=$(pwd)/pyproject.toml\n")
    _write(tmp_path, "tox.toml", 'set_env.COVERAGE_FILECOVERAGE_PROCESS_START = "x"\n')
    found = cmdline.scan(tmp_path)
    assert (True, ["scripts/test:1: COVERAGE_PROCESS_START"]) == (found.process_start, found.places)
    source = """
    import multiprocessing, subprocess, sys
    subprocess.run([sys.executable, "-m", "app"])
    spawned = multiprocessing.get_context("spawn").Process(target=work)
    forked = multiprocessing.get_context("fork").Process(target=work)
    """
    assert [("MPC203", 3), ("MPC210", 4)] == _places(source, Settings())
    assert [("MPC206", 5)] == _places(source, Settings().with_command_line(found))


def test_report_omit_counts_as_unmeasured(tmp_path: Path) -> None:
    """Code ``[report] omit`` leaves out of every report is not measured code either."""
    rc = _write(tmp_path, ".coveragerc", "[report]\nomit =\n    tools/*\n")
    settings = read_settings(rc)
    assert ("tools/*",) == settings.omit
    assert [False, True] == [
        Measured(settings, tmp_path)(tmp_path / "tools" / "t.py"),
        Measured(settings, tmp_path)(tmp_path / "src" / "s.py"),
    ]


def test_select_rules_expands_prefixes_and_ignores() -> None:
    """``--select MPC1 --ignore MPC104`` keeps the code rules except MPC104."""
    expected = [r for r in RULES if r.startswith("MPC1") and r != "MPC104"]
    assert expected == select_rules("MPC1", "mpc104")


@pytest.mark.parametrize(
    ("select", "ignore", "message"),
    [
        ("MPC999", None, "--select: unknown rule 'MPC999'"),
        (",", None, "--select: no rule id given"),
        (None, " , ", "--ignore: no rule id given"),
    ],
)
def test_select_rules_rejects_bad_specs(
    select: str | None, ignore: str | None, message: str
) -> None:
    """An id that matches no rule, or an empty list, is a usage error."""
    with pytest.raises(CheckError) as exc:
        select_rules(select, ignore)
    assert str(exc.value).startswith(message)


def test_finding_carries_fix_and_docs_anchor() -> None:
    """A finding names its rule, place, fix and docs section."""
    (finding,) = check_source("import os\nos._exit(0)\n", "f.py", Settings())
    assert (
        Finding(
            rule="MPC201",
            path="f.py",
            line=2,
            column=1,
            message=RULES["MPC201"].summary,
            fix=RULES["MPC201"].fix,
            docs="https://mpcov.readthedocs.io/en/latest/reference/checks.html#mpc201",
        )
        == finding
    )


def test_mpc209_fix_names_the_library() -> None:
    """Each library's MPC209 finding carries the fix that works for that library."""
    source = """
    import billiard, joblib
    billiard.Pool(2).map(f, [1])
    joblib.Parallel(n_jobs=2)(f for f in [])
    """
    fixes = {
        f.message.split("; ")[-1]: f.fix
        for f in check_source(textwrap.dedent(source), "t.py", MP)
        if f.rule == "MPC209"
    }
    assert {
        "billiard workers need both patches": LIBRARY_FIX["billiard"],
        "joblib (loky) workers are fresh interpreters": LIBRARY_FIX["joblib"],
    } == fixes


def test_mpc203_follows_code_held_in_a_name() -> None:
    """``python -c CODE`` with CODE built from a constant: flagged only if it names the project."""
    source = """
    import subprocess, sys, textwrap
    def tool():
        code = textwrap.dedent("import json; print(json.dumps(1))")
        subprocess.run([sys.executable, "-c", code])
    def project():
        code = textwrap.dedent("import t; t.main()")
        subprocess.run([sys.executable, "-c", code])
    """
    assert [("MPC203", 8)] == _places(source, Settings())


def test_mpc203_execv_patch_measures_only_the_e_variants() -> None:
    """The execv patch hands coverage's configuration only to exec*e (7.13+): os.execv is MPC203."""
    source = """
    import os, sys
    def plain():
        os.execv(sys.executable, [sys.executable, "-m", "t"])
    def with_env(env):
        os.execve(sys.executable, [sys.executable, "-m", "t"], env)
    """
    execv = Settings(patch=("execv",), parallel=True, coverage_version="7.17.5")
    assert [("MPC203", 4)] == _places(source, execv)
    older = Settings(patch=("execv",), parallel=True, coverage_version="7.12.1")
    assert [("MPC203", 4), ("MPC203", 6)] == _places(source, older)
    assert [] == _places(source, Settings(patch=("execv", "subprocess")))


def test_mpc205_unknown_fork_value_before_7_10_4() -> None:
    """coverage.py 7.10.0-7.10.3 does not know ``patch = fork`` and refuses to run at all."""
    source = "import os\nif os.fork() == 0:\n    os._exit(0)\n"
    settings = Settings(patch=("fork", "_exit"), parallel=True, coverage_version="7.10.3")
    (finding,) = check_source(source, "t.py", settings)
    assert "MPC205" == finding.rule
    assert "refuses" in finding.message
    newer = Settings(patch=("fork", "_exit"), parallel=True, coverage_version="7.10.4")
    (finding,) = check_source(source, "t.py", newer)
    assert "refuses" not in finding.message


_THREADS = """
import multiprocessing, threading
def work():
    threading.Thread(target=print).start()
multiprocessing.Process(target=work).start()
"""


@pytest.mark.parametrize(
    ("changes", "flagged"),
    [
        ({}, False),
        ({"branch": True}, True),
        ({"branch": True, "python_version": (3, 14)}, False),
        ({"dynamic_context": "test_function"}, True),
        ({"concurrency": ("multiprocessing", "gevent")}, True),
        ({"timid": True}, True),
        ({"core": None}, True),
        ({"core": None, "python_version": (3, 14)}, False),
    ],
)
def test_mpc208_sysmon_fallbacks_do_not_trace_threads(
    changes: dict[str, object], flagged: bool
) -> None:
    """The sysmon core traces every thread, unless a setting makes coverage.py use another."""
    base: dict[str, object] = {
        "concurrency": ("multiprocessing",),
        "core": "sysmon",
        "python_version": (3, 12),
    }
    settings = Settings(**{**base, **changes})  # type: ignore[arg-type]
    assert flagged == ("MPC208" in _rules(_THREADS, settings))


def _joblib(cloudpickle: str | None = "3.1.3", **changes: object) -> Settings:
    return Settings(patch=("subprocess",), cloudpickle_version=cloudpickle, **changes)  # type: ignore[arg-type]


def _marked(source: str) -> list[tuple[str, int]]:
    """The lines of ``source`` (dedented) that end with ``# flagged``, as MPC109 places."""
    lines = textwrap.dedent(source).splitlines()
    return [("MPC109", n) for n, line in enumerate(lines, start=1) if line.endswith("# flagged")]


def test_mpc109_joblib_tasks_sent_by_value() -> None:
    """Nested functions and functions of the running script are sent by value and lost."""
    source = """
    import functools
    from joblib import Parallel, delayed
    from loky import get_reusable_executor
    from tasks import double
    def work(x):
        return x
    def run(task=None):
        def inner(x):
            return x
        Parallel(n_jobs=2)(delayed(lambda x: x)(i) for i in range(2))
        Parallel(n_jobs=2)(delayed(inner)(i) for i in range(2))
        Parallel(n_jobs=2)(delayed(functools.partial(inner))(i) for i in range(2))
        get_reusable_executor().submit(inner, 1)
        Parallel(n_jobs=2)(delayed(double)(i) for i in range(2))
        Parallel(n_jobs=2)(delayed(task)(i) for i in range(2))
        Parallel(n_jobs=2, backend="threading")(delayed(inner)(i) for i in range(2))
    def main():
        Parallel(n_jobs=2)(delayed(work)(i) for i in range(2))
    def library():
        Parallel(n_jobs=2)(delayed(work)(i) for i in range(2))
    if __name__ == "__main__":
        main()
        parallel = Parallel(n_jobs=2)
        parallel(delayed(work)(i) for i in range(2))
    """
    found = [(f.rule, f.line) for f in check_source(textwrap.dedent(source), "t.py", _joblib())]
    assert [("MPC109", n) for n in (12, 13, 14, 19, 25)] == found


def test_mpc109_needs_cloudpickle_3_1_3() -> None:
    """With cloudpickle before 3.1.3 a task keeps its file name; none found: no guess."""
    source = """
    from joblib import Parallel, delayed
    def run():
        def inner(x):
            return x
        Parallel(n_jobs=2)(delayed(inner)(i) for i in range(2))
    """
    assert ["MPC109"] == _rules(source, _joblib())
    assert [] == _rules(source, _joblib("3.1.2"))
    assert [] == _rules(source, _joblib(None))


def test_mpc109_lambda_loses_only_a_branch_before_coverage_7_6_2() -> None:
    """A lambda's lines are its statement's; only branches before coverage.py 7.6.2 miss it."""
    source = """
    from joblib import Parallel, delayed
    def run():
        Parallel(n_jobs=2)(delayed(lambda x: x)(i) for i in range(2))
        Parallel(n_jobs=2)(
            delayed(lambda x: (
                x + 1
            ))(i)
            for i in range(2)
        )
    """
    assert [] == _places(source, _joblib(coverage_version="7.17.5"))
    assert [] == _places(source, _joblib(coverage_version="7.6.2", branch=True))
    assert [] == _places(source, _joblib(coverage_version="7.6.1"))
    found = _places(source, _joblib(coverage_version="7.6.1", branch=True))
    assert [("MPC109", 4), ("MPC109", 6)] == found


def test_mpc109_function_also_called_directly_is_not_flagged() -> None:
    """A task function the module also calls as ``name(...)`` has its lines measured there."""
    source = """
    from joblib import Parallel, delayed
    def test_called_after():
        def read(x):
            return x
        Parallel(n_jobs=2)(delayed(read)(i) for i in range(2))
        assert read(0) == 0
    def test_called_by_a_helper():
        def read(x):
            return x
        def check():
            return read(0)
        Parallel(n_jobs=2)(delayed(read)(i) for i in range(2))
    def test_not_called():
        def read(x):
            return x
        Parallel(n_jobs=2)(delayed(read)(i) for i in range(2))  # flagged
    def test_other_binding_called():
        def read(x):
            return x
        def inner():
            def read(x):
                return x
            read(0)
        Parallel(n_jobs=2)(delayed(read)(i) for i in range(2))  # flagged
    def work(x):
        return x
    def rest(x):
        return x
    if __name__ == "__main__":
        work(0)
        Parallel(n_jobs=2)(delayed(work)(i) for i in range(2))
        Parallel(n_jobs=2)(delayed(rest)(i) for i in range(2))  # flagged
    """
    assert _marked(source) == _places(source, _joblib())


def test_mpc109_backend_of_enclosing_joblib_block() -> None:
    """Only loky counts: ``Parallel``'s own backend, else the innermost joblib backend block's."""
    source = """
    import contextlib
    import joblib
    import pytest
    from joblib import Parallel, delayed, parallel_backend
    from joblib import parallel_config as config
    def run(backend, options):
        def work(x):
            return x
        with config(backend="threading"):
            Parallel(n_jobs=2)(delayed(work)(i) for i in range(2))
            Parallel(n_jobs=2, backend="loky")(delayed(work)(i) for i in range(2))  # flagged
            with joblib.parallel_config(n_jobs=2):
                Parallel()(delayed(work)(i) for i in range(2))
        with parallel_backend("loky"):
            Parallel(2)(delayed(work)(i) for i in range(2))  # flagged
            Parallel(2, "threading")(delayed(work)(i) for i in range(2))
        with joblib.parallel_config(backend), Parallel() as parallel:
            parallel(delayed(work)(i) for i in range(2))
        with contextlib.nullcontext():
            Parallel()(delayed(work)(i) for i in range(2))  # flagged
        Parallel(backend=backend)(delayed(work)(i) for i in range(2))
        Parallel(**options)(delayed(work)(i) for i in range(2))
    @pytest.mark.parametrize("context", [config, joblib.parallel_backend])
    def test_context(context):
        def work(x):
            return x
        with context("retrieval"):
            Parallel(n_jobs=2)(delayed(work)(i) for i in range(2))
        with context("loky", inner_max_num_threads=1):
            Parallel(n_jobs=2)(delayed(work)(i) for i in range(2))  # flagged
    @pytest.mark.parametrize("context", [config, contextlib.nullcontext])
    def test_unknown_context(context):
        def work(x):
            return x
        with context("retrieval"):
            Parallel(n_jobs=2)(delayed(work)(i) for i in range(2))  # flagged
    """
    assert _marked(source) == _places(source, _joblib())


def test_mpc109_reads_joblibs_vendored_cloudpickle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A joblib that vendors cloudpickle pickles with its copy, not the installed one."""
    from mpcov.check.settings import installed_cloudpickle

    info = _write(tmp_path, "joblib-1.4.2.dist-info/METADATA", "Name: joblib\nVersion: 1.4.2\n")
    vendored = "joblib/externals/cloudpickle/__init__.py"
    _write(tmp_path, vendored, '__version__ = "3.0.0"\n')
    (info.parent / "RECORD").write_text(f"{vendored},,\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    installed_cloudpickle.cache_clear()
    try:
        assert "3.0.0" == installed_cloudpickle()
    finally:
        installed_cloudpickle.cache_clear()


def test_suppression_in_string_is_not_a_comment() -> None:
    """Text inside a string literal is not a suppression comment."""
    assert ["MPC201"] == _rules("import os\nos._exit(len('# mpcov: ignore'))\n", Settings())


def test_suppression_needs_the_whole_word() -> None:
    """``# mpcov: ignored`` is a comment, not a suppression."""
    assert ["MPC201"] == _rules("import os\nos._exit(0)  # mpcov: ignored for now\n", Settings())


def test_unused_suppression_respects_selection() -> None:
    """A suppression of a rule that did not run is not reported as unused."""
    source = "import os\nos.getpid()  # mpcov: ignore[MPC201]\n"
    assert [("MPC001", 2)] == _places(source, Settings())
    assert [] == [
        (f.rule, f.line)
        for f in check_source(source, "t.py", Settings(), rules=["MPC001", "MPC101"])
    ]


# --------------------------------------------------------------------------- where it looks


def test_discovery_default_excludes_and_test_data(tmp_path: Path) -> None:
    """Examples, docs, hidden and virtualenv folders and test inputs are left out, and said so."""
    for name in (
        "pkg/m.py",
        "examples/e.py",
        "docs/conf.py",
        ".tox/py/m.py",
        "env/lib/m.py",
        "tests/data/input.py",
        "tests/data/test_real.py",
        "tests/test_m.py",
        "build/m.py",
    ):
        _write(tmp_path, name, "x = 1\n")
    _write(tmp_path, "env/pyvenv.cfg", "home = /usr\n")
    found = discover_files([tmp_path], CheckConfig(root=tmp_path))
    assert ["build/m.py", "pkg/m.py", "tests/data/test_real.py", "tests/test_m.py"] == [
        p.relative_to(tmp_path).as_posix() for p in found.files
    ]
    assert [
        ("docs/", "excluded by 'docs'"),
        ("env/", "a virtual environment (pyvenv.cfg)"),
        ("examples/", "excluded by 'examples*'"),
        ("tests/data/input.py", "test data (a folder of inputs below tests/)"),
    ] == [
        (
            Path(s.path).relative_to(tmp_path).as_posix()
            + ("/" if s.path.endswith(os.sep) else ""),
            s.reason,
        )
        for s in found.skipped
    ]


def test_discovery_respects_gitignore(tmp_path: Path) -> None:
    """``.gitignore`` patterns, negations and folder patterns leave files out."""
    _write(tmp_path, ".gitignore", "build/\n*_gen.py\n!keep_gen.py\n/top.py\n")
    for name in ("build/m.py", "a_gen.py", "keep_gen.py", "top.py", "sub/top.py", "ok.py"):
        _write(tmp_path, name, "x = 1\n")
    found = discover_files([tmp_path], CheckConfig(root=tmp_path))
    assert ["keep_gen.py", "ok.py", "sub/top.py"] == [
        p.relative_to(tmp_path).as_posix() for p in found.files
    ]


def test_discovery_explicit_file_is_checked_unless_forced(tmp_path: Path) -> None:
    """A file named on the command line is checked even if excluded, unless forced out."""
    path = _write(tmp_path, "examples/e.py", "x = 1\n")
    config = CheckConfig(root=tmp_path)
    assert [path] == discover_files([path], config).files
    assert [] == discover_files([path], config, force_exclude=True).files


def test_config_table_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``[tool.mpcov.check]`` is found above the current directory and read."""
    _write(
        tmp_path,
        "pyproject.toml",
        """
        [tool.mpcov.check]
        extend-exclude = ["legacy"]
        select = ["MPC1", "MPC2"]
        ignore = ["MPC104"]
        per-file-ignores = { "tests/*" = ["MPC2"] }
        """,
    )
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    config = read_config(find_config())
    assert (
        str(tmp_path / "pyproject.toml"),
        ("legacy",),
        ("MPC1", "MPC2"),
        ("MPC104",),
        {"tests/*": ("MPC2",)},
    ) == (config.path, config.extend_exclude, config.select, config.ignore, config.per_file_ignores)


def test_config_unknown_key_is_error(tmp_path: Path) -> None:
    """A misspelt key in the table is a usage error, not silently ignored."""
    path = _write(tmp_path, "pyproject.toml", "[tool.mpcov.check]\nexlude = []\n")
    with pytest.raises(CheckError, match=r"unknown key in \[tool.mpcov.check\]: exlude"):
        read_config(path)


def test_per_file_ignores_apply(tmp_path: Path) -> None:
    """``per-file-ignores`` drops the rules it names in matching files only."""
    for name in ("tests/test_a.py", "src/a.py"):
        _write(tmp_path, name, "import os\nos._exit(0)\n")
    config = CheckConfig(root=tmp_path, per_file_ignores={"tests/*": ("MPC2",)})
    report = check_files([tmp_path], Settings(), config=config)
    assert [("MPC201", "src/a.py", 2)] == _found(report, tmp_path)


# --------------------------------------------------------------------------- settings

CONFIG_FILES = {
    ".coveragerc": "[run]\npatch = subprocess\n    _exit\nsigterm = true\n",
    "setup.cfg": "[coverage:run]\npatch = subprocess, _exit\nsigterm = true\n",
    "tox.ini": "[coverage:run]\npatch = subprocess, _exit\nsigterm = true\n",
    "pyproject.toml": '[tool.coverage.run]\npatch = ["subprocess", "_exit"]\nsigterm = true\n',
}


@pytest.mark.parametrize("name", sorted(CONFIG_FILES))
def test_read_settings_finds_each_config_kind(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file kind coverage.py reads is found in the current directory."""
    (tmp_path / name).write_text(CONFIG_FILES[name], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = read_settings()
    assert ("subprocess", "_exit") == settings.patch
    assert settings.sigterm is True
    assert settings.parallel is True  # patch = subprocess turns it on
    assert str(tmp_path / name) == settings.config_file


def test_read_settings_honours_coverage_rcfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``COVERAGE_RCFILE`` names the file, as for ``coverage run``."""
    rc = tmp_path / "custom.ini"
    rc.write_text("[run]\nconcurrency = multiprocessing\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COVERAGE_RCFILE", str(rc))
    assert ("multiprocessing",) == read_settings().concurrency


def test_read_settings_explicit_file(tmp_path: Path) -> None:
    """``--config`` reads that file wherever the current directory is."""
    rc = tmp_path / "pyproject.toml"
    rc.write_text('[tool.coverage.run]\ncore = "sysmon"\n', encoding="utf-8")
    assert "sysmon" == read_settings(rc).core


def test_read_settings_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No configuration file gives coverage.py's defaults."""
    monkeypatch.chdir(tmp_path)
    settings = read_settings()
    assert (None, (), (), False) == (
        settings.config_file,
        settings.patch,
        settings.concurrency,
        settings.parallel,
    )


def test_read_settings_missing_file_is_error(tmp_path: Path) -> None:
    """A named file that does not exist cannot be read."""
    with pytest.raises(CheckError, match="Couldn't read"):
        read_settings(tmp_path / "nope.toml")


def test_read_settings_invalid_value_is_error(tmp_path: Path) -> None:
    """Settings coverage.py refuses are reported with coverage's own message."""
    rc = tmp_path / ".coveragerc"
    rc.write_text("[run]\nconcurrency = bogus\n", encoding="utf-8")
    with pytest.raises(CheckError, match="Unknown concurrency choices: bogus"):
        read_settings(rc)


def test_read_settings_reads_what_rules_out_sysmon(tmp_path: Path) -> None:
    """``dynamic_context`` and ``timid`` are read: either makes coverage.py leave sysmon."""
    rc = tmp_path / ".coveragerc"
    rc.write_text("[run]\ndynamic_context = test_function\ntimid = true\n", encoding="utf-8")
    settings = read_settings(rc)
    assert ("test_function", True) == (settings.dynamic_context, settings.timid)


def test_read_settings_keeps_coverage_warnings(tmp_path: Path) -> None:
    """coverage.py's warnings while reading (an unknown option) are kept, not raised."""
    rc = tmp_path / ".coveragerc"
    rc.write_text("[run]\nno_such_option = 1\n", encoding="utf-8")
    assert any("no_such_option" in w for w in read_settings(rc).warnings)


def test_check_paths_reports_problems(tmp_path: Path) -> None:
    """``check_paths`` (the old entry point) still returns findings and notes skipped files."""
    _write(tmp_path, "bad.py", "import os\nos._exit(0)\n")
    _write(tmp_path, "broken.py", "def (:\n")
    problems: list[str] = []
    findings = check_paths([tmp_path], Settings(), problems=problems)
    assert ["MPC201"] == [f.rule for f in findings]
    assert [f"{tmp_path / 'broken.py'}:1: skipped: not valid Python: invalid syntax"] == problems


# --------------------------------------------------------------------------- the catalogue

ENV = Environment.current()
EXAMPLES = {path.stem: path for path in discover([EXAMPLES_DIR])}

#: Outcomes that lose data: all of it, some runs, or part of it (``partial``).
LOSSES = frozenset({"lost", "racy", "partial"})
#: Examples expected measured that a rule still flags, and why that is right.
JUSTIFIED = {
    # Its header: "Lines that only the last worker runs would still be at risk: close()
    # and join() remain the real fix." The example is measured by design, the pattern not.
    ("pool_maxtasksperchild", "MPC101"),
    # Its header: "It does not, by itself, measure the new program". The example marks only
    # the lines before the exec; the new program's after_exec() is lost, as MPC203 says.
    ("exec_patch_execv", "MPC203"),
    # Its header: before coverage.py 7.13 nothing starts coverage.py in the program that
    # os.execve() starts, so the lines before the exec (the marked ones) are kept there;
    # the new program's own lines are lost, as MPC203 says.
    ("exec_execve_patch_execv_no_parallel", "MPC203"),
}
#: Examples expected lost or racy that no rule flags, and why. Add an entry here (or a
#: rule) when a new example shows a loss.
UNCOVERED: dict[str, str] = {
    "process_mp_main_patch_subprocess_exit": (
        "racy only with coverage.py before 7.13, and only when coverage runs overlap: they "
        "share the .pth file the subprocess patch writes; no static signal shows overlapping runs"
    ),
    "pytest_joblib_without_shutdown": (
        "the loss comes from pytest-cov combining before loky's idle workers exit; under "
        "plain `coverage run` the same code is measured, so no static signal separates them"
    ),
    "pytest_joblib_shutdown_in_sessionfinish": (
        "the shutdown is too late only because pytest-cov combines before pytest_sessionfinish; "
        "under `coverage run -m pytest` the same hook is in time, and the code does not show "
        "which runs it"
    ),
    "subprocess_script_below_venv": (
        "the loss depends on where the script is at run time (below a folder with a "
        "pyvenv.cfg), which the code does not show"
    ),
    "joblib_loky_nested_function": (
        "the task is a closure made by a function of another module (_joblib_closures), and "
        "values are not followed across files; MPC109 flags a closure defined in the same module"
    ),
}


def _expectations(example: Example) -> set[str]:
    """The outcomes this example expects on this platform, Python, coverage.py and libraries."""
    outcomes = set()
    for label in example.labels:
        if label != "none" and label not in ENV.start_methods:
            continue
        if skip_reason(example, label, ENV) is not None:
            continue
        # With the installed libraries: an outcome can hang on one (cloudpickle 3.1.3+).
        outcome = example.expectation(
            label,
            python=ENV.python_version,
            coverage=ENV.coverage_version,
            platform=ENV.sys_platform,
            libraries=ENV.libraries,
        )
        if not outcome.startswith("skip"):
            outcomes.add(outcome)
    return outcomes


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[set[str], set[str]]]:
    """Each example's expected outcomes here and the rules that flag it under its settings."""
    results: dict[str, tuple[set[str], set[str]]] = {}
    for name, path in EXAMPLES.items():
        example = parse(path)
        folder = tmp_path_factory.mktemp(name)
        (folder / "pyproject.toml").write_text(example.settings_toml, encoding="utf-8")
        # Found as `coverage run` finds it in the run's folder: a pyproject.toml
        # without a [tool.coverage] table is no configuration file.
        here = Path.cwd()
        os.chdir(folder)
        try:
            settings = read_settings()
        finally:
            os.chdir(here)
        # The example's own command line counts as a command line of the project.
        tokens = [t.replace("{python}", "python") for t in example.command]
        found = cmdline.parse_command(tokens, str(path))
        settings = settings.with_command_line(found)
        findings = check_source(
            path.read_text(encoding="utf-8"), str(path), settings, command_lines=found
        )
        results[name] = (_expectations(example), {f.rule for f in findings})
    return results


def test_rules_name_existing_examples() -> None:
    """Every example a rule names exists, and every rule is backed by an example or a source."""
    for rule in RULES.values():
        assert set() == set(rule.examples + rule.fixed_by) - set(EXAMPLES), rule.id
        assert rule.examples or rule.sources, rule.id


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_flags_its_backing_examples(
    rule_id: str, catalogue: dict[str, tuple[set[str], set[str]]]
) -> None:
    """A rule fires on the examples it names exactly where they lose data here, never on fixes."""
    rule = RULES[rule_id]
    for name in rule.examples:
        expected, flagged = catalogue[name]
        if not expected:
            continue  # not runnable here (platform, Python, coverage.py, packages)
        loses = bool(expected & LOSSES)
        assert loses == (rule_id in flagged), f"{name}: expects {expected}, flagged {flagged}"
    for name in rule.fixed_by:
        expected, flagged = catalogue[name]
        if expected == {"measured"}:
            assert rule_id not in flagged, name


def test_catalogue_losses_are_flagged(catalogue: dict[str, tuple[set[str], set[str]]]) -> None:
    """Every example that loses data here is flagged by some rule (or listed as uncovered)."""
    unflagged = sorted(
        name
        for name, (expected, flagged) in catalogue.items()
        if expected & LOSSES and not flagged and name not in UNCOVERED
    )
    assert [] == unflagged


def test_catalogue_measured_examples_are_clean(
    catalogue: dict[str, tuple[set[str], set[str]]],
) -> None:
    """Examples measured everywhere here get no finding, except the justified ones."""
    noisy = sorted(
        (name, rule)
        for name, (expected, flagged) in catalogue.items()
        if expected == {"measured"}
        for rule in flagged
        if (name, rule) not in JUSTIFIED
    )
    assert [] == noisy


def test_checks_doc_has_a_section_per_rule() -> None:
    """docs/reference/checks.md has one labelled section per rule including its examples."""
    text = CHECKS_DOC.read_text(encoding="utf-8")
    labels = re.findall(r"^\((mpc\d{3})\)=$", text, flags=re.MULTILINE)
    assert sorted(r.lower() for r in RULES) == sorted(labels)
    sections = re.split(r"^\(mpc\d{3}\)=$", text, flags=re.MULTILINE)[1:]
    for rule_id, section in zip(labels, sections):
        rule = RULES[rule_id.upper()]
        for name in rule.examples:
            assert f"{{mpcov-listing}} {name}\n" in section, (rule.id, name)
        heading = next(line for line in section.splitlines() if line.startswith("## "))
        assert f"## {rule.id}: {rule.title}" == heading.replace("`", "")


@pytest.mark.skipif(sys.platform == "win32", reason="the examples' own skips cover Windows")
def test_catalogue_is_not_empty(catalogue: dict[str, tuple[set[str], set[str]]]) -> None:
    """The catalogue test sees the examples, so none can silently drop out."""
    assert len(catalogue) == len(EXAMPLES) >= 30
