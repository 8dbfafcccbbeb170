"""The doctor on the whole example catalogue: the right cause for every loss, none otherwise.

Slow (every example under every start method, two at a time), so it lives in its own
file: ``pytest tests/test_doctor.py`` is the quick run. Each example runs once per
start method under ``mpcov doctor``, in a private folder, exactly as ``mpcov verify``
would run it (its header's command, ``then`` commands, files and settings). What the
example's marked lines really got is read from the data files afterwards, so racy
examples are judged run by run: a run whose marked lines were lost must be blamed on
a cause that the rules of ``mpcov check`` give for that example, and a measured run
must be reported as losing nothing.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import coverage
import pytest
from coverage.exceptions import CoverageException

from mpcov.check import RULES
from mpcov.engine import Environment, run_environment, skip_reason
from mpcov.header import CHILD_MARKER, NO_START_METHOD, Example, discover, parse

EXAMPLES = Path(__file__).parent.parent / "examples"

#: Causes the doctor gives that no rule's example list records, each with its reason.
EXTRA_CAUSES: dict[str, set[str]] = {
    # loky workers outlive pytest-cov's combine; MPC209's fix is the executor shutdown.
    "pytest_joblib_without_shutdown": {"MPC209"},
    # The same, with the shutdown in pytest_sessionfinish: after pytest-cov has combined.
    "pytest_joblib_shutdown_in_sessionfinish": {"MPC209"},
    # cloudpickle >= 3.1.3 sends these tasks by value as <dynamic-code> (MPC109), which
    # the rule's example list names once: a nested function, and a task in __main__.
    "joblib_loky_nested_function": {"MPC109"},
    "joblib_loky_concurrency_multiprocessing": {"MPC109"},
    # coverage.py 7.13.3+ counts a script below a pyvenv.cfg folder as third-party code.
    "subprocess_script_below_venv": {"third-party"},
    # Django's failfast ends its test-runner pool with pool.terminate().
    "django_parallel_failfast_model": {"MPC102"},
    # patch = ["_exit"] alone reaches no spawn or forkserver child: MPC210's very summary.
    "config_pool_patch_exit": {"MPC210"},
}
#: Measured examples in which the doctor rightly finds another process that lost data.
MEASURED_BUT_FLAGGED: dict[str, set[str]] = {
    # The last worker runs second() and is SIGTERMed by Pool.__exit__: its own lines are
    # lost, the marked ones (run by the retired first worker) are not. See MPC101's docs.
    "pool_maxtasksperchild": {"MPC101"},
    # The program started by os.execv() runs after_exec() unmeasured: without patch
    # subprocess nothing starts coverage.py in it (exec_patch_execv_subprocess does).
    "exec_patch_execv": {"MPC203"},
}


@dataclass(frozen=True)
class Case:
    """One example under one start method, and what the doctor made of it."""

    name: str
    label: str
    measured: bool
    doctor_exit: int
    codes: tuple[str, ...]
    stderr: str


def _claimed() -> dict[str, set[str]]:
    claimed: dict[str, set[str]] = {}
    for code, rule in RULES.items():
        for example in rule.examples:
            claimed.setdefault(example, set()).add(code)
    for name, codes in EXTRA_CAUSES.items():
        claimed.setdefault(name, set()).update(codes)
    return claimed


def _runnable() -> list[tuple[Example, str]]:
    env = Environment.current()
    return [
        (example, label)
        for example in (parse(p) for p in discover([EXAMPLES]))
        for label in example.labels
        if skip_reason(example, label, env) is None
    ]


def _command(example: Example, command: tuple[str, ...], label: str) -> list[str]:
    out = []
    for arg in command:
        if arg == "{method}" and label == NO_START_METHOD:
            continue
        out.append(
            arg.replace("{python}", sys.executable)
            .replace("{script}", example.path.name)
            .replace("{method}", label)
        )
    return out


def _child_lines_measured(example: Example, cwd: Path) -> bool:
    wanted: dict[Path, set[int]] = {}
    for name in (example.path.name, *example.files):
        text = (cwd / name).read_text(encoding="utf-8").splitlines()
        lines = {n for n, line in enumerate(text, 1) if line.rstrip().endswith(CHILD_MARKER)}
        if lines:
            wanted[(cwd / name).resolve()] = lines
    run = example.coverage_settings.get("run", {})
    base = Path(str(run.get("data_file", ".coverage") if isinstance(run, dict) else ".coverage"))
    got: dict[Path, set[int]] = {path: set() for path in wanted}
    for path in cwd.glob(base.name + "*"):
        if getattr(example, "data", None) == "combined" and path.name != base.name:
            continue
        if path.stat().st_size == 0:
            continue
        try:
            data = coverage.CoverageData(basename=str(path))
            data.read()
            for measured in data.measured_files():
                resolved = Path(measured).resolve()
                if resolved in got:
                    got[resolved].update(data.lines(measured) or ())
        except CoverageException:  # a half-written file holds nothing usable, as for verify
            continue
    return all(lines <= got[path] for path, lines in wanted.items())


def _run(example: Example, label: str) -> Case:
    cwd = Path(tempfile.mkdtemp(prefix="mpcov-doctor-case-"))
    scratch = Path(tempfile.mkdtemp(prefix="mpcov-doctor-tmp-"))
    try:
        (cwd / "pyproject.toml").write_text(example.settings_toml, encoding="utf-8")
        shutil.copyfile(example.path, cwd / example.path.name)
        for name in example.files:
            # Companion files may sit in folders of their own (_below_venv/tmp/...).
            (cwd / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(example.path.parent / name, cwd / name)
        commands = [
            _command(example, c, label) for c in (example.command, *getattr(example, "then", ()))
        ]
        argv = (
            commands[0]
            if len(commands) == 1
            else ["sh", "-c", "; ".join(map(shlex.join, commands))]
        )
        report = scratch.parent / f"{scratch.name}.json"
        # An example that may hang (sigterm = true) is bounded as verify bounds it; the
        # doctor then names its own --timeout as the cause.
        bound = ["--timeout", str(example.timeout or 20)] if example.may_hang else []
        done = subprocess.run(
            [sys.executable, "-m", "mpcov", "doctor", *bound, "--json", str(report), "--", *argv],
            cwd=cwd,
            env=run_environment(scratch),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        document = json.loads(report.read_text()) if report.exists() else {"causes": []}
        report.unlink(missing_ok=True)
        return Case(
            example.name,
            label,
            _child_lines_measured(example, cwd),
            done.returncode,
            tuple(sorted({c["code"] for c in document["causes"]})),
            done.stderr[-4000:],
        )
    finally:
        shutil.rmtree(cwd, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)


CASES = _runnable()
#: The outcome each header declares per label, before version-specific overrides.
RACY = {example.name: dict(example.expect) for example, _ in CASES}
#: Examples whose header allows a run to hang (bounded by its timeout).
HANGS = {example.name: example.may_hang for example, _ in CASES}


@pytest.fixture(scope="module")
def results(request: pytest.FixtureRequest) -> dict[tuple[str, str], Case]:
    """Every selected case (``-k`` narrows them), run two at a time (the machine has two cores)."""
    selected = {
        (item.callspec.params["name"], item.callspec.params["label"])
        for item in request.session.items
        # Only this file's cases: other tests have a "name" parameter too.
        if isinstance(item, pytest.Function)
        and item.originalname == "test_catalogue_doctor_names_the_right_cause"
    }
    todo = [(e, label) for e, label in CASES if (e.name, label) in selected]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda case: _run(*case), todo))
    return {(case.name, case.label): case for case in done}


@pytest.mark.parametrize(("name", "label"), [(e.name, label) for e, label in CASES])
def test_catalogue_doctor_names_the_right_cause(
    results: dict[tuple[str, str], Case], name: str, label: str
) -> None:
    """A lost run is blamed on a cause its rules name; a measured run reports nothing lost."""
    case = results[(name, label)]
    if case.measured:
        allowed = set(MEASURED_BUT_FLAGGED.get(name, set()))
        if RACY[name].get(label) == "racy":
            # Several workers ran the marked lines: one may lose its data to the race while
            # another saves them. Then the doctor rightly names the example's own cause.
            allowed |= _claimed().get(name, set())
        assert (case.codes == () and case.doctor_exit == 0) or (
            set(case.codes) <= allowed and case.doctor_exit == 1 and allowed
        ), case.stderr
    else:
        assert 1 == case.doctor_exit, case.stderr
        claimed = _claimed().get(name, set())
        if HANGS[name] and "timeout" in case.codes:
            claimed = claimed | {"timeout"}  # this run hung, as its header allows
        assert set(case.codes) & claimed, (case.codes, case.stderr)
