"""Every example, on every start method this platform has, through the real engine.

All runs happen once, in parallel, in a session fixture; each (example, start
method) pair is then its own test. Deterministic expectations (measured, lost)
are asserted exactly; racy rows only have to run without crashing, and their
measured rate is printed (``pytest -rA`` shows it), never asserted.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mpcov.engine import GroupResult, Runner, verify
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
    assert group.matches is True, _describe(group)
    if group.expect == "racy":
        print(f"{path.stem} [{label}]: {group.measured}/{len(group.runs)} measured")


def test_example_names_say_what_they_show() -> None:
    """Example names are snake_case and never look like test modules to pytest."""
    for example in map(parse, EXAMPLE_PATHS):
        assert isinstance(example, Example)
        assert example.name == example.name.lower()
        assert not example.name.startswith("test")
