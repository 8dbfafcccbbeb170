"""Settings rules for what starts workers: MPC206-MPC210.

Each reports a *place*: the runner gathers the places of one rule (for MPC209,
of one library) across every file into a single finding, because one missing
setting is one mistake, however many pools it affects. Every library gets the
fix that works for its workers (:data:`mpcov.check.libraries.FAMILY_FIX`).
"""

from __future__ import annotations

from mpcov.check.analysis import ModuleAnalysis, Obj
from mpcov.check.findings import Collector
from mpcov.check.libraries import FAMILY_FIX, MPIRE_DILL, STDLIB
from mpcov.check.settings import Settings

_REACHED_BY_CONCURRENCY = frozenset({STDLIB, "mpire"})
_NEED_EXIT = frozenset({"billiard", "multiprocess", MPIRE_DILL})
_NAMES = {
    "billiard": "billiard",
    "multiprocess": "multiprocess (pathos)",
    MPIRE_DILL: "mpire's use_dill=True (multiprocess)",
    "loky": "loky",
    "joblib": "joblib (loky)",
}


def check(a: ModuleAnalysis, out: Collector, settings: Settings, objs: list[Obj]) -> None:
    """Record the places where the settings do not reach the workers."""
    patch, concurrency = set(settings.patch), set(settings.concurrency)
    multiprocessing = "multiprocessing" in concurrency
    for obj in objs:
        if obj.kind.measures_itself:
            continue
        family = obj.kind.family
        if family in _REACHED_BY_CONCURRENCY:
            if not multiprocessing and not settings.measures_new_pythons:
                if not _saved_by_exit_patch(obj, settings):
                    out.add("MPC210", obj.call, group=STDLIB)
            elif (
                settings.measures_new_pythons
                and "_exit" not in patch
                and not multiprocessing
                and obj.start_method != "spawn"
            ):
                out.add("MPC206", obj.call)
        elif family in _NEED_EXIT:
            if not {"subprocess", "_exit"} <= patch:
                detail = f"{_NAMES[family]} workers need both patches"
                out.add("MPC209", obj.call, detail, group=family, fix=FAMILY_FIX[family])
        elif not settings.measures_new_pythons:
            detail = f"{_NAMES[family]} workers are fresh interpreters"
            out.add("MPC209", obj.call, detail, group=family, fix=FAMILY_FIX[family])
    if not ({"subprocess", "_exit"} <= patch and not multiprocessing):
        for test in a.mp_main_tests:
            out.add("MPC207", test)
    if not settings.traces_all_threads:
        detail = ""
        if settings.asks_for_sysmon and settings.sysmon_conflict:
            # The user chose sysmon, or relies on its 3.14 default: say why it is not used.
            detail = f"coverage.py does not use the sysmon core here: {settings.sysmon_conflict}"
        for call in a.threads:
            out.add("MPC208", call, detail)


def _saved_by_exit_patch(obj: Obj, settings: Settings) -> bool:
    """A fork worker that inherits the parent's tracer and saves at ``os._exit()``.

    Only a literal fork start method counts: the default is forkserver on Linux from
    Python 3.14, whose workers run no coverage.py (``config_pool_patch_exit``).
    """
    return obj.start_method == "fork" and "_exit" in settings.patch and settings.effective_parallel
