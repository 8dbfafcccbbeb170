"""The results document (against its schema) and the text table."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import jsonschema
import pytest

from mpcov import __version__
from mpcov.engine import DataFileInfo, Environment, GroupResult, RunResult
from mpcov.header import parse
from mpcov.report import (
    SCHEMA_ID,
    SCHEMA_PATH,
    document_record_name,
    record_name,
    text_table,
    to_json,
    updated,
    write_json,
)

WriteExample = Callable[..., Path]
CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
ENV = Environment(
    python_version="3.12.4",
    implementation="CPython",
    coverage_version="7.17.3",
    sys_platform="linux",
    system="Linux",
    release="6.1.0",
    machine="x86_64",
    start_methods=("fork", "forkserver", "spawn"),
    cpus=2,
    libraries={"joblib": "1.6.0", "cloudpickle": "3.1.3", "coverage": "7.17.3"},
)


def _run(
    outcome: str,
    *,
    seconds: float = 1.0,
    unreadable: int = 0,
    stragglers: int = 0,
    tail: str = "",
) -> RunResult:
    status = outcome if outcome in ("timeout", "crashed") else "ok"
    files = [DataFileInfo(".coverage", 100, None)]
    files += [DataFileInfo(f".coverage.{i}", 0, "empty") for i in range(unreadable)]
    return RunResult(
        status=status,  # type: ignore[arg-type]
        measurement=outcome if status == "ok" else "lost",  # type: ignore[arg-type]
        exit_code=None if status == "timeout" else 1 if status == "crashed" else 0,
        duration=seconds,
        measured_lines=(),
        missed_lines=() if outcome == "measured" else ("sample.py:7",),
        data_files=tuple(files),
        stragglers=stragglers,
        problems=("RuntimeError: boom",) if tail else (),
        stderr_tail=tail,
    )


@pytest.fixture
def groups(write_example: WriteExample) -> list[GroupResult]:
    """A measured row, a mismatching row with every kind of trouble, and a skipped row."""
    good = parse(write_example("good", title="Good."))
    bad = parse(write_example("bad", title="Bad."))
    return [
        GroupResult(
            good,
            "fork",
            expect="measured",
            planned=2,
            runs=[_run("measured", seconds=1.0), _run("measured", seconds=2.0)],
        ),
        GroupResult(
            bad,
            "spawn",
            expect="lost",
            planned=4,
            runs=[
                _run("lost", unreadable=1),
                _run("partial", stragglers=2),
                _run("timeout", seconds=3.0),
                _run("crashed", tail="Traceback\nRuntimeError: boom"),
            ],
        ),
        GroupResult(good, "none", expect=None, skip_reason="needs Python >=3.13"),
    ]


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(_schema())
    return [error.message for error in validator.iter_errors(document)]


def test_schema_is_valid_draft_2020_12() -> None:
    """The published schema is itself a valid draft 2020-12 schema for our layout id."""
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "https://json-schema.org/draft/2020-12/schema" == schema["$schema"]
    assert SCHEMA_ID == schema["properties"]["schema"]["const"]


def test_to_json_validates_against_the_schema(groups: list[GroupResult], tmp_path: Path) -> None:
    """A document with measured, failing and skipped rows is valid, also after a round trip."""
    document = to_json(groups, ENV, repeat=2, racy_repeat=10, jobs=2, created=CREATED)
    assert [] == _errors(document)
    path = tmp_path / "out" / "results.json"
    write_json(document, path)
    assert document == json.loads(path.read_text(encoding="utf-8"))


def test_to_json_records_the_environment_and_counts(groups: list[GroupResult]) -> None:
    """The document says where it was measured and counts every outcome per row."""
    document = to_json(groups, ENV, repeat=2, jobs=2, created=CREATED)
    assert "2026-01-02T03:04:05+00:00" == document["created"]
    assert {"version": __version__} == document["mpcov"]
    assert ["fork", "forkserver", "spawn"] == document["platform"]["start_methods"]
    assert 2 == document["racy_repeat"]  # defaults to repeat
    good, bad, skipped = document["results"]
    assert ("good", "good.py", "Good.", 1.0, True, 1.5) == (
        good["example"],
        good["path"],
        good["title"],
        good["rate"],
        good["matches"],
        good["median_seconds"],
    )
    counts = ("runs", "measured", "partial", "lost", "timeouts", "crashes")
    assert (4, 0, 1, 1, 1, 1) == tuple(bad[key] for key in counts)
    assert ["lost", "partial", "timeout", "crashed"] == [d["outcome"] for d in bad["details"]]
    assert [0, 0, None, 1] == [d["exit_code"] for d in bad["details"]]
    assert [1, 0, 0, 0] == [d["unreadable_data_files"] for d in bad["details"]]
    assert "Traceback\nRuntimeError: boom" == bad["details"][3]["stderr_tail"]
    assert (None, "needs Python >=3.13", None, None, []) == (
        skipped["expect"],
        skipped["skip_reason"],
        skipped["rate"],
        skipped["median_seconds"],
        skipped["details"],
    )


def test_to_json_keeps_only_contrary_runs_when_asked(groups: list[GroupResult]) -> None:
    """With details = contrary, agreeing runs are only counted; the rest keep their index."""
    document = to_json(groups, ENV, repeat=2, created=CREATED, details="contrary")
    assert [] == _errors(document)
    assert "contrary" == document["details"]
    good, bad, _ = document["results"]
    assert (2, []) == (good["runs"], good["details"])
    # The row expects "lost": its lost run agrees; partial, timeout and crash are evidence.
    assert [(1, "partial"), (2, "timeout"), (3, "crashed")] == [
        (d["index"], d["outcome"]) for d in bad["details"]
    ]
    assert 4 == bad["runs"]


def test_to_json_refuses_an_unknown_details_mode(groups: list[GroupResult]) -> None:
    """A details mode other than all or contrary is a programming error, said plainly."""
    with pytest.raises(ValueError, match="details must be"):
        to_json(groups, ENV, repeat=2, details="some")


def test_to_json_paths_are_relative_to_the_root(groups: list[GroupResult], tmp_path: Path) -> None:
    """With a root, an example's path is given relative to it, with forward slashes."""
    document = to_json(groups, ENV, repeat=2, root=tmp_path, created=CREATED)
    assert "examples/good.py" == document["results"][0]["path"]


@pytest.mark.parametrize(
    ("where", "key", "value"),
    [
        ((), "schema", "mpcov-results/1"),
        ((), "distributions", {"joblib": 1}),
        (("results", 0), "interval", [0.5]),
        (("results", 0, "details", 0), "missed_lines", [7]),
        ((), "extra", 1),
        (("platform",), "cpus", 0),
        (("results", 0), "start_method", "thread"),
        (("results", 0), "expect", "sometimes"),
        (("results", 0), "header_sha256", "abc"),
        (("results", 0), "rate", 1.5),
        (("results", 0, "details", 0), "outcome", "fine"),
        (("results", 0, "details", 0), "seconds", -1),
        (("results", 2), "runs", 3),
        (("results", 2), "expect", "measured"),
        (("results", 1), "expect", None),
    ],
)
def test_schema_rejects_what_to_json_never_writes(
    groups: list[GroupResult], where: tuple[str | int, ...], key: str, value: object
) -> None:
    """Unknown fields, wrong versions and impossible values fail validation."""
    document = copy.deepcopy(to_json(groups, ENV, repeat=2, created=CREATED))
    target: Any = document
    for step in where:
        target = target[step]
    target[key] = value
    assert [] != _errors(document)


def test_record_name_names_platform_python_and_coverage() -> None:
    """A recording's file name identifies what produced it, and its campaign if any."""
    assert "linux-cpython3.12.4-coverage7.17.3.json" == record_name(ENV)
    assert "linux-cpython3.12.4-coverage7.17.3-soak.json" == record_name(ENV, "soak")


def test_to_json_records_versions_statistics_and_the_lock(
    groups: list[GroupResult], tmp_path: Path
) -> None:
    """Every distribution, each row's libraries, its interval and bound, and the lock digest."""
    lock = tmp_path / "examples.txt"
    lock.write_text("joblib==1.6.0\n")
    groups[0].libraries = {"joblib": "1.6.0", "cloudpickle": "3.1.3"}
    document = to_json(groups, ENV, repeat=2, created=CREATED, label="soak", lock=lock)
    assert [] == _errors(document)
    assert {"joblib": "1.6.0", "cloudpickle": "3.1.3", "coverage": "7.17.3"} == document[
        "distributions"
    ]
    digest = hashlib.sha256(b"joblib==1.6.0\n").hexdigest()
    assert {"file": "examples.txt", "sha256": digest} == document["lock"]
    assert "soak" == document["label"]
    good, bad, skipped = document["results"]
    assert {"joblib": "1.6.0", "cloudpickle": "3.1.3"} == good["libraries"]
    # 2/2 measured: the Wilson interval and the exact one-sided bound 1 - 0.05 ** (1 / 2).
    assert [0.3424, 1.0] == good["interval"]
    assert (0, 0.7764) == (good["contrary"], good["contrary_upper_bound"])
    assert "0 losses in 2 runs (loss rate < 78%, 95%)" == good["explanation"]
    assert (3, None) == (bad["contrary"], bad["contrary_upper_bound"])
    assert (None, None, {}) == (skipped["interval"], skipped["contrary"], skipped["libraries"])


def test_write_json_replaces_the_file_in_one_step(tmp_path: Path) -> None:
    """The document appears whole or not at all, and no temporary file is left beside it."""
    path = tmp_path / "r.json"
    path.write_text("old")
    write_json({"a": 1}, path)
    assert {"a": 1} == json.loads(path.read_text())
    assert ["r.json"] == [p.name for p in tmp_path.iterdir()]


def test_document_record_name_matches_the_name_it_was_recorded_under(
    groups: list[GroupResult],
) -> None:
    """Merging names a recording exactly as ``--record`` named it on its own machine."""
    document = to_json(groups, ENV, repeat=2, created=CREATED)
    assert record_name(ENV) == document_record_name(document)


def _cells(header: str, line: str) -> list[str]:
    """Cut a table line into cells at the header's column starts."""
    names = header.split()
    starts = [header.index(name) for name in names] + [len(line) + 1]
    return [line[a:b].strip() for a, b in zip(starts, starts[1:])]


def test_text_table_has_a_row_per_group(groups: list[GroupResult]) -> None:
    """The table has a summary, a header, a rule and one row per example and start method."""
    lines = text_table(groups, ENV, repeat=2, racy_repeat=10).splitlines()
    assert (
        "CPython 3.12.4, coverage 7.17.3, Linux 6.1.0 (x86_64), 2 run(s) per row (10 for racy rows)"
    ) == lines[0]
    assert "" == lines[1]
    header = lines[2]
    assert ["example", "method", "expect", "measured", "rate", "result", "notes"] == header.split()
    assert {"-", " "} == set(lines[3])
    rows = [_cells(header, line) for line in lines[4:]]
    assert [
        [
            "good",
            "fork",
            "measured",
            "2/2",
            "100%",
            "ok",
            "0 losses in 2 runs (loss rate < 78%, 95%)",
        ],
        [
            "bad",
            "spawn",
            "lost",
            "0/4",
            "0%",
            "MISMATCH",
            (
                "3 of 4 runs not lost, 1 partial, 1 timeout, 1 crashed, "
                "1 unreadable data file(s), 2 straggler(s) killed"
            ),
        ],
        ["good", "none", "-", "", "", "skipped", "needs Python >=3.13"],
    ] == rows


def test_text_table_mentions_racy_repeat_only_when_it_differs(groups: list[GroupResult]) -> None:
    """The summary line names the racy repeat count only when it is not the plain one."""
    assert "racy" not in text_table(groups, ENV, repeat=2).splitlines()[0]
    assert "racy" not in text_table(groups, ENV, repeat=2, racy_repeat=2).splitlines()[0]
    assert (
        "2 run(s) per row (5 for racy rows)"
        in text_table(groups, ENV, repeat=2, racy_repeat=5).splitlines()[0]
    )


def test_updated_names_each_kernel_release_its_rows_ran_on(groups: list[GroupResult]) -> None:
    """Rows kept from a recording made on another kernel keep that release named."""
    recorded = to_json(groups, ENV, repeat=2, jobs=2, created=CREATED)
    newer = dataclasses.replace(ENV, release="6.2.0")
    update = to_json(groups[:1], newer, repeat=2, jobs=2, created=CREATED)
    assert len(recorded["results"]) > len(update["results"])
    document = updated(recorded, update)
    assert "6.1.0 / 6.2.0" == document["platform"]["release"]
    assert [] == _errors(document)
    whole = updated(recorded, to_json(groups, newer, repeat=2, jobs=2, created=CREATED))
    assert "6.2.0" == whole["platform"]["release"]
