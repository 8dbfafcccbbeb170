"""The documentation shows every example, with its measured outcome, and only tested code.

These tests read the MyST sources; the build itself (sphinx-build -n -W) runs in
``nox -s docs``.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from mpcov.header import discover
from mpcov.report import document_record_name

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"

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
    """Names of examples a page includes with ``literalinclude``."""
    names = set()
    for arg in _directives(page, "literalinclude"):
        target = (DOCS / arg.lstrip("/")) if arg.startswith("/") else (page.parent / arg)
        target = target.resolve()
        if target.parent == EXAMPLES.resolve():
            names.add(target.stem)
    return names


def _outcomes_shown(page: Path) -> set[str]:
    return {name for args in _directives(page, "mpcov-outcomes") for name in args.split()}


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
    named = set()
    for directive in ("mpcov-outcomes", "mpcov-example", "mpcov-settings"):
        for args in _directives(page, directive):
            named.update(args.split())
    assert [] == sorted(named - known)


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
    path = min((DOCS / "results" / "data").glob("*.json"))
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
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


def test_docs_merge_results_rejects_foreign_documents(tmp_path: Path) -> None:
    """A file that is not an mpcov results document is reported, not merged."""
    merge = _merge_tool()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema": "something-else/9"}))
    assert 1 == merge.merge([bad], tmp_path / "data")
    assert [] == list((tmp_path / "data").glob("*.json"))
