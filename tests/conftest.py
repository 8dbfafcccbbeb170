"""Fixtures shared by the unit tests: throwaway example scripts written to a temp dir."""

from __future__ import annotations

import importlib.util
import signal
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

#: Files whose every test is slow (minutes): ``nox -s tests`` runs them on the main Python
#: only. A file can say so itself (``pytestmark = pytest.mark.slow``); this list is for
#: those that do not yet.
SLOW_FILES = frozenset({"test_doctor_catalogue.py"})
#: Files too slow even for the main Python's run (tens of minutes): their own session,
#: ``nox -s doctor_catalogue``, runs them.
CATALOGUE_FILES = frozenset({"test_doctor_catalogue.py"})


def pytest_configure(config: pytest.Config) -> None:
    """Give the tests the signal dispositions of a terminal, however pytest was started.

    A shell starts background jobs with SIGINT ignored and nohup ignores SIGHUP; an
    ignored signal is inherited by every process the tests start, and mpcov rightly
    keeps it ignored. A Python handler is not inherited across exec: the processes
    the fault tests start get the default action, as from a terminal.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    hangup = getattr(signal, "SIGHUP", None)
    if hangup is not None and signal.getsignal(hangup) is signal.SIG_IGN:
        signal.signal(hangup, lambda signum, frame: None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests of :data:`SLOW_FILES` slow and of :data:`CATALOGUE_FILES` catalogue."""
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
        if item.path.name in CATALOGUE_FILES:
            item.add_marker(pytest.mark.catalogue)


#: Files that import the docs extension, hence Sphinx: the docs group, Python 3.11+,
#: installed by the main Python's tests session only.
SPHINX_FILES = ["test_docs.py", "test_docs_ext.py"]
HAVE_SPHINX = importlib.util.find_spec("sphinx") is not None
#: Read by pytest: files it does not collect here.
collect_ignore = [] if HAVE_SPHINX else SPHINX_FILES


def pytest_report_header() -> list[str]:
    """Say which test files were left out, so that no test disappears silently."""
    if HAVE_SPHINX:
        return []
    return [f"left out (no Sphinx here; the docs group has it): {', '.join(SPHINX_FILES)}"]


#: A body whose one marked line runs in the script's own process, so it is always measured.
MEASURED_BODY = """\
from __future__ import annotations

x = 1  # mpcov: child
"""


def example_source(
    *,
    mpcov: str = 'expect = "measured"\nstart-methods = []',
    coverage: str = "",
    body: str = MEASURED_BODY,
    title: str = "A throwaway example.",
    description: str = "It shows nothing in particular.",
) -> str:
    """The source of an example: header docstring (title, prose, TOML tail), then ``body``."""
    toml = textwrap.dedent(coverage).strip()
    toml = (toml + "\n\n" if toml else "") + "[tool.mpcov]\n" + textwrap.dedent(mpcov).strip()
    return f'"""{title}\n\n{description}\n\n{toml}\n"""\n\n' + textwrap.dedent(body)


@pytest.fixture
def write_example(tmp_path: Path) -> Callable[..., Path]:
    """Return ``write(name, *, text=None, **parts)``, which writes ``tmp_path/examples/NAME.py``.

    ``parts`` are the keyword arguments of :func:`example_source`; ``text`` replaces
    the whole file.
    """
    folder = tmp_path / "examples"
    folder.mkdir(exist_ok=True)

    def write(name: str = "sample", *, text: str | None = None, **parts: str) -> Path:
        path = folder / f"{name}.py"
        path.write_text(example_source(**parts) if text is None else text, encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True)
def _stop_signals_unchanged() -> Iterator[None]:
    """Fail a test that leaves a stop signal's handler changed.

    Handlers are process-wide and an ignored SIGTERM is inherited by every process
    started afterwards: one test that left it ignored made Pool.terminate() hang in
    another file.
    """
    names = ("SIGINT", "SIGTERM", "SIGHUP")
    signums = [getattr(signal, n) for n in names if hasattr(signal, n)]
    before = {s: signal.getsignal(s) for s in signums}
    yield
    changed = [s.name for s in signums if signal.getsignal(s) != before[s]]
    assert [] == changed, f"the test left these signal handlers changed: {changed}"
