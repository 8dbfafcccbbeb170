"""Fault injection: the real ``mpcov verify`` in a subprocess, under signals and bad input.

Each test runs ``python -m mpcov verify`` with a private ``TMPDIR`` and a marker
variable in its environment, which every process it starts inherits. Then it
checks the exit code and the one-line message, that no process carrying the marker
is left (found through ``/proc/*/environ``, not by name), that the private
``TMPDIR`` is empty, and that no ``.coverage*`` file was left anywhere the run could
have written one.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="finds processes through /proc (Linux)"
)

WriteExample = Callable[..., Path]
#: Seconds for anything that should happen at once, on a loaded machine.
PATIENCE = 60.0
MARKER = "MPCOV_FAULT_MARKER"
INTERRUPTED = "mpcov: interrupted; every run was stopped"

#: Starts a grandchild in the script's group, says so, then hangs.
HANGING_BODY = """\
import os
import subprocess
import sys
import time
from pathlib import Path

sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
signals = Path(os.environ["MPCOV_FAULT_SIGNALS"])
(signals / f"started-{os.getpid()}").write_text(f"{os.getpid()} {sleeper.pid}")
time.sleep(300)  # mpcov: child
"""

#: Measured at once; leaves a file saying that it ran.
RAN_BODY = """\
import os
from pathlib import Path

Path(os.environ["MPCOV_FAULT_SIGNALS"], f"ran-{os.getpid()}").write_text("")  # mpcov: child
"""


@dataclass
class Done:
    """How a finished ``mpcov`` process ended."""

    code: int
    out: str
    err: str

    @property
    def last_line(self) -> str:
        """The last non-empty line of stderr."""
        lines = [line for line in self.err.splitlines() if line.strip()]
        return lines[-1] if lines else ""


class Cli:
    """Runs the real CLI with a marker, a private TMPDIR and its own working folder."""

    def __init__(self, root: Path) -> None:
        """Make the private folders under ``root``."""
        self.root = root
        self.marker = uuid.uuid4().hex
        self.tmp = root / "tmp"
        self.cwd = root / "cwd"
        self.signals = root / "signals"
        #: HOME for the CLI: ``~`` and ``$HOME`` in settings point here, not at yours.
        self.home = root / "home"
        for folder in (self.tmp, self.cwd, self.signals, self.home):
            folder.mkdir()

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of the CLI: ours, plus the marker.

        COVERAGE_* stays, so that when this suite is measured the CLI and its watchdog
        are too; the engine itself removes those variables from the examples it runs.
        """
        env = dict(os.environ)
        env.update(
            {
                MARKER: self.marker,
                "TMPDIR": str(self.tmp),
                "HOME": str(self.home),
                "MPCOV_FAULT_SIGNALS": str(self.signals),
                "PYTHONWARNINGS": "",
            },
            **extra,
        )
        return env

    def command(self, *args: str) -> list[str]:
        """``python -m mpcov verify ARGS``."""
        return [sys.executable, "-m", "mpcov", "verify", *args]

    def start(self, *args: str, **popen: object) -> subprocess.Popen[str]:
        """Start ``mpcov verify ARGS`` without waiting."""
        options: dict[str, object] = {
            "cwd": self.cwd,
            "env": self.env(),
            "stdout": subprocess.PIPE,
            "stderr": subprocess.PIPE,
            "text": True,
        }
        options.update(popen)
        return subprocess.Popen(self.command(*args), **options)  # type: ignore[call-overload, no-any-return]

    def run(self, *args: str, timeout: float = 4 * PATIENCE) -> Done:
        """Run ``mpcov verify ARGS`` to the end."""
        proc = self.start(*args)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"mpcov did not finish within {timeout} s:\n{err}")
        return Done(proc.returncode, out, err)

    def started(self, count: int, within: float = PATIENCE) -> list[tuple[int, int]]:
        """Wait until ``count`` hanging runs said they started; their (script, sleeper) pids."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            files = sorted(self.signals.glob("started-*"))
            pairs = [tuple(map(int, f.read_text().split())) for f in files if f.read_text()]
            if len(pairs) >= count:
                return [(a, b) for a, b in pairs]
            time.sleep(0.05)
        pytest.fail(f"only {len(list(self.signals.glob('started-*')))} of {count} runs started")

    def ran(self) -> int:
        """How many runs of a RAN_BODY example happened."""
        return len(list(self.signals.glob("ran-*")))

    def processes(self) -> list[int]:
        """Live processes (not zombies) that carry this test's marker."""
        wanted = f"{MARKER}={self.marker}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if wanted in environ.split(b"\0"):
                found.append(int(entry.name))
        return found

    def processes_left(self, within: float = 15.0) -> list[int]:
        """Marked processes still alive after waiting up to ``within`` seconds."""
        deadline = time.monotonic() + within
        left = self.processes()
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = self.processes()
        return left

    def stray_data_files(self, *folders: Path) -> list[str]:
        """``.coverage*`` files under the working folder, TMPDIR and ``folders``."""
        found: list[str] = []
        for folder in (self.cwd, self.tmp, self.home, *folders):
            found.extend(str(p) for p in folder.rglob(".coverage*"))
        return sorted(found)

    def assert_clean(self, *folders: Path) -> None:
        """No marked process, no temporary folder and no stray data file is left."""
        assert [] == self.processes_left()
        assert [] == sorted(p.name for p in self.tmp.iterdir())
        assert [] == self.stray_data_files(*folders)

    def kill_leftovers(self) -> None:
        """Kill whatever a failed test left running."""
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    """A :class:`Cli` whose leftovers are killed after the test."""
    runner = Cli(tmp_path)
    yield runner
    runner.kill_leftovers()


def _one_line_error(done: Done, message: str) -> None:
    assert "Traceback" not in done.err, done.err
    lines = [line for line in done.err.splitlines() if line.strip()]
    assert 1 == len(lines), done.err
    assert message == lines[0]


def _wait(proc: subprocess.Popen[str], within: float = PATIENCE) -> Done:
    try:
        out, err = proc.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"mpcov did not stop within {within} s:\n{err}")
    return Done(proc.returncode, out, err)


# ----------------------------------------------------------------------- 1: signals


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"]
)
def test_verify_signal_stops_every_run_and_exits_130(
    cli: Cli, write_example: WriteExample, signum: signal.Signals
) -> None:
    """Ctrl-C, SIGTERM and SIGHUP each stop verify: exit 130, every run's group killed."""
    path = write_example(body=HANGING_BODY)
    proc = cli.start(str(path), "--repeat", "2", "--jobs", "2", "--timeout", "300")
    pids = cli.started(2)
    proc.send_signal(signum)
    done = _wait(proc)
    assert (130, INTERRUPTED) == (done.code, done.last_line), done.err
    assert "Traceback" not in done.err
    assert 4 == len({pid for pair in pids for pid in pair})
    cli.assert_clean(path.parent)


def test_verify_hangup_of_its_terminal_stops_every_run(
    cli: Cli, write_example: WriteExample
) -> None:
    """Closing verify's controlling terminal (a real hang-up) stops it with exit 130."""
    path = write_example(body=HANGING_BODY)
    master, slave = pty.openpty()

    def controlling_terminal() -> None:
        import fcntl
        import termios

        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = cli.start(
        str(path),
        "--repeat",
        "2",
        "--jobs",
        "2",
        "--timeout",
        "300",
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=controlling_terminal,
    )
    os.close(slave)
    cli.started(2)
    os.close(master)  # the terminal goes away: the kernel sends SIGHUP to its session
    assert 130 == _wait(proc).code
    cli.assert_clean(path.parent)


@pytest.mark.parametrize("gap", [0.0, 0.005, 0.02, 0.05, 0.1, 0.2])
def test_verify_two_quick_interrupts_leave_nothing(
    cli: Cli, write_example: WriteExample, gap: float
) -> None:
    """A second Ctrl-C while verify is stopping its runs still lets it clean up fully."""
    path = write_example(body=HANGING_BODY)
    proc = cli.start(str(path), "--repeat", "4", "--jobs", "2", "--timeout", "300")
    cli.started(2)
    proc.send_signal(signal.SIGINT)
    time.sleep(gap)
    proc.send_signal(signal.SIGINT)
    done = _wait(proc)
    assert (130, INTERRUPTED) == (done.code, done.last_line), done.err
    assert "Traceback" not in done.err
    cli.assert_clean(path.parent)


def _tgkill(pid: int, tid: int, signum: int) -> None:
    """Send ``signum`` to one thread of another process (glibc 2.30+ has tgkill)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "tgkill"):  # pragma: no cover - older or other C libraries
        pytest.skip("this C library has no tgkill()")
    if libc.tgkill(pid, tid, signum) != 0:  # pragma: no cover - the thread just ended
        raise OSError(ctypes.get_errno(), "tgkill")


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_verify_stops_when_the_signal_lands_on_a_worker_thread(
    cli: Cli, write_example: WriteExample, name: str
) -> None:
    """A stop signal the kernel gives to a run's thread stops verify as soon as one to main."""
    path = write_example(body=HANGING_BODY)
    proc = cli.start(str(path), "--repeat", "4", "--jobs", "2", "--timeout", "300")
    cli.started(2)
    tasks = (int(t.name) for t in Path(f"/proc/{proc.pid}/task").iterdir())
    threads = sorted(t for t in tasks if t != proc.pid)
    assert threads, "verify runs its examples from threads"
    # The kernel picks this thread itself when the main thread has a signal pending or
    # is in the C handler of the last one; tgkill makes that case certain.
    _tgkill(proc.pid, threads[0], getattr(signal, name))
    done = _wait(proc, within=10.0)
    assert (130, INTERRUPTED) == (done.code, done.last_line), done.err
    cli.assert_clean(path.parent)


def test_verify_sigkill_leaves_no_run_and_no_temp_folder(
    cli: Cli, write_example: WriteExample
) -> None:
    """When verify itself is SIGKILLed, its runs and their temp folders still go away."""
    path = write_example(body=HANGING_BODY)
    proc = cli.start(str(path), "--repeat", "2", "--jobs", "2", "--timeout", "300")
    cli.started(2)
    proc.kill()
    assert -signal.SIGKILL == _wait(proc).code
    cli.assert_clean(path.parent)


def test_verify_interrupt_during_preflight_stops_it(
    cli: Cli, write_example: WriteExample, tmp_path: Path
) -> None:
    """Ctrl-C while coverage.py is still judging the settings exits 130 and leaves nothing."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "slow_plugin.py").write_text(
        "import os, time\nfrom pathlib import Path\n\n"
        "Path(os.environ['MPCOV_FAULT_SIGNALS'], f'started-{os.getpid()}')"
        ".write_text(f'{os.getpid()} {os.getpid()}')\n"
        "time.sleep(300)\n\n\ndef coverage_init(reg, options):\n    pass\n"
    )
    path = write_example(coverage='[tool.coverage.run]\nplugins = ["slow_plugin"]')
    proc = cli.start(str(path), env=cli.env(PYTHONPATH=str(plugins)))
    cli.started(1)
    proc.send_signal(signal.SIGINT)
    done = _wait(proc)
    assert (130, "mpcov: interrupted") == (done.code, done.last_line), done.err
    cli.assert_clean(path.parent)


# ----------------------------------------------------------------------- 2: data_file


def test_verify_reads_a_data_file_in_a_folder(cli: Cli, write_example: WriteExample) -> None:
    """``data_file = "covdata/.coverage"`` is read where coverage.py writes it: measured."""
    path = write_example(coverage='[tool.coverage.run]\ndata_file = "covdata/.coverage"')
    done = cli.run(str(path), "--repeat", "1", "--json", "out.json")
    assert 0 == done.code, done.err
    (row,) = json.loads((cli.cwd / "out.json").read_text())["results"]
    assert (1, 1) == (row["runs"], row["measured"])
    cli.assert_clean(path.parent)


@pytest.mark.parametrize(
    "data_file",
    ["{root}/elsewhere/.coverage", "../elsewhere/.coverage", "~/.coverage-mpcov-test", "$HOME/x"],
    ids=["absolute", "parent", "home", "variable"],
)
def test_verify_refuses_a_data_file_outside_the_run(
    cli: Cli, write_example: WriteExample, tmp_path: Path, data_file: str
) -> None:
    """A ``data_file`` that would write outside the run's folder is a usage error, before any run."""
    value = data_file.format(root=tmp_path)
    path = write_example(coverage=f'[tool.coverage.run]\ndata_file = "{value}"', body=RAN_BODY)
    done = cli.run(str(path), "--repeat", "1")
    assert 2 == done.code
    _one_line_error(
        done,
        f"mpcov: error: {path}: data_file = {value!r} would write coverage data outside "
        "the run's folder; use a relative path such as 'covdata/.coverage'",
    )
    assert 0 == cli.ran()
    assert not (tmp_path / "elsewhere").exists()
    assert [] == list(cli.home.iterdir())
    cli.assert_clean(path.parent)


# ----------------------------------------------------------------------- 3: output paths


@pytest.mark.parametrize(
    ("option", "target", "reason"),
    [
        ("--json", "{file}/out.json", "Not a directory"),
        ("--json", "{folder}", "is a directory"),
        ("--json", "/sys/mpcov-out.json", "Permission denied"),
        ("--record", "{file}", "not a directory"),
        ("--record", "{file}/deeper", "Not a directory"),
        ("--keep", "{file}", "not a directory"),
    ],
    ids=[
        "json-under-a-file",
        "json-is-a-folder",
        "json-in-sys",
        "record-file",
        "record-under-file",
        "keep-file",
    ],
)
def test_verify_unwritable_output_is_refused_before_any_run(
    cli: Cli, write_example: WriteExample, option: str, target: str, reason: str
) -> None:
    """``--json``/``--record``/``--keep`` that cannot be written: exit 2, one line, no run."""
    a_file = cli.root / "a-file"
    a_file.write_text("not a folder\n")
    folder = cli.root / "a-folder"
    folder.mkdir()
    value = target.format(file=a_file, folder=folder)
    path = write_example(body=RAN_BODY)
    done = cli.run(str(path), "--repeat", "1", option, value)
    assert 2 == done.code, done.err
    assert "Traceback" not in done.err
    lines = [line for line in done.err.splitlines() if line.strip()]
    assert 1 == len(lines), done.err
    assert lines[0].startswith(f"mpcov: error: {option} {value}: cannot write there: ")
    assert reason in lines[0]
    assert "" == done.out
    assert 0 == cli.ran()
    assert "not a folder\n" == a_file.read_text()
    assert [] == list(folder.iterdir())
    cli.assert_clean(path.parent)


SABOTAGE_BODY = """\
import os
import shutil
from pathlib import Path

target = Path(os.environ["MPCOV_FAULT_SABOTAGE"])
shutil.rmtree(target)
target.write_text("a file now")  # mpcov: child
"""


def test_verify_keeps_the_report_when_writing_it_fails_after_the_runs(
    cli: Cli, write_example: WriteExample
) -> None:
    """A --json folder that turns into a file during the runs: exit 2, the report kept."""
    out = cli.cwd / "out"
    out.mkdir()
    path = write_example(body=SABOTAGE_BODY)
    proc = cli.start(
        str(path),
        "--repeat",
        "1",
        "--json",
        str(out / "results.json"),
        env=cli.env(MPCOV_FAULT_SABOTAGE=str(out)),
    )
    done = _wait(proc, 4 * PATIENCE)
    assert 2 == done.code, done.err
    assert "Traceback" not in done.err
    prefix = f"mpcov: error: cannot write {out / 'results.json'}: File exists; the report is in "
    assert done.last_line.startswith(prefix)
    kept = Path(done.last_line[len(prefix) :])
    assert cli.tmp == kept.parent
    document = json.loads(kept.read_text())
    assert (["sample"], [1]) == (
        [r["example"] for r in document["results"]],
        [r["measured"] for r in document["results"]],
    )
    kept.unlink()
    cli.assert_clean(path.parent)


# ----------------------------------------------------------------------- 5: escapes


SETSID_BODY = """\
import os
import subprocess
import sys
from pathlib import Path

escaped = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True
)
Path(os.environ["MPCOV_FAULT_SIGNALS"], "escaped").write_text(str(escaped.pid))  # mpcov: child
"""

DOUBLE_FORK_BODY = """\
import os
import time
from pathlib import Path

signals = Path(os.environ["MPCOV_FAULT_SIGNALS"])
first = os.fork()
if first == 0:
    if os.fork() == 0:
        os.setsid()
        (signals / "escaped").write_text(str(os.getpid()))
        time.sleep(300)
    os._exit(0)
os.waitpid(first, 0)
while not (signals / "escaped").exists():
    time.sleep(0.01)
x = 1  # mpcov: child
"""


@pytest.mark.parametrize("body", [SETSID_BODY, DOUBLE_FORK_BODY], ids=["setsid", "double-fork"])
def test_verify_catches_kills_and_reports_an_escaped_process(
    cli: Cli, write_example: WriteExample, body: str
) -> None:
    """A grandchild in a session of its own is found, killed and reported in the result."""
    path = write_example(body=body)
    done = cli.run(str(path), "--repeat", "1", "--json", "out.json")
    assert 0 == done.code, done.err
    escaped = int((cli.signals / "escaped").read_text())
    (row,) = json.loads((cli.cwd / "out.json").read_text())["results"]
    (run,) = row["details"]
    assert 1 == run["stragglers"]
    assert [
        "1 process(es) still running after the script exited",
        "1 of them had left the run's process group (a new session or a double fork)",
    ] == run["problems"]
    assert [] == cli.processes_left()
    assert not Path(f"/proc/{escaped}").exists() or "Z" == _state(escaped)
    cli.assert_clean(path.parent)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return "gone"


# ----------------------------------------------------------------------- 6: big output


BIG_OUTPUT_BODY = """\
import sys

chunk = "x" * (1 << 20) + "\\n"
sys.stderr.write("UserWarning: a notable line at the start\\n")
for i in range(100):
    sys.stderr.write(chunk)
    sys.stdout.write(chunk)
    if i == 50:
        sys.stdout.write("NEEDLE-IN-THE-MIDDLE\\n")  # mpcov: child
sys.stderr.write("RuntimeWarning: a notable line at the end\\n")
"""


def test_verify_keeps_memory_bounded_with_huge_output(
    cli: Cli, write_example: WriteExample
) -> None:
    """100 MB on stderr and stdout: bounded memory, and an expected text mid-stdout is found."""
    path = write_example(
        body=BIG_OUTPUT_BODY,
        mpcov='expect = "measured"\nstart-methods = []\noutput = "NEEDLE-IN-THE-MIDDLE"',
    )
    with (cli.root / "err").open("w+") as err:
        # Files, not pipes: nothing may block mpcov while this waits for it.
        proc = cli.start(str(path), "--repeat", "1", "--json", "out.json", stdout=err, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        assert 0 == proc.returncode, err.read()[-5000:]
    # ru_maxrss is in KiB: mpcov and every run stay far below the 200 MB written.
    assert usage.ru_maxrss < 150 * 1024
    (row,) = json.loads((cli.cwd / "out.json").read_text())["results"]
    assert (1, True) == (row["measured"], row["matches"])
    cli.assert_clean(path.parent)


# ----------------------------------------------------------------------- 7: hostile files


def test_verify_refuses_a_huge_expression_in_one_line(
    cli: Cli, write_example: WriteExample
) -> None:
    """A 200k-term expression is a usage error naming the file, not a parser crash."""
    body = "x = " + "+".join(["1"] * 200_000) + "  # mpcov: child\n"
    path = write_example(body=body)
    done = cli.run(str(path))
    assert 2 == done.code
    size = path.stat().st_size // 1024
    _one_line_error(
        done,
        f"mpcov: error: {path}: {size} KiB is too large for an example script (at most 128 KiB)",
    )
    cli.assert_clean(path.parent)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="3.9 and 3.10 parse this depth")
def test_verify_refuses_an_expression_too_deep_to_parse(
    cli: Cli, write_example: WriteExample
) -> None:
    """An expression Python's parser gives up on is a usage error, not a RecursionError."""
    body = "x = " + "+".join(["1"] * 20_000) + "  # mpcov: child\n"
    path = write_example(body=body)
    done = cli.run(str(path))
    assert 2 == done.code
    _one_line_error(done, f"mpcov: error: {path}: too deeply nested for Python's parser")
    cli.assert_clean(path.parent)


def test_verify_refuses_a_fifo_named_like_a_script(cli: Cli, write_example: WriteExample) -> None:
    """A FIFO called ``*.py`` is refused at once instead of hanging verify."""
    good = write_example()
    fifo = good.parent / "fifo.py"
    os.mkfifo(fifo)
    done = cli.run(str(good.parent), timeout=PATIENCE)
    assert 2 == done.code
    _one_line_error(done, f"mpcov: error: {fifo}: not a regular file")
    cli.assert_clean(good.parent)


# ----------------------------------------------------------------------- 8: messages


def test_verify_shows_a_crashed_runs_exit_code_and_coverage_errors(
    cli: Cli, write_example: WriteExample
) -> None:
    """A crashed row names the exit code and coverage.py's complaints in the text output."""
    path = write_example(
        coverage='[tool.coverage.run]\ninclude = ["nothing/*"]',
        body="x = 1  # mpcov: child\nraise SystemExit(3)\n",
    )
    done = cli.run(str(path), "--repeat", "1")
    assert 1 == done.code
    lines = done.err.splitlines()
    start = lines.index(
        "MISMATCH sample [none]: expected measured, got 1 crashed: 1 of 1 runs not measured"
    )
    assert [
        "  run 1 of 1: crashed, exit code 3",
        "    the command exited with 3, expected 0",
    ] == lines[start + 1 : start + 3]
    # coverage.py's own words, whose wording and prefix vary between its releases.
    assert "No data was collected. (no-data-collected)" in lines[start + 3]
    cli.assert_clean(path.parent)


def test_verify_bad_toml_names_the_line_of_the_file(cli: Cli, write_example: WriteExample) -> None:
    """The line of a TOML error counts from the start of the file, not of the TOML."""
    path = write_example(mpcov='expect = "measured"\nstart-methods = [] = 1')
    number = path.read_text().splitlines().index("start-methods = [] = 1") + 1
    done = cli.run(str(path))
    assert 2 == done.code
    _one_line_error(
        done,
        f"mpcov: error: {path}:{number}: the header's TOML is invalid: "
        f"Expected newline or end of document after a statement (at line {number}, column 20)",
    )


def test_verify_a_nul_byte_names_its_line(cli: Cli, write_example: WriteExample) -> None:
    """A NUL byte is reported on its own line, never as ``:None:``."""
    path = write_example(body="x = 1  # mpcov: child\ny = 2\x00\n")
    number = path.read_text().splitlines().index("y = 2\x00") + 1
    done = cli.run(str(path))
    assert 2 == done.code
    _one_line_error(
        done, f"mpcov: error: {path}:{number}: not valid Python: the file contains a NUL byte"
    )


def test_verify_help_documents_signals_and_exit_130(cli: Cli) -> None:
    """``--help`` says what 130 means and what each signal does."""
    done = cli.run("--help")
    assert 0 == done.code
    for line in (
        "  130  interrupted by Ctrl-C (SIGINT), SIGTERM or SIGHUP: every run's process",
        "  If mpcov is SIGKILLed, a watchdog process kills its runs (found by the MPCOV_RUN",
    ):
        assert line in done.out


# ----------------------------------------------------------------------- 9: --jobs


def test_verify_clamps_jobs_to_the_cpus(cli: Cli, write_example: WriteExample) -> None:
    """``--jobs 1000`` runs as many at once as there are CPUs, and says so."""
    path = write_example()
    cpus = len(os.sched_getaffinity(0))
    done = cli.run(str(path), "--repeat", "1", "--jobs", "1000", "--json", "out.json")
    assert 0 == done.code, done.err
    assert (
        f"mpcov: note: --jobs 1000 is more than the {cpus} CPU(s) here; running {cpus} at once"
        in done.err.splitlines()
    )
    assert cpus == json.loads((cli.cwd / "out.json").read_text())["jobs"]
    cli.assert_clean(path.parent)


# ----------------------------------------------------------------------- 10: atomic JSON


def test_verify_two_writers_never_leave_a_partial_json(
    cli: Cli, write_example: WriteExample
) -> None:
    """Two verify runs writing one ``--json`` file: a reader only ever sees whole documents."""
    path = write_example()
    target = cli.cwd / "shared.json"
    seen: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                text = target.read_text()
            except FileNotFoundError:
                continue
            seen.append(text)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        procs = [cli.start(str(path), "--repeat", "3", "--json", str(target)) for _ in range(2)]
        codes = [_wait(p, 4 * PATIENCE).code for p in procs]
    finally:
        stop.set()
        reader.join()
    assert [0, 0] == codes
    assert seen, "the reader never saw the file"
    documents = [json.loads(text) for text in seen]
    assert {"mpcov-results/2"} == {d["schema"] for d in documents}
    assert ["shared.json"] == sorted(p.name for p in cli.cwd.iterdir())
    cli.assert_clean(path.parent)


# ----------------------------------------------------------------------- issue 11


def test_python_dash_m_mpcov_runs_the_cli(cli: Cli, write_example: WriteExample) -> None:
    """``python -m mpcov`` is the same program: version, verify and its exit codes."""
    version = subprocess.run(
        [sys.executable, "-m", "mpcov", "--version"], capture_output=True, text=True, check=False
    )
    from mpcov import __version__

    assert (0, f"mpcov {__version__}\n") == (version.returncode, version.stdout)
    assert 0 == cli.run(str(write_example()), "--repeat", "1").code
    missing = cli.run(str(cli.root / "missing.py"))
    assert 2 == missing.code
    _one_line_error(missing, f"mpcov: error: {cli.root / 'missing.py'}: no such file or directory")


def _read_pty(master: int, proc: subprocess.Popen[str], within: float) -> bytes:
    data = b""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the other side closed
                break
            if not chunk:
                break
            data += chunk
        elif proc.poll() is not None:
            break
    return data


def _on_a_terminal(cli: Cli, *args: str) -> tuple[int, bytes]:
    """Run verify with stderr on a pseudo-terminal; exit code and what the terminal got."""
    master, slave = pty.openpty()
    proc = cli.start(*args, stderr=slave)
    os.close(slave)
    data = _read_pty(master, proc, 4 * PATIENCE)
    os.close(master)
    return _wait(proc).code, data


def test_verify_progress_on_a_terminal_is_a_live_counter(
    cli: Cli, write_example: WriteExample
) -> None:
    """On a TTY each finished row replaces the live counter, which shows between runs."""
    path = write_example()
    code, data = _on_a_terminal(cli, str(path), "--repeat", "2", "--jobs", "1")
    assert 0 == code
    assert (
        b"\r\x1b[K[1/2] running..."
        b"\r\x1b[K[2/2] sample [none]: 2/2 measured (expected: measured)\r\n"
    ) == data
    cli.assert_clean(path.parent)


def test_verify_quiet_prints_no_progress_on_a_terminal(
    cli: Cli, write_example: WriteExample
) -> None:
    """``--quiet`` keeps the terminal silent until the table (which goes to stdout)."""
    path = write_example()
    code, data = _on_a_terminal(cli, str(path), "--repeat", "2", "--jobs", "1", "--quiet")
    assert (0, b"") == (code, data)
    cli.assert_clean(path.parent)


def test_fault_harness_sees_a_leftover_process(cli: Cli) -> None:
    """The marker search finds a process that inherited the marker (so the checks can fail)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], env=cli.env())
    try:
        # Popen returns once exec() has closed the error pipe, which the kernel does before
        # it lays out the new environment: for that moment /proc/PID/environ reads empty.
        deadline = time.monotonic() + 10
        while cli.processes() != [proc.pid] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [proc.pid] == cli.processes()
    finally:
        proc.kill()
        proc.wait()
    assert [] == cli.processes()


def _assert_dies_with_its_starting_thread(tmp_path: Path) -> None:
    """Start a Group from a thread that then ends: its first process must get SIGKILL."""
    from mpcov.processes import Group

    groups: list[Group] = []
    ready = tmp_path / "ready"

    def start() -> None:
        groups.append(
            Group(
                [
                    sys.executable,
                    "-c",
                    f"import pathlib, time; pathlib.Path({str(ready)!r}).touch(); time.sleep(300)",
                ],
                cwd=tmp_path,
                env=dict(os.environ),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        # The death signal is set in the child's first milliseconds: end only after them.
        deadline = time.monotonic() + PATIENCE
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    starter = threading.Thread(target=start)
    starter.start()
    starter.join()
    try:
        assert -signal.SIGKILL == groups[0].popen.wait(timeout=PATIENCE)
    finally:
        groups[0].kill()
        groups[0].clean(grace=1.0)


def test_group_first_process_dies_with_the_thread_that_started_it(tmp_path: Path) -> None:
    """A run's first process gets SIGKILL when its starting thread ends (PR_SET_PDEATHSIG)."""
    _assert_dies_with_its_starting_thread(tmp_path)


def test_group_interpreter_shim_sets_the_death_signal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without setpriv the run goes through a bare interpreter, which sets the signal too."""
    from mpcov import processes

    monkeypatch.setattr(processes, "_setpriv", lambda: None)
    _assert_dies_with_its_starting_thread(tmp_path)


def test_group_missing_program_raises_in_the_caller(tmp_path: Path) -> None:
    """A program that does not exist is FileNotFoundError at start, not a shim's traceback."""
    from mpcov.processes import Group

    with pytest.raises(FileNotFoundError):
        Group(
            ["mpcov-no-such-program"],
            cwd=tmp_path,
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def test_kill_marked_looks_again_after_an_empty_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process whose environment reads empty (mid-exec) at the first scan is still killed."""
    from mpcov import processes

    late = processes.Info(pid=4242, ppid=1, pgid=4242, sid=4242, state="S", start=7)
    scans: list[int] = []
    killed: list[int] = []

    def scan() -> dict[int, processes.Info]:
        scans.append(len(scans))
        # First scan: nothing marked yet; second: the process; later: it is gone.
        return {late.pid: late} if len(scans) == 2 else {}

    monkeypatch.setattr(processes, "scan", scan)
    monkeypatch.setattr(processes, "marker_of", lambda pid: "session-run-1")
    monkeypatch.setattr(processes, "_kill_exact", lambda info: killed.append(info.pid))
    assert 1 == processes.kill_marked("session")
    assert [late.pid] == killed
    # It stops after two empty scans in a row, not at the first.
    assert 4 == len(scans)
