"""Start-up hook of ``mpcov doctor``, copied as ``sitecustomize.py`` into its private folder.

Python imports ``sitecustomize`` at start-up from the first folder on
``sys.path`` that has one; the doctor's folder comes first on ``PYTHONPATH``.
This installs the observer, then runs the ``sitecustomize`` that would have run
without the doctor (a distribution's or a virtual environment's), so that
nothing the user had is lost.
"""

# os.path, not pathlib, for start-up time; broad excepts, because a start-up hook must
# never stop a program (site.py itself reports and goes on).
# ruff: noqa: PTH100, PTH120, BLE001, S110

from __future__ import annotations

import os
import sys


def _chain() -> None:
    """Run the next ``sitecustomize`` on ``sys.path`` under that name, as ``site`` would."""
    # Not importlib.util: it imports contextlib, collections and functools, milliseconds
    # in every process the command starts, for a module object that type(sys) makes.
    import importlib.machinery

    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = type(sys)(spec.name)
    module.__spec__ = spec
    module.__loader__ = spec.loader
    module.__file__ = spec.origin
    if spec.cached:
        module.__cached__ = spec.cached  # type: ignore[attr-defined]  # set by importlib too
    sys.modules["sitecustomize"] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        # What site.execsitecustomize() prints for a failing sitecustomize.
        if sys.flags.verbose:
            sys.excepthook(*sys.exc_info())
        else:
            print(
                f"Error in sitecustomize; set PYTHONVERBOSE for traceback:\n"
                f"{type(exc).__name__}: {exc}",
                file=sys.stderr,
            )


try:
    import _mpcov_doctor_observer  # type: ignore[import-not-found]  # copied beside it

    _mpcov_doctor_observer.install()
except Exception:  # the observer must never stop a program from starting
    pass
_chain()
