"""The recorded results the docs render are valid and still describe today's examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mpcov.engine import Environment
from mpcov.header import discover, parse
from mpcov.report import SCHEMA_ID, SCHEMA_PATH, document_record_name, record_name

ROOT = Path(__file__).parent.parent
RESULTS_DIR = ROOT / "docs" / "results" / "data"
RECORDINGS = sorted(RESULTS_DIR.glob("*.json"))
CURRENT = {parse(p).name: parse(p) for p in discover([ROOT / "examples"])}


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_recordings_exist() -> None:
    """At least one recording is committed, so the results pages have data."""
    assert RECORDINGS, f"no recorded results in {RESULTS_DIR}"


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.stem)
def test_recording_matches_schema(path: Path) -> None:
    """Each recording validates against the published results schema."""
    document = _load(path)
    assert SCHEMA_ID == document["schema"]
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.stem)
def test_recording_is_not_stale(path: Path) -> None:
    """Every recorded row names an existing example whose header has not changed since."""
    stale = []
    for result in _load(path)["results"]:
        example = CURRENT.get(result["example"])
        if example is None:
            stale.append(f"{result['example']}: the example no longer exists")
        elif example.header_sha256 != result["header_sha256"]:
            stale.append(f"{result['example']}: its header changed since it was recorded")
    assert [] == stale, f"re-record {path.name} (nox -s record): " + "; ".join(stale)


def _environment(document: dict[str, Any]) -> Environment:
    """The environment a recording describes, as ``verify --record`` saw it."""
    platform = document["platform"]
    return Environment(
        python_version=document["python"]["version"],
        implementation=document["python"]["implementation"],
        coverage_version=document["coverage"]["version"],
        sys_platform=platform["sys_platform"],
        system=platform["system"],
        release=platform["release"],
        machine=platform["machine"],
        start_methods=tuple(platform["start_methods"]),
        cpus=platform["cpus"],
    )


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.stem)
def test_recording_name_matches_its_metadata(path: Path) -> None:
    """A recording has the name ``verify --record`` gives its environment, as merging expects."""
    document = _load(path)
    assert path.name == record_name(_environment(document), document.get("label"))
    assert path.name == document_record_name(document)


def test_every_example_has_recorded_results() -> None:
    """Every example appears in some recording, so each docs page can show its outcome."""
    recorded = {r["example"] for path in RECORDINGS for r in _load(path)["results"]}
    assert [] == sorted(set(CURRENT) - recorded)
