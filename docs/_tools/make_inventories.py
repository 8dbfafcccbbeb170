"""Write the small intersphinx inventories the site links through, offline.

The site cites a few dozen objects of Python's and coverage.py's documentation.
Instead of downloading their full ``objects.inv`` at every build, this script
writes inventories holding exactly those targets, with the addresses the real
documentation uses (``library/<module>.html#<name>`` for Python,
``<page>.html#<label-with-dashes>`` for coverage.py's labels).

    python docs/_tools/make_inventories.py          # rewrite docs/_inventories/*.inv
    python docs/_tools/make_inventories.py --check  # fail if they are out of date

Add a target here when a page or a docstring starts citing a new one; the
nitpicky build names any that are missing.
"""

from __future__ import annotations

import argparse
import sys
import zlib
from pathlib import Path

import sphobjinv as soi

OUT = Path(__file__).resolve().parents[1] / "_inventories"

# (role, name, page): page is the library/ file that documents the object.
PYTHON: list[tuple[str, str, str]] = [
    ("module", "multiprocessing", "multiprocessing"),
    ("module", "multiprocessing.pool", "multiprocessing"),
    ("class", "multiprocessing.pool.Pool", "multiprocessing"),
    ("method", "multiprocessing.pool.Pool.close", "multiprocessing"),
    ("method", "multiprocessing.pool.Pool.join", "multiprocessing"),
    ("method", "multiprocessing.pool.Pool.terminate", "multiprocessing"),
    ("class", "multiprocessing.Process", "multiprocessing"),
    ("method", "multiprocessing.Process.terminate", "multiprocessing"),
    ("method", "multiprocessing.Process.kill", "multiprocessing"),
    ("method", "multiprocessing.Process.join", "multiprocessing"),
    ("attribute", "multiprocessing.Process.daemon", "multiprocessing"),
    ("function", "multiprocessing.set_start_method", "multiprocessing"),
    ("function", "multiprocessing.get_context", "multiprocessing"),
    ("module", "concurrent.futures", "concurrent.futures"),
    ("class", "concurrent.futures.ProcessPoolExecutor", "concurrent.futures"),
    ("method", "concurrent.futures.Executor.shutdown", "concurrent.futures"),
    ("module", "os", "os"),
    ("function", "os.fork", "os"),
    ("function", "os._exit", "os"),
    ("function", "os.execv", "os"),
    ("function", "os.system", "os"),
    ("function", "os.register_at_fork", "os"),
    ("function", "os.cpu_count", "os"),
    ("module", "subprocess", "subprocess"),
    ("function", "subprocess.run", "subprocess"),
    ("class", "subprocess.Popen", "subprocess"),
    ("module", "signal", "signal"),
    ("data", "signal.SIGTERM", "signal"),
    ("module", "atexit", "atexit"),
    ("module", "threading", "threading"),
    ("class", "threading.Thread", "threading"),
    ("function", "sys.exit", "sys"),
    ("exception", "RuntimeWarning", "exceptions"),
    ("exception", "Exception", "exceptions"),
    ("exception", "ValueError", "exceptions"),
    ("class", "pathlib.Path", "pathlib"),
    ("class", "datetime.datetime", "datetime"),
    ("class", "collections.abc.Iterable", "collections.abc"),
    ("class", "collections.abc.Iterator", "collections.abc"),
    ("class", "collections.abc.Sequence", "collections.abc"),
    ("class", "collections.abc.Mapping", "collections.abc"),
    ("class", "collections.abc.Callable", "collections.abc"),
    ("data", "typing.Any", "typing"),
    ("data", "typing.Callable", "typing"),
    ("data", "typing.Union", "typing"),
    ("data", "typing.Literal", "typing"),
    ("data", "typing.Optional", "typing"),
    ("class", "typing.IO", "typing"),
    ("class", "subprocess.CompletedProcess", "subprocess"),
    ("class", "float", "functions"),
    ("class", "int", "functions"),
    ("class", "str", "stdtypes"),
    ("class", "bool", "functions"),
    ("class", "dict", "stdtypes"),
    ("class", "list", "stdtypes"),
    ("class", "tuple", "stdtypes"),
    ("class", "object", "functions"),
    ("data", "None", "constants"),
    ("data", "Ellipsis", "constants"),
    ("class", "argparse.ArgumentParser", "argparse"),
    ("class", "argparse.Namespace", "argparse"),
]

# (role, name, page, anchor, display name)
COVERAGE: list[tuple[str, str, str, str, str]] = [
    ("label", "config", "config", "config", "Configuration reference"),
    ("label", "config_run_concurrency", "config", "config-run-concurrency", "[run] concurrency"),
    ("label", "config_run_core", "config", "config-run-core", "[run] core"),
    ("label", "config_run_data_file", "config", "config-run-data-file", "[run] data_file"),
    ("label", "config_run_parallel", "config", "config-run-parallel", "[run] parallel"),
    ("label", "config_run_patch", "config", "config-run-patch", "[run] patch"),
    (
        "label",
        "config_run_relative_files",
        "config",
        "config-run-relative-files",
        "[run] relative_files",
    ),
    ("label", "config_run_sigterm", "config", "config-run-sigterm", "[run] sigterm"),
    ("label", "config_paths", "config", "config-paths", "[paths]"),
    ("label", "cmd_combine", "commands/cmd_combine", "cmd-combine", "Combining data files"),
    (
        "label",
        "cmd_combine_remapping",
        "commands/cmd_combine",
        "cmd-combine-remapping",
        "Re-mapping paths",
    ),
    ("label", "subprocess", "subprocess", "subprocess", "Managing processes"),
    ("label", "manual_subprocesses", "subprocess", "manual-subprocesses", "Manual coordination"),
    ("label", "changes", "changes", "changes", "Change history"),
    ("class", "coverage.Coverage", "api_coverage", "coverage.Coverage", "-"),
    ("class", "coverage.CoverageData", "api_coveragedata", "coverage.CoverageData", "-"),
]


def build() -> dict[str, bytes]:
    """The inventories' compressed bytes, by file name."""
    python = soi.Inventory()
    python.project, python.version = "Python", "3"
    for role, name, page in PYTHON:
        uri = f"library/{page}.html#" + (f"module-{name}" if role == "module" else name)
        if role == "class" and name in {"float", "int", "bool", "object"}:
            uri = f"library/functions.html#{name}"
        if role == "data" and name in {"None", "Ellipsis"}:
            uri = f"library/constants.html#{name}"
        python.objects.append(
            soi.DataObjStr(name=name, domain="py", role=role, priority="1", uri=uri, dispname="-")
        )
    coverage = soi.Inventory()
    coverage.project, coverage.version = "Coverage.py", "7.17.3"
    for role, name, page, anchor, display in COVERAGE:
        coverage.objects.append(
            soi.DataObjStr(
                name=name,
                domain="std" if role == "label" else "py",
                role=role,
                priority="-1" if role == "label" else "1",
                uri=f"{page}.html#{anchor}",
                dispname=display,
            )
        )
    # A fixed compression level keeps the committed bytes stable across runs.
    out = {}
    for file, inv in (("python.inv", python), ("coverage.inv", coverage)):
        text = inv.data_file(contract=True)
        head, _, body = text.partition(b"# The remainder of this file is compressed using zlib.\n")
        out[file] = (
            head
            + b"# The remainder of this file is compressed using zlib.\n"
            + zlib.compress(body, 9)
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) the inventories."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    args = parser.parse_args(argv)
    stale = []
    for name, data in build().items():
        path = OUT / name
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    if stale:
        print(f"stale inventories: {', '.join(stale)}; run {sys.argv[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
