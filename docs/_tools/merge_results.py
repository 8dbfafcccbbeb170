"""Merge result files from several machines into docs/results/data.

    python docs/_tools/merge_results.py INCOMING [INCOMING ...] [--into DIR]

Each INCOMING is a result file written by ``mpcov verify --json`` or ``--record``,
or a folder searched recursively for ``*.json`` (how CI artifacts arrive). Every
file must carry the ``schema`` id this mpcov writes and validate against the
package's ``results.schema.json``.
It is written to DIR under the name ``mpcov verify --record`` would give it
(platform, Python, coverage.py version). An existing file with that name is
replaced only by a newer recording (``created``) that holds every row it holds
(example and start method); an older one is skipped with a message, and one that
would drop rows (a ``--select`` run, say) is refused like an invalid input, as
``verify --record`` refuses it. Exit status 1 if any input was invalid or
refused, else 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema

from mpcov.compare import rows_left_out
from mpcov.report import SCHEMA_ID, SCHEMA_PATH, document_record_name

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_INTO = ROOT / "docs" / "results" / "data"


def _validator() -> Any:
    """The results schema's validator (the session installs jsonschema and mpcov)."""
    schema = json.loads(Path(SCHEMA_PATH).read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def _inputs(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.rglob("*.json")) if path.is_dir() else [path])
    return found


def _rows(document: dict[str, Any]) -> set[tuple[str, str]]:
    """The (example, start method) pairs a results document holds."""
    return {(str(r["example"]), str(r["start_method"])) for r in document.get("results", [])}


def merge(paths: list[Path], into: Path) -> int:
    """Copy valid recordings into ``into``; return the number of invalid inputs."""
    validator = _validator()
    bad = 0
    into.mkdir(parents=True, exist_ok=True)
    for path in _inputs(paths):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("schema") != SCHEMA_ID:
                raise ValueError(f"schema is {document.get('schema')!r}, not {SCHEMA_ID!r}")
            errors = sorted(validator.iter_errors(document), key=str)
            if errors:
                raise ValueError(f"does not match the schema: {errors[0].message}")
            name = document_record_name(document)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"{path}: invalid: {exc}", file=sys.stderr)
            bad += 1
            continue
        target = into / name
        if target.exists():
            old = json.loads(target.read_text(encoding="utf-8"))
            if str(old.get("created", "")) >= str(document["created"]):
                print(f"{path}: skipped, {target.name} is as new or newer")
                continue
            dropped = rows_left_out(_rows(old), _rows(document))
            if dropped is not None:
                print(
                    f"{path}: refused, {target.name} holds rows it leaves out "
                    f"({dropped}); record them too",
                    file=sys.stderr,
                )
                bad += 1
                continue
        target.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        print(f"{path} -> {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return bad


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, metavar="INCOMING")
    parser.add_argument("--into", type=Path, default=DEFAULT_INTO, metavar="DIR")
    args = parser.parse_args(argv)
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        parser.error(f"{missing[0]}: no such file or directory")
    return 1 if merge(args.paths, args.into) else 0


if __name__ == "__main__":
    sys.exit(main())
