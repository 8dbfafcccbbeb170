"""Parsing example headers: the valid format, every error message, overrides, discovery."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import pytest
from packaging.specifiers import SpecifierSet

from mpcov.header import (
    DEFAULT_COMMAND,
    START_METHODS,
    HeaderError,
    discover,
    executable_lines,
    parse,
    split_docstring,
)

WriteExample = Callable[..., Path]
#: The default body of ``write_example`` (see conftest.py).
MEASURED_BODY = "from __future__ import annotations\n\nx = 1  # mpcov: child\n"


def test_parse_reads_a_valid_header(write_example: WriteExample) -> None:
    """A complete header yields its title, prose, settings, child lines and expectations."""
    path = write_example(
        "pool_demo",
        title="Pool demo.",
        description="What it shows.\n\nExpected: measured.",
        coverage='[tool.coverage.run]\nconcurrency = ["multiprocessing"]',
        mpcov='expect = "measured"\ntimeout = 5\nexit-code = 3\nmay-hang = true',
        body="from __future__ import annotations\n\n\ndef f() -> int:\n    return 1  # mpcov: child\n",
    )
    example = parse(path)
    assert "pool_demo" == example.name
    assert path == example.path
    assert "Pool demo." == example.title
    assert "What it shows.\n\nExpected: measured." == example.description
    assert {"run": {"concurrency": ["multiprocessing"]}} == example.coverage_settings
    assert example.settings_toml.startswith("[tool.coverage.run]\n")
    assert example.settings_toml.endswith("may-hang = true\n")
    assert (len(path.read_text().splitlines()),) == example.child_lines
    assert START_METHODS == example.start_methods
    assert START_METHODS == example.labels
    assert dict.fromkeys(START_METHODS, "measured") == example.expect
    assert 5.0 == example.timeout
    assert 3 == example.exit_code
    assert True is example.may_hang
    assert DEFAULT_COMMAND == example.command
    assert 64 == len(example.header_sha256)


def test_parse_no_start_methods_means_one_run_labelled_none(write_example: WriteExample) -> None:
    """``start-methods = []`` declares a script without multiprocessing: one label, ``none``."""
    example = parse(write_example(mpcov='expect = "lost"\nstart-methods = []'))
    assert () == example.start_methods
    assert ("none",) == example.labels
    assert {"none": "lost"} == example.expect


def test_parse_expect_table_per_start_method(write_example: WriteExample) -> None:
    """``expect`` may give a different outcome per start method."""
    example = parse(
        write_example(mpcov='expect = { fork = "lost", forkserver = "racy", spawn = "measured" }')
    )
    assert {"fork": "lost", "forkserver": "racy", "spawn": "measured"} == example.expect


def test_parse_skip_stands_in_for_a_missing_expectation(write_example: WriteExample) -> None:
    """A start method with a skip reason needs no expected outcome."""
    example = parse(
        write_example(
            mpcov='start-methods = ["fork", "spawn"]\n'
            'expect = { spawn = "measured" }\nskip = { fork = "not relevant" }'
        )
    )
    assert {"spawn": "measured"} == example.expect
    assert {"fork": "not relevant"} == example.skip


def test_parse_reads_requirements_command_and_files(write_example: WriteExample) -> None:
    """Requirements, platforms, a custom command and helper files are all read."""
    write_example("_helper", text="VALUE = 1\n")
    example = parse(
        write_example(
            mpcov="""
            expect = "measured"
            start-methods = ["spawn"]
            requires-python = ">=3.9"
            requires-coverage = ">=7"
            requires = ["joblib"]
            platforms = ["linux", "darwin"]
            command = ["{python}", "-m", "coverage", "run", "{script}"]
            files = ["_helper.py"]
            """
        )
    )
    assert SpecifierSet(">=3.9") == example.requires_python
    assert SpecifierSet(">=7") == example.requires_coverage
    assert ("joblib",) == example.requires
    assert ("linux", "darwin") == example.platforms
    assert ("{python}", "-m", "coverage", "run", "{script}") == example.command
    assert ("_helper.py",) == example.files


def test_parse_missing_file_is_reported(tmp_path: Path) -> None:
    """A path that does not exist gives 'no such file'."""
    path = tmp_path / "nowhere.py"
    with pytest.raises(HeaderError, match="no such file") as info:
        parse(path)
    assert f"{path}: no such file" == str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("def broken(:\n", "not valid Python"),
        ("x = 1  # mpcov: child\n", "no module docstring"),
        ('"""Title.\n\nProse only.\n"""\nx = 1  # mpcov: child\n', "no TOML tail"),
        (
            '"""Title.\n\nProse.\n\n[tool.mpcov]\nexpect = \n"""\nx = 1  # mpcov: child\n',
            "the header's TOML is invalid",
        ),
        (
            '"""[tool.mpcov]\nexpect = "measured"\n"""\nx = 1  # mpcov: child\n',
            "no title line",
        ),
        (
            '"""Title.\n[tool.mpcov]\nexpect = "measured"\n"""\nx = 1  # mpcov: child\n',
            "says nothing about what the example demonstrates",
        ),
    ],
    ids=["syntax", "no-docstring", "no-toml", "bad-toml", "no-title", "no-description"],
)
def test_parse_reports_a_malformed_docstring(
    write_example: WriteExample, text: str, message: str
) -> None:
    """Each way the docstring can be malformed has its own message, prefixed by the path."""
    path = write_example(text=text)
    with pytest.raises(HeaderError, match=message) as info:
        parse(path)
    assert str(info.value).startswith(f"{path}:")


@pytest.mark.parametrize(
    ("mpcov", "coverage", "message"),
    [
        ("", "[tool.coverage.run]\nbranch = true", r"has no \[tool.mpcov\] table"),
        ('expect = "measured"\n[tool.black]\nx = 1', "", r"unexpected table \[tool.black\]"),
        ('expected = "measured"', "", r"\[tool.mpcov\] has unknown key 'expected'"),
        ("start-methods = []", "", r"\[tool.mpcov\] needs 'expect'"),
        (
            'expect = "maybe"',
            "",
            "expect.fork is 'maybe'; use one of measured, partial, lost, racy",
        ),
        ("expect = 3", "", "expect must be an outcome string or a table of them"),
        (
            'expect = { fork = "lost", threads = "lost" }',
            "",
            "expect names 'threads', not one of fork, forkserver, spawn",
        ),
        (
            'start-methods = ["fork", "spawn"]\nexpect = { fork = "lost" }',
            "",
            r"expect has no outcome \(and skip no reason\) for 'spawn'",
        ),
        ('expect = "lost"\nstart-methods = ["thread"]', "", "start-methods: 'thread' is not one"),
        ('expect = "lost"\nstart-methods = "fork"', "", "start-methods must be a list"),
        ('expect = "lost"\nskip = { none = "x" }', "", "skip names 'none'"),
        ('expect = "lost"\nskip = { fork = 1 }', "", "skip must be a table of reasons"),
        ('expect = "lost"\nrequires-python = ">=three"', "", "requires-python: Invalid"),
        ('expect = "lost"\nrequires-coverage = 7', "", "requires-coverage must be a version"),
        ('expect = "lost"\nrequires = "joblib"', "", "requires must be a list of strings"),
        ('expect = "lost"\nplatforms = [1]', "", "platforms must be a list of strings"),
        ('expect = "lost"\ntimeout = -1', "", "timeout must be a positive number"),
        ('expect = "lost"\ntimeout = true', "", "timeout must be a positive number"),
        ('expect = "lost"\nmay-hang = "yes"', "", "may-hang must be true or false"),
        ('expect = "lost"\nexit-code = "1"', "", "exit-code must be an integer"),
        ('expect = "lost"\ncommand = []', "", "command must start with '{python}'"),
        ('expect = "lost"\ncommand = ["python", "{script}"]', "", "command must start with"),
        ('expect = "lost"\nfiles = ["/etc/hosts"]', "", "files: '/etc/hosts' must be a relative"),
        ('expect = "lost"\nfiles = ["../x.py"]', "", "files: '../x.py' must be a relative"),
        ('expect = "lost"\nfiles = ["_nope.py"]', "", "files: '_nope.py' does not exist beside"),
        ('expect = "lost"\nwhen = [1]', "", r"when\[0\] must be a table"),
        ('expect = "lost"\n[[tool.mpcov.when]]\nos = "linux"', "", r"when\[0\] has unknown key"),
        (
            'expect = "lost"\n[[tool.mpcov.when]]\npython = "~=3"',
            "",
            r"when\[0\].python: Invalid specifier",
        ),
        (
            'expect = "lost"\n[[tool.mpcov.when]]\nexpect = { fork = "sometimes" }',
            "",
            r"when\[0\].expect.fork is 'sometimes'",
        ),
        (
            'expect = "lost"\n[[tool.mpcov.when]]\nskip = { thread = "x" }',
            "",
            r"when\[0\].skip names 'thread'",
        ),
    ],
)
def test_parse_reports_each_invalid_setting(
    write_example: WriteExample, mpcov: str, coverage: str, message: str
) -> None:
    """Every invalid ``[tool.mpcov]`` entry gets a message naming it, prefixed by the path."""
    path = write_example(mpcov=mpcov, coverage=coverage)
    if not mpcov:  # no [tool.mpcov] table at all
        path.write_text(path.read_text().replace("[tool.mpcov]\n", ""))
    with pytest.raises(HeaderError, match=message) as info:
        parse(path)
    assert str(info.value).startswith(f"{path}: ")
    assert "\n" not in str(info.value)


def test_parse_requires_a_child_marker(write_example: WriteExample) -> None:
    """A script without a ``# mpcov: child`` line is rejected: there is nothing to judge."""
    path = write_example(body="x = 1  # runs in the parent\n")
    with pytest.raises(HeaderError, match="no line is marked '# mpcov: child'"):
        parse(path)


def test_parse_child_marker_only_counts_at_line_end(write_example: WriteExample) -> None:
    """The marker counts only as a trailing comment, not mentioned mid-line."""
    path = write_example(
        body='x = 1  # mpcov: child\ny = "# mpcov: child is the marker"\nz = 2  # mpcov: child  \n'
    )
    example = parse(path)
    lines = path.read_text().splitlines()
    assert (lines.index("x = 1  # mpcov: child") + 1, len(lines)) == example.child_lines


def test_parse_header_digest_follows_what_runs(write_example: WriteExample) -> None:
    """The digest changes with the code or the settings, not with the prose or the title."""
    base = parse(write_example("a")).header_sha256
    other_code = parse(write_example("b", body=MEASURED_BODY + "y = 2\n")).header_sha256
    moved = parse(write_example("c", body="\n" + MEASURED_BODY)).header_sha256
    settings = parse(write_example("e", coverage="[tool.coverage.run]\nbranch = true"))
    timeout = parse(
        write_example("t", mpcov='expect = "measured"\nstart-methods = []\ntimeout = 9')
    )
    assert len({base, other_code, moved, settings.header_sha256, timeout.header_sha256}) == 5
    reworded = parse(write_example("f", description="Something else.")).header_sha256
    longer = parse(write_example("g", description="Some\n\nlonger\n\nprose.")).header_sha256
    retitled = parse(write_example("d", title="Another title.")).header_sha256
    assert base == reworded == longer == retitled


def test_parse_header_digest_leaves_out_declarations(write_example: WriteExample) -> None:
    """``expect``, ``skip`` and ``when`` entries that only declare do not change the digest."""
    base = parse(write_example("a")).header_sha256
    lost = parse(write_example("b", mpcov='expect = "lost"\nstart-methods = []')).header_sha256
    declared = parse(
        write_example(
            "c",
            mpcov="""
            expect = "measured"
            start-methods = []

            [[tool.mpcov.when]]
            python = ">=3.14"
            coverage = "<7.10.3"
            expect = "racy"

            [[tool.mpcov.when]]
            platforms = ["darwin"]
            skip = { none = "not there" }
            """,
        )
    ).header_sha256
    judged = parse(
        write_example(
            "d",
            mpcov="""
            expect = "measured"
            start-methods = []

            [[tool.mpcov.when]]
            python = ">=3.14"
            output = "a warning"
            """,
        )
    ).header_sha256
    assert base == lost == declared != judged


def test_split_docstring_splits_at_the_first_tool_table() -> None:
    """Title, prose and TOML tail are split at the first line starting with ``[tool.``."""
    doc = "Title.\n\nProse [tool.x] inline.\n\n[tool.coverage.run]\nbranch = true\n"
    assert (
        "Title.",
        "Prose [tool.x] inline.",
        "[tool.coverage.run]\nbranch = true\n",
    ) == split_docstring(doc)


WHEN = """
expect = { fork = "lost", forkserver = "measured", spawn = "measured" }

[[tool.mpcov.when]]
python = ">=3.12"
expect = { fork = "racy" }

[[tool.mpcov.when]]
python = ">=3.12"
coverage = ">=7.17"
expect = "measured"

[[tool.mpcov.when]]
platforms = ["darwin"]
skip = { spawn = "not on macOS" }
"""


@pytest.mark.parametrize(
    ("python", "coverage", "platform", "expected"),
    [
        ("3.11.2", "7.17.3", "linux", ("lost", "measured", "measured")),
        ("3.12.0", "7.16.0", "linux", ("racy", "measured", "measured")),
        ("3.12.0", "7.17.3", "linux", ("measured", "measured", "measured")),
        ("3.11.2", "7.17.3", "darwin", ("lost", "measured", "skip: not on macOS")),
        ("3.13.1", "7.17.3", "darwin", ("measured", "measured", "skip: not on macOS")),
    ],
)
def test_expectation_applies_when_overrides_in_order(
    write_example: WriteExample,
    python: str,
    coverage: str,
    platform: str,
    expected: tuple[str, str, str],
) -> None:
    """``when`` entries apply only if all their conditions hold, and the last match wins."""
    example = parse(write_example(mpcov=WHEN))
    assert 3 == len(example.when)
    got = tuple(
        example.expectation(label, python=python, coverage=coverage, platform=platform)
        for label in ("fork", "forkserver", "spawn")
    )
    assert expected == got


def test_expectation_later_expect_clears_an_earlier_skip(write_example: WriteExample) -> None:
    """A later ``when`` expectation replaces the header's skip for that start method."""
    example = parse(
        write_example(
            mpcov="""
            start-methods = ["fork"]
            expect = {}
            skip = { fork = "broken before 7.17" }

            [[tool.mpcov.when]]
            coverage = ">=7.17"
            expect = { fork = "measured" }
            """
        )
    )
    assert "skip: broken before 7.17" == example.expectation(
        "fork", python="3.12.0", coverage="7.16.0", platform="linux"
    )
    assert "measured" == example.expectation(
        "fork", python="3.12.0", coverage="7.17.3", platform="linux"
    )


def test_discover_skips_helpers_and_test_modules(tmp_path: Path) -> None:
    """A folder expands to its ``*.py`` files, sorted, without ``_*``, ``test_*`` or conftest."""
    for name in ("b.py", "a.py", "_helper.py", "test_a.py", "conftest.py", "notes.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.py").write_text("")
    explicit = tmp_path / "test_explicit.py"
    assert [tmp_path / "a.py", tmp_path / "b.py", explicit] == discover([tmp_path, explicit])


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("x = 1\n# mpcov: child\n", "a comment line"),
        ('def f() -> None:\n    """Doc."""  # mpcov: child\n    return None\n', "a docstring"),
        pytest.param(
            "if False:\n    x = 1  # mpcov: child\n",
            "code the compiler drops",
            marks=pytest.mark.skipif(
                sys.version_info < (3, 10),
                reason="on 3.9 coverage.py's parser counts this line as a statement",
            ),
        ),
        ("x = (1 +\n     2)  # mpcov: child\n", "a continuation line"),
        ("x = 1  # pragma: no cover  # mpcov: child\n", "an excluded line"),
    ],
    ids=["comment", "docstring", "if-false", "continuation", "excluded"],
)
def test_parse_refuses_a_marker_on_a_line_that_cannot_run(
    write_example: WriteExample, body: str, what: str
) -> None:
    """A marker that coverage.py could never measure is refused, naming file and line."""
    path = write_example(body="from __future__ import annotations\n\n" + body)
    marked = next(
        n for n, line in enumerate(path.read_text().splitlines(), 1) if "# mpcov: child" in line
    )
    with pytest.raises(HeaderError, match=f"sample.py:{marked}: the '# mpcov: child' marker"):
        parse(path)


def test_parse_refuses_a_marker_on_a_line_the_settings_exclude(
    write_example: WriteExample,
) -> None:
    """The header's own ``exclude_also`` counts, as it does for coverage.py's report."""
    path = write_example(
        coverage='[tool.coverage.report]\nexclude_also = ["never_measured"]',
        body="x = 1  # never_measured  # mpcov: child\n",
    )
    with pytest.raises(HeaderError, match="could never be measured"):
        parse(path)


def test_executable_lines_asks_coverages_parser() -> None:
    """Statements count, comments, docstrings and dropped code do not."""
    source = '"""Doc."""\nx = 1\n# note\nif False:\n    y = 2\nz = (1 +\n     2)\n'
    # Line 4, the `if False:` itself, is a statement from Python 3.10 on; 3.9's compiler
    # drops it with its body.
    assert {2, 6} == executable_lines(source, "m.py") - {4}


def test_parse_reads_markers_in_companion_files(
    write_example: WriteExample, tmp_path: Path
) -> None:
    """A Python file in ``files`` contributes its marked lines, checked like the script's."""
    (tmp_path / "examples" / "_tasks.py").write_text(
        "def f() -> int:\n    return 1  # mpcov: child\n"
    )
    path = write_example(
        mpcov='expect = "measured"\nstart-methods = []\nfiles = ["_tasks.py"]',
        body="from __future__ import annotations\n\nx = 1\n",
    )
    example = parse(path)
    assert () == example.child_lines
    assert {"_tasks.py": (2,)} == example.file_child_lines
    assert ("_tasks.py:2",) == example.markers


def test_parse_companion_text_is_part_of_the_digest(
    write_example: WriteExample, tmp_path: Path
) -> None:
    """Changing a companion with marked lines makes recordings of the example stale."""
    companion = tmp_path / "examples" / "_tasks.py"
    companion.write_text("x = 1  # mpcov: child\n")
    path = write_example(mpcov='expect = "measured"\nstart-methods = []\nfiles = ["_tasks.py"]')
    before = parse(path).header_sha256
    companion.write_text("x = 2  # mpcov: child\n")
    assert before != parse(path).header_sha256


@pytest.mark.parametrize(
    ("libraries", "expected"),
    [
        ({"cloudpickle": "3.1.2"}, "measured"),
        ({"cloudpickle": "3.1.3"}, "lost"),
        ({"cloudpickle": "3.2.0rc1"}, "lost"),
        ({}, "measured"),
    ],
)
def test_expected_conditions_on_a_library_version(
    write_example: WriteExample, libraries: dict[str, str], expected: str
) -> None:
    """A ``when`` entry keyed on a library holds only where that version is installed."""
    example = parse(
        write_example(
            mpcov='expect = "measured"\nstart-methods = []\n'
            "[[tool.mpcov.when]]\nlibraries = { CloudPickle = '>=3.1.3' }\nexpect = 'lost'"
        )
    )
    found = example.expected(
        "none", python="3.11.7", coverage="7.17.5", platform="linux", libraries=libraries
    )
    assert expected == found.outcome


def test_expected_carries_exit_code_and_output_overrides(write_example: WriteExample) -> None:
    """``exit-code`` and ``output`` can depend on versions too, like the outcome."""
    example = parse(
        write_example(
            mpcov='expect = "measured"\nstart-methods = []\nexit-code = 1\noutput = "boom"\n'
            '[[tool.mpcov.when]]\ncoverage = "<7"\nexit-code = 0\noutput = ["a", "b"]'
        )
    )
    new = example.expected("none", python="3.11.7", coverage="7.17.5", platform="linux")
    old = example.expected("none", python="3.11.7", coverage="6.5.0", platform="linux")
    assert (1, ("boom",)) == (new.exit_code, new.output)
    assert (0, ("a", "b")) == (old.exit_code, old.output)


@pytest.mark.parametrize(
    ("mpcov", "message"),
    [
        (
            'expect = "lost"\nrequires = ["not a name!"]',
            "requires: 'not a name!' is not a requirement",
        ),
        ('expect = "lost"\nthen = "coverage combine"', "then must be a list of commands"),
        ('expect = "lost"\nthen = [["coverage", "combine"]]', r"then\[0\] must start with"),
        ('expect = "lost"\noutput = ""', "output must not contain an empty text"),
        ('expect = "lost"\ndata = "some"', "data is 'some'; use one of all, combined"),
        (
            'expect = "lost"\n[[tool.mpcov.when]]\nlibraries = "cloudpickle"',
            r"when\[0\].libraries must be a table",
        ),
        (
            'expect = "lost"\n[[tool.mpcov.when]]\nlibraries = { x = "3" }',
            r"when\[0\].libraries.x: Invalid specifier",
        ),
    ],
)
def test_parse_reports_invalid_new_keys(
    write_example: WriteExample, mpcov: str, message: str
) -> None:
    """The keys for requirements, follow-up commands, output and data files are checked."""
    with pytest.raises(HeaderError, match=message):
        parse(write_example(mpcov=mpcov))
