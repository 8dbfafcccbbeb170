"""``mpcov compare``: which rows changed between two results documents, and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mpcov.cli import main
from mpcov.compare import Document, Row, changed, compare, pick_recording, rows_left_out

SHA = "0" * 64


def _row(
    example: str = "ex",
    method: str = "fork",
    *,
    measured: int = 20,
    lost: int = 0,
    runs: int | None = None,
    skip: str | None = None,
    libraries: dict[str, str | None] | None = None,
    crashes: int = 0,
    sha: str = SHA,
) -> dict[str, Any]:
    total = measured + lost + crashes if runs is None else runs
    return {
        "example": example,
        "start_method": method,
        "skip_reason": skip,
        "runs": 0 if skip else total,
        "measured": measured,
        "partial": 0,
        "lost": lost,
        "timeouts": 0,
        "crashes": crashes,
        "header_sha256": sha,
        **({} if libraries is None else {"libraries": libraries}),
    }


def _document(
    *rows: dict[str, Any],
    python: str = "3.11.7",
    coverage: str = "7.17.5",
    schema: str = "mpcov-results/2",
    label: str | None = None,
) -> dict[str, Any]:
    return {
        "schema": schema,
        "label": label,
        "platform": {"sys_platform": "linux"},
        "python": {"implementation": "CPython", "version": python},
        "coverage": {"version": coverage},
        "results": list(rows),
    }


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _read(tmp_path: Path, name: str, document: dict[str, Any]) -> Document:
    return Document.read(_write(tmp_path / name, document))


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (_row(measured=20), _row(measured=20), False),
        (_row(measured=20), _row(measured=0, lost=20), True),
        (_row(measured=5, lost=0), _row(measured=0, lost=5), True),
        (_row(measured=20), _row(measured=0, lost=0, crashes=20), True),
        # Two samples of one race: overlapping Wilson intervals are no change...
        (_row(measured=7, lost=23), _row(measured=12, lost=18), False),
        (_row(measured=30), _row(measured=28, lost=2), False),
        # ...disjoint ones are.
        (_row(measured=3, lost=27), _row(measured=27, lost=3), True),
        (_row(measured=20), _row(skip="needs joblib"), True),
        (_row(skip="needs joblib"), _row(skip="needs joblib"), False),
        (_row(), None, True),
        (None, _row(), True),
    ],
    ids=[
        "same",
        "measured-to-lost",
        "few-runs-flip",
        "now-crashes",
        "race-resampled",
        "almost-always",
        "race-moved",
        "now-skipped",
        "still-skipped",
        "removed",
        "added",
    ],
)
def test_changed_compares_outcomes_not_noise(
    before: dict[str, Any] | None, after: dict[str, Any] | None, expected: bool
) -> None:
    """Deterministic outcomes change when they differ; rates when their intervals part."""
    old = None if before is None else Row.from_result(before)
    new = None if after is None else Row.from_result(after)
    assert expected is changed(old, new)


def test_compare_names_rows_and_the_versions_that_differ(tmp_path: Path) -> None:
    """Each changed row says before -> after and which versions moved."""
    before = _read(
        tmp_path,
        "a.json",
        _document(
            _row("joblib_task", "none", libraries={"joblib": "1.6.0", "cloudpickle": "3.1.2"}),
            _row("pool", "fork"),
            coverage="7.17.3",
        ),
    )
    after = _read(
        tmp_path,
        "b.json",
        _document(
            _row(
                "joblib_task",
                "none",
                measured=0,
                lost=20,
                libraries={"joblib": "1.6.0", "cloudpickle": "3.1.3"},
            ),
            _row("pool", "fork"),
        ),
    )
    (change,) = compare(before, after)
    assert ("joblib_task", "none") == (change.example, change.start_method)
    assert ("measured (20/20 measured)", "lost (0/20 measured)") == (change.before, change.after)
    assert ("coverage 7.17.3 -> 7.17.5", "cloudpickle 3.1.2 -> 3.1.3") == change.versions
    assert False is change.header_changed


def test_compare_reads_the_older_layout_without_library_versions(tmp_path: Path) -> None:
    """A layout-1 document names no libraries: they show as unrecorded."""
    before = _read(tmp_path, "a.json", _document(_row(), schema="mpcov-results/1"))
    after = _read(
        tmp_path, "b.json", _document(_row(measured=0, lost=20, libraries={"joblib": "1.6.0"}))
    )
    (change,) = compare(before, after)
    assert ("joblib unrecorded -> 1.6.0",) == change.versions


def test_pick_recording_takes_the_newest_coverage_for_the_same_python(tmp_path: Path) -> None:
    """A folder yields the plain recording of AFTER's platform and Python minor version."""
    for python, coverage, label in (
        ("3.11.7", "7.10.0", None),
        ("3.11.7", "7.17.5", None),
        ("3.11.7", "7.17.5", "soak"),
        ("3.12.1", "7.17.5", None),
    ):
        suffix = f"-{label}" if label else ""
        name = f"linux-cpython{python}-coverage{coverage}{suffix}.json"
        _write(tmp_path / name, _document(python=python, coverage=coverage, label=label))
    after = _read(tmp_path / "..", "after.json", _document(python="3.11.9"))
    assert "linux-cpython3.11.7-coverage7.17.5.json" == pick_recording(tmp_path, after).path.name


def test_compare_cli_exits_0_when_nothing_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No change: exit 0 and a one-line summary."""
    a = _write(tmp_path / "a.json", _document(_row()))
    b = _write(tmp_path / "b.json", _document(_row()))
    assert 0 == main(["compare", str(a), str(b)])
    out = capsys.readouterr().out
    assert out.startswith("0 of 1 rows changed: a.json (CPython 3.11.7, coverage 7.17.5)")
    assert 1 == len(out.splitlines())


def test_compare_cli_exits_1_and_prints_a_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A change: exit 1, the table in text or Markdown."""
    a = _write(tmp_path / "a.json", _document(_row()))
    b = _write(tmp_path / "b.json", _document(_row(measured=0, lost=20)))
    assert 1 == main(["compare", str(a), str(b)])
    lines = capsys.readouterr().out.splitlines()
    assert ["example", "method", "before", "after", "versions", "that", "differ"] == lines[
        2
    ].split()
    assert ["ex", "fork", "measured", "(20/20", "measured)", "lost", "(0/20", "measured)"] == (
        lines[4].split()
    )
    assert 1 == main(["compare", str(a), str(b), "--format", "markdown"])
    markdown = capsys.readouterr().out.splitlines()
    assert "| `ex` | fork | measured (20/20 measured) | lost (0/20 measured) |  |" == markdown[-1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{", "not JSON"),
        ('{"schema": "other/1"}', "not an mpcov results document (schema 'other/1'"),
        ('{"schema": "mpcov-results/2"}', "a results document without 'results'"),
    ],
    ids=["missing", "not-json", "foreign", "incomplete"],
)
def test_compare_cli_bad_input_is_a_one_line_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    """A file that is not a results document exits 2 with one line naming it."""
    good = _write(tmp_path / "good.json", _document(_row()))
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    assert 2 == main(["compare", str(good), str(bad)])
    err = capsys.readouterr().err.strip().splitlines()
    assert 1 == len(err)
    assert err[0].startswith(f"mpcov: error: {bad}")
    assert message in err[0]


def test_compare_common_ignores_rows_only_one_document_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A selection's drift run: rows it did not run are not changes with --common."""
    a = _write(tmp_path / "a.json", _document(_row("pool"), _row("joblib")))
    b = _write(tmp_path / "b.json", _document(_row("joblib")))
    assert 1 == main(["compare", str(a), str(b)])
    capsys.readouterr()
    assert 0 == main(["compare", str(a), str(b), "--common"])
    out = capsys.readouterr().out
    assert out.startswith("0 of 1 rows changed: a.json")
    assert out.rstrip().endswith("(rows both hold)")


def test_rows_left_out_names_the_first_missing_row_and_counts_the_rest() -> None:
    """Rows the new recording lacks are named in order; rows it adds do not count."""
    held = [("b", "spawn"), ("a", "fork"), ("a", "spawn")]
    assert rows_left_out(held, [("a", "spawn"), ("c", "fork")]) == "a [fork] and 1 more"
    assert rows_left_out(held, [("a", "fork")]) == "a [spawn] and 1 more"
    assert rows_left_out(held, [*held, ("c", "none")]) is None
    assert rows_left_out([("a", "fork")], []) == "a [fork]"
