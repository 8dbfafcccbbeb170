"""What the directives read: example headers and recorded results.

Nothing here touches Sphinx, so the unit tests (tests/test_docs_ext.py) can call it
on small made-up recordings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from mpcov.engine import Environment, row_is_current
from mpcov.header import NO_START_METHOD, START_METHODS, Example, HeaderError, discover, parse

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
DATA = ROOT / "docs" / "results" / "data"
SOAK = ROOT / "docs" / "results" / "soak"
LABEL_ORDER = (*START_METHODS, NO_START_METHOD)


def version_tuple(text: str) -> tuple[int, ...]:
    """``"7.17.3"`` -> ``(7, 17, 3)``; only the first three numbers count."""
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def label_index(label: str) -> int:
    """Where a start method sorts: fork, forkserver, spawn, none, then anything else."""
    return LABEL_ORDER.index(label) if label in LABEL_ORDER else len(LABEL_ORDER)


@dataclass(frozen=True)
class Recording:
    """One result file: one platform, Python and coverage.py version (and campaign)."""

    path: Path
    doc: dict[str, Any]

    @property
    def platform(self) -> str:
        """The recording's ``sys.platform``."""
        return str(self.doc["platform"]["sys_platform"])

    @property
    def python_version(self) -> str:
        """The Python version alone, e.g. ``3.11.7``."""
        return str(self.doc["python"]["version"])

    @property
    def python(self) -> str:
        """Implementation and version, e.g. ``CPython 3.11.7``."""
        return f"{self.doc['python']['implementation']} {self.python_version}"

    @property
    def coverage(self) -> str:
        """The coverage.py version measured."""
        return str(self.doc["coverage"]["version"])

    @property
    def date(self) -> str:
        """The day the recording was made (ISO date); first to last day for one made in parts."""
        last = str(self.doc["created"])[:10]
        first = str(self.doc.get("started") or last)[:10]
        return last if first == last else f"{first} to {last}"

    @property
    def label(self) -> str | None:
        """The campaign (``soak``, ``cloudpickle-3.1.2``), or ``None`` for a plain recording."""
        label = self.doc.get("label")
        return str(label) if label else None

    @property
    def short(self) -> str:
        """A label: ``linux 3.11.7 / cov 7.17.3`` (and the campaign, if any)."""
        label = f" ({self.label})" if self.label else ""
        return f"{self.platform} {self.python_version} / cov {self.coverage}{label}"

    @cached_property
    def environment(self) -> Environment:
        """The environment the recording was made in (read once: every row is checked against it)."""
        return Environment.recorded(self.doc)

    def sort_key(self) -> tuple[Any, ...]:
        """Order by platform, then Python and coverage.py versions, numerically."""
        return (
            self.platform,
            version_tuple(self.python_version),
            version_tuple(self.coverage),
            self.label or "",
        )

    def rows(self, example: str) -> list[dict[str, Any]]:
        """The rows for one example, in start-method order."""
        rows = [r for r in self.doc["results"] if r["example"] == example]
        return sorted(rows, key=lambda r: label_index(r["start_method"]))

    def row(self, example: str, label: str) -> dict[str, Any] | None:
        """The row of one example under one start method, if recorded."""
        return next((r for r in self.rows(example) if r["start_method"] == label), None)

    def libraries(self) -> dict[str, str]:
        """Versions of every library some example here requires (and of what they require)."""
        found: dict[str, str] = {}
        for row in self.doc["results"]:
            for name, version in (row.get("libraries") or {}).items():
                if version is not None and name != "coverage":
                    found[name] = version
        return dict(sorted(found.items()))

    def distributions(self) -> dict[str, str] | None:
        """Every installed distribution (canonical name -> version); ``None`` if not recorded."""
        recorded = self.doc.get("distributions")
        libraries = self.libraries()
        if not recorded and not libraries:
            return None
        merged: dict[str, str] = {canonicalize_name(k): str(v) for k, v in (recorded or {}).items()}
        merged.update({canonicalize_name(k): v for k, v in libraries.items()})
        return merged

    def describe(self) -> str:
        """One line of metadata: machine, versions, repeat counts, lock and date."""
        p = self.doc["platform"]
        repeat, racy = self.doc["repeat"], self.doc.get("racy_repeat", self.doc["repeat"])
        runs = f"{repeat} runs per row" + (f", {racy} for racy rows" if racy != repeat else "")
        libraries = ", ".join(f"{n} {v}" for n, v in self.libraries().items())
        lock = self.doc.get("lock")
        parts = [
            (
                f"{p['system']} {p['release']} ({p['machine']}, {p['cpus']} CPUs), "
                f"{self.python}, coverage.py {self.coverage}, mpcov {self.doc['mpcov']['version']}"
            ),
            f"libraries: {libraries}" if libraries else "no library versions recorded",
            runs + f", {self.doc['jobs']} at a time",
            # A campaign may record only the examples its versions decide.
            f"{len({r['example'] for r in self.doc['results']})} examples, {len(self.doc['results'])} rows",
        ]
        if lock:
            parts.append(f"installed from {lock['file']} (sha256 {lock['sha256'][:12]})")
        if self.label:
            parts.append(f"campaign: {self.label}")
        parts.append(f"recorded {self.date}")
        return "; ".join(parts)


def load_recordings(directory: Path = DATA) -> list[Recording]:
    """Every result file, sorted by platform, Python and coverage version."""
    found = []
    for path in sorted(directory.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        found.append(Recording(path, doc))
    return sorted(found, key=Recording.sort_key)


def load_example(name: str, directory: Path = EXAMPLES) -> Example:
    """Parse ``examples/NAME.py``; a missing or broken example raises :class:`HeaderError`."""
    if not re.fullmatch(r"[A-Za-z0-9_]+", name) or name.startswith("_"):
        raise HeaderError(f"{name!r} is not an example name (examples/NAME.py)")
    return parse(directory / f"{name}.py")


def example_index(names: Iterable[str], directory: Path = EXAMPLES) -> dict[str, Example | None]:
    """Parse the named examples; ``None`` for one whose file no longer exists.

    An example that exists but does not parse is an error, never "stale": a broken
    header must fail the build, not hide behind "recorded for an older header".
    """
    out: dict[str, Example | None] = {}
    for name in names:
        out[name] = load_example(name, directory) if (directory / f"{name}.py").is_file() else None
    return out


_TABLE = re.compile(r"^\s*\[\[?\s*(?P<name>[^\]#]+?)\s*\]\]?\s*(?:#.*)?$")


def _table_name(line: str) -> str | None:
    """The dotted name of a TOML table header line (``[a.b]``, ``[[a.b]]``, comments allowed)."""
    match = _TABLE.match(line)
    if match is None:
        return None
    return ".".join(part.strip().strip("\"'") for part in match["name"].split("."))


def coverage_tables(example: Example) -> str:
    """The header's TOML without the ``[tool.mpcov]`` tables: what a user pastes."""
    kept: list[str] = []
    keep = True
    for line in example.settings_toml.splitlines():
        name = _table_name(line)
        if name is not None:
            keep = not (name == "tool.mpcov" or name.startswith("tool.mpcov."))
        if keep:
            kept.append(line)
    return "\n".join(kept).strip() + "\n"


# ------------------------------------------------------------------ declarations


def declared(example: Example, recording: Recording, label: str) -> str:
    """What the example's current header declares for ``label`` on this recording's versions.

    Returns an outcome (``measured`` ...) or ``skip: reason``. This is the declaration
    the recording is compared with, whatever the first recording on the page was.
    """
    libraries = recording.distributions() or {}
    return example.expectation(
        label,
        python=recording.python_version,
        coverage=recording.coverage,
        platform=recording.platform,
        libraries=libraries,
    )


def is_stale(row: Mapping[str, Any], example: Example | None, recording: Recording) -> bool:
    """The row no longer stands for the example as it is now (see ``row_is_current``).

    Its code or settings changed since, or what the header declares for the
    recording's versions did, or the example was removed.
    """
    return not row_is_current(row, example, recording.environment)


def observed(row: Mapping[str, Any]) -> str:
    """What a row's runs showed, in one word.

    ``skipped``; ``measured`` (every run measured everything), ``lost`` (no run measured
    anything), ``partial`` (every run measured some), ``racy`` (runs differ), or
    ``no runs``.
    """
    if row.get("skip_reason") is not None:
        return "skipped"
    runs = int(row["runs"])
    if not runs:
        return "no runs"
    measured = int(row["measured"])
    partial = int(row.get("partial") or 0)
    if measured == runs:
        return "measured"
    if measured == 0 and partial == runs:
        return "partial"
    if measured == 0 and partial == 0:
        return "lost"
    return "racy"


def evidence(row: Mapping[str, Any]) -> str:
    """The statistics behind a row, short: ``loss < 14%``, ``12%-41%``, ``never lost in 30``."""
    from mpcov.stats import percent, wilson_interval, zero_events_upper_bound

    runs, measured = row["runs"], row["measured"]
    if not runs:
        return ""
    bound = row.get("contrary_upper_bound")
    if bound is not None:
        what = "loss" if row["expect"] == "measured" else "otherwise"
        return f"{what} < {percent(bound)}"
    if row["expect"] == "racy":
        if measured in (0, runs):
            if runs < row.get("racy_min_runs", 20):
                return ""
            if measured:
                return f"never lost in {runs}"
            return f"lost in all {runs}, measured < {percent(zero_events_upper_bound(runs))}"
        low, high = wilson_interval(measured, runs)
        return f"{percent(low)}-{percent(high)}"
    return ""


@dataclass(frozen=True)
class Cellinfo:
    """One recording's row of one example under one start method, judged for the page."""

    recording: Recording
    row: dict[str, Any]
    #: What the current header declares for this recording's versions.
    declared: str
    #: What the runs showed (see :func:`observed`).
    seen: str
    #: Recorded for an older header (its own verdict may not hold for the current one).
    stale: bool

    @property
    def never_lost(self) -> bool:
        """A racy declaration with enough runs and none of them lost (the engine's rule)."""
        runs = int(self.row["runs"])
        minimum = int(
            self.row.get("racy_min_runs") or self.recording.doc.get("racy_min_runs") or 20
        )
        return self.declared == "racy" and runs >= minimum and self.seen == "measured"

    @property
    def agrees(self) -> bool | None:
        """Whether the runs agree with the current declaration; ``None`` for skips and stale rows.

        A racy row of 20 runs or more that never lost does not agree, as the engine
        judges it, even where an older recording said it did.
        """
        if self.stale or self.seen == "skipped" or self.declared.startswith("skip"):
            return None
        if self.never_lost:
            return False
        return bool(self.row["matches"]) and self.row.get("expect") == self.declared


def cells(example: Example, recordings: Sequence[Recording], label: str) -> list[Cellinfo]:
    """Every recorded row of ``example`` under ``label``, with what the header declares there."""
    out = []
    for rec in recordings:
        row = rec.row(example.name, label)
        if row is None:
            continue
        out.append(
            Cellinfo(
                recording=rec,
                row=row,
                declared=declared(example, rec, label),
                seen=observed(row),
                stale=is_stale(row, example, rec),
            )
        )
    return out


def labels_of(example: Example, recordings: Sequence[Recording]) -> list[str]:
    """The start methods to show for an example: the header's, then any recorded others."""
    found = set(example.labels)
    for rec in recordings:
        found.update(r["start_method"] for r in rec.rows(example.name))
    return sorted(found, key=label_index)


def version_span(versions: Iterable[str], others: Iterable[str] = (), digits: int = 3) -> str:
    """``7.10.7-7.17.3`` for a run of versions, or a list when ``others`` fall inside it.

    ``digits`` shortens each version (2: ``3.11.7`` -> ``3.11``). A range is shown only
    when no version in ``others`` lies within it, so a range never hides an exception.
    """
    mine = sorted({".".join(v.split(".")[:digits]) for v in versions}, key=version_tuple)
    theirs = {".".join(v.split(".")[:digits]) for v in others} - set(mine)
    if not mine:
        return ""
    if len(mine) == 1:
        return mine[0]
    low, high = version_tuple(mine[0]), version_tuple(mine[-1])
    if any(low < version_tuple(v) < high for v in theirs):
        return ", ".join(mine)
    return f"{mine[0]}\N{EN DASH}{mine[-1]}"


@dataclass(frozen=True)
class Group:
    """Recordings of one example and start method that showed the same outcome."""

    seen: str
    members: tuple[Cellinfo, ...]

    @property
    def measured(self) -> int:
        """Runs measured, over every member."""
        return sum(int(c.row["measured"]) for c in self.members)

    @property
    def runs(self) -> int:
        """Runs, over every member."""
        return sum(int(c.row["runs"]) for c in self.members)


def group_cells(infos: Sequence[Cellinfo]) -> list[Group]:
    """Group rows by what they showed, in the order first seen (recordings are sorted)."""
    groups: dict[str, list[Cellinfo]] = {}
    for info in infos:
        groups.setdefault(info.seen, []).append(info)
    return [Group(seen, tuple(members)) for seen, members in groups.items()]


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def group_where(group: Group, all_infos: Sequence[Cellinfo], *, short: bool = False) -> str:
    """Where a group held: ``coverage.py 7.17.3, Python 3.11-3.13, linux`` (and campaigns).

    Ranges are used only when they cannot mislead: when some combination of the
    group's coverage.py and Python versions was recorded with another outcome, the
    group's own combinations are listed instead, per Python version. ``short`` writes
    ``cov``/``Py`` and leaves the platform out when every recording shares it.
    """
    cov_word, py_word = ("cov", "Py") if short else ("coverage.py", "Python")
    others = [c for c in all_infos if c not in group.members]
    pairs = {(_minor(c.recording.python_version), c.recording.coverage) for c in group.members}
    other_pairs = {(_minor(c.recording.python_version), c.recording.coverage) for c in others}
    pythons = {p for p, _ in pairs}
    coverages = {v for _, v in pairs}
    crossed = {(p, v) for p in pythons for v in coverages}
    if crossed & other_pairs:
        by_python: dict[str, list[str]] = {}
        for py, cov in sorted(pairs, key=lambda pc: (version_tuple(pc[0]), version_tuple(pc[1]))):
            by_python.setdefault(py, []).append(cov)
        where = "; ".join(
            f"{py_word} {py} with {cov_word} {', '.join(covs)}" for py, covs in by_python.items()
        )
    else:
        cov = version_span(coverages, [c.recording.coverage for c in others])
        py = version_span(pythons, [c.recording.python_version for c in others], digits=2)
        where = f"{cov_word} {cov}, {py_word} {py}"
    platforms = sorted({c.recording.platform for c in group.members})
    if not short or len({c.recording.platform for c in all_infos}) > 1:
        where += f", {', '.join(platforms)}"
    campaigns = sorted({c.recording.label for c in group.members if c.recording.label})
    if campaigns:
        where += f" ({', '.join(campaigns)})"
    return where


# ------------------------------------------------------------------ the soak in parts


@dataclass(frozen=True)
class SoakCampaign:
    """One soak campaign's parts so far (``nox -s soak``, docs/results/soak/LABEL/)."""

    label: str
    #: Parts recorded for the example's current header, by example name.
    parts: dict[str, Recording]
    #: Examples whose part was recorded for an older header (to be recorded again).
    stale: list[str]
    #: Examples with no part yet.
    missing: list[str]

    @property
    def total(self) -> int:
        """How many examples the campaign covers."""
        return len(self.parts) + len(self.stale) + len(self.missing)

    def rows(self) -> list[dict[str, Any]]:
        """Every row of the current parts, in example and start-method order."""
        return [row for name in sorted(self.parts) for row in self.parts[name].rows(name)]

    def runs(self) -> int:
        """Runs in the current parts."""
        return sum(int(row["runs"]) for row in self.rows())

    def contrary(self) -> int:
        """Runs against their header in the current parts (deterministic rows)."""
        return sum(int(row.get("contrary") or 0) for row in self.rows())

    def environments(self) -> list[list[Recording]]:
        """The current parts grouped by the environment they were made in (one group, normally)."""
        groups: dict[str, list[Recording]] = {}
        for name in sorted(self.parts):
            doc = self.parts[name].doc
            # What nox -s soak compares (docs/_tools/soak.py _MADE_WITH): a new kernel
            # release alone does not make a part stale.
            platform = {k: doc["platform"].get(k) for k in ("sys_platform", "machine", "cpus")}
            key = json.dumps(
                [platform]
                + [doc.get(k) for k in ("python", "coverage", "mpcov", "distributions")]
                + [(doc.get("lock") or {}).get("sha256")],
                sort_keys=True,
            )
            groups.setdefault(key, []).append(self.parts[name])
        return list(groups.values())

    def dates(self) -> str:
        """The first and last day a current part was made."""
        days = sorted(str(p.doc["created"])[:10] for p in self.parts.values())
        if not days:
            return ""
        return days[0] if days[0] == days[-1] else f"{days[0]} to {days[-1]}"


def soak_campaigns(
    directory: Path = SOAK, examples: Path = EXAMPLES, labels: Iterable[str] = ()
) -> list[SoakCampaign]:
    """Each campaign folder under ``directory``, its parts judged against today's examples.

    ``labels`` names campaigns to list even before their folder exists (not started).
    """
    names = [p.stem for p in discover([examples])] if examples.is_dir() else []
    out = []
    folders = {p for p in directory.glob("*") if p.is_dir()} | {directory / n for n in labels}
    for folder in sorted(folders):
        parts: dict[str, Recording] = {}
        stale = []
        for name in names:
            path = folder / f"{name}.json"
            if not path.is_file():
                continue
            part = Recording(path, json.loads(path.read_text(encoding="utf-8")))
            rows = part.rows(name)
            example = parse(examples / f"{name}.py")
            if rows and not any(is_stale(r, example, part) for r in rows):
                parts[name] = part
            else:
                stale.append(name)
        missing = [n for n in names if n not in parts and n not in stale]
        out.append(SoakCampaign(folder.name, parts, stale, missing))
    return out
