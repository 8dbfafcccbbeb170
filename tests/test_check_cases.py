"""Every case in tests/check_cases: the checker reports exactly the lines marked ``# expect:``.

Each case is a small module that the docs show as a rule's bad and fixed form.
Its docstring holds the coverage settings (``Settings:``, or ``Bad settings:``
and ``Fixed settings:`` when only the settings differ); a trailing
``# expect: MPC101`` marks each finding the bad settings must give, and the
fixed settings must give none.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from mpcov.check import RULES, CheckConfig, Settings, check_files, cmdline, read_settings

CASES = Path(__file__).parent / "check_cases"
_EXPECT = re.compile(r"#\s*expect:\s*((?:MPC\d{3}\s*)+)")
#: Cases run as if this coverage.py were installed (the rule depends on the release).
_COVERAGE_VERSION = {"mpc205_patch_fork": "7.16.2"}
#: Cases run as if this cloudpickle were installed (MPC109 needs 3.1.3 or later).
_CLOUDPICKLE_VERSION = {"mpc109_task_by_value": "3.1.3"}


@pytest.fixture(autouse=True)
def _no_coverage_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep our own coverage run's ``COVERAGE_*`` variables out of the settings read here."""
    for name in [n for n in os.environ if n.startswith("COVERAGE_")]:
        monkeypatch.delenv(name)


def _case_files() -> list[Path]:
    return sorted(CASES.glob("*.py"))


def _settings(path: Path, label: str, folder: Path) -> Settings:
    """The settings under ``label`` (``Settings:``, ``Bad settings:``...) in the docstring."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    sections = re.split(r"^((?:Bad |Fixed )?[Ss]ettings):\s*$", docstring, flags=re.MULTILINE)
    found = dict(zip(sections[1::2], sections[2::2]))
    toml = found.get(label)
    if toml is None:
        raise LookupError(label)
    rc = folder / f"{label.split()[0].lower()}.toml"
    rc.write_text(toml.strip() + "\n", encoding="utf-8")
    return read_settings(rc)


def _expected(path: Path) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            found.extend((rule, number) for rule in match.group(1).split())
    return sorted(found, key=lambda item: (item[1], item[0]))


def _found(path: Path, settings: Settings) -> list[tuple[str, int]]:
    version = _COVERAGE_VERSION.get(path.stem)
    if version is not None:
        settings = Settings(**{**vars(settings), "coverage_version": version})
    cloudpickle = _CLOUDPICKLE_VERSION.get(path.stem)
    if cloudpickle is not None:
        settings = Settings(**{**vars(settings), "cloudpickle_version": cloudpickle})
    # Command lines in the case's docstring count as the project's (MPC213).
    found = cmdline.scan_file(path)
    settings = settings.with_command_line(found)
    report = check_files([path], settings, config=CheckConfig(root=CASES), command_lines=found)
    assert [] == report.errors
    return [(f.rule, f.line) for f in report.findings]


def _labels(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return ["Bad settings", "Fixed settings"] if "Bad settings:" in text else ["Settings"]


def test_check_cases_found() -> None:
    """The case folder is seen, so no case can silently drop out."""
    assert len(_case_files()) >= 20


@pytest.mark.parametrize("path", _case_files(), ids=lambda p: p.stem)
def test_check_case_reports_marked_lines(path: Path, tmp_path: Path) -> None:
    """With the (bad) settings, the findings are exactly the lines marked ``# expect:``."""
    settings = _settings(path, _labels(path)[0], tmp_path)
    assert _expected(path) == _found(path, settings)


@pytest.mark.parametrize(
    "path", [p for p in _case_files() if "Fixed settings" in _labels(p)], ids=lambda p: p.stem
)
def test_check_case_fixed_settings_are_clean(path: Path, tmp_path: Path) -> None:
    """With the fixed settings, the same code gives no finding."""
    settings = _settings(path, "Fixed settings", tmp_path)
    assert [] == _found(path, settings)


def test_check_cases_cover_every_rule() -> None:
    """Every rule has a case that expects it."""
    expected = {rule for path in _case_files() for rule, _ in _expected(path)}
    assert sorted(RULES) == sorted(expected)
