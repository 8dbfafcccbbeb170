"""Tests of ``mpcov doctor``: the real CLI in a subprocess, on small real programs."""

from __future__ import annotations

import ast
import importlib.machinery
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import coverage
import jsonschema
import pytest

from mpcov.doctor import _observer
from mpcov.doctor import analysis as analysis_module
from mpcov.doctor.analysis import (
    Instance,
    Process,
    _no_startup_cause,
    _site_text,
    analyze,
    read_events,
    with_line,
)
from mpcov.doctor.report import SCHEMA_PATH

CASES = Path(__file__).parent / "doctor_cases"
POSIX = os.name == "posix"
posix_only = pytest.mark.skipif(not POSIX, reason="the doctor is tested on POSIX only")


@pytest.fixture
def marker() -> str:
    """A value for an environment variable that tags every process a test starts."""
    return uuid.uuid4().hex


@pytest.fixture
def private_tmp(tmp_path: Path) -> Path:
    """A TMPDIR of the test's own, to see that the doctor removes its folder from it."""
    path = tmp_path / "tmp"
    path.mkdir()
    return path


def _environment(marker: str, private_tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "MPCOV_"))}
    env.update(MPCOV_TEST_MARKER=marker, TMPDIR=str(private_tmp), PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


def _tagged_processes(marker: str) -> list[int]:
    """Processes whose environment carries ``marker`` (Linux: read from /proc)."""
    found = []
    needle = f"MPCOV_TEST_MARKER={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


#: Runs mpcov's CLI under this suite's coverage.py, in that one process.
_MEASURED_MPCOV = """\
import sys
import coverage
from mpcov.cli import main
data_file, config_file, *argv = sys.argv[1:]
cov = coverage.Coverage(data_file=data_file, data_suffix=True, config_file=config_file)
# Not the commands it diagnoses: patch = subprocess would measure them with our settings.
cov.set_option("run:patch", [])
cov.start()
try:
    code = main(argv)
finally:
    cov.stop()
    cov.save()
sys.exit(code)
"""


def _mpcov() -> list[str]:
    """``python -m mpcov``, measured when this suite is.

    The tests give the doctor an environment without COVERAGE_*, as a user's shell
    has, so that the commands it diagnoses run the coverage.py they name and never
    ours. That leaves the doctor's own process unmeasured too; this measures it alone.
    """
    cov = coverage.Coverage.current()
    if cov is None:
        return [sys.executable, "-m", "mpcov"]
    config = cov.config.config_file or ""
    return [
        sys.executable,
        "-c",
        _MEASURED_MPCOV,
        str(Path(cov.config.data_file).absolute()),
        config,
    ]


def _doctor(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_mpcov(), "doctor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with the two pool scripts and their ``pyproject.toml``."""
    folder = tmp_path / "project"
    folder.mkdir()
    for name in ("pool_map_with.py", "pool_map_close_join.py", "pyproject.toml"):
        shutil.copyfile(CASES / name, folder / name)
    return folder


def _left_files(folder: Path) -> set[str]:
    """Names in ``folder`` other than coverage's own data files."""
    return {p.name for p in folder.iterdir() if not p.name.startswith(".coverage")}


def _report(stdout: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(stdout[stdout.index("{\n") :])
    return document


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _coverage_run(script: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "coverage", "run", script, *args]


def _losing_run(
    tmp_path: Path, marker: str, private_tmp: Path, script: str, rc: str, *options: str
) -> dict[str, Any]:
    """The doctor's JSON report on ``coverage run script`` with ``rc`` as .coveragerc; exit 1."""
    (tmp_path / ".coveragerc").write_text(rc)
    done = _doctor(
        [*options, "--json", "-", "--", *_coverage_run(script)],
        tmp_path,
        _environment(marker, private_tmp),
    )
    assert 1 == done.returncode, done.stderr
    return _report(done.stdout)


@posix_only
def test_doctor_names_pool_exit_terminate_at_the_with_line(
    project: Path, marker: str, private_tmp: Path
) -> None:
    """A losing `with Pool` run is blamed on terminate() from Pool.__exit__ at the `with`."""
    env = _environment(marker, private_tmp)
    with_line_number = next(
        number
        for number, line in enumerate((project / "pool_map_with.py").read_text().splitlines(), 1)
        if "with multiprocessing.Pool" in line
    )
    losing = None
    for _ in range(10):  # the loss is a race; on Linux nearly every run loses
        done = _doctor(
            ["--json", "-", "--", *_coverage_run("pool_map_with.py", "fork")], project, env
        )
        if done.returncode == 1:
            losing = done
            break
        assert 0 == done.returncode, done.stderr
    assert losing is not None, "no losing run in 10"
    document = _report(losing.stdout)
    jsonschema.validate(document, _schema())
    assert ["MPC101"] == [cause["code"] for cause in document["causes"]]
    cause = document["causes"][0]
    assert f"pool_map_with.py:{with_line_number}" == cause["site"]
    assert "was ended by Pool.__exit__ -> terminate()" in cause["message"]
    # The command's own stderr comes first (coverage.py 7.10.7 warns "No data was
    # collected" in an idle worker), then the doctor's report.
    assert any(line.startswith("mpcov doctor: ") for line in losing.stderr.splitlines())
    assert "(MPC101)." in losing.stderr
    assert {"pool_map_with.py", "pool_map_close_join.py", "pyproject.toml"} == _left_files(project)
    assert [] == _tagged_processes(marker)
    assert [] == list(private_tmp.iterdir())


@posix_only
@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_doctor_close_join_reports_nothing_lost(
    project: Path, marker: str, private_tmp: Path, method: str
) -> None:
    """The same pool closed and joined inside the block loses nothing, on every start method."""
    env = _environment(marker, private_tmp)
    done = _doctor(
        ["--json", "-", "--", *_coverage_run("pool_map_close_join.py", method)], project, env
    )
    assert 0 == done.returncode, done.stderr
    document = _report(done.stdout)
    jsonschema.validate(document, _schema())
    assert [] == document["causes"]
    workers = [p for p in document["processes"] if p["start"]["method"] == method]
    assert 2 == len(workers)
    assert {"ok"} == {d["state"] for p in workers for d in p["data_files"]}
    assert {"pool_map_with.py", "pool_map_close_join.py", "pyproject.toml"} == _left_files(project)
    assert [] == _tagged_processes(marker)
    assert [] == list(private_tmp.iterdir())


#: A parent measured by ``coverage run`` and a child measured from coverage.py's .pth
#: file (``patch = subprocess``), which starts before the doctor's start-up hook runs.
_PARENT_AND_CHILD = """\
import subprocess, sys
subprocess.run([sys.executable, "-c", "print('child')"], check=True)
"""


@posix_only
@pytest.mark.skipif(coverage.version_info < (7, 10), reason="patch = subprocess needs 7.10")
def test_doctor_leaves_nothing_of_its_own_in_the_users_data(
    tmp_path: Path, marker: str, private_tmp: Path
) -> None:
    """The user's data holds only their files: their ``coverage report`` works after the doctor."""
    (tmp_path / "parent.py").write_text(_PARENT_AND_CHILD)
    (tmp_path / ".coveragerc").write_text("[run]\nparallel = true\npatch = subprocess\n")
    env = _environment(marker, private_tmp)
    done = _doctor(["--output", os.devnull, "--", *_coverage_run("parent.py")], tmp_path, env)
    assert 0 == done.returncode, done.stderr
    data_files = sorted(tmp_path.glob(".coverage.*"))
    assert 2 == len(data_files)
    for path in data_files:
        data = coverage.CoverageData(basename=str(path))
        data.read()
        assert {str((tmp_path / "parent.py").resolve())} >= set(data.measured_files()), path
    combined = subprocess.run(
        [sys.executable, "-m", "coverage", "combine", "-q"], cwd=tmp_path, env=env, check=False
    )
    assert 0 == combined.returncode
    report = subprocess.run(
        [sys.executable, "-m", "coverage", "report"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert 0 == report.returncode, report.stdout + report.stderr
    assert "parent.py" in report.stdout


def test_observer_file_name_is_one_coverage_never_measures() -> None:
    """The observer's code runs under a "<...>" name, spelt the same in the start-up hook."""
    hook = Path(_observer.__file__).with_name("_sitecustomize.py").read_text(encoding="utf-8")
    assert _observer.OBSERVER_FILENAME.startswith("<")
    assert f'OBSERVER_FILENAME = "{_observer.OBSERVER_FILENAME}"' in hook


@posix_only
def test_doctor_keeps_the_commands_stdout_and_reports_its_exit_code(
    tmp_path: Path, marker: str, private_tmp: Path
) -> None:
    """The command's stdout is untouched, its exit code is reported, and nothing is lost."""
    code = "import sys; print('hello from the command'); sys.exit(3)"
    done = _doctor(
        ["--json", str(tmp_path / "r.json"), "--", sys.executable, "-c", code],
        tmp_path,
        _environment(marker, private_tmp),
    )
    assert 0 == done.returncode
    assert "hello from the command\n" == done.stdout
    document = json.loads((tmp_path / "r.json").read_text())
    assert 3 == document["exit_code"]
    assert "the command exited with 3." in document["summary"]["line"]
    assert done.stderr.startswith(document["summary"]["line"])


def test_doctor_without_a_command_is_a_usage_error(tmp_path: Path) -> None:
    """No command after `--` exits 2 with a one-line error."""
    done = _doctor(["--"], tmp_path, dict(os.environ))
    assert 2 == done.returncode
    assert done.stderr.startswith("mpcov: error: doctor: no command given")


def test_doctor_command_that_cannot_start_exits_2(
    tmp_path: Path, marker: str, private_tmp: Path
) -> None:
    """A missing program exits 2, names it, and leaves no temporary folder."""
    done = _doctor(["--", "no-such-program-here"], tmp_path, _environment(marker, private_tmp))
    assert 2 == done.returncode
    assert "mpcov: error: doctor: cannot run 'no-such-program-here'" in done.stderr
    assert [] == list(private_tmp.iterdir())


@posix_only
def test_doctor_blames_os_exit_in_a_forked_child(
    tmp_path: Path, marker: str, private_tmp: Path
) -> None:
    """A raw fork child ending in os._exit without patch _exit is MPC201, at the _exit line."""
    script = tmp_path / "fork_exit.py"
    script.write_text(
        textwrap.dedent(
            """\
            import os

            pid = os.fork()
            if pid == 0:
                x = 1
                os._exit(0)
            os.waitpid(pid, 0)
            """
        )
    )
    (tmp_path / ".coveragerc").write_text("[run]\nparallel = true\n")
    done = _doctor(
        ["--json", "-", "--", *_coverage_run("fork_exit.py")],
        tmp_path,
        _environment(marker, private_tmp),
    )
    assert 1 == done.returncode, done.stderr
    document = _report(done.stdout)
    assert [("MPC201", "fork_exit.py:6")] == [(c["code"], c["site"]) for c in document["causes"]]
    child = next(p for p in document["processes"] if p["start"]["how"] == "fork")
    assert {"how": "_exit", "status": 0, "site": "fork_exit.py:6"} == child["end"]


@posix_only
def test_doctor_follows_a_shell_script_and_reports_a_dropped_environment(
    tmp_path: Path, marker: str, private_tmp: Path
) -> None:
    """Python run by a shell script is observed; a child given env= without the hook is not."""
    shutil.copyfile(CASES / "run_through_shell.sh", tmp_path / "run_through_shell.sh")
    (tmp_path / "run_through_shell.sh").chmod(0o755)
    script = tmp_path / "children.py"
    script.write_text(
        textwrap.dedent(
            """\
            import subprocess
            import sys

            subprocess.run(["./run_through_shell.sh", sys.executable], check=True)
            subprocess.run([sys.executable, "-c", "pass"], env={"PATH": "/usr/bin"}, check=True)
            """
        )
    )
    done = _doctor(
        ["--json", "-", "--", sys.executable, "children.py"],
        tmp_path,
        _environment(marker, private_tmp),
    )
    assert 0 == done.returncode, done.stderr
    document = _report(done.stdout)
    shell_child = next(
        p for p in document["processes"] if "from a shell script" in " ".join(p["argv"])
    )
    assert (["sh run_through_shell.sh"], "children.py:4") == (
        shell_child["start"]["via"],
        shell_child["start"]["site"],
    )
    assert [
        ("children.py:5", "its environment (env=...) does not carry the doctor's variables")
    ] == [(u["site"], u["reason"]) for u in document["unobserved"]]


@posix_only
def test_doctor_chains_to_an_existing_sitecustomize(
    tmp_path: Path, marker: str, private_tmp: Path
) -> None:
    """A sitecustomize the user already had still runs under the doctor."""
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "sitecustomize.py").write_text("import builtins\nbuiltins.THEIRS = 'ran'\n")
    env = _environment(marker, private_tmp, PYTHONPATH=str(theirs))
    done = _doctor(
        ["--", sys.executable, "-c", "import builtins; print(builtins.THEIRS)"], tmp_path, env
    )
    assert 0 == done.returncode, done.stderr
    assert "ran\n" == done.stdout
    assert "coverage.py measured none of 1 Python processes" in done.stderr


@posix_only
def test_doctor_timeout_stops_the_command_and_names_it(
    tmp_path: Path, marker: str, private_tmp: Path
) -> None:
    """--timeout stops the process group; the unsaved process is blamed on the timeout."""
    (tmp_path / "sleeper.py").write_text("import time\ntime.sleep(60)\n")
    started = time.monotonic()
    done = _doctor(
        ["--timeout", "20", "--json", "-", "--", *_coverage_run("sleeper.py")],
        tmp_path,
        _environment(marker, private_tmp),
    )
    assert time.monotonic() - started < 60
    assert 1 == done.returncode, done.stderr
    document = _report(done.stdout)
    assert None is document["exit_code"]
    assert ["timeout"] == [c["code"] for c in document["causes"]]
    assert [] == _tagged_processes(marker)


@posix_only
def test_doctor_sigterm_stops_everything_and_exits_130(
    tmp_path: Path, marker: str, private_tmp: Path
) -> None:
    """SIGTERM to the doctor stops the command's processes and removes its folder."""
    (tmp_path / "sleeper.py").write_text(
        "import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    )
    doctor = subprocess.Popen(
        [*_mpcov(), "doctor", "--", sys.executable, "sleeper.py"],
        cwd=tmp_path,
        env=_environment(marker, private_tmp),
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60

    def started() -> int:
        """Processes that have recorded their start in the doctor's (private) event log."""
        logs = list(private_tmp.glob("mpcov-doctor-*/events.jsonl"))
        return (
            sum(1 for line in logs[0].read_text().splitlines() if '"e":"start"' in line)
            if logs
            else 0
        )

    while started() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert 2 == started()  # the script and its child
    assert 3 == len(_tagged_processes(marker))  # and the doctor
    doctor.send_signal(signal.SIGTERM)
    _, stderr = doctor.communicate(timeout=30)
    assert 130 == doctor.returncode
    assert "mpcov: interrupted" in stderr
    assert [] == _tagged_processes(marker)
    assert [] == list(private_tmp.iterdir())


def test_observer_event_lines_survive_concurrent_writers(tmp_path: Path) -> None:
    """Events appended by many processes at once are whole lines; a torn last line is skipped."""
    log = tmp_path / "events.jsonl"
    log.touch()
    writer = textwrap.dedent(
        f"""\
        import sys
        sys.path.insert(0, {str(Path(_observer.__file__).parent)!r})
        import _observer
        _observer._LOG = {str(log)!r}
        for i in range(300):
            _observer.emit("x", i=i, text="a\\"b\\\\c\\n" * 40)
        """
    )
    writers = [subprocess.Popen([sys.executable, "-c", writer]) for _ in range(4)]
    for proc in writers:
        assert 0 == proc.wait(timeout=60)
    with log.open("ab") as handle:
        handle.write(b'{"e":"x","pid":1,"t":0.5,"tor')
    events, damaged = read_events(log)
    assert (1200, 1) == (len(events), damaged)
    assert {'a"b\\c\n' * 40} == {e["text"] for e in events}


def test_with_line_moves_a_site_to_its_with_statement(tmp_path: Path) -> None:
    """A call site inside a `with` block is reported at the `with` statement itself."""
    source = tmp_path / "s.py"
    source.write_text("def f():\n    x = 1\n    with open(__file__) as h:\n        h.read()\n\n")
    assert [str(source), 3, "f"] == with_line([str(source), 4, "f"])
    assert [str(source), 2, "f"] == with_line([str(source), 2, "f"])


def test_doctor_schema_is_a_valid_json_schema() -> None:
    """The shipped schema is itself valid for its metaschema."""
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "mpcov doctor report" == schema["title"]


class _CompileCounter(importlib.machinery.SourceFileLoader):
    """A loader that counts how often it had to compile the source."""

    compiled = 0

    def source_to_code(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.compiled += 1
        return super().source_to_code(*args, **kwargs)


def test_private_folder_holds_the_hooks_compiled() -> None:
    """The hook and the observer come compiled for this Python: no process compiles them."""
    import importlib.util
    import marshal

    from mpcov.doctor.runner import private_folder

    with private_folder() as folder:
        source = folder / "site" / "sitecustomize.py"
        assert Path(importlib.util.cache_from_source(str(source))).is_file()
        # The bytecode must be valid for the copy, or every process compiles anyway.
        loader = _CompileCounter("sitecustomize", str(source))
        loader.get_code("sitecustomize")
        assert loader.compiled == 0, "sitecustomize: its bytecode was stale"
        cached = folder / "site" / f"observer.{sys.implementation.cache_tag}.code"
        data = cached.read_bytes()
        magic = importlib.util.MAGIC_NUMBER
        assert magic == data[: len(magic)]
        code = marshal.loads(data[len(magic) :])
        # Every function in it too: one real path is enough to put lines in the user's data.
        codes, names = [code], set()
        while codes:
            current = codes.pop()
            names.add(current.co_filename)
            codes += [c for c in current.co_consts if isinstance(c, type(code))]
        assert {_observer.OBSERVER_FILENAME} == names
        # Nothing named like a module: the observer is not importable from a real file.
        assert not (folder / "site" / "_mpcov_doctor_observer.py").exists()
    assert not folder.exists()


def test_private_folder_hook_compiles_the_observer_for_another_python(tmp_path: Path) -> None:
    """Without compiled code for its Python, a process compiles the observer once and keeps it."""
    from mpcov.doctor.runner import command_environment, private_folder

    with private_folder() as folder:
        cached = folder / "site" / f"observer.{sys.implementation.cache_tag}.code"
        cached.unlink()  # as a Python other than the doctor's finds the folder
        env = command_environment(folder, {"PATH": os.environ.get("PATH", "")})
        for _ in range(2):
            subprocess.run([sys.executable, "-c", "pass"], env=env, check=True, cwd=tmp_path)
        assert cached.is_file()
        events, _ = read_events(folder / "events.jsonl")
        starts = [e for e in events if e["e"] == "start"]
        assert 2 == len(starts)
        assert [] == [p.name for p in (folder / "site").iterdir() if ".code." in p.name]


def test_private_folder_hook_imports_nothing_costly(tmp_path: Path) -> None:
    """The start-up hook loads no module a bare interpreter does not (each costs every process)."""
    from mpcov.doctor.runner import command_environment, private_folder

    probe = "import sys; print(' '.join(sorted(sys.modules)))"
    env = {"PATH": os.environ.get("PATH", "")}
    bare = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    with private_folder() as folder:
        hooked = subprocess.run(
            [sys.executable, "-c", probe],
            env=command_environment(folder, env),
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        )
    added = set(hooked.stdout.split()) - set(bare.stdout.split())
    # The hook, the observer, and small built-in or pure modules it needs.
    allowed = {"sitecustomize", "_mpcov_doctor_observer", "__future__", "atexit", "marshal"}
    assert allowed >= added


@posix_only
def test_doctor_runs_twice_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second in-process ``mpcov doctor`` still finds its entry point (no module shadows it)."""
    from mpcov.cli import main

    monkeypatch.chdir(tmp_path)
    report = tmp_path / "report.txt"
    for _ in range(2):
        assert main(["doctor", "--output", str(report), "--", "true"]) == 0
    assert report.read_text(encoding="utf-8").strip()


@posix_only
def test_doctor_group_of_zombies_counts_as_ended() -> None:
    """A process group whose only member is an unreaped zombie has nothing left to wait for."""
    from mpcov.doctor.runner import _group_alive

    child = subprocess.Popen(["true"], start_new_session=True)
    try:
        stat = Path(f"/proc/{child.pid}/stat")
        deadline = time.monotonic() + 10
        while stat.read_bytes().rpartition(b")")[2].split()[0] != b"Z":
            assert time.monotonic() < deadline, "the child never exited"
            time.sleep(0.01)
        os.killpg(child.pid, 0)  # the kernel still counts the zombie in its group
        assert not _group_alive(child.pid)
    finally:
        child.wait()


@posix_only
@pytest.mark.skipif(
    tuple(map(int, coverage.__version__.split(".")[:3])) < (7, 13, 3),
    reason="coverage.py counts virtualenv folders as third-party from 7.13.3",
)
def test_doctor_names_a_script_below_a_virtualenv_folder(
    tmp_path: Path, marker: str, private_tmp: Path
) -> None:
    """A script below a folder holding pyvenv.cfg is measured by nobody: cause third-party."""
    venv = tmp_path / "env"
    (venv / "tmp").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "tmp" / "script.py").write_text("print('ran')\n")
    # A child, as in subprocess_script_below_venv: its sys.path[0] is set before
    # coverage.py starts in it (under `coverage run` some releases look only later).
    (tmp_path / "parent.py").write_text(
        "import subprocess, sys\nsubprocess.run([sys.executable, 'env/tmp/script.py'], check=True)\n"
    )
    document = _losing_run(
        tmp_path, marker, private_tmp, "parent.py", "[run]\npatch = subprocess\n"
    )
    (cause,) = document["causes"]
    assert "third-party" == cause["code"]
    assert "script.py" in cause["what"]


_BUSY_CHILD = """\
import multiprocessing, os, signal, time

def work(started):
    {handler}
    started.set()
    time.sleep(30)

if __name__ == "__main__":
    ctx = multiprocessing.get_context("fork")
    started = ctx.Event()
    child = ctx.Process(target=work, args=(started,))
    child.start()
    started.wait(20)
    {stop}
    child.join()
"""


@posix_only
@pytest.mark.parametrize(
    ("handler", "stop", "code", "where"),
    [
        # os.kill(pid, SIGTERM) on a busy child is Process.terminate()'s rule.
        ("pass", "os.kill(child.pid, signal.SIGTERM)", "MPC103", "busy_child.py:14"),
        # The program's own handler leaves through os._exit(): patch _exit, not sigterm.
        (
            "signal.signal(signal.SIGTERM, lambda *_: os._exit(15))",
            "child.terminate()",
            "MPC201",
            "busy_child.py:4",
        ),
    ],
    ids=["os-kill-sigterm", "own-handler-os-exit"],
)
def test_doctor_names_the_rule_for_a_signalled_busy_child(
    tmp_path: Path, marker: str, private_tmp: Path, handler: str, stop: str, code: str, where: str
) -> None:
    """A SIGTERMed busy child is blamed on the rule whose fix works for how it ended."""
    (tmp_path / "busy_child.py").write_text(_BUSY_CHILD.format(handler=handler, stop=stop))
    rc = "[run]\nparallel = true\nconcurrency = multiprocessing\n"
    (cause,) = _losing_run(tmp_path, marker, private_tmp, "busy_child.py", rc)["causes"]
    assert code == cause["code"], cause
    assert where in f"{cause['site']} {cause['what']}", cause


@posix_only
def test_doctor_names_a_crashed_child_crash_not_a_kill_from_outside(
    tmp_path: Path, marker: str, private_tmp: Path
) -> None:
    """A child that dies of its own SIGSEGV crashed: nobody sent that signal."""
    (tmp_path / "crash_child.py").write_text(
        textwrap.dedent(
            """\
            import ctypes, multiprocessing

            def work():
                ctypes.string_at(0)  # a read at address 0: SIGSEGV

            if __name__ == "__main__":
                child = multiprocessing.get_context("fork").Process(target=work)
                child.start()
                child.join()
            """
        )
    )
    rc = "[run]\nparallel = true\nconcurrency = multiprocessing\n"
    (cause,) = _losing_run(tmp_path, marker, private_tmp, "crash_child.py", rc)["causes"]
    assert "crash" == cause["code"], cause
    assert "SIGSEGV" in cause["message"], cause


@posix_only
def test_doctor_names_a_child_stopped_after_grace_outlived(
    tmp_path: Path, marker: str, private_tmp: Path
) -> None:
    """A child still running after --grace is 'outlived', not a timeout; the command's end stays its own."""
    (tmp_path / "leave_child.py").write_text(
        textwrap.dedent(
            """\
            import os, time

            if os.fork() == 0:
                time.sleep(30)
            """
        )
    )
    rc = "[run]\nparallel = true\n"
    document = _losing_run(tmp_path, marker, private_tmp, "leave_child.py", rc, "--grace", "0.5")
    assert ["outlived"] == [c["code"] for c in document["causes"]]
    command = next(p for p in document["processes"] if p["start"]["how"] == "command")
    assert "exit" == command["end"]["how"], command


@posix_only
def test_doctor_blames_the_kill_for_loky_workers_killed_before_they_started(
    tmp_path: Path, marker: str, private_tmp: Path
) -> None:
    """Workers loky starts, SIGKILLed at start-up under patch = subprocess: the kill is named."""
    pytest.importorskip("joblib")
    (tmp_path / "tasks.py").write_text("def work(x):\n    return x * 2\n")
    (tmp_path / "kill_loky_workers.py").write_text(
        textwrap.dedent(
            """\
            import os, signal
            from joblib.externals.loky import get_reusable_executor
            from tasks import work

            if __name__ == "__main__":
                executor = get_reusable_executor(max_workers=2)
                future = executor.submit(work, 1)
                for pid in list(executor._processes):
                    os.kill(pid, signal.SIGKILL)
                try:
                    future.result()
                except Exception as error:  # loky's TerminatedWorkerError
                    print(type(error).__name__)
                executor.shutdown(wait=True)
            """
        )
    )
    rc = "[run]\nparallel = true\npatch = subprocess\n"
    document = _losing_run(tmp_path, marker, private_tmp, "kill_loky_workers.py", rc)
    (cause,) = document["causes"]
    assert "MPC104" == cause["code"], cause
    assert "SIGKILL" in cause["message"], cause
    assert "kill_loky_workers.py:9" in cause["message"], cause
    assert "patch" not in cause["fix"], cause


def _base_python_without_coverage() -> str | None:
    """The interpreter this virtualenv was made from, if it cannot import coverage.py."""
    base = getattr(sys, "_base_executable", None)
    if not base:
        return None
    probe = subprocess.run(
        [base, "-c", "import coverage"], capture_output=True, check=False, timeout=60
    )
    return base if probe.returncode != 0 else None


@posix_only
def test_doctor_says_a_child_python_without_coverage_cannot_start_it(
    tmp_path: Path, marker: str, private_tmp: Path
) -> None:
    """A child run by a Python that lacks coverage.py: the cause is that Python, not a setting."""
    base = _base_python_without_coverage()
    if base is None:
        pytest.skip("no base interpreter without coverage.py here")
    (tmp_path / "child.py").write_text("print('child ran')\n")
    (tmp_path / "other_python.py").write_text(
        textwrap.dedent(
            f"""\
            import subprocess

            if __name__ == "__main__":
                subprocess.run([{base!r}, "child.py"], check=True)
            """
        )
    )
    rc = "[run]\nparallel = true\npatch = subprocess\n"
    (cause,) = _losing_run(tmp_path, marker, private_tmp, "other_python.py", rc)["causes"]
    assert "not-started" == cause["code"], cause
    assert "cannot import coverage.py" in cause["message"], cause
    assert "install coverage.py" in cause["fix"], cause


@pytest.mark.parametrize(
    ("version", "fix"),
    [("7.10.0", "upgrade coverage.py to 7.10.2"), ("7.10.2", "reinstall coverage.py there")],
)
def test_no_startup_cause_names_the_release_that_deleted_the_start_up_file(
    version: str, fix: str
) -> None:
    """A child with coverage.py importable but no .pth: 7.10.0 and 7.10.1 deleted it themselves."""
    parent = Process(0, 10, 1, True, {"argv": ["coverage", "run", "main.py"]})
    parent.instances[1] = Instance(1, "coverage run", {"patch": ["subprocess"]}, version)
    child = Process(1, 11, 10, True, {"executable": "/venv/bin/python"}, parent=parent)
    cause = _no_startup_cause(child, {"importable": True, "pth": []}, "main.py:7")
    assert "not-started" == cause.code
    assert "no coverage.py start-up file (.pth)" in cause.what
    assert cause.fix.startswith(fix), cause.fix


def test_site_text_is_relative_near_the_run_and_absolute_far_from_it(tmp_path: Path) -> None:
    """A call site in a neighbour folder reads ../x.py; one in site-packages keeps its path."""
    run = tmp_path / "repo" / "tests"
    near = tmp_path / "repo" / "src" / "app.py"
    far = Path("/usr/lib/python3/site-packages/lib/pool.py")
    assert "app.py:3" == _site_text([str(run / "app.py"), 3], run)
    assert f"{Path('..', 'src', 'app.py')}:3" == _site_text([str(near), 3], run)
    assert f"{far}:9" == _site_text([str(far), 9], run)


#: A script whose one line runs only as __mp_main__ (line 3), in a spawn child or a fork server.
_MP_MAIN_SCRIPT = (
    "import os\n"
    "if __name__ == '__mp_main__':\n"
    "    X = 1\n"
    "def work():\n"
    "    pass\n"
    "if __name__ == '__main__':\n"
    "    pass\n"
)


def _write_data(path: Path, lines: dict[str, list[int]]) -> str:
    data = coverage.CoverageData(basename=str(path))
    data.add_lines(lines)
    data.write()
    return str(path)


def _preload_log(tmp_path: Path, *, server_cov: bool) -> Path:
    """The events of a forkserver run on Python 3.14.1, where the fork server preloads __main__.

    The parent measured the script (all but line 3) under ``coverage run``. The fork server
    imported it as __mp_main__ (lines 1-4 and 6): measured by ``patch = ["subprocess"]``
    (``server_cov``), or not, under ``concurrency = ["multiprocessing"]``. Its child found
    __main__ already imported, ran none of it, and ran work() (line 5). The server never
    saved: it was stopped, or exited after the data was combined.
    """
    script = str(tmp_path / "main.py")
    Path(script).write_text(_MP_MAIN_SCRIPT)
    parent_data = _write_data(tmp_path / ".coverage.host.pid10.X1x", {script: [1, 2, 4, 6, 7]})
    settings = {"patch": ["subprocess"]} if server_cov else {"concurrency": ["multiprocessing"]}
    server = "from multiprocessing.forkserver import main; main(3, 4, ['__main__'])"
    cov = {"id": 2, "started": True} if server_cov else None
    events: list[dict[str, Any]] = [
        {"e": "start", "pid": 10, "ppid": 1, "t": 1.0, "python": "3.14.1",
         "argv": ["python", "-m", "coverage", "run", "main.py", "forkserver"]},
        {"e": "cov_start", "pid": 10, "t": 1.1, "id": 1, "how": "coverage run",
         "settings": settings, "version": "7.17.5"},
        {"e": "start", "pid": 11, "ppid": 10, "t": 1.2, "python": "3.14.1",
         "argv": ["python", "-c", server], "ancestors": [[10, "python"]]},
    ]  # fmt: skip
    if server_cov:
        events.append(
            {"e": "cov_start", "pid": 11, "t": 1.25, "id": 2, "how": "startup",
             "settings": settings, "version": "7.17.5"}
        )  # fmt: skip
    events += [
        {"e": "mp_main", "pid": 11, "t": 1.3, "file": script, "cov": cov,
         "lines": [1, 2, 3, 4, 6], "ran": True},
        {"e": "mp_start", "pid": 10, "t": 1.4, "child": 12, "method": "forkserver",
         "site": [script, 7, "<module>"]},
        {"e": "fork", "pid": 12, "ppid": 11, "t": 1.5, "cov": cov,
         "tags": ["multiprocessing/forkserver.py:main"]},
        # Coverage's lines for the file are the server's, inherited: the child ran none.
        {"e": "mp_main", "pid": 12, "t": 1.6, "file": script, "cov": cov, "lines": [],
         "ran": False},
    ]  # fmt: skip
    if server_cov:
        # patch = ["subprocess"] without "_exit": the child's os._exit() skips its save.
        events.append({"e": "_exit", "pid": 12, "t": 1.7, "status": 0})
    else:
        child_data = _write_data(tmp_path / ".coverage.host.pid12.X3x", {script: [5]})
        events += [
            {"e": "cov_start", "pid": 12, "t": 1.65, "id": 3, "how": "multiprocessing",
             "settings": settings, "version": "7.17.5"},
            {"e": "save_start", "pid": 12, "t": 1.7, "id": 3, "file": child_data, "pending": 1},
            {"e": "save_end", "pid": 12, "t": 1.71, "id": 3, "file": child_data},
            {"e": "_exit", "pid": 12, "t": 1.72, "status": 0},
        ]  # fmt: skip
    events += [
        {"e": "save_start", "pid": 10, "t": 2.0, "id": 1, "file": parent_data, "pending": 5},
        {"e": "save_end", "pid": 10, "t": 2.1, "id": 1, "file": parent_data},
        {"e": "exit", "pid": 10, "t": 2.2},
    ]  # fmt: skip
    events.append({"e": "exit", "pid": 11, "t": 2.4})
    log = tmp_path / "events.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in events))
    return log


@pytest.mark.parametrize(
    ("server_cov", "fix"),
    [
        (False, 'measure the fork server with `patch = ["subprocess"]`'),
        (True, "let the fork server"),
    ],
)
def test_analyze_blames_lines_a_fork_server_preloaded(
    tmp_path: Path, server_cov: bool, fix: str
) -> None:
    """Python 3.13.8+/3.14.1+: __mp_main__ lines the fork server ran and no file holds."""
    log = _preload_log(tmp_path, server_cov=server_cov)
    analysis = analyze(log, 1, tmp_path)
    server = next(p for p in analysis.processes if p.pid == 11)
    assert server.helper
    assert server.cause is not None
    assert ("MPC207", ["mp_main"]) == (server.cause.code, server.partial)
    assert "the fork server (Python 3.14.1) preloaded it as __mp_main__" in server.cause.what
    assert f"{tmp_path / 'main.py'}:3" == server.cause.site
    assert fix in server.cause.fix
    child = next(p for p in analysis.processes if p.pid == 12)
    assert child.cause is None or child.cause.code != "MPC207"


def _codes_in(node: ast.AST) -> set[str]:
    """The cause codes an expression can give: its strings, both arms of an ``if``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes_in(node.body) | _codes_in(node.orelse)
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_known":
        return set().union(*(_codes_in(arg) for arg in node.args))
    return set()


def _analysis_codes() -> set[str]:
    """Every cause code src/mpcov/doctor/analysis.py can give, read from its source."""
    tree = ast.parse(Path(analysis_module.__file__).read_text(encoding="utf-8"))
    codes: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Cause":
            codes |= _codes_in(node.args[0])
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "code":
                    codes |= _codes_in(keyword.value)
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "code" for t in node.targets
        ):
            codes |= _codes_in(node.value)
    return codes


def _page_codes() -> set[str]:
    """The codes in the first column of the causes table of docs/reference/doctor.md."""
    page = (Path(__file__).parents[1] / "docs" / "reference" / "doctor.md").read_text("utf-8")
    section = page.split("\n## Causes\n", 1)[1].split("\n## ", 1)[0]
    codes: set[str] = set()
    for row in section.splitlines():
        if not row.startswith("| ") or row.startswith(("| code ", "| ---")):
            continue
        first = row.split(" | ", 1)[0]
        codes |= set(re.findall(r"\bMPC\d{3}\b", first)) | set(re.findall(r"`([a-z-]+)`", first))
    return codes


def test_doctor_causes_table_lists_every_cause_the_analysis_gives() -> None:
    """The page's causes table and analysis.py name the same codes, no more, no fewer."""
    codes = _analysis_codes()
    assert {"MPC101", "MPC207", "not-started", "signal"} <= codes
    assert codes == _page_codes()
