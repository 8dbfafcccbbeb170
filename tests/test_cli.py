"""``mpcov verify`` in-process: exit codes, one-line errors, help, JSON output, skips."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any, Callable

import jsonschema
import pytest

from mpcov.cli import build_parser, main
from mpcov.engine import Environment
from mpcov.report import SCHEMA_PATH, record_name

WriteExample = Callable[..., Path]
#: Fast settings for every run: one run per row, a short timeout.
FAST = ["--repeat", "1", "--jobs", "2", "--timeout", "20"]


def _verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``mpcov verify ARGS`` and return exit code, stdout and stderr."""
    code = main(["verify", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _assert_one_line_error(err: str, message: str) -> None:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert 1 == len(lines), err
    assert lines[0].startswith("mpcov: error: ")
    assert message in lines[0]


def test_verify_exits_0_when_results_match(
    write_example: WriteExample, capsys: pytest.CaptureFixture[str]
) -> None:
    """A measured example expected to be measured exits 0 with an "ok" row."""
    path = write_example()
    code, out, err = _verify(capsys, str(path), *FAST)
    assert 0 == code, err
    row = out.splitlines()[-1].split(maxsplit=6)
    assert ["sample", "none", "measured", "1/1", "100%", "ok"] == row[:6]
    assert "0 losses in 1 runs (loss rate < 95%, 95%)" == row[6]
    assert "[1/1] sample [none]: 1/1 measured (expected: measured)" in err


def test_verify_exits_1_on_a_mismatch(
    write_example: WriteExample, capsys: pytest.CaptureFixture[str]
) -> None:
    """An example expected to lose its data but measured exits 1 and names the mismatch."""
    path = write_example(mpcov='expect = "lost"\nstart-methods = []')
    code, out, err = _verify(capsys, str(path), *FAST)
    assert 1 == code
    assert "MISMATCH" in out.splitlines()[-1]
    assert "MISMATCH sample [none]: expected lost, got 1 measured" in err


def test_verify_shows_the_stderr_of_a_crash(
    write_example: WriteExample, capsys: pytest.CaptureFixture[str]
) -> None:
    """A crashing example is a mismatch, and its stderr tail is printed."""
    path = write_example(body='x = 1  # mpcov: child\nraise RuntimeError("boom in the example")\n')
    code, _, err = _verify(capsys, str(path), *FAST)
    assert 1 == code
    assert "got 1 crashed" in err
    assert "    RuntimeError: boom in the example" in err.splitlines()


def test_verify_missing_script_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A path that does not exist exits 2 with a one-line error."""
    code, out, err = _verify(capsys, str(tmp_path / "nope.py"))
    assert 2 == code
    assert "" == out
    _assert_one_line_error(err, "nope.py: no such file or directory")


def test_verify_empty_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder without example scripts exits 2."""
    code, _, err = _verify(capsys, str(tmp_path))
    assert 2 == code
    _assert_one_line_error(err, "no example scripts in")


def test_verify_duplicate_names_are_a_usage_error(
    write_example: WriteExample, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two examples with the same name would share report rows, so they are refused."""
    first = write_example()
    other = tmp_path / "other"
    other.mkdir()
    (other / first.name).write_text(first.read_text())
    code, _, err = _verify(capsys, str(first), str(other))
    assert 2 == code
    _assert_one_line_error(err, "two examples are named 'sample'")


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"mpcov": 'expect = "sometimes"'}, "expect.fork is 'sometimes'"),
        ({"mpcov": 'expect = "measured"\nstart-methods = [\n'}, "the header's TOML is invalid"),
        ({"body": "x = 1\n"}, "no line is marked '# mpcov: child'"),
        (
            {"coverage": '[tool.coverage.run]\npatch = ["nope"]'},
            "coverage.py rejected the settings: Unknown patch 'nope'",
        ),
        (
            {"coverage": '[tool.coverage.run]\nbranch = "maybe"'},
            "coverage.py rejected the settings: Couldn't read config file",
        ),
    ],
    ids=["bad-expect", "bad-toml", "no-marker", "unknown-patch", "bad-boolean"],
)
def test_verify_invalid_header_or_settings_is_a_usage_error(
    write_example: WriteExample,
    capsys: pytest.CaptureFixture[str],
    parts: dict[str, str],
    message: str,
) -> None:
    """An invalid header, or settings coverage.py refuses, exits 2 with one line naming it."""
    path = write_example(**parts)
    code, out, err = _verify(capsys, str(path), *FAST)
    assert 2 == code
    assert "" == out
    _assert_one_line_error(err, message)
    assert str(path) in err


def test_verify_does_not_judge_settings_of_an_example_that_is_skipped(
    write_example: WriteExample, capsys: pytest.CaptureFixture[str]
) -> None:
    """Settings only a newer coverage.py knows are not an error where the example is skipped."""
    path = write_example(
        coverage='[tool.coverage.run]\npatch = ["from-the-future"]',
        mpcov='expect = "measured"\nstart-methods = []\nrequires-coverage = ">=999"',
    )
    code, out, err = _verify(capsys, str(path), *FAST)
    assert (0, "") == (code, err.strip())
    assert "skipped" in out.splitlines()[-1]


def test_verify_passes_on_coverage_warnings_about_settings(
    write_example: WriteExample, capsys: pytest.CaptureFixture[str]
) -> None:
    """A setting coverage.py only warns about is shown as a warning, not an error."""
    path = write_example(coverage="[tool.coverage.run]\nbrnach = true")
    code, _, err = _verify(capsys, str(path), *FAST)
    assert 0 == code
    assert "mpcov: warning:" in err
    assert "Unrecognized option '[tool.coverage.run] brnach=" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repeat", "0"], "argument --repeat/-n: must be at least 1, not 0"),
        (["--repeat", "many"], "argument --repeat/-n: not a whole number: 'many'"),
        (["--jobs", "-1"], "argument --jobs/-j: must be at least 1"),
        (["--timeout", "0"], "argument --timeout: must be a finite number more than 0"),
        (["--timeout", "nan"], "argument --timeout: must be a finite number more than 0"),
        (["--timeout", "inf"], "argument --timeout: must be a finite number more than 0"),
        (["--timeout", "soon"], "argument --timeout: not a number: 'soon'"),
        (["--start-method", "thread"], "argument --start-method/-m: invalid choice: 'thread'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_verify_bad_option_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """A bad option exits 2 with argparse's usage line and a one-line error, no traceback."""
    # A missing script: should the option be accepted, the test fails fast instead of running.
    with pytest.raises(SystemExit) as info:
        main(["verify", str(tmp_path / "missing.py"), *args])
    assert 2 == info.value.code
    out, err = capsys.readouterr()
    assert "" == out
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(("mpcov verify: error: ", "mpcov: error: "))
    assert err.startswith("usage: mpcov")
    assert message in last
    assert "_positive" not in last


def test_main_without_a_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """``mpcov`` alone says a command is required and exits 2."""
    with pytest.raises(SystemExit) as info:
        main([])
    assert 2 == info.value.code
    assert "required: COMMAND" in capsys.readouterr().err


def test_verify_help_explains_options_and_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    """``mpcov verify --help`` lists the options and what each exit status means."""
    with pytest.raises(SystemExit) as info:
        main(["verify", "--help"])
    assert 0 == info.value.code
    out = capsys.readouterr().out
    for text in (
        "usage: mpcov verify",
        "--start-method",
        "--repeat",
        "--racy-repeat",
        "--jobs",
        "--timeout",
        "--json",
        "exit status:",
        "  0    every result matches its expectation",
        "  1    at least one result does not match",
        "  2    bad input",
        "  130  interrupted by Ctrl-C (SIGINT), SIGTERM or SIGHUP",
        "--select PATTERN",
        "--library NAME",
        "--installed",
    ):
        assert text in out


def test_version_option_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    """``mpcov --version`` prints the package version."""
    from mpcov import __version__

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert 0 == info.value.code
    assert f"mpcov {__version__}\n" == capsys.readouterr().out


def test_verify_json_validates_against_the_schema(
    write_example: WriteExample,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--json`` writes a document that the published schema accepts."""
    monkeypatch.chdir(tmp_path)
    write_example("good")
    write_example("skipped", mpcov='expect = "lost"\nstart-methods = []\nrequires-python = "<3"')
    code, _, err = _verify(capsys, "examples", *FAST, "--json", "out/results.json")
    assert 0 == code, err
    document: dict[str, Any] = json.loads((tmp_path / "out" / "results.json").read_text())
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert ["examples/good.py", "examples/skipped.py"] == [r["path"] for r in document["results"]]
    assert [True, None] == [r["matches"] for r in document["results"]]
    assert (1, 1, 2) == (document["repeat"], document["racy_repeat"], document["jobs"])
    assert "JSON report written to out/results.json" in err


def test_verify_skips_an_unavailable_start_method(
    write_example: WriteExample,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A requested start method the platform lacks is noted and its row skipped, exit 0."""
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["fork", "spawn"])
    path = write_example(mpcov='expect = "measured"\nstart-methods = ["forkserver", "spawn"]')
    code, out, err = _verify(capsys, str(path), *FAST, "--start-method", "forkserver")
    assert 0 == code, err
    assert "mpcov: note: start method 'forkserver' is not available" in err
    assert "error" not in err
    row = out.splitlines()[-1]
    assert ["sample", "forkserver", "-", "skipped"] == row.split()[:4]
    assert "start method 'forkserver' is not available on" in row


def test_verify_record_writes_the_named_recording(
    write_example: WriteExample,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--record DIR --label NAME`` writes DIR/<platform, Python, coverage, label>.json."""
    monkeypatch.chdir(tmp_path)
    write_example("good")
    code, _, err = _verify(capsys, "examples", *FAST, "--record", "data", "--label", "soak")
    assert 0 == code, err
    name = record_name(Environment.current(), "soak")
    assert [name] == [p.name for p in (tmp_path / "data").iterdir()]
    document: dict[str, Any] = json.loads((tmp_path / "data" / name).read_text())
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert ("soak", ["good"]) == (document["label"], [r["example"] for r in document["results"]])
    assert f"JSON report written to data/{name}" in err.splitlines()


def _recorded(capsys: pytest.CaptureFixture[str], *args: str) -> Path:
    """Run ``verify examples ARGS --record data`` (it must pass); the recording it wrote."""
    code, _, err = _verify(capsys, "examples", *FAST, *args, "--record", "data")
    assert 0 == code, err
    return Path.cwd() / "data" / record_name(Environment.current())


def test_verify_record_refuses_to_drop_rows_it_would_not_run(
    write_example: WriteExample,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--record`` of some examples, over a recording of more, exits 2 before any run."""
    monkeypatch.chdir(tmp_path)
    write_example("good")
    write_example("other")
    recording = _recorded(capsys)
    before = recording.read_bytes()
    code, out, err = _verify(capsys, "examples", *FAST, "--select", "good", "--record", "data")
    assert (2, "") == (code, out)
    _assert_one_line_error(
        err,
        f"mpcov: error: --record data: {recording.name} holds rows this run leaves out "
        "(other [none]), and recording replaces the whole file; run them too, "
        "or write this run with --json PATH",
    )
    assert before == recording.read_bytes()
    code, _, err = _verify(capsys, "examples", *FAST, "--select", "good", "--json", "part.json")
    assert 0 == code, err


@pytest.fixture
def recorded_other(
    write_example: WriteExample,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """In a fresh folder, examples ``good`` and ``other``, with ``other`` alone recorded."""
    monkeypatch.chdir(tmp_path)
    write_example("good")
    write_example("other")
    return _recorded(capsys, "--select", "other")


def _update_good(capsys: pytest.CaptureFixture[str], recording: Path) -> dict[str, Any]:
    """Add ``good``'s rows to the recording with ``--update`` (it must pass); the result."""
    code, _, err = _verify(
        capsys, "examples", *FAST, "--select", "good", "--record", "data", "--update"
    )
    assert 0 == code, err
    document: dict[str, Any] = json.loads(recording.read_text())
    return document


def test_verify_record_update_adds_rows_and_keeps_the_rest(
    recorded_other: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--record DIR --update`` replaces the rows it ran, keeps the others and stays valid."""
    recording = recorded_other
    first = json.loads(recording.read_text())
    document = _update_good(capsys, recording)
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert ["good", "other"] == [r["example"] for r in document["results"]]
    assert first["results"][0] == document["results"][1]
    assert (first["created"], True) == (
        document["started"],
        document["created"] >= first["created"],
    )
    assert 2 == len(_update_good(capsys, recording)["results"])


def test_verify_record_update_reads_a_missing_details_as_all(
    recorded_other: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A recording from before ``details`` existed listed every run: an update may join it."""
    recording = recorded_other
    older = json.loads(recording.read_text())
    del older["details"]
    recording.write_text(json.dumps(older))
    document = _update_good(capsys, recording)
    assert ("all", ["good", "other"]) == (
        document["details"],
        [r["example"] for r in document["results"]],
    )


def test_verify_record_update_refuses_a_recording_made_otherwise(
    write_example: WriteExample,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rows of another repeat count (or Python, library...) never join it: exit 2, file kept."""
    monkeypatch.chdir(tmp_path)
    write_example("good")
    recording = _recorded(capsys)
    before = recording.read_bytes()
    code, out, err = _verify(
        capsys, "examples", "--repeat", "2", "--jobs", "2", "--record", "data", "--update"
    )
    assert (2, "") == (code, out)
    _assert_one_line_error(
        err,
        f"mpcov: error: --record data --update: {recording.name} was made with another "
        "repeat, racy_repeat than this run; rows made differently cannot share a "
        "recording: record it whole, without --update",
    )
    assert before == recording.read_bytes()
    code, out, err = _verify(capsys, "examples", *FAST, "--update")
    assert (2, "") == (code, out)
    _assert_one_line_error(
        err, "mpcov: error: --update needs --record DIR: it adds this run's rows to that recording"
    )


@pytest.mark.parametrize(
    ("label", "accepted"),
    [("cloudpickle-3.1.2", True), ("soak_load", True), ("../x", False), (".hidden", False)],
)
def test_verify_label_allows_versions_but_no_paths(
    capsys: pytest.CaptureFixture[str], label: str, accepted: bool
) -> None:
    """A label may name a version (dots) but never a path or a hidden file."""
    parser = build_parser()
    if accepted:
        assert label == parser.parse_args(["verify", "--label", label]).label
    else:
        with pytest.raises(SystemExit):
            parser.parse_args(["verify", "--label", label])
        assert "it becomes part of a file name" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "chosen"),
    [
        (["--select", "pool_"], ["pool_close", "pool_with"]),
        (["--select", "*_with"], ["pool_with"]),
        (["--select", "fork", "--select", "close"], ["fork_exit", "pool_close"]),
        (["--library", "Joblib"], ["joblib_loky"]),
        (["--installed"], ["fork_exit", "pool_close", "pool_with"]),
        (["--select", "pool_", "--installed"], ["pool_close", "pool_with"]),
    ],
)
def test_verify_select_library_and_installed_choose_examples(
    write_example: WriteExample,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    chosen: list[str],
) -> None:
    """Each option narrows the catalogue; kinds combine with "and", repeats with "or"."""
    monkeypatch.chdir(tmp_path)
    for name in ("pool_close", "pool_with", "fork_exit"):
        write_example(name)
    write_example(
        "joblib_loky", mpcov='expect = "measured"\nstart-methods = []\nrequires = ["joblib<0.1"]'
    )
    code, out, err = _verify(capsys, "examples", *FAST, *options)
    assert 0 == code, err
    rows = [line.split()[0] for line in out.splitlines()[4:]]
    assert chosen == rows


def test_verify_select_matching_nothing_is_a_usage_error(
    write_example: WriteExample, capsys: pytest.CaptureFixture[str]
) -> None:
    """A selection that leaves no example exits 2 and says how many there were."""
    path = write_example()
    code, _, err = _verify(capsys, str(path), "--select", "nothing-like-it")
    assert 2 == code
    _assert_one_line_error(err, "no example matches --select nothing-like-it (of 1 found)")
