"""Task rule: MPC109, a joblib or loky task that cloudpickle sends by value.

loky pickles each task with cloudpickle. A function that a worker can import
(a top-level function of an importable module) goes by reference, and the
worker runs it from its real file. Anything else goes by value: a lambda, a
nested function or closure, and a function of the script run as ``__main__``.
cloudpickle 3.1.3 rebuilds such code with the file name ``<dynamic-code>``
(``_code_reduce`` in cloudpickle/cloudpickle.py), and coverage.py never traces
a file name that starts with ``<`` (``InOrOut.should_trace``, coverage/inorout.py).

Only what the module itself shows is flagged: a name bound by a ``def`` inside
a function, and a top-level function whose pool runs in the module's
``if __name__ == "__main__":`` block or in a function that block calls, unless
the module also calls that function directly (``name(...)``), so that its lines
run in the measured process too. A lambda loses nothing on its own: its lines
belong to the statement that makes it (coverage.py maps every line of a
multi-line statement to its first, ``multiline_map_from_tokens`` in
coverage/parser.py), which the sending process runs, and coverage.py 7.6.2
stopped counting a lambda's entry and exit as a branch (``_code_object__Lambda``
is gone from ``AstArcAnalyzer``). So a lambda is flagged only with
``branch = true`` on a coverage.py before 7.6.2, which reports it as a partial
branch ("didn't finish the lambda").

Only a pool on loky counts: a loky executor, or a joblib ``Parallel`` whose
``backend`` is the literal ``"loky"`` or, when it names none, whose innermost
enclosing joblib ``parallel_config(...)``/``parallel_backend(...)`` block names
``"loky"`` or none exists (joblib's default). Any other backend, including one
the code does not show, is not loky.
"""

from __future__ import annotations

import ast

from packaging.version import Version

from mpcov.check.analysis import ModuleAnalysis, Obj, joblib_backend
from mpcov.check.findings import Collector
from mpcov.check.settings import Settings

#: The cloudpickle release that rebuilds code sent by value as ``<dynamic-code>``.
DYNAMIC_CODE = Version("3.1.3")
#: The coverage.py release from which a lambda is no longer a branch (CHANGES: 7.6.2).
LAMBDA_NOT_A_BRANCH = Version("7.6.2")

_FAMILIES = frozenset({"joblib", "loky"})
_PARTIAL = frozenset({"functools.partial", "partial"})


def _loky_backend(obj: Obj) -> bool:
    """Whether the object surely runs its tasks on loky (joblib's default backend).

    ``Parallel(n_jobs, backend)`` names it, else the innermost joblib backend block
    around it, else joblib's default, loky.
    """
    if obj.kind.family == "loky":
        return True
    backend = joblib_backend(obj.call, 1)
    if backend is None:
        backend = obj.context_backend
    return backend in (None, "loky")


def sent_by_value(
    task: ast.expr, a: ModuleAnalysis, place: ast.expr | None = None, lambdas: bool = False
) -> str:
    """What makes cloudpickle send ``task`` by value and lose lines, or ``""``.

    ``""`` too when the module does not show it. A lambda counts only with
    ``lambdas`` (branch measurement on a coverage.py before 7.6.2).
    """
    place = task if place is None else place
    if isinstance(task, ast.Lambda):
        if lambdas:
            return "a lambda, whose line coverage.py before 7.6.2 reports as a partial branch"
        return ""
    if isinstance(task, ast.Call) and task.args and a.qualified(task.func) in _PARTIAL:
        # A partial is pickled as its function and arguments: the function decides.
        return sent_by_value(task.args[0], a, place, lambdas)
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
    if key in a.direct_calls:
        return ""  # also called here, where its lines are measured (anywhere: cautious)
    if owner is not a.root:
        return "a nested function"
    if in_main_block or (function and function in a.main_guard_calls):
        return "a function of the script, which runs as __main__"
    return ""


def check(a: ModuleAnalysis, out: Collector, settings: Settings, objs: list[Obj]) -> None:
    """Flag tasks of joblib and loky executors that cloudpickle sends by value."""
    if not settings.cloudpickle_at_least(DYNAMIC_CODE):
        return  # older releases keep the real file name; unknown: no guess
    lambdas = settings.branch and settings.coverage_older_than(LAMBDA_NOT_A_BRANCH)
    for obj in objs:
        if obj.kind.family not in _FAMILIES or obj.kind.kind != "executor":
            continue
        if not _loky_backend(obj):
            continue
        for task in obj.tasks:
            reason = sent_by_value(task, a, lambdas=lambdas)
            if reason:
                out.add("MPC109", task, f"here the task is {reason}")
