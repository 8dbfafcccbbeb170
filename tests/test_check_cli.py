"""Tests of the ``mpcov check`` command line: exit status, formats, bad input, integrations."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import coverage
import jsonschema
import pytest

from mpcov import cli
from mpcov.check import RULES
from mpcov.check.output import SCHEMA_FILE

ROOT = Path(__file__).resolve().parent.parent
BAD = "import os\nos._exit(0)\n"


@pytest.fixture(autouse=True)
def _no_coverage_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep our own coverage run's ``COVERAGE_*`` variables out of the settings read here."""
    for name in [n for n in os.environ if n.startswith("COVERAGE_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder, the current directory, with no coverage settings."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(["check", *args])
    out, err = capsys.readouterr()
    return status, out, err


def _mpcov(args: list[str], cwd: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    return subprocess.run(
        [sys.executable, "-m", "mpcov", "check", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )


# --------------------------------------------------------------------------- exit status


def test_cli_clean_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No findings: exit status 0 and a summary that names the files read for command lines."""
    _write(project, "ok.py", "print('hello')\n")
    _write(project, "tox.ini", "[testenv]\ncommands = pytest\n")
    status, out, _ = _run([], capsys)
    assert 0 == status
    assert [
        (
            "0 findings in 1 file (settings: no coverage configuration file; "
            f"coverage.py {coverage.__version__})"
        ),
        "  command lines read from: tox.ini (others are not seen)",
    ] == out.splitlines()


def test_cli_findings_exit_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Findings: exit status 1, one ``path:line:col: ID`` line and a fix for each."""
    _write(project, "bad.py", BAD)
    status, out, _ = _run(["bad.py"], capsys)
    assert 1 == status
    lines = out.splitlines()
    assert lines[0].startswith("bad.py:2:1: MPC201 ")
    assert lines[1].startswith("    fix: set `[run] patch")


def test_cli_rcfile_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--rcfile`` settings decide config-dependent rules; ``--config`` still works, warned."""
    bad = _write(tmp_path, "bad.py", "import os\nif os.fork() == 0:\n    os._exit(0)\n")
    rc = _write(tmp_path, "cov.toml", '[tool.coverage.run]\npatch = ["_exit"]\nparallel = true\n')
    status, out, err = _run([str(bad), "--rcfile", str(rc)], capsys)
    assert (0, "") == (status, err)
    assert f"settings: {rc};" in out
    status, _, err = _run([str(bad), "--config", str(rc)], capsys)
    assert (0, "mpcov: warning: --config is deprecated; use --rcfile\n") == (status, err)


def test_cli_select_and_ignore(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--ignore`` drops a rule's findings, ``--select`` keeps only the named ones."""
    _write(project, "bad.py", BAD)
    assert [0, 0, 1] == [
        _run(["bad.py", "--ignore", "MPC201"], capsys)[0],
        _run(["bad.py", "--select", "MPC1"], capsys)[0],
        _run(["bad.py", "--select", "MPC2"], capsys)[0],
    ]


def test_cli_config_table_selects(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``[tool.mpcov.check]`` in pyproject.toml chooses the rules and excludes."""
    _write(project, "pyproject.toml", '[tool.mpcov.check]\nignore = ["MPC201"]\n')
    _write(project, "bad.py", BAD)
    _write(project, "legacy/old.py", "import os\nos.execv('/bin/true', ['true'])\n")
    assert 1 == _run([], capsys)[0]
    assert 0 == _run(["--extend-exclude", "legacy"], capsys)[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.py"], "mpcov: error: missing.py: no such file or directory"),
        (["--rcfile", "nope.cfg"], "mpcov: error: coverage.py cannot use the settings: "),
        (["--select", "MPC9"], "mpcov: error: --select: unknown rule 'MPC9'"),
        (["--select", ","], "mpcov: error: --select: no rule id given"),
        (["--ignore", ","], "mpcov: error: --ignore: no rule id given"),
        (["--format", "xml"], "usage: mpcov check"),
    ],
)
def test_cli_usage_errors_exit_2(
    args: list[str], message: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad options give exit status 2 and an error on stderr, no traceback."""
    _write(project, "ok.py", "x = 1\n")
    try:
        status, _, err = _run(args, capsys)
    except SystemExit as exc:  # argparse's own usage errors
        status, err = int(str(exc.code)), capsys.readouterr().err
    assert 2 == status
    assert err.startswith(message)
    assert "Traceback" not in err


def test_cli_bad_config_table_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown key in ``[tool.mpcov.check]`` is a one-line usage error."""
    _write(project, "pyproject.toml", "[tool.mpcov.check]\nselct = []\n")
    status, _, err = _run([], capsys)
    assert 2 == status
    assert [
        (
            f"mpcov: error: {project / 'pyproject.toml'}: unknown key in [tool.mpcov.check]: "
            "selct; known: exclude, exclude-test-data, extend-exclude, ignore, include, "
            "per-file-ignores, respect-gitignore, select"
        )
    ] == err.splitlines()


def test_cli_help_explains_check(capsys: pytest.CaptureFixture[str]) -> None:
    """``mpcov check --help`` documents paths, options, suppression and exit codes."""
    with pytest.raises(SystemExit) as exc:
        cli.main(["check", "--help"])
    assert 0 == exc.value.code
    out = capsys.readouterr().out
    for text in ("--rcfile", "--select", "--exclude", "--format", "mpcov: ignore[", "exit status"):
        assert text in out, text


# --------------------------------------------------------------------------- bad input


def test_cli_reads_coding_line_and_bom(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Files with a PEP 263 coding line or a UTF-8 BOM are read as Python reads them."""
    _write(
        project,
        "latin.py",
        "# -*- coding: latin-1 -*-\nimport os\nname = 'caf\xe9'\nos._exit(0)\n".encode("latin-1"),
    )
    _write(project, "bom.py", b"\xef\xbb\xbfimport os\nos._exit(0)\n")
    status, out, err = _run([], capsys)
    assert (1, "") == (status, err)
    assert ["bom.py:2:1: MPC201", "latin.py:4:1: MPC201"] == [
        " ".join(line.split()[:2]) for line in out.splitlines() if ": MPC" in line
    ]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("broken.py", "def (:\n", "broken.py:1: skipped: not valid Python: invalid syntax"),
        # Too deep for the parser (3.9-3.11) or, once 3.12+ parses it, for the analysis.
        (
            "deep.py",
            "import os\nos._exit(" + " + ".join(["1"] * 5000) + ")\n",
            "deep.py: skipped: nested too deeply",
        ),
        ("nul.py", "x = 1\x00\n", "nul.py: skipped: not valid Python: source code "),
        (
            "enc.py",
            "# coding: nonsense\nx = 1\n",
            "enc.py: skipped: not valid Python: unknown encoding",
        ),
    ],
    ids=["syntax", "deep", "nul", "encoding"],
)
def test_cli_uncheckable_file_exits_2(
    name: str, content: str, reason: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that cannot be checked is named on one line, the rest is checked, and exit is 2."""
    _write(project, name, content)
    _write(project, "bad.py", BAD)
    status, out, err = _run([], capsys)
    assert 2 == status
    assert 1 == len(err.splitlines())
    assert err.startswith(f"mpcov: error: {reason}"), err
    assert "bad.py:2:1: MPC201" in out


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="this Python parses 3.12 syntax")
def test_cli_newer_syntax_names_the_version(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file with syntax newer than the running Python says which Python it needs."""
    _write(project, "new.py", "type Alias = list[int]\n")
    status, _, err = _run([], capsys)
    running = ".".join(map(str, sys.version_info[:2]))
    assert (
        2,
        [
            (
                f"mpcov: error: new.py:1: skipped: not valid Python: uses Python 3.12 syntax, newer "
                f"than the Python {running} running mpcov; run mpcov with Python 3.12 or newer"
            )
        ],
    ) == (status, err.splitlines())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_cli_fifo_is_skipped_not_opened(project: Path) -> None:
    """A FIFO named ``*.py`` is skipped unopened: the run ends (exit 2) instead of hanging."""
    os.mkfifo(project / "pipe.py")
    _write(project, "ok.py", "x = 1\n")
    result = _mpcov([], project)
    assert (2, "mpcov: error: pipe.py: skipped: not a regular file\n") == (
        result.returncode,
        result.stderr,
    )
    result = _mpcov(["pipe.py"], project)
    assert (2, "mpcov: error: pipe.py: skipped: not a regular file\n") == (
        result.returncode,
        result.stderr,
    )


def test_cli_no_python_file_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder without any Python file says so, instead of reporting a clean result."""
    (project / "empty").mkdir()
    assert (2, "", "mpcov: error: no Python file found in empty\n") == _run(["empty"], capsys)


def test_cli_all_files_excluded_is_clean(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Python files that are all excluded are not an error: the summary says what was left out."""
    _write(project, "examples/e.py", BAD)
    status, out, _ = _run([], capsys)
    assert 0 == status
    assert "  left out: 1 excluded by 'examples*' (--format json lists them)" in out.splitlines()


def test_cli_broken_pipe_is_quiet(project: Path) -> None:
    """``mpcov check | head -1`` ends without a BrokenPipeError traceback."""
    for i in range(300):
        _write(project, f"m{i}.py", BAD)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    result = subprocess.run(
        f"{sys.executable} -m mpcov check . | head -1",
        shell=True,
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ("", 1) == (result.stderr, len(result.stdout.splitlines()))


# --------------------------------------------------------------------------- formats


def test_cli_json_matches_schema(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--format json`` prints one document valid against the published schema."""
    _write(project, "bad.py", BAD)
    _write(project, "broken.py", "def (:\n")
    _write(project, "docs/conf.py", "x = 1\n")
    status, out, _ = _run(["--format", "json"], capsys)
    document = json.loads(out)
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())
    assert (2, 2, ["MPC201"]) == (
        status,
        document["exit_status"],
        [f["rule"] for f in document["findings"]],
    )
    assert [
        {"path": "broken.py:1", "reason": "not valid Python: invalid syntax", "error": True},
        {"path": f"docs{os.sep}", "reason": "excluded by 'docs'", "error": False},
    ] == document["skipped"]


def test_cli_github_annotations(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--format github`` prints a workflow warning per finding, an error per bad file."""
    _write(project, "bad.py", BAD)
    _write(project, "broken.py", "def (:\n")
    status, out, _ = _run(["--format", "github"], capsys)
    lines = out.splitlines()
    assert 2 == status
    assert lines[0].startswith("::warning file=bad.py,line=2,col=1,title=MPC201::os._exit() ")
    assert [
        "::error file=broken.py,line=1,title=mpcov check::not valid Python: invalid syntax"
    ] == lines[1:]


def _sarif_locations(result: dict[str, Any]) -> list[tuple[str, int, int]]:
    found = []
    for location in result["locations"]:
        physical = location["physicalLocation"]
        region = physical["region"]
        found.append(
            (physical["artifactLocation"]["uri"], region["startLine"], region["startColumn"])
        )
    return found


def test_cli_sarif_structure(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--format sarif`` is a SARIF 2.1.0 log: driver rules, results pointing at them, locations.

    The SARIF JSON Schema itself is not in any package this project installs
    offline (checked: sarif-tools 3.0.5, sarif-om 1.0.4, sarif-pydantic 0.6.2),
    so this test checks the structure the 2.1.0 standard requires.
    """
    _write(project, "bad.py", BAD)
    for name in ("a.py", "b.py"):
        _write(project, name, "import multiprocessing\nmultiprocessing.Process(target=work)\n")
    status, out, _ = _run(["--format", "sarif"], capsys)
    log = json.loads(out)
    assert ("2.1.0", 1) == (log["version"], len(log["runs"]))
    assert log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert ("mpcov check", list(RULES)) == (driver["name"], [r["id"] for r in driver["rules"]])
    for rule in driver["rules"]:
        assert {"id", "name", "shortDescription", "fullDescription", "help", "helpUri"} <= set(rule)
    results = run["results"]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("none", "note", "warning", "error")
        assert result["message"]["text"]
    assert [("MPC210", [("a.py", 2, 1)], [("b.py", 2, 1)]), ("MPC201", [("bad.py", 2, 1)], [])] == [
        (
            r["ruleId"],
            _sarif_locations(r),
            [_sarif_locations({"locations": [x]})[0] for x in r.get("relatedLocations", [])],
        )
        for r in results
    ]
    assert (
        1,
        [{"executionSuccessful": True, "exitCode": 1, "toolExecutionNotifications": []}],
    ) == (
        status,
        run["invocations"],
    )


# --------------------------------------------------------------------------- pre-commit


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_pre_commit_hook_runs(tmp_path: Path) -> None:
    """The repository's hook, installed by pre-commit itself, flags a staged file (exit 1)."""
    pre_commit = Path(sys.executable).with_name("pre-commit")
    if not pre_commit.exists():
        pytest.fail("pre-commit is in the test dependency group: install it")
    repo = tmp_path / "repo"
    repo.mkdir()
    _write(repo, "bad.py", BAD)
    _write(repo, "examples/demo.py", BAD)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "GIT_"))},
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    for command in (["git", "init", "-q"], ["git", "add", "."]):
        subprocess.run(command, cwd=repo, env=env, check=True, timeout=60)
    result = subprocess.run(
        [str(pre_commit), "try-repo", str(ROOT), "mpcov-check", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert 1 == result.returncode, result.stdout + result.stderr
    assert "bad.py:2:1: MPC201" in result.stdout
    assert "examples/demo.py" not in result.stdout  # --force-exclude applies the excludes
