"""Task rule: MPC109, a joblib or loky task that cloudpickle sends by value.

loky pickles each task with cloudpickle. A function that a worker can import
(a top-level function of an importable module) goes by reference, and the
worker runs it from its real file. Anything else goes by value: a lambda, a
nested function or closure, and a function of the script run as ``__main__``.
cloudpickle 3.1.3 rebuilds such code with the file name ``<dynamic-code>``
(``_code_reduce`` in cloudpickle/cloudpickle.py), and coverage.py never traces
a file name that starts with ``<`` (``InOrOut.should_trace``, coverage/inorout.py).

Only what the module itself shows is flagged: a lambda, a name bound by a
``def`` inside a function, and a top-level function whose pool runs in the
module's ``if __name__ == "__main__":`` block or in a function that block calls.
"""

from __future__ import annotations

import ast

from packaging.version import Version

from mpcov.check.analysis import ModuleAnalysis, Obj
from mpcov.check.findings import Collector
from mpcov.check.settings import Settings

#: The cloudpickle release that rebuilds code sent by value as ``<dynamic-code>``.
DYNAMIC_CODE = Version("3.1.3")

_FAMILIES = frozenset({"joblib", "loky"})
_PARTIAL = frozenset({"functools.partial", "partial"})


def _loky_backend(obj: Obj) -> bool:
    """Whether the object runs its tasks on loky (joblib's default backend)."""
    if obj.kind.family == "loky":
        return True
    for keyword in obj.call.keywords:
        if keyword.arg == "backend":
            return isinstance(keyword.value, ast.Constant) and keyword.value.value == "loky"
    return True


def sent_by_value(task: ast.expr, a: ModuleAnalysis, place: ast.expr | None = None) -> str:
    """What makes cloudpickle send ``task`` by value, or ``""`` when the module does not show it."""
    place = task if place is None else place
    if isinstance(task, ast.Lambda):
        return "a lambda"
    if isinstance(task, ast.Call) and task.args and a.qualified(task.func) in _PARTIAL:
        # A partial is pickled as its function and arguments: the function decides.
        return sent_by_value(task.args[0], a, place)
    if not isinstance(task, ast.Name):
        return ""
    found = a.task_places.get(id(place))
    if found is None:
        return ""
    scope, in_main_block, function = found
    owner = a.owner(task.id, scope)
    key = (id(owner), task.id)
    if key not in a.def_keys or key in a.other_keys:
        return ""  # a parameter, an import, an assignment: not a function this module defines
    if owner is not a.root:
        return "a nested function"
    if in_main_block or (function and function in a.main_guard_calls):
        return "a function of the script, which runs as __main__"
    return ""


def check(a: ModuleAnalysis, out: Collector, settings: Settings, objs: list[Obj]) -> None:
    """Flag tasks of joblib and loky executors that cloudpickle sends by value."""
    if not settings.cloudpickle_at_least(DYNAMIC_CODE):
        return  # older releases keep the real file name; unknown: no guess
    for obj in objs:
        if obj.kind.family not in _FAMILIES or obj.kind.kind != "executor":
            continue
        if not _loky_backend(obj):
            continue
        for task in obj.tasks:
            reason = sent_by_value(task, a)
            if reason:
                out.add("MPC109", task, f"here the task is {reason}")
