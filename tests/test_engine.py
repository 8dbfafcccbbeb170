"""The engine on throwaway scripts: classification, failures, timeouts, isolation, skips."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import coverage
import pytest

from mpcov import engine, processes
from mpcov.engine import (
    DataFileInfo,
    Environment,
    GroupResult,
    PreflightError,
    Runner,
    RunResult,
    data_location,
    find_texts,
    preflight_all,
    read_data,
    row_is_current,
    run_environment,
    scan_stderr,
    skip_reason,
    verify,
)
from mpcov.header import Example, Expected, parse
from mpcov.report import to_json

WriteExample = Callable[..., Path]
#: Per-run timeout for scripts that are meant to finish: generous for a loaded machine.
TIMEOUT = 30.0
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="process groups are POSIX")

#: One child line runs, the other is in a function nobody calls.
PARTIAL_BODY = """\
from __future__ import annotations


def never() -> int:
    return 1  # mpcov: child


x = 2  # mpcov: child
"""

LOST_BODY = """\
from __future__ import annotations


def never() -> int:
    return 1  # mpcov: child
"""

#: Starts a grandchild, writes both pids where the test says, then hangs.
HANGING_BODY = """\
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
Path(os.environ["MPCOV_TEST_PIDS"]).write_text(f"{os.getpid()} {sleeper.pid}")
time.sleep(60)  # mpcov: child
"""

#: Leaves two grandchildren running and exits at once.
LEAVING_BODY = """\
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

pids = [
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]).pid
    for _ in range(2)
]
Path(os.environ["MPCOV_TEST_PIDS"]).write_text(" ".join(map(str, pids)))  # mpcov: child
"""


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not zombie) process."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc").is_dir():
        try:
            return stat.read_text().rpartition(")")[2].split()[0] != "Z"
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_dead(pids: list[int], within: float = 5.0) -> list[int]:
    """Return the pids still alive after waiting up to ``within`` seconds."""
    deadline = time.monotonic() + within
    alive = [p for p in pids if _alive(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [p for p in alive if _alive(p)]
    return alive


def _run(
    example: Example, label: str = "none", *, timeout: float = TIMEOUT, straggler_grace: float = 2
) -> RunResult:
    return Runner(timeout=timeout, straggler_grace=straggler_grace).run(example, label)


def test_run_classifies_measured(write_example: WriteExample) -> None:
    """A script whose child line runs is measured, with its data file found and readable."""
    example = parse(write_example())
    result = _run(example)
    assert ("ok", "measured", 0) == (result.status, result.measurement, result.exit_code)
    assert example.markers == result.measured_lines
    assert () == result.missed_lines
    assert [".coverage"] == [info.name for info in result.data_files]
    assert [None] == [info.error for info in result.data_files]
    assert "" == result.stderr_tail
    assert 0 == result.stragglers


def test_run_classifies_lost(write_example: WriteExample) -> None:
    """A script whose child line never runs is lost."""
    example = parse(write_example(body=LOST_BODY, mpcov='expect = "lost"\nstart-methods=[]'))
    result = _run(example)
    assert ("ok", "lost") == (result.status, result.measurement)
    assert () == result.measured_lines
    assert example.markers == result.missed_lines


def test_run_classifies_partial(write_example: WriteExample) -> None:
    """A script with one of two child lines run is partial, and says which line was missed."""
    example = parse(write_example(body=PARTIAL_BODY))
    never, ran = example.child_lines
    result = _run(example)
    assert ("ok", "partial", "partial") == (result.status, result.measurement, result.outcome)
    assert (f"sample.py:{ran}",) == result.measured_lines
    assert (f"sample.py:{never}",) == result.missed_lines


def test_run_passes_the_start_method_as_the_scripts_argument(write_example: WriteExample) -> None:
    """The label reaches the script as ``sys.argv[1]``; the ``none`` label adds nothing."""
    body = (
        "import sys\n\n"
        "x = 1  # mpcov: child\n"
        "sys.exit(0 if sys.argv[1:] == [x for x in ['{}'] if x] else 7)\n"
    )
    spawn = parse(
        write_example(
            "m", body=body.format("spawn"), mpcov='expect = "measured"\nstart-methods = ["spawn"]'
        )
    )
    none = parse(write_example("n", body=body.format("")))
    result = _run(spawn, "spawn")
    assert ("ok", 0) == (result.status, result.exit_code)
    assert "ok" == _run(none).status
    wrong = Runner(timeout=TIMEOUT).run(spawn, "fork", expected=Expected("measured", None, 0, ()))
    assert "crashed" == wrong.status


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_run_measures_a_real_multiprocessing_child(write_example: WriteExample) -> None:
    """A ``Process`` child's marked line is measured when the header sets the concurrency."""
    body = """\
        from __future__ import annotations

        import multiprocessing
        import sys


        def work() -> None:
            print("in the child")  # mpcov: child


        if __name__ == "__main__":
            multiprocessing.set_start_method(sys.argv[1])
            process = multiprocessing.Process(target=work)
            process.start()
            process.join()
        """
    example = parse(
        write_example(
            body=body,
            coverage='[tool.coverage.run]\nconcurrency = ["multiprocessing"]',
            mpcov='expect = "measured"\nstart-methods = ["fork"]',
        )
    )
    result = _run(example, "fork")
    assert ("ok", "measured") == (result.status, result.measurement)
    assert 2 <= len(result.data_files)  # the parent's and the child's, unless combined


def test_run_reads_a_custom_data_file_name(write_example: WriteExample) -> None:
    """``data_file`` from the header's settings is where the engine looks for data."""
    example = parse(write_example(coverage='[tool.coverage.run]\ndata_file = "cov.db"'))
    result = _run(example)
    assert "measured" == result.measurement
    assert ["cov.db"] == [info.name for info in result.data_files]


def test_run_reports_a_crash_with_its_stderr_tail(write_example: WriteExample) -> None:
    """A script that raises is "crashed", with the traceback's last lines kept."""
    body = 'x = 1  # mpcov: child\nraise RuntimeError("boom from the example")\n'
    result = _run(parse(write_example(body=body)))
    assert ("crashed", "crashed", 1) == (result.status, result.outcome, result.exit_code)
    assert result.stderr_tail.endswith("RuntimeError: boom from the example")
    assert "Traceback (most recent call last):" in result.stderr_tail
    assert "RuntimeError: boom from the example" in result.problems
    assert "measured" == result.measurement  # the data is still judged


def test_run_accepts_the_declared_exit_code(write_example: WriteExample) -> None:
    """An exit code the header declares is a normal end; any other is a crash."""
    body = "x = 1  # mpcov: child\nraise SystemExit(3)\n"
    declared = _run(
        parse(
            write_example(
                "a", body=body, mpcov='expect = "measured"\nstart-methods = []\nexit-code = 3'
            )
        )
    )
    undeclared = _run(parse(write_example("b", body=body)))
    assert ("ok", 3) == (declared.status, declared.exit_code)
    assert ("crashed", 3) == (undeclared.status, undeclared.exit_code)


@POSIX_ONLY
def test_run_kills_a_hanging_script_with_its_process_group(
    write_example: WriteExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the timeout the script and its grandchild are killed; no process of the run remains."""
    pid_file = tmp_path / "pids"
    monkeypatch.setenv("MPCOV_TEST_PIDS", str(pid_file))
    started = time.monotonic()
    result = _run(parse(write_example(body=HANGING_BODY)), timeout=3)
    elapsed = time.monotonic() - started
    assert pid_file.exists(), "the script did not start its grandchild within the timeout"
    pids = [int(p) for p in pid_file.read_text().split()]
    assert 2 == len(pids)
    assert [] == _wait_dead(pids)
    assert ("timeout", "timeout", None) == (result.status, result.outcome, result.exit_code)
    assert 3 <= result.duration < 6
    assert elapsed < 10
    assert 0 == result.stragglers


@POSIX_ONLY
def test_run_kills_and_counts_stragglers(
    write_example: WriteExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Processes left running after the script exits are killed after the grace and counted."""
    pid_file = tmp_path / "pids"
    monkeypatch.setenv("MPCOV_TEST_PIDS", str(pid_file))
    started = time.monotonic()
    result = _run(parse(write_example(body=LEAVING_BODY)), straggler_grace=0.5)
    pids = [int(p) for p in pid_file.read_text().split()]
    assert [] == _wait_dead(pids)
    assert ("ok", "measured") == (result.status, result.measurement)
    assert 2 == result.stragglers
    assert "2 process(es) still running after the script exited" in result.problems
    assert time.monotonic() - started < 10


def test_run_leaves_no_files_behind(
    write_example: WriteExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's files live in its own temp dir, which is removed; cwd and examples stay clean."""
    temp, cwd = tmp_path / "temp", tmp_path / "cwd"
    temp.mkdir()
    cwd.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.chdir(cwd)
    good = write_example("good")
    bad = write_example("bad", body="x = 1  # mpcov: child\nraise SystemExit(1)\n")
    runner = Runner(timeout=TIMEOUT)
    assert "ok" == runner.run(parse(good), "none").status
    assert "crashed" == runner.run(parse(bad), "none").status
    assert () == runner.preflight(parse(good))
    assert [] == list(temp.iterdir())
    assert [] == list(cwd.iterdir())
    assert ["bad.py", "good.py"] == sorted(p.name for p in good.parent.iterdir())


def test_run_keep_preserves_each_runs_directory(
    write_example: WriteExample, tmp_path: Path
) -> None:
    """With ``keep``, the run's directory stays, with script, settings and data file."""
    keep = tmp_path / "kept"
    Runner(timeout=TIMEOUT, keep=keep).run(parse(write_example()), "none")
    (run_dir,) = keep.iterdir()
    assert run_dir.name.startswith("sample-none-0-")
    assert {".coverage", "pyproject.toml", "sample.py"} == {p.name for p in run_dir.iterdir()}


def test_run_does_not_pass_coverage_variables_to_the_script(
    write_example: WriteExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``COVERAGE_*`` variables of the caller never reach the script or steer its data."""
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("COVERAGE_MPCOV_PROBE", "leaked")
    monkeypatch.setenv("COVERAGE_FILE", str(elsewhere / "data"))
    body = (
        "import os\n\n"
        "x = 1  # mpcov: child\n"
        "raise SystemExit(9 if 'COVERAGE_MPCOV_PROBE' in os.environ else 0)\n"
    )
    result = _run(parse(write_example(body=body)))
    assert ("ok", 0, "measured") == (result.status, result.exit_code, result.measurement)
    assert not elsewhere.exists()
    assert "COVERAGE_MPCOV_PROBE" not in run_environment()


def test_read_data_unions_the_scripts_lines_over_data_files(tmp_path: Path) -> None:
    """Lines of the script from every data file are united; other files and names are ignored."""
    script = tmp_path / "script.py"
    for suffix, written in ((".a", [1, 2]), (".b", [2, 5])):
        data = coverage.CoverageData(basename=str(tmp_path / f".coverage{suffix}"))
        data.add_lines({str(script): written, str(tmp_path / "other.py"): [9]})
        data.write()
        data.close()
    (tmp_path / ".coveragerc").write_text("[run]\n")
    lines, infos = read_data(tmp_path, ".coverage", [script])
    assert {script.resolve(): {1, 2, 5}} == lines
    assert [".coverage.a", ".coverage.b"] == [info.name for info in infos]
    assert [None, None] == [info.error for info in infos]


def test_read_data_without_data_files_finds_nothing(tmp_path: Path) -> None:
    """No data file at all means no lines and no file infos, not an error."""
    script = (tmp_path / "script.py").resolve()
    assert ({script: set()}, ()) == read_data(tmp_path, ".coverage", [script])


@pytest.mark.parametrize(
    ("content", "error"),
    [(b"", "empty"), (b"this is not sqlite\n" * 10, "file is not a database")],
    ids=["empty", "garbage"],
)
def test_read_data_records_an_unreadable_file(tmp_path: Path, content: bytes, error: str) -> None:
    """An empty or corrupt data file is recorded with coverage's reason, and left as it was."""
    (tmp_path / ".coverage.bad").write_bytes(content)
    script = (tmp_path / "script.py").resolve()
    lines, infos = read_data(tmp_path, ".coverage", [script])
    assert {script: set()} == lines
    (info,) = infos
    assert (".coverage.bad", len(content)) == (info.name, info.size)
    assert info.error is not None
    assert error in info.error
    assert str(tmp_path) not in info.error
    assert content == (tmp_path / ".coverage.bad").read_bytes()


def test_read_data_records_a_half_written_file(tmp_path: Path) -> None:
    """A data file cut off mid-write is recorded as malformed; other files still count."""
    script = tmp_path / "script.py"
    for name in (".coverage.whole", ".coverage.half"):
        data = coverage.CoverageData(basename=str(tmp_path / name))
        data.add_lines({str(script): [3]} if name.endswith("whole") else {str(script): [4]})
        data.write()
        data.close()
    half = tmp_path / ".coverage.half"
    half.write_bytes(half.read_bytes()[: half.stat().st_size // 2])
    lines, infos = read_data(tmp_path, ".coverage", [script])
    assert {script.resolve(): {3}} == lines
    errors = {info.name: info.error for info in infos}
    assert errors[".coverage.whole"] is None
    assert "malformed" in str(errors[".coverage.half"])


def _result(outcome: str) -> RunResult:
    status = outcome if outcome in ("timeout", "crashed") else "ok"
    measurement = outcome if status == "ok" else "lost"
    return RunResult(
        status=status,  # type: ignore[arg-type]
        measurement=measurement,  # type: ignore[arg-type]
        exit_code=0,
        duration=0.1,
        measured_lines=(),
        missed_lines=(),
        data_files=(DataFileInfo(".coverage", 1, None),),
        stragglers=0,
        problems=(),
        stderr_tail="",
    )


@pytest.mark.parametrize(
    ("expect", "outcomes", "may_hang", "matches"),
    [
        ("measured", ["measured", "measured"], False, True),
        ("measured", ["measured", "partial"], False, False),
        ("measured", ["measured", "lost"], False, False),
        ("lost", ["lost", "lost"], False, True),
        ("lost", ["lost", "partial"], False, False),
        ("lost", ["lost", "crashed"], False, False),
        ("lost", ["lost", "timeout"], False, False),
        ("lost", ["lost", "timeout"], True, True),
        ("measured", ["measured", "timeout"], True, False),
        ("racy", ["measured", "lost", "partial"], False, True),
        ("racy", ["measured", "crashed"], False, False),
        ("partial", ["partial", "partial"], False, True),
        ("partial", ["partial", "measured"], False, False),
        # Fewer runs than RACY_MIN_RUNS cannot show that a race never happens...
        ("racy", ["measured"] * 19, False, True),
        # ...but 20 runs without a loss contradict "racy"; 20 losses do not (the race
        # is there, this timing always loses it).
        ("racy", ["measured"] * 20, False, False),
        ("racy", ["lost"] * 20, False, True),
        ("racy", ["measured"] * 19 + ["partial"], False, True),
        ("racy", ["lost"] * 19 + ["measured"], False, True),
        (None, [], False, None),
    ],
)
def test_group_matches_judges_runs_against_the_expectation(
    write_example: WriteExample,
    expect: str | None,
    outcomes: list[str],
    may_hang: bool,
    matches: bool | None,
) -> None:
    """A group matches only if every run fits the expectation; a skipped group is ``None``."""
    mpcov = f'expect = "lost"\nstart-methods = []\nmay-hang = {str(may_hang).lower()}'
    example = parse(write_example(mpcov=mpcov))
    group = GroupResult(example, "none", expect=expect, runs=[_result(o) for o in outcomes])
    assert matches is group.matches


@pytest.mark.parametrize(
    ("expect", "outcomes", "explanation"),
    [
        ("measured", ["measured"] * 20, "0 losses in 20 runs (loss rate < 14%, 95%)"),
        ("lost", ["lost"] * 200, "measured in 0 of 200 runs (rate < 1.5%, 95%)"),
        ("lost", ["lost", "measured"], "1 of 2 runs not lost"),
        ("racy", ["measured"] * 7 + ["lost"] * 23, "7/30 measured, 95% interval 12%-41%"),
        ("racy", ["measured"] * 30, "never lost in 30 runs (30/30 measured)"),
        ("racy", ["lost"] * 30, "lost in all 30 runs (measured rate < 9.5%, 95%)"),
        ("racy", ["lost"] * 3, "too few runs to show a race (3 < 20)"),
    ],
)
def test_group_explanation_states_the_statistics(
    write_example: WriteExample, expect: str, outcomes: list[str], explanation: str
) -> None:
    """Each verdict carries its evidence: N, the exact bound or the Wilson interval."""
    example = parse(write_example())
    group = GroupResult(example, "none", expect=expect, runs=[_result(o) for o in outcomes])
    assert explanation == group.explanation


def test_group_counts_and_rate(write_example: WriteExample) -> None:
    """The rate is the share of runs with every child line measured."""
    example = parse(write_example())
    runs = [_result(o) for o in ("measured", "lost", "measured", "timeout")]
    group = GroupResult(example, "none", expect="racy", runs=runs)
    assert 2 == group.measured
    assert 0.5 == group.rate
    assert 1 == group.count("timeout")
    assert GroupResult(example, "none", expect="racy").rate is None


@pytest.fixture
def env() -> Environment:
    """A fixed environment to judge skips against."""
    return Environment(
        python_version="3.12.4",
        implementation="CPython",
        coverage_version="7.17.3",
        sys_platform="linux",
        system="Linux",
        release="6.1",
        machine="x86_64",
        start_methods=("fork", "spawn"),
        cpus=2,
        libraries={"joblib": "1.6.0", "cloudpickle": "3.1.3"},
    )


@pytest.mark.parametrize(
    ("mpcov", "label", "reason"),
    [
        ('expect = "measured"', "fork", None),
        (
            'expect = "measured"',
            "forkserver",
            "start method 'forkserver' is not available on linux",
        ),
        ('expect = "measured"\nrequires-python = ">=3.13"', "fork", "needs Python >=3.13"),
        ('expect = "measured"\nrequires-python = ">=3.12"', "fork", None),
        ('expect = "measured"\nrequires-coverage = "<7.17"', "fork", "needs coverage <7.17"),
        (
            'expect = "measured"\nrequires = ["mpcov-no-such-dist"]',
            "fork",
            "needs mpcov-no-such-dist, which is not installed",
        ),
        ('expect = "measured"\nrequires = ["joblib"]', "fork", None),
        ('expect = "measured"\nrequires = ["Joblib>=1.4"]', "fork", None),
        ('expect = "measured"\nrequires = ["joblib<1.5"]', "fork", "needs joblib<1.5, found 1.6.0"),
        (
            'expect = "measured"\nplatforms = ["win32", "darwin"]',
            "fork",
            "runs only on win32, darwin",
        ),
        ('expect = "measured"\nplatforms = ["linux"]', "fork", None),
        (
            'start-methods = ["fork", "spawn"]\nexpect = { spawn = "lost" }\nskip = { fork = "x" }',
            "fork",
            "x",
        ),
        (
            'expect = "lost"\n[[tool.mpcov.when]]\ncoverage = ">=7.17"\nskip = { fork = "new" }',
            "fork",
            "new",
        ),
    ],
)
def test_skip_reason_names_what_is_missing(
    write_example: WriteExample, env: Environment, mpcov: str, label: str, reason: str | None
) -> None:
    """Each requirement the environment does not meet gives its own reason; none gives None."""
    example = parse(write_example(mpcov=mpcov))
    assert reason == skip_reason(example, label, env)


def test_skip_reason_runs_scripts_without_start_method_anywhere(
    write_example: WriteExample, env: Environment
) -> None:
    """The ``none`` label does not depend on which start methods exist."""
    example = parse(write_example())
    assert skip_reason(example, "none", dataclasses.replace(env, start_methods=())) is None


def test_environment_recorded_reads_back_a_results_document(env: Environment) -> None:
    """Environment.recorded() gives back the environment a document was written in."""
    assert env == Environment.recorded(to_json([], env, repeat=1))


def _recorded_row(example: Example, label: str, env: Environment) -> dict[str, Any]:
    """The row a one-run recording of ``example`` under ``label`` would hold."""
    reason = skip_reason(example, label, env)
    expect = None if reason else env.expected(example, label).outcome
    runs = [] if reason else [_result("measured")]
    group = GroupResult(example, label, expect=expect, skip_reason=reason, runs=runs)
    row: dict[str, Any] = to_json([group], env, repeat=1)["results"][0]
    return row


def test_row_is_current_follows_the_declaration_for_its_environment(
    write_example: WriteExample, env: Environment
) -> None:
    """A declaration for other versions leaves a row standing; one for its own does not."""
    path = write_example(mpcov='expect = "measured"\nstart-methods = ["fork"]')
    row = _recorded_row(parse(path), "fork", env)
    assert row_is_current(row, parse(path), env)
    elsewhere = 'expect = "measured"\nstart-methods = ["fork"]\n[[tool.mpcov.when]]\n'
    write_example(mpcov=elsewhere + 'python = ">=3.14"\nexpect = "racy"')
    assert row_is_current(row, parse(path), env)
    write_example(mpcov=elsewhere + 'python = ">=3.12"\nexpect = "racy"')
    assert not row_is_current(row, parse(path), env)
    write_example(mpcov=elsewhere + 'coverage = "<7.17.3"\nskip = { fork = "x" }')
    assert row_is_current(row, parse(path), env)
    write_example(mpcov=elsewhere + 'coverage = ">=7.17.3"\nskip = { fork = "x" }')
    assert not row_is_current(row, parse(path), env)
    body = "from __future__ import annotations\n\nx = 1  # mpcov: child\ny = 2\n"
    write_example(mpcov='expect = "measured"\nstart-methods = ["fork"]', body=body)
    assert not row_is_current(row, parse(path), env), "the code changed"
    assert not row_is_current(row, None, env), "the example is gone"


def test_row_is_current_keeps_skipped_rows_while_they_skip(
    write_example: WriteExample, env: Environment
) -> None:
    """A skipped row stands while the header still skips there; it goes stale once it runs."""
    path = write_example(mpcov='expect = "lost"\nstart-methods = ["fork"]\nskip = { fork = "no" }')
    row = _recorded_row(parse(path), "fork", env)
    assert row["skip_reason"] == "no"
    assert row_is_current(row, parse(path), env)
    write_example(mpcov='expect = "lost"\nstart-methods = ["fork"]')
    assert not row_is_current(row, parse(path), env)
    needs = write_example(
        "needs", mpcov='expect = "lost"\nstart-methods = ["fork"]\nrequires = ["nothing-like-it"]'
    )
    skipped = _recorded_row(parse(needs), "fork", env)
    assert skipped["skip_reason"] is not None
    assert row_is_current(skipped, parse(needs), env)


def test_verify_runs_each_label_repeat_times_and_reports_progress(
    write_example: WriteExample, env: Environment
) -> None:
    """verify() keeps example and run order, filters labels, skips, and reports each run."""
    racy = parse(
        write_example(
            "racy",
            mpcov='start-methods = ["fork", "spawn"]\nexpect = { fork = "racy", spawn = "measured" }',
        )
    )
    skipped = parse(write_example("skipped", mpcov='expect = "lost"\nrequires-python = "<3"'))
    calls: list[tuple[str, str, int, int]] = []
    groups = verify(
        [racy, skipped],
        labels=["fork", "spawn"],
        repeat=1,
        racy_repeat=2,
        jobs=2,
        runner=Runner(timeout=TIMEOUT),
        env=env,
        progress=lambda g, r, done, total: calls.append((g.example.name, g.label, done, total)),
    )
    summary = [(g.example.name, g.label, g.expect, g.planned, len(g.runs)) for g in groups]
    assert [
        ("racy", "fork", "racy", 2, 2),
        ("racy", "spawn", "measured", 1, 1),
        ("skipped", "fork", None, 0, 0),
        ("skipped", "spawn", None, 0, 0),
    ] == summary
    assert "needs Python <3" == groups[2].skip_reason
    assert [1, 2, 3] == sorted(done for _, _, done, _ in calls)
    assert {3} == {total for _, _, _, total in calls}
    assert [True, True, None, None] == [g.matches for g in groups]


def test_environment_current_describes_this_interpreter() -> None:
    """The current environment names this Python, coverage and start methods."""
    env = Environment.current()
    assert coverage.__version__ == env.coverage_version
    assert tuple(multiprocessing.get_all_start_methods()) == env.start_methods
    assert sys.platform == env.sys_platform
    assert env.cpus >= 1


def test_run_gives_the_script_a_private_temp_dir_removed_afterwards(
    write_example: WriteExample, tmp_path: Path
) -> None:
    """Temporary files a run leaves behind (``pymp-*`` folders) go away with the run."""
    body = (
        "import pathlib\nimport tempfile\n\n"
        "left = tempfile.mkdtemp(prefix='pymp-')  # mpcov: child\n"
        "pathlib.Path('tmpdir.txt').write_text(left)\n"
    )
    keep = tmp_path / "kept"
    Runner(timeout=TIMEOUT, keep=keep).run(parse(write_example(body=body)), "none")
    (run_dir,) = keep.iterdir()
    left = Path((run_dir / "tmpdir.txt").read_text())
    assert Path(tempfile.gettempdir()) != left.parent
    assert not left.parent.exists()


def test_run_then_commands_and_expected_output_judge_a_crash_message(
    write_example: WriteExample,
) -> None:
    """A follow-up command's exit code and message are what the header declares."""
    body = "x = 1  # mpcov: child\n"
    combine_fails = (
        'expect = "measured"\nstart-methods = []\nexit-code = 3\noutput = "boom from then"\n'
        'then = [["{python}", "-c", "import sys; print(\'boom from then\'); sys.exit(3)"]]'
    )
    example = parse(write_example(body=body, mpcov=combine_fails))
    result = _run(example)
    assert ("ok", 3, "measured") == (result.status, result.exit_code, result.measurement)
    wrong = parse(
        write_example(
            "w", body=body, mpcov=combine_fails.replace('output = "boom from', 'output = "bang')
        )
    )
    result = _run(wrong)
    assert "crashed" == result.status
    assert "the output does not contain 'bang then'" == result.problems[0]


def test_run_a_failing_earlier_command_is_a_crash(write_example: WriteExample) -> None:
    """Every command before the last must succeed; which one failed is said."""
    mpcov = (
        'expect = "measured"\nstart-methods = []\n'
        'command = ["{python}", "-c", "raise SystemExit(4)"]\n'
        'then = [["{python}", "-m", "coverage", "run", "{script}"]]'
    )
    result = _run(parse(write_example(mpcov=mpcov)))
    assert ("crashed", 4) == (result.status, result.exit_code)
    assert "the command exited with 4, expected 0" == result.problems[0]


def test_run_data_combined_reads_only_the_combined_file(write_example: WriteExample) -> None:
    """With ``data = "combined"`` a parallel file left beside the combined one is not read."""
    body = (
        "import coverage, pathlib, sys\n\n"
        "x = 1  # mpcov: child\n"
        "late = coverage.CoverageData(basename='.coverage', suffix='late')\n"
        "late.add_lines({str(pathlib.Path(__file__).resolve()): [3]})\n"
        "late.write()\n"
    )
    mpcov = (
        'expect = "lost"\nstart-methods = []\ndata = "combined"\n'
        'command = ["{python}", "-c", "pass"]\nthen = [["{python}", "{script}"]]'
    )
    result = _run(parse(write_example(body=body, mpcov=mpcov)))
    assert ("ok", "lost") == (result.status, result.measurement)
    assert () == result.data_files  # the parallel file was not even looked at


def test_run_measures_marked_lines_in_companion_files(
    write_example: WriteExample, tmp_path: Path
) -> None:
    """Marked lines of a file in ``files`` are judged from the copy the run imported."""
    (tmp_path / "examples" / "_tasks.py").write_text(
        "def f() -> int:\n    return 1  # mpcov: child\n\n\ndef g() -> int:\n    return 2  # mpcov: child\n"
    )
    body = "from _tasks import f\n\nf()\n"
    mpcov = 'expect = "partial"\nstart-methods = []\nfiles = ["_tasks.py"]'
    result = _run(parse(write_example(body=body, mpcov=mpcov)))
    assert ("ok", "partial") == (result.status, result.measurement)
    assert (("_tasks.py:2",), ("_tasks.py:6",)) == (result.measured_lines, result.missed_lines)


# ------------------------------------------------------------------ process handling

#: Leaves two stragglers in its group, says so, and exits at once.
STRAGGLING_BODY = """\
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

pids = [
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]).pid
    for _ in range(2)
]
Path(os.environ["MPCOV_TEST_PIDS"], "straggling").write_text(" ".join(map(str, pids)))
x = 1  # mpcov: child
"""

#: Says its own pid (its group's id), then takes a while before its marked line.
SLOW_BODY = """\
from __future__ import annotations

import os
import time
from pathlib import Path

Path(os.environ["MPCOV_TEST_PIDS"], "victim").write_text(str(os.getpid()))
time.sleep(4)
x = 1  # mpcov: child
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="WNOWAIT order is Linux-only")
def test_run_never_kills_a_group_whose_leader_was_reaped(
    write_example: WriteExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killing stragglers after reaping their leader could hit a reused group id; it never does.

    The kernel is simulated: once a leader is reaped, its id "belongs" to the other,
    concurrent run, so a late ``killpg`` of the reaped id lands on that run.
    """
    monkeypatch.setenv("MPCOV_TEST_PIDS", str(tmp_path))
    reaped: set[int] = set()
    late_kills: list[int] = []
    real_waitpid, real_killpg = os.waitpid, os.killpg

    def waitpid(pid: int, options: int) -> tuple[int, int]:
        found = real_waitpid(pid, options)
        if found[0] > 0:
            reaped.add(found[0])
        return found

    def killpg(pgid: int, signum: int) -> None:
        if pgid in reaped:
            late_kills.append(pgid)
            victim = tmp_path / "victim"
            if victim.exists():  # the reused id is now the other run's group
                pgid = int(victim.read_text())
        real_killpg(pgid, signum)

    monkeypatch.setattr(os, "waitpid", waitpid)
    monkeypatch.setattr(os, "killpg", killpg)
    straggling = parse(write_example("straggling", body=STRAGGLING_BODY))
    slow = parse(write_example("slow", body=SLOW_BODY))
    groups = verify(
        [slow, straggling],
        jobs=2,
        runner=Runner(timeout=TIMEOUT, straggler_grace=0.5),
        env=Environment.current(),
    )
    assert [] == late_kills
    assert [("ok", "measured")] == [(r.status, r.measurement) for r in groups[0].runs]
    assert [2] == [r.stragglers for r in groups[1].runs]
    pids = [int(p) for p in (tmp_path / "straggling").read_text().split()]
    assert [] == _wait_dead(pids)


def test_process_table_shares_one_scan_between_callers() -> None:
    """Callers asking at the same moment share one scan; a later question gets a new one."""
    calls: list[float] = []
    barrier = threading.Barrier(8)

    def scanner() -> dict[int, processes.Info]:
        calls.append(time.monotonic())
        time.sleep(0.05)
        return {}

    table = processes.ProcessTable(scanner)
    asked = time.monotonic()

    def ask() -> None:
        barrier.wait()
        table.snapshot(asked)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (1, 1) == (len(calls), table.scans)
    table.snapshot(time.monotonic())
    assert 2 == table.scans


def test_preflight_gives_up_on_coverage_that_does_not_start(
    write_example: WriteExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A preflight still running at its timeout is killed with its group: a PreflightError."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "stuck_plugin.py").write_text(
        "import os, time\nfrom pathlib import Path\n\n"
        "Path(os.environ['MPCOV_TEST_PIDS']).write_text(str(os.getpid()))\n"
        "time.sleep(60)\n\n\ndef coverage_init(reg, options):\n    pass\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(plugins))
    monkeypatch.setenv("MPCOV_TEST_PIDS", str(tmp_path / "pid"))
    example = parse(write_example(coverage='[tool.coverage.run]\nplugins = ["stuck_plugin"]'))
    started = time.monotonic()
    with pytest.raises(PreflightError) as info:
        Runner(preflight_timeout=3).preflight(example)
    assert "coverage did not start within 3 s" == str(info.value)
    assert time.monotonic() - started < 20
    assert [] == _wait_dead([int((tmp_path / "pid").read_text())])


def test_run_copies_the_headers_files_into_the_run(
    write_example: WriteExample, tmp_path: Path
) -> None:
    """Every file in ``files`` is copied, folders included, before the script runs."""
    examples = tmp_path / "examples"
    (examples / "data").mkdir()
    (examples / "data" / "input.txt").write_text("forty-two\n")
    (examples / "_helper.py").write_text("def f() -> str:\n    return 'helped'  # mpcov: child\n")
    body = (
        "from pathlib import Path\n\nfrom _helper import f\n\n"
        "assert Path('data/input.txt').read_text() == 'forty-two\\n'\n"
        "x = f()  # mpcov: child\n"
    )
    mpcov = 'expect = "measured"\nstart-methods = []\nfiles = ["data/input.txt", "_helper.py"]'
    keep = tmp_path / "kept"
    example = parse(write_example(body=body, mpcov=mpcov))
    result = Runner(timeout=TIMEOUT, keep=keep).run(example, "none")
    assert ("ok", "measured") == (result.status, result.measurement)
    (run_dir,) = keep.iterdir()
    assert "forty-two\n" == (run_dir / "data" / "input.txt").read_text()
    assert (f"sample.py:{example.child_lines[0]}", "_helper.py:2") == result.measured_lines


def test_run_reads_a_data_file_in_a_folder(write_example: WriteExample) -> None:
    """``data_file = "covdata/.coverage"`` is read in that folder of the run."""
    example = parse(write_example(coverage='[tool.coverage.run]\ndata_file = "covdata/.coverage"'))
    result = _run(example)
    assert ("ok", "measured") == (result.status, result.measurement)
    assert [".coverage"] == [info.name for info in result.data_files]


@pytest.mark.parametrize(
    ("value", "where"),
    [
        (".coverage", (Path(), ".coverage")),
        ("covdata/.coverage", (Path("covdata"), ".coverage")),
        ("a/b/cov.db", (Path("a/b"), "cov.db")),
    ],
)
def test_data_location_splits_folder_and_name(
    write_example: WriteExample, value: str, where: tuple[Path, str]
) -> None:
    """A relative ``data_file`` is a folder of the run and a basename."""
    example = parse(write_example(coverage=f'[tool.coverage.run]\ndata_file = "{value}"'))
    assert where == data_location(example)


@pytest.mark.parametrize("value", ["/tmp/x/.coverage", "../.coverage", "~/.coverage", "${HOME}/c"])
def test_data_location_refuses_paths_outside_the_run(
    write_example: WriteExample, value: str
) -> None:
    """An absolute path, ``..``, ``~`` or a variable could leave data outside the run."""
    example = parse(write_example(coverage=f'[tool.coverage.run]\ndata_file = "{value}"'))
    with pytest.raises(PreflightError) as info:
        data_location(example)
    assert (
        f"data_file = {value!r} would write coverage data outside the run's folder; "
        "use a relative path such as 'covdata/.coverage'"
    ) == str(info.value)


def test_preflight_all_shares_one_preflight_per_settings(write_example: WriteExample) -> None:
    """Examples with the same coverage settings are judged once; results keep their order."""
    same = "[tool.coverage.run]\nbranch = true"
    examples = [
        parse(write_example("a", coverage=same)),
        parse(write_example("b", coverage="[tool.coverage.run]\nbrnach = true")),
        parse(write_example("c", coverage=same)),
        parse(write_example("d", coverage='[tool.coverage.run]\ndata_file = "/abs/.coverage"')),
    ]
    judged: list[str] = []

    class Counting(Runner):
        def preflight(self, example: Example) -> tuple[str, ...]:
            judged.append(example.name)
            return super().preflight(example)

    outcomes = preflight_all(examples, runner=Counting(timeout=TIMEOUT), jobs=2)
    assert ["a", "b"] == sorted(judged)
    assert () == outcomes[0] == outcomes[2]
    assert isinstance(outcomes[1], tuple)
    assert 1 == len(outcomes[1])
    assert "Unrecognized option '[tool.coverage.run] brnach='" in outcomes[1][0]
    assert isinstance(outcomes[3], PreflightError)


def test_scan_stderr_keeps_bounded_notable_lines_and_tail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A huge stderr gives its notable lines and last lines, each line cut to the limit."""
    monkeypatch.setattr(engine, "READ_CHUNK", 4096)
    path = tmp_path / "stderr"
    with path.open("wb") as stream:
        stream.write(b"UserWarning: first\n")
        stream.write(b"y" * 100_000 + b" Error at the end of a long line\n")
        for i in range(30):
            stream.write(f"line {i}\n".encode())
        stream.write(b"RuntimeError: last")
    with path.open("rb") as stream:
        notable, tail = scan_stderr(stream)
    assert ("UserWarning: first", "RuntimeError: last") == notable
    assert [f"line {i}" for i in range(16, 30)] + ["RuntimeError: last"] == tail.splitlines()
    with path.open("rb") as stream:
        monkeypatch.setattr(engine, "STDERR_TAIL_LINES", 40)
        _, longer = scan_stderr(stream)
    cut = longer.splitlines()[1]
    assert ("y" * engine.LINE_LIMIT + " [...]") == cut


def test_find_texts_sees_a_text_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wanted text split between two reads, or sitting in the middle of a big file, is found."""
    monkeypatch.setattr(engine, "READ_CHUNK", 16)
    path = tmp_path / "out"
    path.write_bytes(b"a" * 10 + b"NEEDLE-ACROSS" + b"b" * 1000 + b"tail")
    with path.open("rb") as stream:
        assert {"NEEDLE-ACROSS", "tail"} == find_texts([stream], ["NEEDLE-ACROSS", "tail", "nope"])


@POSIX_ONLY
def test_run_says_when_escapes_cannot_be_caught(
    write_example: WriteExample, tmp_path: Path
) -> None:
    """Without a child subreaper, a process in a new session is not seen, and the result says so."""
    if processes.is_subreaper():
        pytest.skip("this test process is a child subreaper")
    marker = tmp_path / "escaped"
    body = (
        "import subprocess, sys\nfrom pathlib import Path\n\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
        " start_new_session=True)\n"
        f"Path({str(marker)!r}).write_text(str(p.pid))  # mpcov: child\n"
    )
    result = _run(parse(write_example(body=body)), straggler_grace=0.2)
    escaped = int(marker.read_text())
    try:
        assert (False, 0, 0) == (result.escapes_caught, result.escaped, result.stragglers)
        assert [escaped] == [p for p in [escaped] if _alive(p)]
    finally:
        os.kill(escaped, 9)


@pytest.fixture
def python_sigint() -> Iterator[None]:
    """Python's own Ctrl-C handler, as in a terminal.

    A shell starts background jobs with SIGINT ignored, and Python then keeps it so:
    these tests must not depend on how their runner was started.
    """
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.usefixtures("python_sigint")
def test_interrupts_raise_once_then_only_count() -> None:
    """The first stop signal raises KeyboardInterrupt; later ones during cleanup do not."""
    with processes.Interrupts() as interrupts:
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGTERM)
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGTERM)
    assert (signal.SIGTERM, 2) == (interrupts.received, interrupts.later)
    assert signal.default_int_handler is signal.getsignal(signal.SIGINT)


@pytest.mark.usefixtures("python_sigint")
def test_deferred_signals_ignore_python_handlers_only_while_active() -> None:
    """Inside the block a Ctrl-C does nothing; afterwards the usual handler is back."""
    with processes.deferred_signals():
        signal.raise_signal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)


def test_interrupts_keep_an_inherited_ignore() -> None:
    """A signal mpcov was started with ignored (nohup) is caught, and does nothing."""
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with processes.Interrupts() as interrupts:
            assert signal.SIG_IGN is not signal.getsignal(signal.SIGHUP)
            signal.raise_signal(signal.SIGHUP)
        assert (None, 0) == (interrupts.received, interrupts.later)
        assert signal.SIG_IGN is signal.getsignal(signal.SIGHUP)
    finally:
        signal.signal(signal.SIGHUP, before)


def test_interrupts_until_exit_keep_ignoring_after_a_stop() -> None:
    """For the program itself, a Ctrl-C after the block (on the way out) does nothing."""
    # Every stop signal is left ignored: put each back, or every process this test run
    # starts later inherits SIGTERM ignored and Pool.terminate() cannot stop it (a hang
    # in test_pool, seen on 3.9 and 3.12).
    before = {signum: signal.getsignal(signum) for signum in processes.STOP_SIGNALS}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with processes.Interrupts(until_exit=True) as interrupts, pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        assert all(signal.SIG_IGN is signal.getsignal(s) for s in processes.STOP_SIGNALS)
        signal.raise_signal(signal.SIGINT)  # would raise KeyboardInterrupt if restored
        assert signal.SIGINT == interrupts.received
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def test_runner_gives_a_killed_group_time_to_die_before_counting_stragglers() -> None:
    """After a timeout kill, clean() waits KILL_SETTLE for the group, so the dying are not left."""

    class TimingOut:
        """A group whose first process never exits by itself; records what clean() was given."""

        def __init__(self) -> None:
            self.calls: list[str] = []
            self.grace: float | None = None

        def wait(self, timeout: float) -> bool:
            self.calls.append("wait")
            return self.calls.count("wait") > 1  # the first wait times out

        def kill(self) -> None:
            self.calls.append("kill")

        def clean(self, grace: float) -> processes.Leftovers:
            self.grace = grace
            return processes.Leftovers(0, 0, 0)

        def reap(self) -> int:
            return -9

    group = TimingOut()
    timed_out, found, code = Runner(straggler_grace=7.0)._finish(group, 0.1, 7.0)  # type: ignore[arg-type]
    assert (True, processes.Leftovers(0, 0, 0), -9) == (timed_out, found, code)
    assert ["wait", "kill", "wait"] == group.calls
    assert processes.KILL_SETTLE == group.grace
