"""A soak recorded in parts: which examples still need their part, and the merged recording.

    python docs/_tools/soak.py plan  PARTS EXAMPLE.py [EXAMPLE.py ...]
    python docs/_tools/soak.py merge PARTS EXAMPLE.py [EXAMPLE.py ...] --into DIR

A soak (200 runs per deterministic row on the main interpreter) takes longer than
a working session on two cores, so ``nox -s soak`` records it one example at a time,
each part a ``mpcov verify --json`` document in PARTS named for its example, and
goes on where it stopped the next time.

``plan`` prints, one per line, the examples whose part is missing or stale: made
in another environment (platform, CPU count, Python, coverage.py, mpcov, any
installed distribution or the lock), or from another version of the example's
header. Stale parts are removed, so a soak never mixes environments.

``merge`` checks that every part is current and made in one environment, and
writes the soak recording into DIR under the name ``mpcov verify --record`` gives
it, with ``started`` set to the first part's time and ``created`` to the last.
Exit status 0 when written, 3 when parts are still missing (nothing written), 1
when the parts disagree.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mpcov.engine import Environment, row_is_current
from mpcov.header import discover, parse
from mpcov.report import (
    MADE_WITH_KEYS,
    UPDATE_KEYS,
    document_field,
    document_record_name,
    joined_release,
    to_json,
    write_json,
)

EXIT_INCOMPLETE = 3


def _key(document: dict[str, Any]) -> dict[str, Any]:
    """The fields that make two parts comparable: those an update of a recording shares."""
    return {key: document_field(document, key) for key in UPDATE_KEYS}


def _here(lock: Path | None) -> dict[str, Any]:
    """Where a part made now would say it was made: the fields verify's report writes."""
    made = _key(to_json([], Environment.current(), repeat=1, lock=lock))
    # Without the session's lock, any lock (or none) a part names is accepted.
    return {name: made[name] for name in MADE_WITH_KEYS if name != "lock" or lock is not None}


def _stale(document: dict[str, Any], script: Path, here: dict[str, Any]) -> str | None:
    """Why a part cannot count for ``script`` in this environment, or ``None``."""
    key = _key(document)
    for name, value in here.items():
        if key[name] != value:
            return f"{name} differs"
    return _outdated(document, script)


def _outdated(document: dict[str, Any], script: Path) -> str | None:
    """Why a part no longer stands for ``script`` as it is now, or ``None``."""
    example = parse(script)
    env = Environment.recorded(document)
    rows = document.get("results", [])
    if not rows or not all(row_is_current(row, example, env) for row in rows):
        return "the example's code, settings or declaration here changed"
    return None


def _read(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def plan(parts: Path, scripts: list[Path], lock: Path | None) -> list[Path]:
    """The scripts still to record, in order; removes the stale parts on the way."""
    here = _here(lock)
    todo: list[Path] = []
    for script in scripts:
        part = parts / f"{script.stem}.json"
        document = _read(part) if part.exists() else None
        reason = None if document is not None else "missing or unreadable"
        if document is not None:
            reason = _stale(document, script, here)
        if reason is not None:
            if part.exists():
                print(f"soak: {script.stem}: recording again ({reason})", file=sys.stderr)
                part.unlink()
            todo.append(script)
    return todo


def merge(parts: Path, scripts: list[Path], into: Path) -> tuple[int, Path | None]:
    """Write the merged recording; return the exit status and the file written."""
    documents = []
    missing = []
    for script in scripts:
        document = _read(parts / f"{script.stem}.json")
        if document is None:
            missing.append(script.stem)
        else:
            documents.append(document)
    if missing:
        print(
            f"soak: {len(documents)} of {len(scripts)} examples recorded; "
            f"still to run: {', '.join(missing[:8])}{' ...' if len(missing) > 8 else ''}",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE, None
    # A header edited after the plan (while the campaign ran) leaves a part behind it.
    for script, document in zip(scripts, documents):
        reason = _outdated(document, script)
        if reason is not None:
            print(
                f"soak: part {script.stem} is stale ({reason}); run the soak again", file=sys.stderr
            )
            return 1, None
    keys = [_key(d) for d in documents]
    for document, key in zip(documents, keys):
        if key != keys[0]:
            different = sorted(k for k in key if key[k] != keys[0][k])
            name = document["results"][0]["example"] if document.get("results") else "?"
            print(f"soak: part {name} differs from the first in {different}", file=sys.stderr)
            return 1, None
    created = sorted(str(d["created"]) for d in documents)
    merged = dict(documents[-1])
    # A campaign may outlive a kernel update (the parts' key leaves the release out): the
    # merged recording names every release its rows ran on, not just the last part's.
    releases = (d["platform"]["release"] for d in documents)
    merged["platform"] = {**merged["platform"], "release": joined_release(*releases)}
    merged["created"] = created[-1]
    merged["started"] = created[0]
    merged["results"] = [r for d in documents for r in d["results"]]
    target = into / document_record_name(merged)
    write_json(merged, target)
    return 0, target


def main(argv: list[str] | None = None) -> int:
    """The command line: ``plan`` or ``merge`` (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("plan", "merge"))
    parser.add_argument("parts", type=Path, help="the folder of parts, one per example")
    parser.add_argument(
        "scripts", type=Path, nargs="+", help="the examples of the soak (or their folder)"
    )
    parser.add_argument("--lock", type=Path, help="the constraints file the session used")
    parser.add_argument("--into", type=Path, help="merge: the folder of recordings")
    args = parser.parse_args(argv)
    # A folder stands for its examples, found as verify finds them (companions skipped).
    scripts = sorted(discover(args.scripts), key=lambda p: p.stem)
    args.parts.mkdir(parents=True, exist_ok=True)
    if args.action == "plan":
        for script in plan(args.parts, scripts, args.lock):
            print(script)
        return 0
    if args.into is None:
        parser.error("merge needs --into")
    status, target = merge(args.parts, scripts, args.into)
    if target is not None:
        print(f"soak: wrote {target}")
    return status


if __name__ == "__main__":
    sys.exit(main())
