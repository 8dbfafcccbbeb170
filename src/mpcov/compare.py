"""``mpcov compare``: what changed between two results documents (the drift report).

A results document is true for the versions it names. When coverage.py, Python or
a library moves on, the same catalogue can measure differently: this module puts
two documents side by side, row by row (example and start method), and reports
each row whose outcome changed, with the versions that differ between them.

What counts as a change:

- a row that ran in one document and was skipped or absent in the other;
- a deterministic outcome that differs (every run measured, every run lost,
  every run partial, crashed, timed out): ``measured -> lost``;
- for a row that raced in either document, a rate whose 95% Wilson intervals do
  not overlap; two samples of one race usually differ a little, which is not a
  change.

Documents of layout ``mpcov-results/1`` (no library versions) are read too.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mpcov.exitcodes import EXIT_FOUND, EXIT_OK, error
from mpcov.stats import percent, wilson_interval

#: The ``mpcov`` subcommand this module provides.
NAME = "compare"
#: Layouts this module can read.
KNOWN_SCHEMAS = ("mpcov-results/1", "mpcov-results/2")


class CompareError(ValueError):
    """A document cannot be read or compared; the message says which and why."""


@dataclass(frozen=True)
class Row:
    """One example and start method in one document, reduced to what is compared."""

    example: str
    start_method: str
    skip_reason: str | None
    runs: int
    measured: int
    partial: int
    lost: int
    timeouts: int
    crashes: int
    header_sha256: str
    libraries: Mapping[str, str | None] | None

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> Row:
        """Read one entry of a document's ``results``."""
        return cls(
            example=str(result["example"]),
            start_method=str(result["start_method"]),
            skip_reason=result.get("skip_reason"),
            runs=int(result["runs"]),
            measured=int(result["measured"]),
            partial=int(result["partial"]),
            lost=int(result["lost"]),
            timeouts=int(result["timeouts"]),
            crashes=int(result["crashes"]),
            header_sha256=str(result["header_sha256"]),
            libraries=result.get("libraries"),
        )

    @property
    def observed(self) -> str:
        """The outcome the runs show: measured, partial, lost, racy, crashed, timeout..."""
        if self.skip_reason is not None:
            return "skipped"
        if not self.runs:
            return "no runs"
        if self.crashes:
            return "crashed"
        for name, count in (
            ("measured", self.measured),
            ("lost", self.lost),
            ("partial", self.partial),
            ("timeout", self.timeouts),
        ):
            if count == self.runs:
                return name
        return "racy"

    def describe(self) -> str:
        """The outcome with its counts: ``lost (0/20 measured)``, ``racy (7/30, 12%-41%)``."""
        observed = self.observed
        if observed == "skipped":
            return f"skipped ({self.skip_reason})"
        if observed == "racy":
            low, high = wilson_interval(self.measured, self.runs)
            return f"racy ({self.measured}/{self.runs}, {percent(low)}-{percent(high)})"
        if observed == "no runs":
            return observed
        return f"{observed} ({self.measured}/{self.runs} measured)"


def rows_left_out(held: Iterable[tuple[str, str]], kept: Iterable[tuple[str, str]]) -> str | None:
    """The rows of ``held`` that ``kept`` lacks, short (``name [label] and 2 more``), or ``None``.

    Rows are (example, start method) pairs. A recording is written whole, so a new
    one that lacks rows of the old one would drop them: both ``verify --record`` and
    the docs' merge tool refuse it, and say which rows with this text.
    """
    missing = sorted(set(held) - set(kept))
    if not missing:
        return None
    name, label = missing[0]
    more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
    return f"{name} [{label}]{more}"


@dataclass(frozen=True)
class Document:
    """A results document: its versions and its rows."""

    path: Path
    python: str
    coverage: str
    platform: str
    rows: Mapping[tuple[str, str], Row]
    distributions: Mapping[str, str] | None

    @classmethod
    def read(cls, path: Path) -> Document:
        """Read and check a results document.

        Raises:
            CompareError: the file is missing, not JSON, or not a results document.
        """
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CompareError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CompareError(f"{path}: cannot read: {exc}") from None
        except json.JSONDecodeError as exc:
            raise CompareError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
        if not isinstance(data, dict) or data.get("schema") not in KNOWN_SCHEMAS:
            found = data.get("schema") if isinstance(data, dict) else None
            raise CompareError(
                f"{path}: not an mpcov results document (schema {found!r}; "
                f"known: {', '.join(KNOWN_SCHEMAS)})"
            )
        try:
            rows = {}
            for result in data["results"]:
                row = Row.from_result(result)
                rows[(row.example, row.start_method)] = row
            return cls(
                path=path,
                python=f"{data['python']['implementation']} {data['python']['version']}",
                coverage=str(data["coverage"]["version"]),
                platform=str(data["platform"]["sys_platform"]),
                rows=rows,
                distributions=data.get("distributions"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CompareError(f"{path}: a results document without {exc}") from None


@dataclass(frozen=True)
class Change:
    """One row whose outcome differs between the documents."""

    example: str
    start_method: str
    before: str
    after: str
    #: ``name old -> new`` for each version that differs in the row (or the document).
    versions: tuple[str, ...]
    header_changed: bool


def _overlap(a: Row, b: Row) -> bool:
    low_a, high_a = wilson_interval(a.measured, a.runs)
    low_b, high_b = wilson_interval(b.measured, b.runs)
    return low_a <= high_b and low_b <= high_a


def changed(before: Row | None, after: Row | None) -> bool:
    """Whether a row's outcome differs (see the module docstring for the rule)."""
    if before is None or after is None:
        return (before or after) is not None
    old, new = before.observed, after.observed
    if "skipped" in (old, new) or "no runs" in (old, new):
        return old != new
    if "racy" in (old, new) and {old, new} <= {"racy", "measured", "lost", "partial"}:
        return not _overlap(before, after)
    return old != new


def _version_changes(before: Document, after: Document, b: Row | None, a: Row | None) -> list[str]:
    out = []
    if before.python != after.python:
        out.append(f"Python {before.python} -> {after.python}")
    if before.coverage != after.coverage:
        out.append(f"coverage {before.coverage} -> {after.coverage}")
    old = b.libraries if b is not None else None
    new = a.libraries if a is not None else None
    names = sorted(set(old or {}) | set(new or {}))
    for name in names:
        if name == "coverage":
            continue  # said above, for the whole document
        if old is not None:
            was = old.get(name)
            was_text = was or "absent"
        else:
            # An older layout names no per-row versions; the document's list may.
            was = (before.distributions or {}).get(name)
            was_text = was or "unrecorded"
        now = (new or {}).get(name)
        now_text = now or ("absent" if new is not None else "unrecorded")
        if was != now:
            out.append(f"{name} {was_text} -> {now_text}")
    return out


def compare(before: Document, after: Document, *, common: bool = False) -> list[Change]:
    """Every row whose outcome changed from ``before`` to ``after``, in ``after``'s order.

    ``common``: only rows both documents hold (``after`` ran a selection of the
    catalogue, so what it did not run is not a change).
    """
    keys = list(after.rows) + [k for k in before.rows if k not in after.rows]
    if common:
        keys = [k for k in keys if k in before.rows and k in after.rows]
    out = []
    for key in keys:
        b, a = before.rows.get(key), after.rows.get(key)
        if not changed(b, a):
            continue
        out.append(
            Change(
                example=key[0],
                start_method=key[1],
                before=b.describe() if b is not None else "absent",
                after=a.describe() if a is not None else "absent",
                versions=tuple(_version_changes(before, after, b, a)),
                header_changed=b is not None
                and a is not None
                and b.header_sha256 != a.header_sha256,
            )
        )
    return out


def _python_minor(python: str) -> tuple[str, str]:
    implementation, _, version = python.partition(" ")
    return implementation, ".".join(version.split(".")[:2])


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text)[:3])


def pick_recording(directory: Path, after: Document) -> Document:
    """The recording in ``directory`` to hold ``after`` against.

    That is the one for the same platform and Python minor version, without a
    campaign label, with the newest coverage.py.

    Raises:
        CompareError: no recording there fits.
    """
    candidates = []
    for path in sorted(directory.glob("*.json")):
        if re.search(r"-coverage[0-9][^-]*\.json$", path.name) is None:
            continue  # a labelled campaign (…-soak.json), not the plain recording
        try:
            document = Document.read(path)
        except CompareError:
            continue
        if document.platform == after.platform and _python_minor(document.python) == _python_minor(
            after.python
        ):
            candidates.append(document)
    if not candidates:
        raise CompareError(
            f"{directory}: no recording for {after.platform} {_python_minor(after.python)[1]}"
        )
    return max(candidates, key=lambda d: _version_key(d.coverage))


def text_report(
    before: Document, after: Document, changes: Sequence[Change], *, common: bool = False
) -> str:
    """A plain-text table of the changes, with a summary line first."""
    keys = set(before.rows) & set(after.rows) if common else set(before.rows) | set(after.rows)
    total = len(keys)
    summary = (
        f"{len(changes)} of {total} rows changed: {before.path.name} ({before.python}, "
        f"coverage {before.coverage}) -> {after.path.name} ({after.python}, "
        f"coverage {after.coverage})"
    )
    if common:
        summary += " (rows both hold)"
    if not changes:
        return summary
    header = ("example", "method", "before", "after", "versions that differ")
    rows = [header] + [
        (
            c.example,
            c.start_method,
            c.before,
            c.after,
            "; ".join(c.versions) + ("; header changed" if c.header_changed else ""),
        )
        for c in changes
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r[:-1], widths)) + "  " + r[-1] for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * len(header[-1]))
    return "\n".join([summary, "", *(line.rstrip() for line in lines)])


def markdown_report(
    before: Document, after: Document, changes: Sequence[Change], *, common: bool = False
) -> str:
    """The changes as a Markdown table (for a CI job summary)."""
    first = text_report(before, after, [], common=common).splitlines()[0]
    if not changes:
        return first + "\n"
    lines = [
        first,
        "",
        "| example | method | before | after | versions that differ |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in changes:
        versions = "; ".join(c.versions) + ("; header changed" if c.header_changed else "")
        lines.append(f"| `{c.example}` | {c.start_method} | {c.before} | {c.after} | {versions} |")
    return "\n".join(lines) + "\n"


_DESCRIPTION = """\
Compare two results documents (from `mpcov verify --json` or --record) row by
row, and print each example and start method whose outcome changed, with the
versions of Python, coverage.py and the example's libraries that differ.

A deterministic outcome (every run measured, every run lost, ...) changes when
it is different; a racy rate changes when the 95% Wilson intervals of the two
samples do not overlap. BEFORE may be a folder of recordings (such as
docs/results/data): the one for AFTER's platform and Python, with the newest
coverage.py, is used.
"""

_EPILOG = """\
exit status:
  0  no row changed
  1  at least one row changed
  2  bad input: a missing file, not a results document

examples:
  mpcov compare docs/results/data new.json
  mpcov compare old.json new.json --format markdown >> "$GITHUB_STEP_SUMMARY"
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``mpcov compare`` and its options to the subcommands."""
    c = commands.add_parser(
        "compare",
        help="show which outcomes changed between two results documents (drift)",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument("before", type=Path, metavar="BEFORE", help="a results file or a folder")
    c.add_argument("after", type=Path, metavar="AFTER", help="a results file")
    c.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="text for people (default), markdown for a CI summary",
    )
    c.add_argument(
        "--common",
        action="store_true",
        help=(
            "compare only the rows both documents hold (AFTER ran a selection, such as "
            "verify --select); without it a row only one holds is a change"
        ),
    )


def run(args: argparse.Namespace) -> int:
    """Carry out ``mpcov compare``; return the exit status."""
    try:
        after = Document.read(args.after)
        before = (
            pick_recording(args.before, after)
            if args.before.is_dir()
            else Document.read(args.before)
        )
    except CompareError as exc:
        return error(str(exc))
    changes = compare(before, after, common=args.common)
    report = markdown_report if args.format == "markdown" else text_report
    sys.stdout.write(report(before, after, changes, common=args.common).rstrip("\n") + "\n")
    return EXIT_FOUND if changes else EXIT_OK
