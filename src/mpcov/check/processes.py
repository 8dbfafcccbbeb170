"""Process rules: MPC103 (SIGTERM), MPC104 (SIGKILL), MPC105 (daemon never joined)."""

from __future__ import annotations

import ast
from collections.abc import Callable

from mpcov.check.analysis import ModuleAnalysis, Obj
from mpcov.check.findings import Collector
from mpcov.check.settings import Settings


def _waits(join: ast.Call) -> bool:
    """Whether a ``join()`` call waits for the end (no timeout); helpers count as waiting."""
    if not (isinstance(join.func, ast.Attribute) and join.func.attr == "join"):
        return True
    has_timeout = bool(join.args) or any(k.arg == "timeout" for k in join.keywords)
    return not has_timeout


def _grace_period(methods: dict[str, list[ast.Call]]) -> Callable[[ast.Call], bool]:
    """A test: whether a signal comes after ``join(timeout)`` and ``is_alive()``.

    That is the escalation for a child that did not end in time: only a hung child loses
    its data then, and no setting can save what a hung child has not finished.
    """
    waited = [j.lineno for j in methods.get("join", []) if not _waits(j)]
    alive = [c.lineno for c in methods.get("is_alive", [])]

    def grace(call: ast.Call) -> bool:
        return any(w < call.lineno for w in waited) and any(i <= call.lineno for i in alive)

    return grace


def check(
    a: ModuleAnalysis,
    out: Collector,
    settings: Settings,
    objs: list[Obj],
    handles_sigterm: bool = False,
) -> None:
    """Apply the process rules to the processes in ``objs`` and to ``os.kill`` calls.

    ``handles_sigterm``: the project installs its own SIGTERM handler (outside its
    tests), so a child may end cleanly on SIGTERM, and MPC103/MPC105 would guess.
    """
    sigterm_saves = settings.sigterm or handles_sigterm
    for obj in objs:
        if obj.kind.kind != "process":
            continue
        methods = a.methods_of(obj)
        joins = [j for j in methods.get("join", []) if _waits(j)]
        grace = _grace_period(methods)
        for call in methods.get("kill", []):
            if not any(j.lineno < call.lineno for j in joins) and not grace(call):
                out.add("MPC104", call)
        if not sigterm_saves:
            for call in methods.get("terminate", []):
                if not any(j.lineno < call.lineno for j in joins) and not grace(call):
                    out.add("MPC103", call)
            started = "start" in methods
            if obj.daemon is not None and started and not methods.get("join") and not obj.escapes:
                out.add("MPC105", obj.daemon)
    targets = {
        t.id for o in objs if o.kind.kind == "process" for t in o.tasks if isinstance(t, ast.Name)
    }
    for thread in a.thread_objs:
        if thread.daemon is None or thread.function not in targets or thread.escapes:
            continue
        if not a.methods_of(thread).get("join"):
            out.add(
                "MPC108", thread.call, f"it runs in the child started with target={thread.function}"
            )
    for kill in a.kills:
        if any(_grace_period(a.methods_of(t))(kill.call) for t in kill.targets):
            continue
        if kill.signal == "SIGKILL":
            out.add("MPC104", kill.call)
        elif not sigterm_saves:
            out.add("MPC103", kill.call)
