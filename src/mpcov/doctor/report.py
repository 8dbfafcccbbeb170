"""The doctor's report: a text report for people and a JSON document for tools.

The JSON document follows ``doctor.schema.json`` beside this module
(:data:`SCHEMA_PATH`); its ``schema_version`` changes when a field changes meaning.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mpcov import __version__
from mpcov.doctor.analysis import Analysis, Cause, Process, _signal_name, _site_text, walk

#: The JSON Schema the ``--json`` document follows.
SCHEMA_PATH = Path(__file__).with_name("doctor.schema.json")
SCHEMA_VERSION = 1
#: Fixes and pages for causes that no ``mpcov check`` rule covers.
_OTHER_FIXES = {
    "timeout": "let the command finish within the time limit, or raise it",
    "outlived": (
        "stop what the command starts before it ends (join processes, shut pools and "
        "executors down), or give them longer with --grace"
    ),
    "late-save": (
        "stop the workers (shut the executor down, join the processes) before the report is made"
    ),
    "outside": "find what sent the signal (a CI time limit, the out-of-memory killer)",
    "crash": (
        "find the crash (python -X faulthandler prints the stack of a fatal signal): "
        "a process that crashes saves nothing"
    ),
    "vanished": "find what killed the process (SIGKILL from outside, a crash)",
    "signal": "let the process finish and join() it before the program ends",
    "library": "let the library end its workers normally (close and join the pool)",
    "unreadable": "let the process finish its save: do not signal it while it exits",
    "not-saved": "create no second Coverage object in the process, and keep auto-save on",
    "not-started": "check that the child inherits coverage.py's settings and environment",
    "mismatch": "put the option in the configuration file, where every child reads it",
    "third-party": (
        "keep your scripts out of every virtualenv folder (a temporary folder too: TMPDIR "
        "may point into one) and off site-packages paths, or name them in [run] source"
    ),
}
_NOUN_ONE = {
    "worker processes": "worker process",
    "child processes": "child process",
    "processes": "process",
}
_MOMENTS = {
    "saving": "while saving",
    "busy": "while busy (before saving)",
    "before coverage started": "before coverage.py started in them (their tasks never ran)",
}


@dataclass
class Group:
    """Processes that lost data to one cause."""

    cause: Cause
    processes: list[Process]
    scope: int
    #: ``(site, count)`` when processes from several call sites share the cause.
    sites: list[tuple[str, int]] = field(default_factory=list)


_SITE_IN_TEXT = re.compile(r" (?:started |killed by \S+ )?at (?:\S+:\d+|\?)")


def _rule(code: str) -> Any:
    from mpcov.check.rules import RULES

    return RULES.get(code)


def groups(analysis: Analysis) -> list[Group]:
    """Group the losing processes by cause, largest first.

    Pool causes stay one group per pool (its workers are the scope); every other
    cause is one group per kind, listing the call sites it came from.
    """
    by_key: dict[tuple[str, str], list[Process]] = {}
    for process in analysis.processes:
        cause = process.cause
        if cause is None:
            continue
        if cause.scope_key.startswith("pool:"):
            key = (cause.code, cause.scope_key)
        else:
            key = (cause.code, _SITE_IN_TEXT.sub("", cause.what))
        by_key.setdefault(key, []).append(process)
    out = []
    for (_code, general), members in by_key.items():
        first = members[0].cause
        assert first is not None
        cause = first
        scope = len(members)
        sites: dict[str, int] = {}
        for member in members:
            if member.cause is not None:
                where = member.cause.site or _site_text(member.site) or "?"
                sites[where] = sites.get(where, 0) + 1
        if cause.scope_key.startswith("pool:"):
            pool = members[0].pool
            scope = max(scope, sum(1 for p in analysis.processes if p.pool == pool and pool))
        elif len(sites) > 1:
            cause = replace(cause, what=general, site=None)
        elif members[0].site is not None:
            site = members[0].site
            scope = max(
                scope, sum(1 for p in analysis.processes if p.site == site and not p.helper)
            )
        ranked = sorted(sites.items(), key=lambda item: (-item[1], item[0]))
        out.append(Group(cause, members, scope, ranked if len(sites) > 1 else []))
    out.sort(key=lambda g: (-len(g.processes), g.cause.code))
    return out


def _moment_text(members: Sequence[Process]) -> str:
    moments = {p.cause.moment for p in members if p.cause is not None and p.cause.moment}
    texts = [_MOMENTS[m] for m in ("saving", "busy", "before coverage started") if m in moments]
    return " or ".join(texts)


def _noun(cause: Cause, count: int) -> str:
    return _NOUN_ONE.get(cause.noun, cause.noun) if count == 1 else cause.noun


def group_text(group: Group) -> str:
    """One cause as a sentence with its code, fix and page."""
    cause = group.cause
    count = len(group.processes)
    moment = _moment_text(group.processes)
    partial = all(p.partial for p in group.processes)
    verb = "lost part of their data" if partial else "lost their data"
    if count == 1:
        verb = verb.replace("their", "its")
    head = f"{count} of {group.scope} {_noun(cause, group.scope)} {verb}: {cause.what}"
    if moment:
        head += f" {moment}"
    rule = _rule(cause.code) if cause.code.startswith("MPC") else None
    lines = [f"{head} ({cause.code})." if rule else f"{head}."]
    if group.sites:
        shown = ", ".join(f"{site} ({count})" for site, count in group.sites[:5])
        more = len(group.sites) - 5
        lines.append(f"From: {shown}" + (f" and {more} more call sites." if more > 0 else "."))
    fix = cause.fix or (rule.fix if rule is not None else _OTHER_FIXES.get(cause.code, ""))
    if fix:
        lines.append(f"Fix: {fix}.")
    if rule is not None:
        lines.append(f"See: {rule.docs}")
    return "\n".join(lines)


def _counts(analysis: Analysis) -> dict[str, int]:
    python = list(analysis.processes)
    return {
        "python_processes": len(python),
        "measured": sum(1 for p in python if p.measured),
        "lost": sum(1 for p in python if p.lost),
        "partial": sum(1 for p in python if p.partial and not p.lost),
        "helpers": sum(1 for p in python if p.helper),
        "unobserved": len(analysis.unobserved),
    }


def summary_line(analysis: Analysis, exit_code: int | None) -> str:
    """The first line of the report."""
    counts = _counts(analysis)
    lost = counts["lost"] + counts["partial"]
    command = _exit_text(exit_code)
    if counts["python_processes"] == 0:
        return f"mpcov doctor: no Python process was observed; the command {command}."
    if counts["measured"] == 0:
        return (
            f"mpcov doctor: coverage.py measured none of {counts['python_processes']} Python "
            f"processes, so nothing could be lost; the command {command}."
        )
    causes = len(groups(analysis))
    if lost == 0:
        text = (
            f"mpcov doctor: no coverage data lost in {counts['python_processes']} Python "
            f"process{'es' if counts['python_processes'] != 1 else ''}"
        )
    else:
        text = (
            f"mpcov doctor: {lost} of {counts['python_processes']} Python processes lost "
            f"coverage data ({causes} cause{'s' if causes != 1 else ''})"
        )
    if counts["unobserved"]:
        text += f", {counts['unobserved']} child(ren) unobserved"
    return f"{text}; the command {command}."


def _exit_text(exit_code: int | None) -> str:
    if exit_code is None:
        return "was stopped by the doctor's --timeout"
    if exit_code < 0:
        return f"was killed by {_signal_name(-exit_code)}"
    return f"exited with {exit_code}"


def _argv_text(argv: Sequence[str], limit: int = 70) -> str:
    text = shlex.join(argv)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _start_text(process: Process, root: Path) -> str:
    if process.how == "command":
        return "the command"
    if process.helper:
        return f"{process.role} (helper)"
    parts = [process.how if process.how != "subprocess-fork" else "subprocess"]
    if process.method and process.method not in parts:
        parts.append(process.method)
    if process.library and process.library not in parts:
        parts.append(process.library)
    if process.pool is not None:
        parts.append("pool worker")
    text = " ".join(parts)
    if process.via:
        text += f" via {', '.join(process.via)}"
    site = _site_text(process.site, root)
    return f"{text} at {site}" if site else text


def _coverage_text(process: Process) -> str:
    if not process.instances:
        return "not measured"
    started = [i for i in process.instances.values() if i.how != "combine"]
    instance = (started or list(process.instances.values()))[-1]
    settings = instance.settings
    keys = [k for k in ("concurrency", "patch", "parallel", "sigterm", "core") if settings.get(k)]
    shown = ", ".join(f"{k}={settings[k]}" for k in keys)
    return f"measured ({instance.how}{'; ' + shown if shown else ''})"


def _data_text(process: Process, root: Path) -> str:
    if not process.data_files:
        return "saved nothing" if process.measured else ""
    texts = []
    for data in process.data_files:
        name = os.path.relpath(data.path, root) if data.path else "?"
        texts.append(f"{name}: {data.state}" + (f" ({data.detail})" if data.detail else ""))
    return "; ".join(texts)


def _end_text(process: Process, root: Path) -> str:
    end = process.end
    how = end.get("how")
    if how == "exit":
        return "exit" + (f" {end['code']}" if end.get("code") else "")
    if how == "_exit":
        tags = " ".join(end["event"].get("tags", []))
        # A multiprocessing child's stack still shows the parent's frames: no site to give.
        own = "popen_fork.py" not in tags and "forkserver.py" not in tags
        site = _site_text(end["event"].get("site"), root) if own else None
        return f"os._exit({end.get('status')})" + (f" at {site}" if site else "")
    if how == "exec":
        return "exec"
    if how == "signal":
        text = _signal_name(int(end.get("signal") or 0))
        kill = end.get("kill") or {}
        if kill.get("e") == "doctor_kill":
            return f"{text} from the doctor ({kill.get('reason')})"
        if end.get("sender"):
            site = _site_text(kill.get("site"), root)
            return f"{text} from pid {end['sender']}" + (f" at {site}" if site else "")
        return text
    return "unknown"


def text_report(
    analysis: Analysis,
    exit_code: int | None,
    root: Path,
    *,
    limit: int = 40,
    stragglers: Sequence[int] = (),
) -> str:
    """The text report: the summary line, the causes, then the process tree."""
    lines = [summary_line(analysis, exit_code)]
    found = groups(analysis)
    if found:
        lines.append("")
        for group in found:
            lines.append(group_text(group))
            lines.append("")
    else:
        lines.append("")
    lines.append("Processes (pid: how it started; coverage; data; how it ended):")
    shown = 0
    lost_shown = 0
    for depth, process in walk(analysis.processes):
        if process.lost or process.partial:
            if lost_shown >= limit:
                continue
            lost_shown += 1
        elif shown - lost_shown >= limit:
            continue
        shown += 1
        mark = "LOST " if process.lost else "PART " if process.partial else ""
        fields = [
            _start_text(process, root),
            _coverage_text(process),
            _data_text(process, root),
            _end_text(process, root),
        ]
        if process.role and not process.helper:
            fields.append(process.role)
        indent = "  " * (depth + 1)
        lines.append(f"{indent}{mark}{process.pid}: " + "; ".join(f for f in fields if f))
        if depth == 0:
            lines.append(f"{indent}    {_argv_text(process.argv)}")
    hidden = len(analysis.processes) - shown
    if hidden > 0:
        lines.append(f"  ... and {hidden} more (--limit shows more; --json has all)")
    for item in analysis.unobserved:
        lines.append(
            f"  UNOBSERVED {item.pid} (started by {item.parent}"
            f"{' at ' + item.site if item.site else ''}): {_argv_text(item.argv)}: {item.reason}"
        )
    if stragglers:
        lines.append(
            f"  {len(stragglers)} process(es) were still running after the command ended "
            "and were stopped: " + ", ".join(map(str, stragglers))
        )
    if analysis.damaged_lines:
        lines.append(
            f"  {analysis.damaged_lines} damaged line(s) in the event log (a process was "
            "killed while recording)"
        )
    return "\n".join(lines)


def _process_json(process: Process, root: Path) -> dict[str, Any]:
    end = dict(process.end)
    kill = end.pop("kill", None) or {}
    event = end.pop("event", None) or {}
    if kill:
        end["sent_by"] = {
            "pid": end.pop("sender", None),
            "call": kill.get("call", kill.get("reason")),
            "site": _site_text(kill.get("site"), root),
            "frames": list(kill.get("tags", [])),
        }
    else:
        end.pop("sender", None)
    if event:
        end["site"] = _site_text(event.get("site"), root)
    if "signal" in end:
        end["signal"] = _signal_name(int(end["signal"] or 0))
    cause = process.cause
    return {
        "pid": process.pid,
        "parent": process.parent.pid if process.parent is not None else None,
        "argv": process.argv,
        "start": {
            "how": process.how,
            "method": process.method,
            "library": process.library,
            "site": _site_text(process.site, root),
            "via": process.via,
            "role": process.role or None,
        },
        "coverage": [
            {
                "how": instance.how,
                "version": instance.version,
                "inherited": instance.inherited,
                "settings": instance.settings,
            }
            for instance in process.instances.values()
        ],
        "data_files": [
            {"path": d.path, "state": d.state, "detail": d.detail or None}
            for d in process.data_files
        ],
        "end": end,
        "lost": process.lost,
        "partial": process.partial,
        "cause": cause.code if cause is not None else None,
    }


def to_json(
    analysis: Analysis,
    *,
    command: Sequence[str],
    exit_code: int | None,
    duration: float,
    root: Path,
    stragglers: Sequence[int] = (),
) -> dict[str, Any]:
    """The ``--json`` document (see :data:`SCHEMA_PATH`)."""
    causes = []
    for group in groups(analysis):
        rule = _rule(group.cause.code) if group.cause.code.startswith("MPC") else None
        causes.append(
            {
                "code": group.cause.code,
                "rule": rule is not None,
                "message": group_text(group).splitlines()[0],
                "what": group.cause.what,
                "site": group.cause.site,
                "sites": [{"site": site, "count": count} for site, count in group.sites],
                "count": len(group.processes),
                "of": group.scope,
                "pids": [p.pid for p in group.processes],
                "fix": group.cause.fix
                or (rule.fix if rule is not None else _OTHER_FIXES.get(group.cause.code, "")),
                "docs": rule.docs if rule is not None else None,
            }
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "mpcov_version": __version__,
        "environment": {
            "python": platform.python_version(),
            "coverage": _coverage_version(),
            "platform": sys.platform,
        },
        "command": list(command),
        "cwd": str(root),
        "exit_code": exit_code,
        "duration": round(duration, 3),
        "summary": {"line": summary_line(analysis, exit_code), **_counts(analysis)},
        "causes": causes,
        "processes": [_process_json(p, root) for _, p in walk(analysis.processes)],
        "unobserved": [
            {
                "pid": u.pid,
                "parent": u.parent,
                "argv": u.argv,
                "site": u.site,
                "reason": u.reason,
            }
            for u in analysis.unobserved
        ],
        "stragglers": list(stragglers),
        "damaged_events": analysis.damaged_lines,
    }


def write_json(document: dict[str, Any], target: str) -> None:
    """Write the document to ``target``, or to stdout when it is ``-``."""
    text = json.dumps(document, indent=2) + "\n"
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(target).write_text(text, encoding="utf-8")


def _coverage_version() -> str:
    # Imported here: the text report, the usual output, does not need coverage.py.
    import coverage

    return coverage.__version__
