"""Tests of the doctor's observer, hook by hook, in small programs that it watches.

Each program runs in a process of its own with the observer installed at start-up, as
the doctor installs it, except that the hook imports it from the mpcov package instead
of a private copy. The programs inherit this suite's environment, so when the suite is
measured the observer is measured in them, under its own file name.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mpcov.doctor import _observer
from mpcov.doctor.analysis import read_events

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the doctor is tested on POSIX only")

#: The start-up hook: what the doctor's sitecustomize does, with the package's observer.
HOOK = "import mpcov.doctor._observer as observer\nobserver.install()\n"


def _observe(
    tmp_path: Path, program: str, *, log: bool = True, measured: bool = True
) -> list[dict[str, Any]]:
    """Run ``program`` with the observer installed at start-up; the events it recorded.

    ``measured=False`` keeps this suite's coverage.py out of the program.
    """
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK)
    events = tmp_path / "events.jsonl"
    events.touch()
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(program))
    env = {k: v for k, v in os.environ.items() if measured or not k.startswith("COVERAGE_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(hook), env.get("PYTHONPATH")) if p)
    if log:
        env[_observer.LOG_VARIABLE] = str(events)
        env[_observer.DOCTOR_PID_VARIABLE] = str(os.getpid())
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert 0 == done.returncode, done.stderr
    found, torn = read_events(events)
    assert 0 == torn
    return found


def _site(event: dict[str, Any]) -> tuple[str, int]:
    """The file name and line of an event's call site in the user's code."""
    file, line, _ = event["site"]
    return Path(file).name, line


def _only(events: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    matching = [e for e in events if e["e"] == kind]
    assert 1 == len(matching), [e["e"] for e in events]
    return matching[0]


def test_observer_records_a_fork_and_its_os_exit(tmp_path: Path) -> None:
    """A raw fork: the child's fork and _exit events with their lines, the parent's reap."""
    events = _observe(
        tmp_path,
        """\
        import os
        pid = os.fork()
        if pid == 0:
            os._exit(3)
        os.waitpid(pid, 0)
        """,
    )
    start, fork, exit_ = _only(events, "start"), _only(events, "fork"), _only(events, "_exit")
    parent, child = start["pid"], fork["pid"]
    assert parent == fork["ppid"]
    assert ("program.py", 2) == _site(fork)
    assert (child, 3, ("program.py", 4)) == (exit_["pid"], exit_["status"], _site(exit_))
    reaped = _only(events, "reaped")
    assert (parent, child, 3 << 8) == (reaped["pid"], reaped["child"], reaped["status"])
    # The parent leaves through atexit; the child's os._exit skips it.
    assert [parent] == [e["pid"] for e in events if e["e"] == "exit"]


def test_observer_records_a_signal_after_sending_it(tmp_path: Path) -> None:
    """subprocess.Popen, os.kill and the reap: who started whom, who signalled whom, and where."""
    events = _observe(
        tmp_path,
        """\
        import os, signal, subprocess, sys
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        os.kill(child.pid, signal.SIGTERM)
        child.wait()
        """,
    )
    # Where subprocess starts the child through os.posix_spawn (3.13 on Linux), that hook
    # records it too: two events for one child, which the analysis keys by its pid.
    popens = [e for e in events if e["e"] == "popen"]
    assert 1 == len({e["child"] for e in popens})
    popen, kill = popens[-1], _only(events, "kill")
    assert ("program.py", 2) == _site(popen)
    assert [sys.executable, "-c", "import time; time.sleep(60)"] == popen["argv"]
    assert {"given": False} == popen["env"]
    assert ("kill", popen["child"], int(signal.SIGTERM)) == (
        kill["call"],
        kill["target"],
        kill["sig"],
    )
    assert ("program.py", 3) == _site(kill)
    # The raw wait status of a process killed by a signal is that signal's number.
    reaped = [e for e in events if e["e"] == "reaped" and e["child"] == popen["child"]]
    assert [int(signal.SIGTERM)] == [e["status"] for e in reaped]


def test_observer_ties_pool_workers_to_their_pool(tmp_path: Path) -> None:
    """A Pool and its workers: one pool event, and each worker's start names that pool."""
    events = _observe(
        tmp_path,
        """\
        import multiprocessing

        def main():
            pool = multiprocessing.get_context("fork").Pool(2)
            pool.map(abs, range(4))
            pool.close()
            pool.join()

        if __name__ == "__main__":
            main()
        """,
    )
    pool = _only(events, "pool")
    assert "multiprocessing.pool.Pool" == pool["cls"]
    assert ("program.py", 4) == _site(pool)
    workers = [e for e in events if e["e"] == "mp_start"]
    assert [("fork", pool["key"], True)] * 2 == [
        (w["method"], w["pool"], w["daemon"]) for w in workers
    ]
    assert all("multiprocessing/pool.py:_repopulate_pool_static" in w["tags"] for w in workers)
    # Each worker is a fork of the program and leaves through os._exit(0).
    children = {w["child"] for w in workers}
    assert children == {e["pid"] for e in events if e["e"] == "fork"}
    assert {(pid, 0) for pid in children} == {
        (e["pid"], e["status"]) for e in events if e["e"] == "_exit"
    }


def test_observer_records_threads_system_and_exec(tmp_path: Path) -> None:
    """A thread running the user's code, os.system around its command, and an exec."""
    events = _observe(
        tmp_path,
        """\
        import os, sys, threading

        def work():
            pass

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        os.system("true")
        os.execv(sys.executable, [sys.executable, "-c", "pass"])
        """,
    )
    thread = _only(events, "thread")
    assert (["program.py", 3, "work"], False) == (
        [Path(thread["target"][0]).name, *thread["target"][1:]],
        thread["daemon"],
    )
    assert ("program.py", 7) == _site(thread)
    system = [e for e in events if e["e"] == "system"]
    assert [("start", "true"), ("end", None)] == [(e["phase"], e.get("command")) for e in system]
    exec_ = _only(events, "exec")
    assert (sys.executable, [sys.executable, "-c", "pass"]) == (exec_["path"], exec_["argv"])
    assert ("program.py", 10) == _site(exec_)
    # The program exec'd never exits; the new one, same pid, starts observed and exits.
    after = [e for e in events if e["pid"] == exec_["pid"] and e["t"] > exec_["t"]]
    assert "start" == after[0]["e"]
    assert ["exit"] == [e["e"] for e in after if e["e"] == "exit"]
    assert [sys.executable, "-c", "pass"] == after[0]["argv"][-3:]


def test_observer_records_where_coverage_started_and_saved(tmp_path: Path) -> None:
    """Coverage.start and Coverage.save: the settings, the data file, the lines pending."""
    events = _observe(
        tmp_path,
        """\
        import coverage

        def work():
            return 1

        cov = coverage.Coverage(data_file="program.cov", branch=True, include=["*/program.py"])
        cov.start()
        work()
        cov.stop()
        cov.save()
        """,
    )
    started = [e for e in events if e["e"] == "cov_start" and e["file"].endswith("program.cov")]
    assert 1 == len(started)
    start = started[0]
    assert ("api", True, False) == (
        start["how"],
        start["settings"]["branch"],
        start["settings"]["parallel"],
    )
    assert ("program.py", 7) == _site(start)
    saves = [e for e in events if e["e"].startswith("save_") and e["id"] == start["id"]]
    assert ["save_start", "save_end"] == [e["e"] for e in saves]
    # work()'s two arcs (branch = true): into its one line, and from it back out.
    assert 2 == saves[0]["pending"]
    assert (tmp_path / "program.cov").is_file()


def test_observer_records_the_main_lines_a_spawn_child_runs(tmp_path: Path) -> None:
    """A spawn child re-imports the script as __mp_main__: which of its lines ran there."""
    events = _observe(
        tmp_path,
        """\
        import multiprocessing
        if __name__ == "__mp_main__":
            IN_CHILD = 1

        def work():
            pass

        if __name__ == "__main__":
            child = multiprocessing.get_context("spawn").Process(target=work)
            child.start()
            child.join()
        """,
        measured=False,
    )
    start = _only(events, "mp_start")
    assert ("spawn", False) == (start["method"], start["daemon"])
    main = _only(events, "mp_main")
    assert (start["child"], "program.py", None) == (
        main["pid"],
        Path(main["file"]).name,
        main["cov"],
    )
    # With no coverage.py in the child, the observer traces the import itself: these are
    # the lines it ran (the guarded one included), and none of the __main__ block.
    assert [1, 2, 3, 5, 8] == main["lines"]


def test_observer_does_nothing_without_its_variable(tmp_path: Path) -> None:
    """Without the doctor's log variable, install() patches nothing and records nothing."""
    events = _observe(
        tmp_path,
        """\
        import os, subprocess
        assert not getattr(os._exit, "_mpcov_doctor", False)
        assert not getattr(subprocess.Popen.__init__, "_mpcov_doctor", False)
        """,
        log=False,
    )
    assert [] == events


def test_observer_records_no_main_lines_when_the_import_is_skipped(tmp_path: Path) -> None:
    """A forkserver child whose __main__ the server preloaded re-imports nothing: no lines."""
    events = _observe(
        tmp_path,
        """\
        import multiprocessing.spawn
        import coverage

        def work():
            return 1

        cov = coverage.Coverage(data_file="program.cov")
        cov.start()
        work()
        # What a forkserver child does on Python 3.13.8+ and 3.14.1+: the fork server already
        # imported this file as __main__, so spawn returns without running it again.
        multiprocessing.spawn._fixup_main_from_path(__file__)
        cov.stop()
        """,
        measured=False,
    )
    main = _only(events, "mp_main")
    assert main["cov"] is not None
    assert main["cov"]["started"]
    # coverage.py holds work()'s line for this file, but the skipped import ran nothing.
    assert [] == main["lines"]
    assert main["ran"] is False
