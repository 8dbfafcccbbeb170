"""Output formats: text for people, JSON (``mpcov-check/1``), GitHub annotations, SARIF 2.1.0.

The JSON document follows ``findings.schema.json`` in this package; its
``schema`` field changes only when a field is removed or changes meaning.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import mpcov
from mpcov.check.rules import RULES
from mpcov.check.runner import Report
from mpcov.check.settings import Settings

#: The ``schema`` value of the JSON document.
SCHEMA_ID = "mpcov-check/1"
#: The JSON Schema of that document.
SCHEMA_FILE = Path(__file__).with_name("findings.schema.json")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://mpcov.readthedocs.io/en/latest/reference/checks.html"


def _settings(settings: Settings) -> dict[str, Any]:
    return {
        "concurrency": list(settings.concurrency),
        "patch": list(settings.patch),
        "parallel": settings.parallel,
        "sigterm": settings.sigterm,
        "core": settings.core,
        "source": [*settings.source, *settings.source_pkgs],
        "include": list(settings.include),
        "omit": list(settings.omit),
    }


def to_json(
    report: Report,
    settings: Settings,
    rules: list[str],
    status: int,
    check_config: str | None = None,
    command_line_files: list[str] | None = None,
) -> dict[str, Any]:
    """The JSON document for a run."""
    return {
        "schema": SCHEMA_ID,
        "mpcov_version": mpcov.__version__,
        "coverage_version": settings.coverage_version,
        "python_version": ".".join(map(str, sys.version_info[:3])),
        "config_file": settings.config_file,
        "check_config": check_config,
        "settings": _settings(settings),
        "command_lines": list(settings.command_lines),
        "command_line_files_read": list(command_line_files or []),
        "rules": rules,
        "files": report.files,
        "lines": report.lines,
        "unmeasured_files": report.unmeasured,
        "findings": [dataclasses.asdict(f) for f in report.findings],
        "skipped": [dataclasses.asdict(s) for s in report.skipped],
        "exit_status": status,
    }


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(report: Report) -> list[str]:
    """GitHub Actions workflow commands: a warning per finding, an error per unreadable file."""
    lines = []
    for f in report.findings:
        lines.append(
            f"::warning file={_escape_property(f.path)},line={f.line},col={f.column},"
            f"title={f.rule}::{_escape_data(f'{f.message}. Fix: {f.fix} ({f.docs})')}"
        )
    for skipped in report.errors:
        path, _, line = skipped.path.partition(":")
        where = f"file={_escape_property(path)}" + (f",line={line}" if line.isdigit() else "")
        lines.append(f"::error {where},title=mpcov check::{_escape_data(skipped.reason)}")
    return lines


def _uri(path: str) -> str:
    candidate = Path(path)
    try:
        return candidate.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return candidate.resolve().as_uri()


def sarif(report: Report, rules: list[str], status: int) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: the rules that ran and every finding."""
    index = {rule: i for i, rule in enumerate(rules)}
    driver_rules = [
        {
            "id": rule.id,
            "name": rule.title,
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": rule.summary},
            "help": {"text": rule.fix},
            "helpUri": rule.docs,
            "defaultConfiguration": {"level": "warning"},
        }
        for rule in (RULES[r] for r in rules)
    ]
    results = []
    for f in report.findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "level": "warning",
            "message": {"text": f"{f.message}. Fix: {f.fix}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.path)},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        if len(f.places) > 1:
            result["relatedLocations"] = [
                {
                    "id": i,
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(p.path)},
                        "region": {"startLine": p.line, "startColumn": p.column},
                    },
                }
                for i, p in enumerate(f.places[1:], start=1)
            ]
        results.append(result)
    notifications = [
        {"level": "error" if s.error else "note", "message": {"text": f"{s.path}: {s.reason}"}}
        for s in report.skipped
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mpcov check",
                        "version": mpcov.__version__,
                        "informationUri": INFORMATION_URI,
                        "rules": driver_rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": status != 2,
                        "exitCode": status,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
            }
        ],
    }


def text(report: Report, settings: Settings, files_read: list[str]) -> list[str]:
    """Findings as ``path:line:col: ID message`` with the fix, then a summary."""
    lines = [f.as_text() for f in report.findings]
    where = settings.config_file or "no coverage configuration file"
    count = len(report.findings)
    summary = (
        f"{count} finding{'' if count == 1 else 's'} in {report.files} "
        f"file{'' if report.files == 1 else 's'} "
        f"(settings: {where}; coverage.py {settings.coverage_version})"
    )
    lines.append(summary)
    if settings.command_lines:
        lines.append("  command-line settings used: " + "; ".join(settings.command_lines))
    read = ", ".join(files_read) if files_read else "none found"
    lines.append(f"  command lines read from: {read} (others are not seen)")
    left_out = [s for s in report.skipped if not s.error]
    if left_out:
        reasons: dict[str, int] = {}
        for s in left_out:
            reasons[s.reason] = reasons.get(s.reason, 0) + 1
        parts = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
        lines.append(f"  left out: {parts} (--format json lists them)")
    return lines


def dumps(document: dict[str, Any]) -> str:
    """A JSON document as printed."""
    return json.dumps(document, indent=2)
