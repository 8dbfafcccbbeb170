"""Every example, on every start method this platform has, through the real engine.

All runs happen once, in parallel, in a session fixture; each (example, start
method) pair is then its own test. Deterministic expectations (measured, lost)
are asserted exactly. A racy row is judged as the engine judges it: with fewer
than ``RACY_MIN_RUNS`` runs it only has to run without crashing, and unless both
outcomes occurred anyway the test is reported as skipped, "too few runs to show a
race"; with that many (``MPCOV_TEST_REPEAT=20``) both outcomes must occur. Two runs stay the default:
with the rates recorded here, a quarter of 20-run sessions would see some racy
row that happened not to race, and the runs would take several times as long.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mpcov import catalogue
from mpcov.engine import RACY_MIN_RUNS, GroupResult, Runner, verify
from mpcov.header import Example, discover, parse

EXAMPLES_DIR = Path(__file__).parent.parent / "examples"
EXAMPLE_PATHS = discover([EXAMPLES_DIR])
#: Runs per row; raise it (MPCOV_TEST_REPEAT=10) to hunt for flaky expectations.
REPEAT = int(os.environ.get("MPCOV_TEST_REPEAT", "2"))


def _params() -> list[tuple[Path, str]]:
    params: list[tuple[Path, str]] = []
    for path in EXAMPLE_PATHS:
        try:
            labels = parse(path).labels
        except ValueError:
            labels = ("header",)  # test_example_header_is_valid reports the problem
        params.extend((path, label) for label in labels)
    return params


@pytest.fixture(scope="session")
def all_results() -> dict[tuple[str, str], GroupResult]:
    """Run the whole catalogue once, every run in parallel."""
    examples = [parse(path) for path in EXAMPLE_PATHS]
    groups = verify(examples, repeat=REPEAT, runner=Runner())
    return {(g.example.name, g.label): g for g in groups}


def test_examples_catalogue_is_found() -> None:
    """Every Python file in examples/ that is not a helper (``_*``) is an example."""
    files = sorted(p for p in EXAMPLES_DIR.glob("*.py") if not p.name.startswith("_"))
    assert files == sorted(EXAMPLE_PATHS)
    assert len(EXAMPLE_PATHS) >= 4


@pytest.mark.parametrize("path", EXAMPLE_PATHS, ids=lambda p: p.stem)
def test_example_header_is_valid(path: Path) -> None:
    """Each example has a header the engine accepts, and the house layout."""
    example = parse(path)
    source = path.read_text(encoding="utf-8")
    assert example.title.endswith(".")
    assert "Expected:" in example.description
    assert "Settings:" in example.description
    assert "from __future__ import annotations" in source
    assert 'if __name__ == "__main__":' in source
    # main() may take the start method when a library wants it as an argument (mpire).
    assert re.search(r"^def main\([^)]*\) -> None:", source, re.MULTILINE)


_OUTCOME = r"\b(measured|lost|partial|racy)\b"
_METHOD = r"(?:forkserver|fork|spawn)"
#: "lost with forkserver and spawn", "measured under spawn": an outcome tied to methods.
_PAIR = re.compile(
    _OUTCOME + rf"[^;.()]*?\b(?:with|under|on)\s+"
    rf"({_METHOD}(?:(?:,\s*|\s+and\s+|\s+or\s+){_METHOD})*)\b"
)


def _prose_disagreements(example: Example) -> list[str]:
    """Where the header's "Expected:" paragraph says what its TOML never declares."""
    match = re.search(r"Expected:(.*?)(?:\n\n|$)", example.description, re.DOTALL)
    if match is None:
        return ["no Expected: paragraph"]
    prose = " ".join(match.group(1).split())
    declared: dict[str, set[str]] = {}
    for label, value in example.expect.items():
        declared.setdefault(label, set()).add(str(value))
    for override in example.when:
        for label, value in override.expect.items():
            declared.setdefault(label, set()).add(str(value))
    anywhere = set().union(*declared.values()) if declared else set()
    out = []
    words = re.findall(_OUTCOME, prose)
    if words and words[0] not in anywhere:
        out.append(f"leads with {words[0]!r}, declared nowhere ({sorted(anywhere)})")
    out.extend(
        f"declares {base!r} but never says it"
        for base in sorted(set(map(str, example.expect.values())) - set(words))
    )
    for pair in _PAIR.finditer(prose):
        for method in re.findall(_METHOD, pair.group(2)):
            if method in declared and pair.group(1) not in declared[method]:
                out.append(f"{pair.group(0)!r}: {method} is declared {sorted(declared[method])}")
    return out


@pytest.mark.parametrize("path", EXAMPLE_PATHS, ids=lambda p: p.stem)
def test_example_expected_line_agrees_with_its_declaration(path: Path) -> None:
    """The header's "Expected:" prose names the outcomes its TOML declares, method by method."""
    assert [] == _prose_disagreements(parse(path))


def test_example_expected_line_check_sees_a_contradiction(tmp_path: Path) -> None:
    """A header whose prose says "lost with spawn" while its TOML says measured is caught."""
    script = tmp_path / "pool_contradicted.py"
    script.write_text(
        '"""A pool.\n\nSettings: none.\nExpected: measured with fork; lost with spawn.\n\n'
        '[tool.mpcov]\nexpect = "measured"\n"""\n\n'
        "def main() -> None:\n    print(1)  # mpcov: child\n",
        encoding="utf-8",
    )
    problems = _prose_disagreements(parse(script))
    assert ["'lost with spawn': spawn is declared ['measured']"] == problems


#: A count of runs typed into prose: "8 of 8 spawn runs", "every one of 30 runs", "19/30".
_RUN_COUNT = re.compile(
    r"\b\d+ of \d+ (?:\w+ )?runs?\b|\bof \d+ runs\b|\b\d+/\d+\b"
    r"|\b(?:measured|lost|kept) (?:in )?\d+\b|\b\d+(?:\.\d+)?\s?% of (?:the )?runs\b"
)


def _typed_run_counts(example: Example) -> list[str]:
    """Run counts in a header's prose, which only a recording may state."""
    prose = " ".join(example.description.split())
    return [m.group(0) for m in _RUN_COUNT.finditer(prose)]


@pytest.mark.parametrize("path", EXAMPLE_PATHS, ids=lambda p: p.stem)
def test_example_header_states_no_run_counts(path: Path) -> None:
    """A header never types a measured count: figures come from the recorded results."""
    assert [] == _typed_run_counts(parse(path))


def test_example_run_count_check_sees_a_typed_figure(tmp_path: Path) -> None:
    """A header that says "7.10.0 measured 8 of 8 spawn runs" is caught."""
    script = tmp_path / "pool_counted.py"
    script.write_text(
        '"""A pool.\n\nRun alone, 7.10.0 measured 8 of 8 spawn runs; 7.10.7 every one of 30 '
        'runs.\n\nSettings: none.\nExpected: measured.\n\n[tool.mpcov]\nexpect = "measured"\n'
        '"""\n\ndef main() -> None:\n    print(1)  # mpcov: child\n',
        encoding="utf-8",
    )
    assert ["measured 8", "of 30 runs"] == _typed_run_counts(parse(script))


def _describe(group: GroupResult) -> str:
    outcomes = ", ".join(f"{r.outcome}" for r in group.runs)
    problems = sorted({p for r in group.runs for p in r.problems})
    tails = [r.stderr_tail for r in group.runs if r.stderr_tail]
    text = f"expected {group.expect}, runs: {outcomes}"
    if problems:
        text += "\nproblems: " + "; ".join(problems[:5])
    if tails:
        text += "\nstderr tail:\n" + tails[0]
    return text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "label"), _params(), ids=[f"{p.stem}-{label}" for p, label in _params()]
)
def test_example_outcome_matches_header(
    path: Path, label: str, all_results: dict[tuple[str, str], GroupResult]
) -> None:
    """The engine's measurement agrees with the outcome the example's header declares."""
    group = all_results[(path.stem, label)]
    if group.skip_reason is not None:
        pytest.skip(group.skip_reason)
    assert group.planned == len(group.runs)
    assert group.matches is True, f"{group.explanation}\n{_describe(group)}"
    if group.expect == "racy" and not group.raced:
        # No race yet, which only fewer than RACY_MIN_RUNS runs excuse: nothing crashed,
        # but the race itself was not put to the test, so say so.
        assert len(group.runs) < RACY_MIN_RUNS, group.explanation
        pytest.skip(f"{group.explanation}; {group.measured}/{len(group.runs)} measured")


@pytest.mark.parametrize("path", EXAMPLE_PATHS, ids=lambda p: p.stem)
def test_example_name_says_what_it_shows(path: Path) -> None:
    """An example is named by its file, in snake_case, and never looks like a test module."""
    name = parse(path).name
    assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name), name
    assert not re.match(r"test_|.*_test$", name), name


def _layout(root: Path, *, shipped: bool, checkout: bool) -> Path:
    """A package folder ``root/src/mpcov`` with a shipped and/or a checkout catalogue."""
    package = root / "src" / "mpcov"
    package.mkdir(parents=True)
    for folder, wanted in ((package / "examples", shipped), (root / "examples", checkout)):
        folder.mkdir()
        if wanted:
            (folder / "pool_close_join.py").write_text("", encoding="utf-8")
    return package


@pytest.mark.parametrize(
    ("shipped", "checkout", "expected"),
    [
        (True, True, "src/mpcov/examples"),
        (False, True, "examples"),
        (False, False, None),
    ],
)
def test_catalogue_examples_dir_prefers_the_shipped_copy(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    shipped: bool,
    checkout: bool,
    expected: str | None,
) -> None:
    """The catalogue inside the package wins, then a checkout's; a folder without scripts is none."""
    monkeypatch.setattr(catalogue, "_HERE", _layout(tmp_path, shipped=shipped, checkout=checkout))
    found = catalogue.examples_dir()
    assert (None if expected is None else tmp_path / expected) == found
