"""The documentation shows every example, with its measured outcome, and only tested code.

These tests read the MyST sources; the build itself (sphinx-build -n -W) runs in
``nox -s docs``. The guard tests at the end keep pages honest: a page may not label an
example Good or Bad against what the recordings show, and a version statement ("since
7.x", "before 7.x", "3.14+") needs a cited source or an example in its paragraph.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from packaging.specifiers import SpecifierSet

from mpcov.header import Example, discover, parse
from mpcov.report import SCHEMA_PATH, document_record_name

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"

sys.path.insert(0, str(DOCS / "_ext"))
from mpcov_docs.data import Recording, cells, load_recordings

_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w-]+)\}(?P<args>[^\n]*)$", re.MULTILINE)
_PLAIN_FENCE = re.compile(r"^(`{3,})(?P<lang>[\w-]*)\s*$", re.MULTILINE)
# Hand-written code is allowed only for commands and configuration.
_ALLOWED_LANGUAGES = {"console", "toml", "ini", "yaml"}


def _pages() -> list[Path]:
    skip = {"_build", "_ext", "_tools", "_static", "_inventories", "diagrams"}
    return sorted(p for p in DOCS.rglob("*.md") if not skip & set(p.relative_to(DOCS).parts))


def _directives(page: Path, name: str) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return [m["args"].strip() for m in _FENCE.finditer(text) if m["name"] == name]


def _included_examples(page: Path) -> set[str]:
    """Examples whose code a page shows.

    By ``literalinclude``, ``mpcov-listing`` or ``mpcov-example`` (which holds the whole
    file, collapsed).
    """
    names = set()
    for arg in _directives(page, "literalinclude"):
        target = (DOCS / arg.lstrip("/")) if arg.startswith("/") else (page.parent / arg)
        target = target.resolve()
        if target.parent == EXAMPLES.resolve() and not target.stem.startswith("_"):
            names.add(target.stem)
    for directive in ("mpcov-listing", "mpcov-example"):
        names.update(arg.split()[0] for arg in _directives(page, directive) if arg.split())
    return names


def _decision_examples(page: Path) -> set[str]:
    """Examples listed in a page's ``mpcov-decisions`` tables (``Pattern: name ...`` lines)."""
    text = page.read_text(encoding="utf-8")
    names: set[str] = set()
    for block in re.findall(r"^```\{mpcov-decisions\}\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        for line in block.splitlines():
            names.update(line.partition(":")[2].split())
    return names


def _outcomes_shown(page: Path) -> set[str]:
    shown = {name for args in _directives(page, "mpcov-outcomes") for name in args.split()}
    return shown | _decision_examples(page)


def _example_names() -> list[str]:
    return [p.stem for p in discover([EXAMPLES])]


def test_docs_pages_found() -> None:
    """The page scan finds the site's pages and their example includes (none silently lost)."""
    pages = _pages()
    assert len(pages) >= 20
    assert sum(len(_included_examples(p)) for p in pages) > 0


def test_docs_every_example_included() -> None:
    """Every example script is included by at least one page with ``literalinclude``."""
    included = set().union(*(_included_examples(p) for p in _pages()))
    missing = sorted(set(_example_names()) - included)
    assert [] == missing, f"examples no page includes: {missing}"


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_docs_page_shows_outcomes_of_its_examples(page: Path) -> None:
    """A page that includes an example also shows that example's measured outcome."""
    missing = sorted(_included_examples(page) - _outcomes_shown(page))
    assert [] == missing, f"{page.name} includes these without mpcov-outcomes: {missing}"


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_docs_directives_name_real_examples(page: Path) -> None:
    """Every example named by an mpcov directive exists (the build would fail later)."""
    known = set(_example_names())
    named = set(_decision_examples(page))
    for directive in ("mpcov-outcomes", "mpcov-example", "mpcov-settings", "mpcov-listing"):
        for args in _directives(page, directive):
            named.update(args.split())
    assert [] == sorted(named - known)


def test_docs_decision_table_lists_every_example() -> None:
    """The decision table page lists every example, so none is missing from "will it work"."""
    listed = _decision_examples(DOCS / "reference" / "decisions.md")
    assert [] == sorted(set(_example_names()) - listed)


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_docs_code_only_from_examples(page: Path) -> None:
    """Plain code fences hold only shell commands or configuration, never typed-in Python."""
    text = page.read_text(encoding="utf-8")
    languages = {m["lang"] for m in _PLAIN_FENCE.finditer(text) if m["lang"]}
    assert set() == languages - _ALLOWED_LANGUAGES


def _merge_tool() -> Any:
    spec = importlib.util.spec_from_file_location(
        "merge_results", DOCS / "_tools" / "merge_results.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _recording(created: str) -> dict[str, Any]:
    """A results document in the current schema, as `mpcov verify --record` writes it."""
    from mpcov.engine import Environment
    from mpcov.report import to_json

    document = to_json([], Environment.current(), repeat=1)
    return {**document, "created": created}


def test_docs_merge_results_names_and_keeps_newest(tmp_path: Path) -> None:
    """Merging names each file by platform/Python/coverage and never replaces a newer one."""
    merge = _merge_tool()
    incoming, into = tmp_path / "incoming", tmp_path / "data"
    incoming.mkdir()
    (incoming / "a.json").write_text(json.dumps(_recording("2026-01-02T00:00:00+00:00")))
    assert 0 == merge.merge([incoming], into)
    (written,) = into.glob("*.json")
    assert document_record_name(_recording("x")) == written.name
    (incoming / "a.json").write_text(json.dumps(_recording("2026-01-01T00:00:00+00:00")))
    assert 0 == merge.merge([incoming], into)
    assert "2026-01-02T00:00:00+00:00" == json.loads(written.read_text())["created"]


def test_docs_merge_results_refuses_to_drop_rows(tmp_path: Path) -> None:
    """A newer file that leaves out rows of the recording it would replace is refused."""
    merge = _merge_tool()
    real = min((DOCS / "results" / "data").glob("*.json"))
    whole: dict[str, Any] = json.loads(real.read_text(encoding="utf-8"))
    into = tmp_path / "data"
    into.mkdir()
    (into / real.name).write_text(json.dumps(whole))
    part = {**whole, "created": "2999-01-01T00:00:00+00:00", "results": whole["results"][1:]}
    (tmp_path / "part.json").write_text(json.dumps(part))
    assert 1 == merge.merge([tmp_path / "part.json"], into)
    assert whole == json.loads((into / real.name).read_text())
    (tmp_path / "all.json").write_text(json.dumps({**part, "results": whole["results"]}))
    assert 0 == merge.merge([tmp_path / "all.json"], into)


def test_docs_merge_results_rejects_foreign_documents(tmp_path: Path) -> None:
    """A file that is not an mpcov results document is reported, not merged."""
    merge = _merge_tool()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema": "something-else/9"}))
    assert 1 == merge.merge([bad], tmp_path / "data")
    assert [] == list((tmp_path / "data").glob("*.json"))


def _soak_tool() -> Any:
    spec = importlib.util.spec_from_file_location("soak", DOCS / "_tools" / "soak.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _soak_part(script: Path, created: str, **changes: Any) -> dict[str, Any]:
    """A part of a soak: one example's rows as ``mpcov verify --details contrary`` writes them."""
    from mpcov.engine import Environment, GroupResult
    from mpcov.header import parse
    from mpcov.report import to_json

    example = parse(script)
    group = GroupResult(example, example.labels[0], expect="measured", planned=0)
    document = to_json([group], Environment.current(), repeat=200, label="soak", details="contrary")
    return {**document, "created": created, **changes}


def _put_part(parts: Path, script: Path, created: str, **changes: Any) -> None:
    """Write the example's part into the campaign folder, as the soak session names it."""
    parts.mkdir(exist_ok=True)
    part = _soak_part(script, created, **changes)
    (parts / f"{script.stem}.json").write_text(json.dumps(part))


def test_docs_soak_plan_lists_missing_and_stale_parts(
    tmp_path: Path, write_example: Callable[..., Path]
) -> None:
    """A part counts only if made here, from the same header; stale ones are removed."""
    soak = _soak_tool()
    done, missing, other_python, edited = (write_example(n) for n in "abcd")
    parts = tmp_path / "parts"
    _put_part(parts, done, "2026-01-01T00:00:00+00:00")
    old_python = {"implementation": "CPython", "version": "3.0.0"}
    _put_part(parts, other_python, "2026-01-01T00:00:00+00:00", python=old_python)
    _put_part(parts, edited, "2026-01-01T00:00:00+00:00")
    write_example("d", body="from __future__ import annotations\n\nx = 2  # mpcov: child\n")
    assert [missing, other_python, edited] == soak.plan(
        parts, [done, missing, other_python, edited], None
    )
    assert ["a.json"] == sorted(p.name for p in parts.iterdir())


def test_docs_soak_merge_waits_for_every_part_then_joins_them(
    tmp_path: Path, write_example: Callable[..., Path]
) -> None:
    """Merging writes nothing until all parts exist; then one valid recording, first to last."""
    soak = _soak_tool()
    first, second = write_example("a"), write_example("b")
    parts, into = tmp_path / "parts", tmp_path / "data"
    _put_part(parts, first, "2026-01-02T00:00:00+00:00")
    assert (3, None) == soak.merge(parts, [first, second], into)
    _put_part(parts, second, "2026-01-03T00:00:00+00:00")
    status, target = soak.merge(parts, [first, second], into)
    assert 0 == status
    document = json.loads(target.read_text())
    assert target.name.endswith("-soak.json")
    assert ("2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00") == (
        document["started"],
        document["created"],
    )
    assert ["a", "b"] == [r["example"] for r in document["results"]]
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)


def test_docs_soak_merge_names_every_kernel_release(
    tmp_path: Path, write_example: Callable[..., Path]
) -> None:
    """Parts made before and after a kernel update merge, naming both releases."""
    soak = _soak_tool()
    first, second, third = write_example("a"), write_example("b"), write_example("c")
    parts, into = tmp_path / "parts", tmp_path / "data"
    for script, release in ((first, "6.1-v2"), (second, "6.1-v1"), (third, "6.1-v2")):
        here = _soak_part(script, "2026-01-02T00:00:00+00:00")["platform"]
        _put_part(parts, script, "2026-01-02T00:00:00+00:00", platform={**here, "release": release})
    status, target = soak.merge(parts, [first, second, third], into)
    assert 0 == status
    document = json.loads(target.read_text())
    assert "6.1-v1 / 6.1-v2" == document["platform"]["release"]
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_docs_soak_merge_refuses_parts_of_two_environments(
    tmp_path: Path, write_example: Callable[..., Path]
) -> None:
    """Parts made with different versions are never merged into one recording."""
    soak = _soak_tool()
    first, second = write_example("a"), write_example("b")
    parts = tmp_path / "parts"
    _put_part(parts, first, "2026-01-02T00:00:00+00:00")
    _put_part(parts, second, "2026-01-03T00:00:00+00:00", distributions={"coverage": "1.0"})
    assert (1, None) == soak.merge(parts, [first, second], tmp_path / "data")


def test_docs_soak_merge_refuses_a_part_its_example_has_outgrown(
    tmp_path: Path, write_example: Callable[..., Path]
) -> None:
    """A header changed after a part was made (during the campaign) stops the merge."""
    soak = _soak_tool()
    first, second = write_example("a"), write_example("b")
    parts = tmp_path / "parts"
    _put_part(parts, first, "2026-01-02T00:00:00+00:00")
    _put_part(parts, second, "2026-01-03T00:00:00+00:00")
    write_example("b", mpcov='expect = "lost"\nstart-methods = []')
    assert (1, None) == soak.merge(parts, [first, second], tmp_path / "data")
    assert [] == list(tmp_path.glob("data/*"))


# ------------------------------------------------------------------------ guards
# A page's claims against the recordings, and its version statements against sources.

#: Pages other engineers own (the checker's and doctor's pages, the benchmark page):
#: their claims are checked by their own tests.
_GUARD_EXEMPT = {
    "reference/checks.md",
    "reference/check-accuracy.md",
    "reference/doctor.md",
    "reference/overhead.md",
    "tutorial/find-missing-coverage.md",
}

#: Labels that promise every child line is measured, in every run the label covers.
_POSITIVE = {"Good", "Measured", "Rescued"}
#: Labels that promise nothing is measured, in any run the label covers.
_ALL_LOST = {"Lost", "Always lost"}
#: Labels that promise a loss somewhere: no recording may measure every row.
_SOME_LOSS = {"Bad", "Still racy", "Racy"}
_LABEL = re.compile(
    r"^#{2,5}\s+(?P<label>Always lost|Still racy|Good|Bad|Measured|Lost|Rescued|Racy)"
    r"(?P<qualifier>[^:`]*):",
)
_HEADING = re.compile(r"^#{1,6}\s")
_DIRECTIVE_ARG = re.compile(r"^(`{3,}|:{3,})\{(mpcov-example|mpcov-listing)\}\s+(\w+)")


@dataclass(frozen=True)
class Claim:
    """A heading's label over the examples its section shows, with the versions it covers."""

    page: str
    heading: str
    label: str
    examples: tuple[str, ...]
    #: (what, specifier): ``coverage``, ``python``, ``method`` or a distribution name.
    conditions: tuple[tuple[str, str], ...]


def _qualifier_conditions(text: str) -> tuple[tuple[str, str], ...]:
    """``with coverage.py 7.17.3+`` -> (("coverage", ">=7.17.3"),); unreadable words fail."""
    conditions: list[tuple[str, str]] = []
    rest = text.strip()
    patterns: list[tuple[str, Callable[[re.Match[str]], list[tuple[str, str]]]]] = [
        (
            r"(?:since|with|from)\s+(coverage\.py|Python|[\w-]+)\s+(\d+(?:\.\d+)*)\+?",
            lambda m: [(_target(m[1]), f">={m[2]}")],
        ),
        (
            r"before\s+(coverage\.py|Python|[\w-]+)\s+(\d+(?:\.\d+)*)",
            lambda m: [(_target(m[1]), f"<{m[2]}")],
        ),
        (
            r"on\s+Python\s+(\d+\.\d+)\s+and\s+(\d+\.\d+)",
            # Either version: "|" separates alternatives (a SpecifierSet's "," means both).
            lambda m: [("python", f"=={m[1]}.*|=={m[2]}.*")],
        ),
        (r"on\s+(fork|forkserver|spawn)", lambda m: [("method", m[1])]),
    ]
    while rest:
        for pattern, make in patterns:
            match = re.match(pattern, rest)
            if match:
                conditions.extend(make(match))
                rest = rest[match.end() :].strip()
                break
        else:
            raise ValueError(f"cannot read the label qualifier {text.strip()!r} (at {rest!r})")
    return tuple(conditions)


def _target(word: str) -> str:
    return {"coverage.py": "coverage", "Python": "python"}.get(word, word.lower())


def label_claims(page: str, text: str) -> list[Claim]:
    """Every labelled heading of a page, with the examples shown until the next heading."""
    claims: list[Claim] = []
    current: tuple[str, str, tuple[tuple[str, str], ...]] | None = None
    names: list[str] = []

    def close() -> None:
        if current is not None:
            claims.append(Claim(page, current[0], current[1], tuple(names), current[2]))

    for line in text.splitlines():
        if _HEADING.match(line):
            close()
            names = []
            match = _LABEL.match(line)
            current = (
                (line.strip(), match["label"], _qualifier_conditions(match["qualifier"]))
                if match
                else None
            )
            continue
        directive = _DIRECTIVE_ARG.match(line)
        if directive and current is not None and directive[3] not in names:
            names.append(directive[3])
    close()
    return claims


def _holds(conditions: Sequence[tuple[str, str]], rec: Recording) -> bool | None:
    """Whether a recording is covered by the conditions; ``None`` when it cannot tell."""
    for what, spec in conditions:
        if what == "method":
            continue
        if what == "coverage":
            version: str | None = rec.coverage
        elif what == "python":
            version = rec.python_version
        else:
            version = (rec.distributions() or {}).get(what)
            if version is None:
                return None
        if version is None or not any(version in SpecifierSet(s) for s in spec.split("|")):
            return False
    return True


def contradictions(
    claims: Sequence[Claim], recordings: Sequence[Recording], load: Callable[[str], Example]
) -> list[str]:
    """Each claim the recordings contradict, as one line saying where and why."""
    found: list[str] = []
    for claim in claims:
        methods = {spec for what, spec in claim.conditions if what == "method"}
        covered = [r for r in recordings if _holds(claim.conditions, r)]
        for name in claim.examples:
            example = load(name)
            labels = [m for m in example.labels if not methods or m in methods]
            by_recording: dict[Path, list[str]] = {}
            for label in labels:
                for info in cells(example, covered, label):
                    if info.stale or info.seen in ("skipped", "no runs"):
                        continue
                    by_recording.setdefault(info.recording.path, []).append(info.seen)
                    where = (
                        f"{claim.page}: {claim.heading!r}: {name} {label} on {info.recording.short}"
                    )
                    if claim.label in _POSITIVE and info.seen != "measured":
                        found.append(f"{where} was {info.seen}")
                    if claim.label in _ALL_LOST and info.seen != "lost":
                        found.append(f"{where} was {info.seen}")
            if claim.label in _SOME_LOSS:
                for path, seen in by_recording.items():
                    if seen and all(s == "measured" for s in seen):
                        found.append(
                            f"{claim.page}: {claim.heading!r}: {name} measured everything in {path.name}"
                        )
    return found


_VERSION = re.compile(
    r"(?i:\b(?:since|before|until|from|after|up to|through))\s+"
    r"(?:(?:coverage\.py|Python|CPython|pytest-cov|cloudpickle|joblib|mpire|Django|Celery|"
    r"gunicorn|SQLite|actions/upload-artifact)\s+)?v?\d+\.\d+"
    r"|\b\d+\.\d+(?:\.\d+)?\+"
    r"|\b\d+\.\d+(?:\.\d+)?\s+(?:or|and)\s+(?:later|newer|older|earlier)"
    r"|\b3\.1[4-9]\b"
)
_FUTURE = re.compile(r"\b3\.1[4-9]\b")
_CITED = re.compile(
    r"\{(?:source|unmeasured|covchanges|covchangelog|covissue|cpython|pytestcovissue|"
    r"pytestcovchanges)\}`|\{ref\}`[^`]*<?coverage:"
)
_UNMEASURED = re.compile(r"\{unmeasured\}`")


def text_blocks(text: str) -> Iterator[str]:
    """The prose of a page in paragraphs: code and directive blocks left out, headings alone."""
    block: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if fence is not None:
            if stripped == fence:
                fence = None
            continue
        opening = re.match(r"^(`{3,})", stripped)
        if opening:
            if block:
                yield "\n".join(block)
                block = []
            fence = opening[1]
            continue
        if re.match(r"^:{3,}", stripped) or (
            stripped.startswith(("(", "---")) and stripped.endswith((")=", "---"))
        ):
            continue
        if not stripped or _HEADING.match(line) or re.match(r"^(?:- |\d+\. )", line):
            if block:
                yield "\n".join(block)
            block = [line] if stripped else []
            if _HEADING.match(line):
                yield "\n".join(block)
                block = []
            continue
        block.append(line)
    if block:
        yield "\n".join(block)


def uncited_version_statements(text: str, examples: set[str]) -> list[str]:
    """Paragraphs with a version statement but no citation role and no example named.

    Anything about Python 3.14 or later needs the ``{unmeasured}`` role: no 3.14+
    interpreter ran the recordings.
    """
    found = []
    for block in text_blocks(text):
        if _LABEL.match(block):
            continue  # a labelled heading: the label guard checks it against the recordings
        if _FUTURE.search(block) and not _UNMEASURED.search(block):
            found.append(f"3.14+ without {{unmeasured}}: {block.strip()[:160]!r}")
            continue
        if not _VERSION.search(block):
            continue
        named = set(re.findall(r"`(\w+)`", block)) & examples
        if not _CITED.search(block) and not named:
            found.append(f"uncited: {block.strip()[:160]!r}")
    return found


def _guarded_pages() -> list[Path]:
    return [p for p in _pages() if p.relative_to(DOCS).as_posix() not in _GUARD_EXEMPT]


@pytest.mark.parametrize("page", _guarded_pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_docs_labels_agree_with_recordings(page: Path) -> None:
    """No heading labels an example Good, Bad, Measured or Lost against what was recorded."""
    rel = page.relative_to(DOCS).as_posix()
    claims = label_claims(rel, page.read_text(encoding="utf-8"))
    found = contradictions(claims, load_recordings(), lambda n: parse(EXAMPLES / f"{n}.py"))
    assert [] == found


@pytest.mark.parametrize("page", _guarded_pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_docs_version_statements_are_cited(page: Path) -> None:
    """Every "since 7.x", "before 7.x" or "3.14+" carries a cited source or an example."""
    found = uncited_version_statements(page.read_text(encoding="utf-8"), set(_example_names()))
    assert [] == found


def test_docs_example_headers_mark_future_pythons_unmeasured() -> None:
    """An example header that speaks of Python 3.14+ says, in that paragraph, it is not measured."""
    found = []
    for path in discover([EXAMPLES]):
        for chunk in re.split(r"\n\s*\n", parse(path).description):
            if _FUTURE.search(chunk) and "not measured" not in " ".join(chunk.split()):
                found.append(f"{path.name}: {' '.join(chunk.split())[:120]}")
    assert [] == found


def test_docs_recordings_agree_with_headers() -> None:
    """No recorded row contradicts the header it was recorded for (the engine's verdict)."""
    found = [
        f"{rec.path.name}: {row['example']} {row['start_method']}"
        for rec in load_recordings()
        for row in rec.doc["results"]
        if row["matches"] is False
    ]
    assert [] == found


def _planted_recording(tmp_path: Path, measured: int) -> Recording:
    """A copy of a real recording whose pool_close_join rows measured ``measured`` of 30."""
    path = min((DOCS / "results" / "data").glob("*.json"))
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    example = parse(EXAMPLES / "pool_close_join.py")
    doc["results"] = [
        {
            "example": "pool_close_join",
            "header_sha256": example.header_sha256,
            "start_method": method,
            "expect": "measured",
            "skip_reason": None,
            "runs": 30,
            "measured": measured,
            "partial": 0,
            "lost": 30 - measured,
            "matches": measured == 30,
            "rate": measured / 30,
        }
        for method in ("fork", "forkserver", "spawn")
    ]
    planted = tmp_path / path.name
    planted.write_text(json.dumps(doc), encoding="utf-8")
    return Recording(planted, doc)


_PLANTED_PAGE = """# A page

### Good: close and join

```{mpcov-example} pool_close_join
```

### Bad: close and join

```{mpcov-example} pool_close_join
```

### Good with coverage.py 99.0+: close and join

```{mpcov-example} pool_close_join
```
"""


def test_docs_guard_catches_a_planted_contradiction(tmp_path: Path) -> None:
    """A "Good" label over an example recorded as lost is reported, and "Bad" over one measured.

    A label qualified to versions that were never recorded is not checked.
    """
    claims = label_claims("planted.md", _PLANTED_PAGE)
    assert ["Good", "Bad", "Good"] == [c.label for c in claims]
    assert (("coverage", ">=99.0"),) == claims[2].conditions

    def load(name: str) -> Example:
        return parse(EXAMPLES / f"{name}.py")

    lost = contradictions(claims, [_planted_recording(tmp_path, measured=0)], load)
    assert 3 == len(lost)  # the first Good, once per start method
    assert all("'### Good: close and join'" in line and "was lost" in line for line in lost)
    measured = contradictions(claims, [_planted_recording(tmp_path, measured=30)], load)
    assert 1 == len(measured)
    assert "'### Bad: close and join'" in measured[0]


def test_docs_guard_catches_uncited_versions() -> None:
    """A version statement needs a citation role or an example; 3.14+ needs {unmeasured}."""
    examples = {"pool_close_join"}
    page = (
        "Since coverage.py 7.10 this works.\n\n"
        "Since coverage.py 7.10 this works {source}`coverage.py 7.10.0 CHANGES`.\n\n"
        "With 7.17.3 or later it is measured (`pool_close_join`).\n\n"
        "On Python 3.14 the default differs {source}`CPython docs`.\n\n"
        "On Python 3.14 the default differs {unmeasured}`CPython 3.14 docs`.\n\n"
        "```toml\n# since 7.10\n```\n"
    )
    found = uncited_version_statements(page, examples)
    assert 2 == len(found)
    assert found[0].startswith("uncited: 'Since coverage.py 7.10 this works.'")
    assert found[1].startswith("3.14+ without {unmeasured}")


def test_docs_guard_reads_two_pythons_as_either() -> None:
    """A heading "on Python 3.12 and 3.13" covers a recording on either version."""
    (claim,) = label_claims("x.md", "### Bad on Python 3.12 and 3.13: sysmon with branch\n")
    by_python = {rec.python_version[:4]: _holds(claim.conditions, rec) for rec in load_recordings()}
    assert by_python["3.12"] is True
    assert by_python["3.13"] is True
    assert by_python["3.11"] is False


def test_docs_label_qualifiers_must_be_readable() -> None:
    """A label qualifier the guard cannot read is an error, not silently ignored."""
    with pytest.raises(ValueError, match="cannot read the label qualifier"):
        label_claims("x.md", "### Good mostly: something\n")
