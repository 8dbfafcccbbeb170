"""The package as users get it: what the sdist and wheel hold, and a wheel that works alone.

The sdist is built from the checkout and the wheel from the sdist (``python -m build``'s
default), so a wheel with everything in it also shows that the sdist can rebuild it.
Building needs the package index (hatchling) and installing needs it for mpcov's
dependencies, pinned by the committed lock.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import mpcov

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
SRC = ROOT / "src" / "mpcov"
EXAMPLES = ROOT / "examples"
LOCK = ROOT / "docs" / "results" / "constraints" / "examples.txt"
NAME = f"mpcov-{mpcov.__version__}"
#: What a wheel's .dist-info holds besides the package.
DIST_INFO = {
    f"{NAME}.dist-info/{name}"
    for name in ("METADATA", "WHEEL", "RECORD", "entry_points.txt", "licenses/LICENSE")
}


def _files(folder: Path) -> list[Path]:
    """The files below ``folder`` that a build takes: not bytecode, not caches."""
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    ]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the sdist from the checkout and the wheel from the sdist; their paths by kind."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return {"wheel": out / f"{NAME}-py3-none-any.whl", "sdist": out / f"{NAME}.tar.gz"}


def test_wheel_holds_the_package_its_examples_and_license_only(dist: dict[str, Path]) -> None:
    """The wheel has every file of src/mpcov, the catalogue as mpcov/examples, and nothing else."""
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
    package = {f"mpcov/{p.relative_to(SRC).as_posix()}" for p in _files(SRC)}
    examples = {f"mpcov/examples/{p.relative_to(EXAMPLES).as_posix()}" for p in _files(EXAMPLES)}
    assert package | examples | DIST_INFO == names
    # Derived sets agree with a vanished file too: name the ones users rely on.
    for needed in (
        "mpcov/py.typed",
        "mpcov/__main__.py",
        "mpcov/results.schema.json",
        "mpcov/check/findings.schema.json",
        "mpcov/examples/pool_close_join.py",
        f"{NAME}.dist-info/licenses/LICENSE",
    ):
        assert needed in names


def test_wheel_metadata_states_license_floor_and_classifiers(dist: dict[str, Path]) -> None:
    """The metadata has the license expression and file, the coverage floor, honest classifiers."""
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        metadata = Parser().parsestr(wheel.read(f"{NAME}.dist-info/METADATA").decode())
        entry_points = wheel.read(f"{NAME}.dist-info/entry_points.txt").decode()
    assert "MIT" == metadata["License-Expression"]
    assert ["LICENSE"] == metadata.get_all("License-File", [])
    assert "coverage>=7.0" in metadata.get_all("Requires-Dist", [])
    classifiers: list[str] = metadata.get_all("Classifier", [])
    assert [] == [c for c in classifiers if c.startswith(("Framework ::", "License ::"))]
    assert ["3.9", "3.10", "3.11", "3.12", "3.13"] == [
        c.rsplit(" :: ", 1)[1]
        for c in classifiers
        if c.startswith("Programming Language :: Python :: 3.")
    ]
    assert "[console_scripts]\nmpcov = mpcov.cli:main\n" == entry_points.strip() + "\n"


def test_sdist_holds_what_a_rebuild_and_the_tests_need(dist: dict[str, Path]) -> None:
    """The sdist has the sources, examples, tests, docs, license and build config; no junk."""
    with tarfile.open(dist["sdist"]) as sdist:
        names = {m.name.split("/", 1)[1] for m in sdist.getmembers() if m.isfile()}
    for path in _files(SRC) + _files(EXAMPLES):
        assert path.relative_to(ROOT).as_posix() in names
    for needed in (
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "PKG-INFO",
        "noxfile.py",
        "tests/conftest.py",
        "docs/conf.py",
        "docs/results/constraints/examples.txt",
    ):
        assert needed in names
    junk = (".git/", ".github/", ".nox/", "docs/_build/", ".coverage", "__pycache__/")
    assert [] == sorted(n for n in names if n.startswith(junk) or "/__pycache__/" in n)


def _pinned(name: str) -> str:
    """The version the lock pins ``name`` to for this interpreter."""
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith((" ", "#")):
            requirement = Requirement(line)
            if requirement.name == name and (
                requirement.marker is None or requirement.marker.evaluate()
            ):
                (spec,) = requirement.specifier
                return spec.version
    raise AssertionError(f"{name} is not pinned for this Python in {LOCK.name}")


def _without_checkout(env: dict[str, str]) -> dict[str, str]:
    """``env`` without anything that would let a run import mpcov from the checkout."""
    return {k: v for k, v in env.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def test_installed_wheel_verifies_a_shipped_example_without_a_checkout(
    dist: dict[str, Path], tmp_path: Path
) -> None:
    """pip-installed in a fresh venv, ``mpcov verify`` with no path runs the shipped catalogue.

    The report describes that venv (Environment.current() there), which the test knows
    from elsewhere: the interpreter it was made from and the versions the lock pins.
    """
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    env = _without_checkout(dict(os.environ))
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-c", str(LOCK), str(dist["wheel"])],
        check=True,
        env=env,
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    where = subprocess.run(
        [str(python), "-c", "from mpcov.catalogue import examples_dir; print(examples_dir())"],
        check=True,
        capture_output=True,
        text=True,
        cwd=empty,
        env=env,
    )
    shipped = Path(where.stdout.strip())
    assert venv in shipped.parents
    assert sorted(p.name for p in _files(EXAMPLES)) == sorted(p.name for p in _files(shipped))
    report = tmp_path / "report.json"
    # No path: with no ./examples here, verify takes the shipped catalogue (-k: one example).
    verify = [str(python), "-m", "mpcov", "verify", "-k", "pool_close_join", "-n", "1"]
    run = subprocess.run(
        [*verify, "--json", str(report)],
        check=False,
        capture_output=True,
        text=True,
        cwd=empty,
        env=env,
    )
    assert 0 == run.returncode, run.stdout + run.stderr
    document = json.loads(report.read_text(encoding="utf-8"))
    assert "{}.{}.{}".format(*sys.version_info[:3]) == document["python"]["version"]
    assert _pinned("coverage") == document["coverage"]["version"]
    assert _pinned("packaging") == document["distributions"]["packaging"]
    assert mpcov.__version__ == document["distributions"]["mpcov"]
    results = document["results"]
    assert {"pool_close_join"} == {r["example"] for r in results}
    methods = multiprocessing.get_all_start_methods()
    assert sorted(methods) == sorted(r["start_method"] for r in results)
    assert [] == [r for r in results if r["matches"] is not True]
