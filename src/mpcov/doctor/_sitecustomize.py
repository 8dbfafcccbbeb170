"""Start-up hook of ``mpcov doctor``, copied as ``sitecustomize.py`` into its private folder.

Python imports ``sitecustomize`` at start-up from the first folder on
``sys.path`` that has one; the doctor's folder comes first on ``PYTHONPATH``.
This installs the observer (from code compiled under a file name coverage.py
does not measure, see ``OBSERVER_FILENAME``), then runs the ``sitecustomize`` that would have run
without the doctor (a distribution's or a virtual environment's), so that
nothing the user had is lost.
"""

# os.path and open(), not pathlib or contextlib, for start-up time; broad excepts,
# because a start-up hook must never stop a program (site.py itself reports and goes on).
# ruff: noqa: PTH100, PTH105, PTH118, PTH120, PTH123, BLE001, S110, SIM105

from __future__ import annotations

import os
import sys

# Not `typing.TYPE_CHECKING`: importing typing would cost every process milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType


def _chain() -> None:
    """Run the next ``sitecustomize`` on ``sys.path`` under that name, as ``site`` would."""
    # Not importlib.machinery or importlib.util: importing them (importlib, warnings,
    # contextlib...) costs a millisecond or more in every process the command starts.
    # The frozen bootstrap they re-export is loaded already.
    from _frozen_importlib_external import PathFinder

    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = PathFinder.find_spec("sitecustomize", rest)
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


#: The file name the observer's code is compiled with. coverage.py never measures code
#: whose file name starts with "<" (coverage/inorout.py, should_trace, 6.5 to 7.17):
#: a real path would put the observer's lines into the user's data, and make their
#: ``coverage report`` fail with "No source for code" once this folder is gone.
OBSERVER_FILENAME = "<mpcov doctor observer>"


def _observer_code(here: str) -> CodeType:
    """The observer's code: compiled by the doctor for this Python, or compiled here once."""
    import marshal

    # Frozen into every interpreter and loaded at start-up: importlib.util would cost ms.
    from _frozen_importlib_external import MAGIC_NUMBER

    cached = os.path.join(here, f"observer.{sys.implementation.cache_tag}.code")
    try:
        with open(cached, "rb") as stream:
            data = stream.read()
        if data[: len(MAGIC_NUMBER)] == MAGIC_NUMBER:
            code: CodeType = marshal.loads(data[len(MAGIC_NUMBER) :])
            return code
    except (OSError, ValueError, EOFError, TypeError):
        pass
    # Another Python than the doctor's (tox, a different venv): compile, and keep it
    # for this Python's next processes (written aside, then renamed: never half-read).
    with open(os.path.join(here, "observer.src"), encoding="utf-8") as stream:
        code = compile(stream.read(), OBSERVER_FILENAME, "exec", dont_inherit=True)
    try:
        aside = f"{cached}.{os.getpid()}"
        with open(aside, "wb") as stream:
            stream.write(MAGIC_NUMBER + marshal.dumps(code))
        os.replace(aside, cached)
    except OSError:
        pass
    return code


def _install() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    module = type(sys)("_mpcov_doctor_observer")
    # No __file__: the module is not a file coverage.py could find and measure.
    module.__dict__["_SITE"] = here
    sys.modules[module.__name__] = module
    exec(_observer_code(here), module.__dict__)  # noqa: S102  # the doctor's own code
    # coverage.py started from a .pth file (patch = subprocess, COVERAGE_PROCESS_START)
    # is already measuring this file: the observer drops its lines before each save.
    module.install(hook_measured="coverage" in sys.modules)


try:
    _install()
except Exception:  # the observer must never stop a program from starting
    pass
_chain()
