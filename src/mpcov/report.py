"""Turn verification results into a text table or a JSON document.

The JSON layout is described by ``results.schema.json`` in this package; its
``schema`` field names the layout version so that readers can refuse what they
do not understand.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mpcov import __version__
from mpcov.engine import RACY_MIN_RUNS, Environment, GroupResult, RunResult
from mpcov.header import NO_START_METHOD, START_METHODS

#: The layout version written to, and required in, every results document.
SCHEMA_ID = "mpcov-results/2"
SCHEMA_PATH = Path(__file__).with_name("results.schema.json")


def _example_path(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.name


def to_json(
    groups: Sequence[GroupResult],
    env: Environment,
    *,
    repeat: int,
    racy_repeat: int | None = None,
    jobs: int = 1,
    root: Path | None = None,
    created: datetime | None = None,
    label: str | None = None,
    lock: Path | None = None,
    details: str = "all",
) -> dict[str, Any]:
    """Build the results document (see ``results.schema.json``).

    Args:
        groups: The rows, as :func:`mpcov.engine.verify` returns them.
        env: What they were measured on.
        repeat: Runs per row asked for.
        racy_repeat: Runs per racy row asked for.
        jobs: Runs at once.
        root: Example paths are written relative to this folder.
        created: The time stamp (now by default).
        label: A campaign name (``soak``), also part of the recording's file name.
        lock: The constraints file the environment was installed from.
        details: ``all`` (an entry per run) or ``contrary`` (only runs against the header).

    With ``contrary``, a row lists the runs that are evidence against its header (a
    deterministic row's other outcomes, any timeout or crash), each with its
    ``index``: a soak's thousands of agreeing runs are in the counts.
    """
    if details not in ("all", "contrary"):
        raise ValueError(f"details must be 'all' or 'contrary', not {details!r}")
    created = created or datetime.now(timezone.utc)
    results = []
    for group in groups:
        example = group.example
        entry: dict[str, Any] = {
            "example": example.name,
            "path": _example_path(example.path, root),
            "title": example.title,
            "header_sha256": example.header_sha256,
            "start_method": group.label,
            "expect": group.expect,
            "skip_reason": group.skip_reason,
            "runs": len(group.runs),
            "measured": group.measured,
            "partial": group.count("partial"),
            "lost": group.count("lost"),
            "timeouts": group.count("timeout"),
            "crashes": group.count("crashed"),
            "rate": group.rate,
            "matches": group.matches,
            "explanation": group.explanation,
            "interval": _rounded(group.interval),
            "contrary": group.contrary,
            "contrary_upper_bound": _round(group.contrary_upper_bound),
            "libraries": dict(group.libraries),
            "median_seconds": _median([r.duration for r in group.runs]),
            "details": [
                {
                    **({"index": index} if details == "contrary" else {}),
                    "outcome": run.outcome,
                    "exit_code": run.exit_code,
                    "seconds": run.duration,
                    "missed_lines": list(run.missed_lines),
                    "data_files": len(run.data_files),
                    "unreadable_data_files": sum(1 for d in run.data_files if d.error),
                    "stragglers": run.stragglers,
                    "problems": list(run.problems),
                    "stderr_tail": run.stderr_tail,
                }
                for index, run in enumerate(group.runs)
                if details == "all" or _evidence_against(group, run)
            ],
        }
        results.append(entry)
    return {
        "schema": SCHEMA_ID,
        "created": created.isoformat(timespec="seconds"),
        "label": label,
        "platform": {
            "sys_platform": env.sys_platform,
            "system": env.system,
            "release": env.release,
            "machine": env.machine,
            "start_methods": list(env.start_methods),
            "cpus": env.cpus,
        },
        "python": {"implementation": env.implementation, "version": env.python_version},
        "coverage": {"version": env.coverage_version},
        "mpcov": {"version": __version__},
        "distributions": dict(env.libraries),
        "lock": _lock(lock),
        "repeat": repeat,
        "racy_repeat": racy_repeat or repeat,
        "jobs": jobs,
        "racy_min_runs": RACY_MIN_RUNS,
        "details": details,
        "results": results,
    }


#: Where a results document's rows were made (a new kernel release aside), by the
#: dotted names of its fields.
MADE_WITH_KEYS = (
    "platform.sys_platform",
    "platform.machine",
    "platform.cpus",
    "python",
    "coverage",
    "mpcov",
    "distributions",
    "lock",
)

#: Joins the kernel releases of a recording whose rows ran on more than one.
RELEASE_SEPARATOR = " / "


def joined_release(*releases: object) -> str:
    """One ``platform.release`` naming each release given (each may already be joined)."""
    names = {name for release in releases for name in str(release).split(RELEASE_SEPARATOR)}
    return RELEASE_SEPARATOR.join(sorted(names))


#: What an update (``verify --record DIR --update``) must share with the recording it
#: adds rows to: where the rows were made, and how.
UPDATE_KEYS = (
    "schema",
    "label",
    *MADE_WITH_KEYS,
    "repeat",
    "racy_repeat",
    "jobs",
    "details",
)


def document_field(document: Mapping[str, Any], dotted: str) -> Any:
    """A field of a results document by its dotted name (``platform.cpus``); ``None`` if absent."""
    value: Any = document
    for name in dotted.split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


#: What a field absent from an older recording stood for (the schema says so too).
FIELD_DEFAULTS = {"details": "all"}


def update_conflicts(recorded: Mapping[str, Any], update: Mapping[str, Any]) -> list[str]:
    """The fields of :data:`UPDATE_KEYS` in which ``update`` differs from ``recorded``."""

    def field(document: Mapping[str, Any], key: str) -> Any:
        value = document_field(document, key)
        return FIELD_DEFAULTS.get(key) if value is None else value

    return [key for key in UPDATE_KEYS if field(recorded, key) != field(update, key)]


def updated(recorded: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``recorded`` with ``update``'s rows added, replacing those of the same key.

    A row's key is its example and start method. The result is dated by the update (``created``) and keeps when the recording
    began (``started``); its rows are ordered by example, then start method. The
    caller checks :func:`update_conflicts` first: rows made elsewhere must not mix.
    """

    def key(row: Mapping[str, Any]) -> tuple[str, str]:
        return (str(row["example"]), str(row["start_method"]))

    rows = {key(row): row for row in recorded["results"]}
    replaced = {key(row) for row in update["results"]}
    rows.update({key(row): row for row in update["results"]})
    # The release is left out of the conflict check (a kernel update is no new
    # environment), so rows kept from the recording may come from another release:
    # name each one, as a merged soak does.
    releases = [update["platform"]["release"]]
    if any(k not in replaced for k in rows):
        releases.append(recorded["platform"]["release"])
    platform = {**update["platform"], "release": joined_release(*releases)}
    methods = [*START_METHODS, NO_START_METHOD]
    ordered = sorted(
        rows.values(),
        key=lambda r: (
            str(r["example"]),
            methods.index(r["start_method"]) if r["start_method"] in methods else len(methods),
            str(r["start_method"]),
        ),
    )
    started = recorded.get("started") or recorded["created"]
    return {
        **update,
        "platform": platform,
        "started": min(str(started), str(update["created"])),
        "results": ordered,
    }


def _evidence_against(group: GroupResult, run: RunResult) -> bool:
    """Whether ``run`` contradicts its row's header: kept even when agreeing runs are not."""
    if run.status != "ok":
        return True
    return group.contrary is not None and run.outcome != group.expect


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _rounded(pair: tuple[float, float] | None) -> list[float] | None:
    return None if pair is None else [round(pair[0], 4), round(pair[1], 4)]


def _lock(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    return {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def _file_name(
    sys_platform: str, implementation: str, python: str, coverage: str, label: str | None
) -> str:
    suffix = f"-{label}" if label else ""
    return f"{sys_platform}-{implementation.lower()}{python}-coverage{coverage}{suffix}.json"


def record_name(env: Environment, label: str | None = None) -> str:
    """The file name a recording gets: one per platform, Python, coverage and campaign."""
    return _file_name(
        env.sys_platform, env.implementation, env.python_version, env.coverage_version, label
    )


def document_record_name(document: dict[str, Any]) -> str:
    """The file name :func:`record_name` gave the recording ``document`` (for merging)."""
    return _file_name(
        document["platform"]["sys_platform"],
        document["python"]["implementation"],
        document["python"]["version"],
        document["coverage"]["version"],
        document.get("label"),
    )


def write_json(document: dict[str, Any], path: Path) -> None:
    """Write ``document`` to ``path`` (parents created), stable and diff-friendly.

    The text goes to a temporary file beside ``path`` that then replaces it in one
    step, so a reader never sees half a document.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=1, sort_keys=False) + "\n"
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        # mkstemp makes the file 0600; a report is shared like any file the user writes.
        umask = os.umask(0)
        os.umask(umask)
        Path(temporary).chmod(0o666 & ~umask)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return round((ordered[middle - 1] + ordered[middle]) / 2, 3)


def verdict(group: GroupResult) -> str:
    """One word for a group: ``ok``, ``MISMATCH`` or ``skipped``."""
    if group.matches is None:
        return "skipped"
    return "ok" if group.matches else "MISMATCH"


def _note(group: GroupResult) -> str:
    if group.skip_reason is not None:
        return group.skip_reason
    notes = [group.explanation]
    for outcome in ("partial", "timeout", "crashed"):
        n = group.count(outcome)
        if n:
            notes.append(f"{n} {outcome}")
    unreadable = sum(1 for r in group.runs for d in r.data_files if d.error)
    if unreadable:
        notes.append(f"{unreadable} unreadable data file(s)")
    stragglers = sum(r.stragglers for r in group.runs)
    if stragglers:
        notes.append(f"{stragglers} straggler(s) killed")
    return ", ".join(notes)


def text_table(
    groups: Sequence[GroupResult], env: Environment, *, repeat: int, racy_repeat: int | None = None
) -> str:
    """A plain-text table: one row per example and start method."""
    header = ("example", "method", "expect", "measured", "rate", "result", "notes")
    rows = [header]
    for g in groups:
        rate = "" if g.rate is None else f"{g.rate:.0%}"
        measured = "" if not g.runs else f"{g.measured}/{len(g.runs)}"
        rows.append(
            (g.example.name, g.label, g.expect or "-", measured, rate, verdict(g), _note(g))
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths)) + "  " + row[-1]
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 5)
    summary = (
        f"{env.implementation} {env.python_version}, coverage {env.coverage_version}, "
        f"{env.system} {env.release} ({env.machine}), {repeat} run(s) per row"
        + (f" ({racy_repeat} for racy rows)" if racy_repeat and racy_repeat != repeat else "")
    )
    return "\n".join([summary, "", *(line.rstrip() for line in lines)])
