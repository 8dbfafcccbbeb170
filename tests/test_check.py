"""Tests of ``mpcov check``: each rule, suppression, settings, the CLI, and the catalogue."""

from __future__ import annotations

import json
import os
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from mpcov import cli
from mpcov.check import (
    RULES,
    CheckError,
    Finding,
    Settings,
    check_paths,
    check_source,
    read_settings,
    select_rules,
)
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


MP = Settings(concurrency=("multiprocessing",))


@dataclass(frozen=True)
class Case:
    """A rule, the settings, a snippet it flags and the fixed snippet it leaves alone."""

    rule: str
    bad: str
    good: str
    settings: Settings = MP
    good_settings: Settings | None = None


CASES = [
    Case(
        "MPC101",
        """
        import multiprocessing as mp
        with mp.Pool(2) as pool:
            pool.map(f, [1])
        """,
        """
        import multiprocessing as mp
        with mp.Pool(2) as pool:
            pool.map(f, [1])
            pool.close()
            pool.join()
        """,
    ),
    Case(
        "MPC102",
        """
        from multiprocessing import Pool
        pool = Pool(2)
        pool.map(f, [1])
        pool.terminate()
        pool.join()
        """,
        """
        from multiprocessing import Pool
        pool = Pool(2)
        pool.map(f, [1])
        pool.close()
        pool.join()
        """,
    ),
    Case(
        "MPC103",
        """
        import multiprocessing
        p = multiprocessing.Process(target=f)
        p.start()
        p.terminate()
        """,
        """
        import multiprocessing
        p = multiprocessing.Process(target=f)
        p.start()
        p.terminate()
        """,
        good_settings=Settings(concurrency=("multiprocessing",), sigterm=True),
    ),
    Case(
        "MPC104",
        """
        import multiprocessing
        p = multiprocessing.Process(target=f)
        p.start()
        p.kill()
        """,
        """
        import multiprocessing
        p = multiprocessing.Process(target=f)
        p.start()
        p.join()
        """,
    ),
    Case(
        "MPC105",
        """
        import multiprocessing
        p = multiprocessing.Process(target=f, daemon=True)
        p.start()
        """,
        """
        import multiprocessing
        p = multiprocessing.Process(target=f, daemon=True)
        p.start()
        p.join()
        """,
    ),
    Case(
        "MPC106",
        """
        import multiprocessing
        pool = multiprocessing.Pool(2)
        pool.map(f, [1])
        """,
        """
        import multiprocessing
        from mpcov import close_and_join
        pool = multiprocessing.Pool(2)
        pool.map(f, [1])
        close_and_join(pool)
        """,
    ),
    Case(
        "MPC107",
        """
        try:
            from pytest_cov.embed import cleanup_on_sigterm
        except ImportError:
            pass
        """,
        """
        import pytest_cov
        """,
    ),
    Case(
        "MPC201",
        """
        import os
        if os.fork() == 0:
            os._exit(0)
        """,
        """
        import os
        if os.fork() == 0:
            os._exit(0)
        """,
        settings=Settings(parallel=True),
        good_settings=Settings(patch=("_exit",), parallel=True),
    ),
    Case(
        "MPC202",
        """
        import os, sys
        os.execv("/bin/true", ["true"])
        """,
        """
        import os, sys
        os.execv("/bin/true", ["true"])
        """,
        settings=Settings(parallel=True),
        good_settings=Settings(patch=("execv",), parallel=True),
    ),
    Case(
        "MPC203",
        """
        import subprocess, sys
        subprocess.run([sys.executable, "child.py"], check=True)
        """,
        """
        import subprocess, sys
        subprocess.run([sys.executable, "child.py"], check=True)
        """,
        settings=Settings(parallel=True),
        good_settings=Settings(patch=("subprocess",)),
    ),
    Case(
        "MPC204",
        """
        import os
        if os.fork() == 0:
            os._exit(0)
        """,
        """
        import os
        if os.fork() == 0:
            os._exit(0)
        """,
        settings=Settings(patch=("_exit",)),
        good_settings=Settings(patch=("_exit",), parallel=True),
    ),
    Case(
        "MPC205",
        """
        import os
        if os.fork() == 0:
            os._exit(0)
        """,
        """
        import os
        if os.fork() == 0:
            os._exit(0)
        """,
        settings=Settings(patch=("fork", "_exit"), parallel=True, coverage_version="7.16.2"),
        good_settings=Settings(patch=("fork", "_exit"), parallel=True, coverage_version="7.17.3"),
    ),
    Case(
        "MPC206",
        """
        import multiprocessing
        with multiprocessing.Pool(2) as pool:
            pool.map(f, [1])
            pool.close()
            pool.join()
        """,
        """
        import multiprocessing
        with multiprocessing.Pool(2) as pool:
            pool.map(f, [1])
            pool.close()
            pool.join()
        """,
        settings=Settings(patch=("subprocess",)),
        good_settings=Settings(patch=("subprocess", "_exit")),
    ),
    Case(
        "MPC207",
        """
        if __name__ == "__mp_main__":
            setting = 42
        """,
        """
        if __name__ == "__mp_main__":
            setting = 42
        """,
        good_settings=Settings(patch=("subprocess", "_exit")),
    ),
    Case(
        "MPC208",
        """
        import multiprocessing, threading
        def work():
            t = threading.Thread(target=f)
            t.start()
            t.join()
        p = multiprocessing.Process(target=work)
        p.start()
        p.join()
        """,
        """
        import multiprocessing, threading
        def work():
            t = threading.Thread(target=f)
            t.start()
            t.join()
        p = multiprocessing.Process(target=work)
        p.start()
        p.join()
        """,
        good_settings=Settings(concurrency=("multiprocessing", "thread")),
    ),
    Case(
        "MPC209",
        """
        from joblib import Parallel, delayed
        Parallel(n_jobs=2)(delayed(f)(i) for i in range(4))
        """,
        """
        from joblib import Parallel, delayed
        Parallel(n_jobs=2)(delayed(f)(i) for i in range(4))
        """,
        good_settings=Settings(patch=("subprocess", "_exit")),
    ),
    Case(
        "MPC210",
        """
        import multiprocessing
        p = multiprocessing.Process(target=f)
        p.start()
        p.join()
        """,
        """
        import multiprocessing
        p = multiprocessing.Process(target=f)
        p.start()
        p.join()
        """,
        settings=Settings(),
        good_settings=MP,
    ),
]


def test_mpc209_billiard_needs_exit_too() -> None:
    """A billiard pool is flagged with ``patch = ["subprocess"]`` alone, not with ``_exit``."""
    source = """
    import billiard
    pool = billiard.get_context("spawn").Pool(1)
    pool.close()
    pool.join()
    """
    assert ["MPC206", "MPC209"] == _rules(source, Settings(patch=("subprocess",)))
    assert [] == _rules(source, Settings(patch=("subprocess", "_exit")))


def test_cases_cover_every_rule() -> None:
    """Every rule has a bad and a fixed snippet below."""
    assert sorted(RULES) == sorted(case.rule for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.rule for c in CASES])
def test_rule_fires_on_bad_snippet(case: Case) -> None:
    """The rule flags its minimal bad snippet."""
    assert case.rule in _rules(case.bad, case.settings)


@pytest.mark.parametrize("case", CASES, ids=[c.rule for c in CASES])
def test_rule_quiet_on_fixed_snippet(case: Case) -> None:
    """The rule leaves the fixed form alone."""
    settings = case.good_settings if case.good_settings is not None else case.settings
    assert case.rule not in _rules(case.good, settings)


def test_mpc101_accepts_closing_pool() -> None:
    """``mpcov.closing_pool`` is the recommended form, never flagged."""
    source = """
    from mpcov import closing_pool
    with closing_pool(2) as pool:
        pool.map(f, [1])
    """
    assert [] == _rules(source, MP)


def test_mpc101_flags_context_pool_without_name() -> None:
    """A pool from a context, used in ``with`` without ``as``, is flagged at its call."""
    source = """
    import multiprocessing
    with multiprocessing.get_context("spawn").Pool(2):
        pass
    """
    findings = check_source(textwrap.dedent(source), "t.py", MP)
    assert [("MPC101", 3, 6)] == [(f.rule, f.line, f.column) for f in findings]


def test_mpc101_mentions_sigterm_when_set() -> None:
    """With ``sigterm = true`` the message says that it does not help."""
    source = "import multiprocessing\nwith multiprocessing.Pool() as p:\n    pass\n"
    settings = Settings(concurrency=("multiprocessing",), sigterm=True)
    (finding,) = check_source(source, "t.py", settings)
    assert "sigterm = true` does not make this reliable" in finding.message


def test_thread_pools_and_executors_are_not_pools() -> None:
    """Thread pools and ``ProcessPoolExecutor`` (which joins its workers) are not flagged."""
    source = """
    from multiprocessing.dummy import Pool
    from multiprocessing.pool import ThreadPool
    from concurrent.futures import ProcessPoolExecutor
    with Pool(2) as a, ThreadPool(2) as b, ProcessPoolExecutor() as c:
        pass
    """
    assert [] == _rules(source, MP)


def test_mpc106_flags_unbound_pool() -> None:
    """``Pool(2).map(...)`` leaves a pool nobody can close."""
    assert ["MPC106"] == _rules("import multiprocessing\nmultiprocessing.Pool(2).map(f, [1])\n", MP)


def test_mpc203_ignores_non_python_children() -> None:
    """A subprocess that is not ``sys.executable`` is not a Python child."""
    assert [] == _rules("import subprocess\nsubprocess.run(['ls'])\n", Settings())


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


def test_suppression_silences_named_rule() -> None:
    """``# mpcov: ignore[MPC201]`` silences that rule on its line only."""
    source = "import os\nos._exit(0)  # mpcov: ignore[MPC201]\nos._exit(1)\n"
    assert [3] == [f.line for f in check_source(source, "t.py", Settings())]


def test_suppression_of_other_rule_keeps_finding() -> None:
    """A comment naming another rule does not silence this one."""
    source = "import os\nos._exit(0)  # mpcov: ignore[MPC101, MPC202]\n"
    assert ["MPC201"] == _rules(source, Settings())


def test_suppression_without_ids_silences_all() -> None:
    """A bare ``# mpcov: ignore`` silences every rule on its line."""
    assert [] == _rules("import os\nos._exit(0)  # mpcov: ignore\n", Settings())


def test_suppression_in_string_is_not_a_comment() -> None:
    """Text inside a string literal is not a suppression comment."""
    assert ["MPC201"] == _rules("import os\nos._exit(len('# mpcov: ignore'))\n", Settings())


def test_select_rules_expands_prefixes_and_ignores() -> None:
    """``--select MPC1 --ignore MPC104`` keeps the code rules except MPC104."""
    expected = [r for r in RULES if r.startswith("MPC1") and r != "MPC104"]
    assert expected == select_rules("MPC1", "mpc104")


def test_select_rules_rejects_unknown_id() -> None:
    """An id that matches no rule is a usage error."""
    with pytest.raises(CheckError, match="unknown rule 'MPC999'"):
        select_rules("MPC999", None)


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


def test_read_settings_keeps_coverage_warnings(tmp_path: Path) -> None:
    """coverage.py's warnings while reading (an unknown option) are kept, not raised."""
    rc = tmp_path / ".coveragerc"
    rc.write_text("[run]\nno_such_option = 1\n", encoding="utf-8")
    assert any("no_such_option" in w for w in read_settings(rc).warnings)


# --------------------------------------------------------------------------- CLI


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_cli_clean_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No findings: exit status 0 and a summary line."""
    _write(tmp_path, "ok.py", "print('hello')\n")
    monkeypatch.chdir(tmp_path)
    assert 0 == cli.main(["check"])
    assert "0 findings" in capsys.readouterr().out


def test_cli_findings_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Findings: exit status 1, one ``path:line:col: ID`` line and a fix for each."""
    _write(tmp_path, "bad.py", "import os\nos._exit(0)\n")
    monkeypatch.chdir(tmp_path)
    assert 1 == cli.main(["check", "bad.py"])
    out = capsys.readouterr().out
    assert out.startswith("bad.py:2:1: MPC201 ")
    assert "fix: set `[run] patch" in out


def test_cli_uses_config_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--config`` settings decide config-dependent rules."""
    bad = _write(tmp_path, "bad.py", "import os\nif os.fork() == 0:\n    os._exit(0)\n")
    rc = _write(tmp_path, "cov.toml", '[tool.coverage.run]\npatch = ["_exit"]\nparallel = true\n')
    assert 0 == cli.main(["check", str(bad), "--config", str(rc)])
    assert f"settings: {rc}" in capsys.readouterr().out


def test_cli_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--format json`` prints one document with every finding."""
    bad = _write(tmp_path, "bad.py", "import os\nos._exit(0)\n")
    assert 1 == cli.main(["check", str(bad), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert ["MPC201"] == [f["rule"] for f in document["findings"]]
    assert {"rule", "path", "line", "column", "message", "fix", "docs"} == set(
        document["findings"][0]
    )


def test_cli_select_and_ignore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--ignore`` drops a rule's findings, ``--select`` keeps only the named ones."""
    bad = _write(tmp_path, "bad.py", "import os\nos._exit(0)\n")
    assert 0 == cli.main(["check", str(bad), "--ignore", "MPC201"])
    assert 0 == cli.main(["check", str(bad), "--select", "MPC1"])
    assert 1 == cli.main(["check", str(bad), "--select", "MPC2"])
    capsys.readouterr()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.py"], "mpcov: error: missing.py: no such file or directory"),
        (["--config", "nope.cfg"], "mpcov: error: coverage.py cannot use the settings: "),
        (["--select", "MPC9"], "mpcov: error: unknown rule 'MPC9'"),
    ],
)
def test_cli_usage_errors_exit_2(
    args: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Bad input gives exit status 2 and a single ``mpcov: error:`` line, no traceback."""
    monkeypatch.chdir(tmp_path)
    assert 2 == cli.main(["check", *args])
    err = capsys.readouterr().err
    assert err.startswith(message)
    assert 1 == len(err.strip().splitlines())


def test_cli_unparsable_file_is_skipped_with_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that is not valid Python is skipped with a warning, not a crash."""
    _write(tmp_path, "broken.py", "def (:\n")
    assert 0 == cli.main(["check", str(tmp_path)])
    assert "broken.py:1: skipped, not valid Python" in capsys.readouterr().err


def test_cli_help_explains_check(capsys: pytest.CaptureFixture[str]) -> None:
    """``mpcov check --help`` documents paths, options, suppression and exit codes."""
    with pytest.raises(SystemExit) as exc:
        cli.main(["check", "--help"])
    assert 0 == exc.value.code
    out = capsys.readouterr().out
    for text in ("--config", "--select", "--ignore", "--format", "mpcov: ignore[", "exit status"):
        assert text in out


def test_check_paths_skips_hidden_and_venv_dirs(tmp_path: Path) -> None:
    """Directories are searched recursively, without hidden or virtualenv folders."""
    for folder in ("pkg", ".venv", "venv", ".git"):
        (tmp_path / folder).mkdir()
        _write(tmp_path / folder, "m.py", "import os\nos._exit(0)\n")
    findings = check_paths([tmp_path], Settings())
    assert [str(tmp_path / "pkg" / "m.py")] == [f.path for f in findings]


# --------------------------------------------------------------------------- the catalogue

ENV = Environment.current()
EXAMPLES = {path.stem: path for path in discover([EXAMPLES_DIR])}

#: Examples expected measured that a rule still flags, and why that is right.
JUSTIFIED = {
    # Its header: "Lines that only the last worker runs would still be at risk: close()
    # and join() remain the real fix." The example is measured by design, the pattern not.
    ("pool_maxtasksperchild", "MPC101"),
}
#: Examples expected lost or racy that no rule flags, and why. Add an entry here (or a
#: rule) when a new example shows a loss.
UNCOVERED: dict[str, str] = {
    "pytest_joblib_without_shutdown": (
        "the loss comes from pytest-cov combining before loky's idle workers exit; under "
        "plain `coverage run` the same code is measured, so no static signal separates them"
    ),
}


def _expectations(example: Example) -> set[str]:
    """The outcomes this example expects on this platform, Python and coverage.py."""
    outcomes = set()
    for label in example.labels:
        if label != "none" and label not in ENV.start_methods:
            continue
        if skip_reason(example, label, ENV) is not None:
            continue
        outcome = example.expectation(
            label,
            python=ENV.python_version,
            coverage=ENV.coverage_version,
            platform=ENV.sys_platform,
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
        settings = read_settings(folder / "pyproject.toml")
        findings = check_source(path.read_text(encoding="utf-8"), str(path), settings)
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
        loses = bool(expected & {"lost", "racy"})
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
        if expected & {"lost", "racy"} and not flagged and name not in UNCOVERED
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
            assert f"../../examples/{name}.py" in section, (rule.id, name)
        heading = next(line for line in section.splitlines() if line.startswith("## "))
        assert f"## {rule.id}: {rule.title}" == heading.replace("`", "")


@pytest.mark.skipif(sys.platform == "win32", reason="the examples' own skips cover Windows")
def test_catalogue_is_not_empty(catalogue: dict[str, tuple[set[str], set[str]]]) -> None:
    """The catalogue test sees the examples, so none can silently drop out."""
    assert len(catalogue) == len(EXAMPLES) >= 30
