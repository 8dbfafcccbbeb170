"""Pool rules: MPC101 (``with Pool()``), MPC102 (``terminate()``), MPC106 (never ended)."""

from __future__ import annotations

import ast

from mpcov.check.analysis import ModuleAnalysis, Obj
from mpcov.check.findings import Collector
from mpcov.check.libraries import STDLIB
from mpcov.check.settings import Settings

#: Families whose ``Pool.terminate()`` SIGTERMs its workers (the standard library's code).
_HARSH = frozenset({STDLIB, "billiard", "multiprocess"})


def _within(calls: list[ast.Call], body: list[ast.stmt]) -> bool:
    first = body[0].lineno
    last = getattr(body[-1], "end_lineno", None) or body[-1].lineno
    return any(first <= c.lineno <= last for c in calls)


def check(a: ModuleAnalysis, out: Collector, settings: Settings, objs: list[Obj]) -> None:
    """Apply the pool rules to the pools in ``objs``."""
    for obj in objs:
        if obj.kind.kind != "pool" or obj.kind.family not in _HARSH:
            continue
        methods = a.methods_of(obj)
        closes, joins = methods.get("close", []), methods.get("join", [])
        for item, body, name in obj.withs:
            if not obj.kind.with_terminates:
                continue
            if name is not None and _within(closes, body) and _within(joins, body):
                continue
            detail = (
                "`[run] sigterm = true` does not make this reliable" if settings.sigterm else ""
            )
            out.add("MPC101", item.context_expr, detail)
        for call in methods.get("terminate", []):
            if any(j.lineno < call.lineno for j in joins):
                continue  # join() has waited for every worker: they have saved
            detail = ""
            if any(c.lineno < call.lineno for c in closes):
                detail = "close() before it does not wait for the workers; join() does"
            out.add("MPC102", call, detail)
        if obj.withs or obj.escapes or "terminate" in methods:
            continue
        if closes and joins:
            continue
        if not obj.keys and not obj.containers:
            if obj.direct:
                out.add(
                    "MPC106", obj.call, "the pool is never bound to a name, so nothing closes it"
                )
            continue
        out.add("MPC106", obj.call)
