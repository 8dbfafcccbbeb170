"""The docs extension (docs/_ext/mpcov_docs): its data helpers and its directives.

The directives run in a small Sphinx project, built once with made-up examples and
recordings.
"""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

from mpcov_docs import data
from mpcov_docs.data import (
    Cellinfo,
    Recording,
    cells,
    coverage_tables,
    declared,
    example_index,
    group_cells,
    group_where,
    load_example,
    observed,
    version_span,
)
from mpcov_docs.diagrams import parse_sequence, render_sequence
from mpcov_docs.soak import campaign_summary

from mpcov.header import HeaderError, parse

GOOD = '''"""A pool, closed and joined.

It shows a pool that is closed and joined.

[tool.coverage.run]  # what a user pastes
concurrency = ["multiprocessing"]

[tool.mpcov]  # the engine's part, never pasted
expect = "measured"

[[tool.mpcov.when]] # an exception
coverage = "<7.17.3"
expect = "lost"
"""

from __future__ import annotations

import multiprocessing


def work(x: int) -> int:
    """Run in a worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """Run the pool."""
    with multiprocessing.Pool(1) as pool:
        print(pool.apply(work, (21,)))
        pool.close()
        pool.join()


if __name__ == "__main__":
    main()
'''

BROKEN = '''"""A broken header.

Its TOML does not parse.

[tool.mpcov]
expect = measured
"""

def main() -> None:
    """Nothing."""
    print(1)  # mpcov: child
'''


@dataclass(frozen=True)
class Tree:
    """A made-up examples folder and results folder."""

    examples: Path
    results: Path


def _row(
    example: str, method: str, measured: int, runs: int, sha: str, **extra: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "example": example,
        "header_sha256": sha,
        "start_method": method,
        "expect": "measured",
        "skip_reason": None,
        "runs": runs,
        "measured": measured,
        "partial": 0,
        "lost": runs - measured,
        "matches": measured == runs,
        "rate": measured / runs if runs else None,
    }
    row.update(extra)
    return row


def _recording(
    python: str, coverage: str, rows: list[dict[str, Any]], label: str | None = None
) -> dict[str, Any]:
    return {
        "schema": "mpcov-results/2",
        "created": "2026-12-01T00:00:00+00:00",
        "label": label,
        "platform": {
            "sys_platform": "linux",
            "system": "Linux",
            "release": "6",
            "machine": "x86_64",
            "start_methods": ["fork", "spawn", "forkserver"],
            "cpus": 2,
        },
        "python": {"implementation": "CPython", "version": python},
        "coverage": {"version": coverage},
        "mpcov": {"version": "0.1.0"},
        "repeat": 3,
        "racy_repeat": 30,
        "jobs": 2,
        "results": rows,
    }


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    """Two examples (one broken) and two recordings of the good one."""
    examples, results = tmp_path / "examples", tmp_path / "results"
    examples.mkdir()
    results.mkdir()
    (examples / "good.py").write_text(GOOD, encoding="utf-8")
    (examples / "broken.py").write_text(BROKEN, encoding="utf-8")
    sha = parse(examples / "good.py").header_sha256
    old = [_row("good", m, 0, 3, sha, expect="lost", matches=True) for m in ("fork", "spawn")]
    new = [_row("good", m, 3, 3, sha) for m in ("fork", "spawn")]
    (results / "old.json").write_text(json.dumps(_recording("3.10.13", "7.16.2", old)))
    (results / "new.json").write_text(json.dumps(_recording("3.12.1", "7.17.3", new)))
    return Tree(examples, results)


# ------------------------------------------------------------------ data helpers


def test_coverage_tables_drop_mpcov_tables_with_trailing_comments(tree: Tree) -> None:
    """``[tool.mpcov]  # comment`` still starts a table that the "paste this" block leaves out."""
    text = coverage_tables(load_example("good", tree.examples))
    assert '[tool.coverage.run]  # what a user pastes\nconcurrency = ["multiprocessing"]\n' == text


def test_example_index_fails_on_a_broken_header(tree: Tree) -> None:
    """A broken header is an error; only a removed example is ``None`` (stale)."""
    with pytest.raises(HeaderError, match=r"broken\.py"):
        example_index(["good", "broken"], tree.examples)
    found = example_index(["good", "gone"], tree.examples)
    assert [None] == [found["gone"]]
    assert "good" == getattr(found["good"], "name", None)


def test_load_example_refuses_non_names(tree: Tree) -> None:
    """Names are example file stems, never paths or companion modules."""
    for name in ("../good", "_tasks", "good.py"):
        with pytest.raises(HeaderError, match="not an example name"):
            load_example(name, tree.examples)


def test_declared_follows_each_recordings_versions(tree: Tree) -> None:
    """The declaration shown for a recording is the one its versions select, not the first's."""
    example = load_example("good", tree.examples)
    old, new = data.load_recordings(tree.results)
    assert ("lost", "measured") == (declared(example, old, "fork"), declared(example, new, "fork"))
    assert [True, True] == [c.agrees for c in cells(example, [old, new], "fork")]


def test_observed_names_what_the_runs_showed() -> None:
    """Every run measured, none, all partial, a mix, or skipped."""
    assert "measured" == observed(_row("e", "fork", 3, 3, ""))
    assert "lost" == observed(_row("e", "fork", 0, 3, ""))
    assert "partial" == observed(_row("e", "fork", 0, 3, "", partial=3, lost=0))
    assert "racy" == observed(_row("e", "fork", 1, 3, ""))
    assert "skipped" == observed(_row("e", "fork", 0, 0, "", skip_reason="no"))


def _racy_fork_cell(tree: Tree, measured: int) -> tuple[Cellinfo, dict[str, Any]]:
    """The fork cell of a one-row recording: pool_with_block_only, racy, ``measured``/30."""
    example = parse(ROOT / "examples" / "pool_with_block_only.py")
    row = _row(
        example.name, "fork", measured, 30, example.header_sha256, expect="racy", matches=True
    )
    path = tree.results / "racy.json"
    path.write_text(json.dumps(_recording("3.12.1", "7.17.3", [row])))
    (info,) = cells(example, [Recording(path, json.loads(path.read_text()))], "fork")
    return info, row


def test_racy_row_that_never_lost_does_not_agree(tree: Tree) -> None:
    """A racy declaration with 30 measured runs is flagged, whatever an old recording said."""
    info, _ = _racy_fork_cell(tree, measured=30)
    assert (True, False) == (info.never_lost, info.agrees)


def test_racy_row_lost_every_time_agrees(tree: Tree) -> None:
    """A racy declaration lost in all 30 runs agrees, and its evidence bounds the measured rate."""
    info, row = _racy_fork_cell(tree, measured=0)
    assert (False, True) == (info.never_lost, info.agrees)
    assert "lost in all 30, measured < 9.5%" == data.evidence(row)


def test_version_span_never_hides_an_exception() -> None:
    """A range is shown only when no other outcome's version falls inside it."""
    assert "7.10.7\N{EN DASH}7.17.3" == version_span(["7.17.3", "7.10.7", "7.16.2"])
    assert "7.10.7, 7.17.3" == version_span(["7.17.3", "7.10.7"], others=["7.16.2"])
    assert "3.9\N{EN DASH}3.13" == version_span(["3.9.18", "3.13.0"], digits=2)
    assert "" == version_span([])


def test_group_where_lists_pairs_when_ranges_would_mislead(tree: Tree) -> None:
    """When another outcome shares a version, the group's own combinations are listed."""
    example = load_example("good", tree.examples)
    recs = data.load_recordings(tree.results)
    infos = cells(example, recs, "fork")
    lost, measured = group_cells(infos)
    assert ("lost", "measured") == (lost.seen, measured.seen)
    assert "coverage.py 7.16.2, Python 3.10, linux" == group_where(lost, infos)
    assert "cov 7.17.3, Py 3.12" == group_where(measured, infos, short=True)


def test_soak_campaigns_count_current_parts_and_name_the_rest(tree: Tree) -> None:
    """A soak part counts only for the example's current header; the rest are listed."""
    soak = tree.results / "soak"
    (soak / "soak").mkdir(parents=True)
    (soak / "soak-load").mkdir()
    sha = parse(tree.examples / "good.py").header_sha256
    rows = [_row("good", m, 200, 200, sha, contrary=0) for m in ("fork", "spawn")]
    (soak / "soak" / "good.json").write_text(json.dumps(_recording("3.11.7", "7.17.5", rows)))
    old = [_row("good", "fork", 200, 200, "0" * 64, contrary=0)]
    (soak / "soak-load" / "good.json").write_text(json.dumps(_recording("3.11.7", "7.17.5", old)))
    quiet, load = data.soak_campaigns(soak, tree.examples)
    assert ("soak", ["good"], [], ["broken"]) == (
        quiet.label,
        sorted(quiet.parts),
        quiet.stale,
        quiet.missing,
    )
    assert (2, 400, 0, 2) == (len(quiet.rows()), quiet.runs(), quiet.contrary(), quiet.total)
    assert ([], ["good"], 0) == (sorted(load.parts), load.stale, load.runs())


def test_soak_campaigns_list_a_named_campaign_before_it_starts(tree: Tree) -> None:
    """A campaign named but without a folder yet is listed with every example missing."""
    (campaign,) = data.soak_campaigns(tree.results / "soak", tree.examples, ["soak-load"])
    assert ("soak-load", {}, ["broken", "good"]) == (
        campaign.label,
        campaign.parts,
        sorted(campaign.missing),
    )
    assert campaign_summary(campaign, merged=False).endswith("not started; 2 examples to record.")


def test_soak_environments_ignore_a_new_kernel_as_the_soak_does() -> None:
    """Parts apart only in kernel release are one environment; another Python is another."""
    docs = [_recording(python, "7.17.5", []) for python in ("3.11.7", "3.11.7", "3.12.1")]
    docs[1]["platform"] = {**docs[1]["platform"], "release": "7"}
    parts = {f"e{i}": data.Recording(Path(f"e{i}.json"), doc) for i, doc in enumerate(docs)}
    campaign = data.SoakCampaign("soak", parts, [], [])
    assert [["e0", "e1"], ["e2"]] == [
        [part.path.stem for part in group] for group in campaign.environments()
    ]


def test_diagram_without_actors_is_a_clear_error() -> None:
    """No actors: a ValueError saying so (it used to be a ZeroDivisionError)."""
    with pytest.raises(ValueError, match="no actors"):
        render_sequence("title: nothing\n")
    with pytest.raises(ValueError, match="declared twice"):
        parse_sequence("actor a: A\nactor a: B\n")
    svg = render_sequence("actor a: A\na -> a: to itself\n")
    assert svg.startswith("<svg")
    assert "to itself" in svg


# -------------------------------------------------------------- a Sphinx project

PAGES = {
    "index": """# Index

```{toctree}
shows
decisions
broken_example
broken_matrix
broken_listing
no_actors
results_only
matrix_only
soak_only
```
""",
    "shows": """# Shows

```{mpcov-example} good
:settings:
```

```{mpcov-listing} good
:show: work main
```

```{mpcov-outcomes} good
```

Cited {source}`coverage.py 7.17.5, coverage/patch.py` and {unmeasured}`CPython 3.14 docs`.

```{mpcov-results}
```

```{mpcov-matrix}
:examples: good
```
""",
    "decisions": """# Decisions

```{mpcov-decisions}
A pool: good
```
""",
    "broken_example": """# Broken example

```{mpcov-outcomes} broken
```
""",
    "broken_matrix": """# Broken matrix

```{mpcov-matrix}
:examples: good no_such_example
```
""",
    "broken_listing": """# Broken listing

```{mpcov-listing} good
:file: not_listed.py
```
""",
    "results_only": """# Results only

```{mpcov-results}
```
""",
    "matrix_only": """# Matrix only

```{mpcov-matrix}
```
""",
    "soak_only": """# Soak only

```{mpcov-soak}
```
""",
    "no_actors": """# No actors

```{mpcov-sequence} empty.txt
```
""",
}


@dataclass(frozen=True)
class Built:
    """The result of one build: warnings, HTML per page and each page's dependencies."""

    warnings: str
    html: dict[str, str]
    dependencies: dict[str, set[str]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Build the small project once (a Sphinx build takes seconds)."""
    from sphinx.application import Sphinx

    base = tmp_path_factory.mktemp("site")
    examples, results, src = base / "examples", base / "results", base / "src"
    for folder in (examples, results, src):
        folder.mkdir()
    (examples / "good.py").write_text(GOOD, encoding="utf-8")
    (examples / "broken.py").write_text(BROKEN, encoding="utf-8")
    sha = parse(examples / "good.py").header_sha256
    rows = [_row("good", m, 3, 3, sha) for m in ("fork", "spawn")]
    (results / "new.json").write_text(json.dumps(_recording("3.12.1", "7.17.3", rows)))
    soak = base / "soak" / "soak"
    soak.mkdir(parents=True)
    soaked = [_row("good", m, 200, 200, sha, contrary=0) for m in ("fork", "spawn")]
    (soak / "good.json").write_text(json.dumps(_recording("3.11.7", "7.17.5", soaked)))
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'docs' / '_ext')!r})\n"
        "extensions = ['myst_parser', 'mpcov_docs']\n"
        f"mpcov_examples_dir = {str(examples)!r}\nmpcov_results_dir = {str(results)!r}\n"
        f"mpcov_soak_dir = {str(soak.parent)!r}\n",
        encoding="utf-8",
    )
    (src / "empty.txt").write_text("title: empty\n# no actor\n", encoding="utf-8")
    for name, text in PAGES.items():
        (src / f"{name}.md").write_text(text, encoding="utf-8")
    warnings = io.StringIO()
    app = Sphinx(
        str(src),
        str(src),
        str(base / "html"),
        str(base / "doctrees"),
        "html",
        status=None,
        warning=warnings,
        freshenv=True,
    )
    app.build()
    html = {name: (base / "html" / f"{name}.html").read_text(encoding="utf-8") for name in PAGES}
    dependencies = {name: {str(d) for d in deps} for name, deps in app.env.dependencies.items()}
    return Built(warnings.getvalue(), html, dependencies)


def _warnings_for(built: Built, page: str) -> list[str]:
    return [line for line in built.warnings.splitlines() if f"{page}.md" in line]


def test_build_good_pages_have_no_warnings(built: Built) -> None:
    """The pages that use the directives correctly build without a warning."""
    pages = ("shows", "decisions", "results_only", "matrix_only", "soak_only")
    assert [] == [line for page in pages for line in _warnings_for(built, page)]


def test_build_broken_header_fails_instead_of_older_header(built: Built) -> None:
    """A directive naming an example with a broken header is a build error."""
    (line,) = _warnings_for(built, "broken_example")
    assert "ERROR" in line
    assert "broken.py" in line
    assert "TOML" in line
    assert "older header" not in built.html["broken_example"]


def test_build_matrix_validates_examples_option(built: Built) -> None:
    """``:examples:`` naming an example that does not exist is a build error."""
    (line,) = _warnings_for(built, "broken_matrix")
    assert "no_such_example" in line


def test_build_listing_refuses_files_not_in_the_header(built: Built) -> None:
    """``:file:`` may only name a companion the header lists."""
    (line,) = _warnings_for(built, "broken_listing")
    assert "not_listed.py" in line


def test_build_diagram_without_actors_is_reported(built: Built) -> None:
    """A diagram file with no actors is a build error with its reason, not a crash."""
    (line,) = _warnings_for(built, "no_actors")
    assert "no actors" in line


@pytest.mark.parametrize("page", ["results_only", "matrix_only", "shows"])
def test_build_results_and_matrix_depend_on_examples(built: Built, page: str) -> None:
    """Pages with recordings rebuild when an example or a recording changes."""
    deps = built.dependencies[page]
    assert any(d.endswith("good.py") for d in deps)
    assert any(d.endswith("new.json") for d in deps)


def test_build_outcomes_summary_and_details(built: Built) -> None:
    """A row shows one chip per outcome and where it held; each recording is a click away."""
    page = built.html["shows"]
    assert "measured 3/3</strong> on coverage.py 7.17.3, Python 3.12, linux" in page
    assert '<details class="mpcov-details mpcov-row-details">' in page
    assert "3/3 measured" in page


def test_build_example_shows_whole_file_collapsed(built: Built) -> None:
    """The example header holds the whole file one click away; the listing shows functions."""
    page = built.html["shows"]
    assert '<details class="mpcov-details mpcov-whole-file">' in page
    assert "good.py (work, main)" in page


def test_build_settings_block_has_no_mpcov_table(built: Built) -> None:
    """The pasteable settings never contain the engine's own tables."""
    page = built.html["shows"]
    start = page.index('<div class="mpcov-settings')
    block = page[start : page.index("</pre>", start)]
    assert "what a user pastes" in block
    assert "tool.mpcov" not in block
    assert "the engine" not in block


def test_build_citation_roles(built: Built) -> None:
    """``{source}`` and ``{unmeasured}`` render as marked citations."""
    page = built.html["shows"]
    assert 'class="mpcov-cite mpcov-source"' in page
    assert "not measured here)" in page


def test_build_decision_table_links_to_the_example(built: Built) -> None:
    """The decision table names settings from the header and links to the page showing it."""
    page = built.html["decisions"]
    assert '<p class="mpcov-settings-summary"><code' in page
    assert "[&quot;multiprocessing&quot;]" in page
    assert "declared measured (varies by version), not recorded yet" in page
    assert 'href="shows.html#example-good"' in page
    assert "measured 3/3</strong> on cov 7.17.3, Py 3.12" in page


def test_build_soak_counts_its_parts_before_the_merge(built: Built) -> None:
    """The soak block sums the parts so far and says the soak is not merged yet."""
    page = built.html["soak_only"]
    assert "1 of 2 examples recorded, 2 rows, 400 runs, 0 against their header" in page
    assert "1 example to go, not merged yet" in page
    assert "mpcov-soak-table" in page
    assert "CPython 3.11.7, coverage.py 7.17.5, mpcov 0.1.0" in page


def test_rules_table_follows_the_rule_data() -> None:
    """``mpcov-rules`` has a row per rule: a link to its section, its scope, what backs it."""
    import mpcov_docs
    from docutils import nodes
    from mpcov_docs.rules import RulesDirective, rules_table
    from sphinx import addnodes

    from mpcov.check.rules import RULES

    tab = rules_table(RULES.values(), "reference/checks")
    rows = list(tab.findall(nodes.row))[1:]
    assert len(RULES) == len(rows)
    for rule, row in zip(RULES.values(), rows):
        link, scope, backed = row.findall(nodes.entry)
        (ref,) = link.findall(addnodes.pending_xref)
        assert (rule.id.lower(), rule.id) == (ref["reftarget"], ref.astext())
        assert rule.scope == scope.astext()
        expected = ", ".join(rule.examples) or "sources: " + "; ".join(rule.sources)
        assert expected == backed.astext()
    registered: dict[str, object] = {}

    class App:
        def __getattr__(self, name: str) -> Any:
            return lambda *args, **kwargs: None

        def add_directive(self, name: str, directive: object) -> None:
            registered[name] = directive

    mpcov_docs.setup(App())  # type: ignore[arg-type]
    assert RulesDirective is registered["mpcov-rules"]
