"""Read the header of an example script: the single source of truth for what it shows.

An example's module docstring has three parts:

1. a title line,
2. free prose that says what the example demonstrates,
3. a TOML tail, starting at the first line that begins with ``[tool.``: the
   ``[tool.coverage.*]`` tables a user would paste into ``pyproject.toml``, and
   one ``[tool.mpcov]`` table with the expected outcome.

Lines of the script that run in a child process and must be measured carry the
marker comment ``# mpcov: child``.
"""

from __future__ import annotations

import ast
import hashlib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from packaging.specifiers import InvalidSpecifier, SpecifierSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on the 3.9/3.10 matrix
    import tomli as tomllib

#: The start methods multiprocessing knows, in the order reports list them.
START_METHODS: tuple[str, ...] = ("fork", "forkserver", "spawn")
#: The label of the single run of an example that starts no multiprocessing children.
NO_START_METHOD = "none"
#: Outcomes an example can declare.
Expectation = Literal["measured", "lost", "racy"]
EXPECTATIONS: tuple[str, ...] = ("measured", "lost", "racy")
#: The comment that marks a line which runs in a child and must be measured.
CHILD_MARKER = "# mpcov: child"

_TOML_START = re.compile(r"^\[tool\.", re.MULTILINE)
_MPCOV_KEYS = frozenset(
    {
        "expect",
        "skip",
        "start-methods",
        "requires-python",
        "requires-coverage",
        "requires",
        "platforms",
        "timeout",
        "may-hang",
        "exit-code",
        "when",
        "command",
        "files",
    }
)
#: How an example runs unless its header says otherwise (``command``).
DEFAULT_COMMAND: tuple[str, ...] = (
    "{python}",
    "-m",
    "coverage",
    "run",
    "--rcfile=pyproject.toml",
    "{script}",
    "{method}",
)
_WHEN_KEYS = frozenset({"python", "coverage", "platforms", "expect", "skip"})


class HeaderError(ValueError):
    """An example's header is missing or malformed; the message says where and why."""


@dataclass(frozen=True)
class Override:
    """A ``[[tool.mpcov.when]]`` entry: expectations that hold only under conditions.

    Conditions are ANDed; an omitted condition always holds.
    """

    python: SpecifierSet | None
    coverage: SpecifierSet | None
    platforms: tuple[str, ...] | None
    expect: Mapping[str, Expectation]
    skip: Mapping[str, str]


@dataclass(frozen=True)
class Example:
    """One parsed example script."""

    path: Path
    name: str
    title: str
    description: str
    #: The TOML tail verbatim: what the engine writes to the run's ``pyproject.toml``.
    settings_toml: str
    #: The ``[tool.coverage]`` tables, parsed.
    coverage_settings: Mapping[str, Any]
    #: 1-based line numbers marked ``# mpcov: child``.
    child_lines: tuple[int, ...]
    #: Start methods to run under; empty for scripts that start no multiprocessing children.
    start_methods: tuple[str, ...]
    expect: Mapping[str, Expectation]
    skip: Mapping[str, str] = field(default_factory=dict)
    requires_python: SpecifierSet | None = None
    requires_coverage: SpecifierSet | None = None
    requires: tuple[str, ...] = ()
    platforms: tuple[str, ...] | None = None
    timeout: float | None = None
    may_hang: bool = False
    exit_code: int = 0
    when: tuple[Override, ...] = ()
    #: The run's command line; ``{python}``, ``{script}`` and ``{method}`` are filled in
    #: (an argument that is exactly ``{method}`` is dropped for ``none``).
    command: tuple[str, ...] = DEFAULT_COMMAND
    #: Files beside the example (relative paths) copied into each run's directory.
    files: tuple[str, ...] = ()
    #: SHA-256 of the docstring and of the child-line numbers: changes when what is
    #: claimed about the example changes, so recorded results can be found stale.
    header_sha256: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        """The run labels: start methods, or ``("none",)`` for non-multiprocessing scripts."""
        return self.start_methods or (NO_START_METHOD,)

    def expectation(
        self, label: str, *, python: str, coverage: str, platform: str
    ) -> Expectation | str:
        """Return the expected outcome for ``label``, or ``"skip: <reason>"``.

        ``[[tool.mpcov.when]]`` entries are applied in order; the last match wins.
        """
        expect: Expectation | None = self.expect.get(label)
        skip: str | None = self.skip.get(label)
        for override in self.when:
            if override.python is not None and python not in override.python:
                continue
            if override.coverage is not None and coverage not in override.coverage:
                continue
            if override.platforms is not None and not platform.startswith(override.platforms):
                continue
            if label in override.expect:
                expect, skip = override.expect[label], None
            if label in override.skip:
                skip = override.skip[label]
        if skip is not None:
            return f"skip: {skip}"
        if expect is None:  # pragma: no cover - parse() guarantees a value per label
            raise HeaderError(f"{self.path}: no expectation for {label!r}")
        return expect


def split_docstring(doc: str) -> tuple[str, str, str]:
    """Split a header docstring into title, description and TOML tail."""
    match = _TOML_START.search(doc)
    if match is None:
        raise HeaderError("the docstring has no TOML tail (a line starting with '[tool.')")
    prose, toml_text = doc[: match.start()], doc[match.start() :]
    title, _, description = prose.strip().partition("\n")
    return title.strip(), description.strip(), toml_text.strip() + "\n"


def _specifier(value: object, where: str) -> SpecifierSet | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise HeaderError(f"{where} must be a version specifier string like '>=3.11'")
    try:
        return SpecifierSet(value)
    except InvalidSpecifier as exc:
        raise HeaderError(f"{where}: {exc}") from None


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HeaderError(f"{where} must be a list of strings")
    return tuple(cast("list[str]", value))


def _expect_table(value: object, labels: tuple[str, ...], where: str) -> dict[str, Expectation]:
    """Normalise ``expect``: one outcome for every label, or a table per label."""
    if isinstance(value, str):
        value = dict.fromkeys(labels, value)
    if not isinstance(value, dict):
        raise HeaderError(f"{where} must be an outcome string or a table of them")
    out: dict[str, Expectation] = {}
    for label, outcome in value.items():
        if label not in labels:
            raise HeaderError(f"{where} names {label!r}, not one of {', '.join(labels)}")
        if outcome not in EXPECTATIONS:
            raise HeaderError(
                f"{where}.{label} is {outcome!r}; use one of {', '.join(EXPECTATIONS)}"
            )
        out[label] = cast("Expectation", outcome)
    return out


def _skip_table(value: object, labels: tuple[str, ...], where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise HeaderError(f"{where} must be a table of reasons, like {{ fork = 'why' }}")
    for label in value:
        if label not in labels:
            raise HeaderError(f"{where} names {label!r}, not one of {', '.join(labels)}")
    return cast("dict[str, str]", value)


def _child_lines(source: str) -> tuple[int, ...]:
    return tuple(
        number
        for number, line in enumerate(source.splitlines(), start=1)
        if line.rstrip().endswith(CHILD_MARKER)
    )


def parse(path: Path) -> Example:
    """Parse the example at ``path``.

    Raises:
        HeaderError: the file is missing, is not Python, or its header is invalid.
    """
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HeaderError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HeaderError(f"{path}: cannot read: {exc}") from None
    try:
        module = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise HeaderError(f"{path}:{exc.lineno}: not valid Python: {exc.msg}") from None
    doc = ast.get_docstring(module, clean=True)
    if not doc:
        raise HeaderError(f"{path}: no module docstring (the example header)")
    try:
        title, description, toml_text = split_docstring(doc)
        try:
            data = tomllib.loads(toml_text)
        except tomllib.TOMLDecodeError as exc:
            raise HeaderError(f"the header's TOML is invalid: {exc}") from None
        return _build(path, source, doc, title, description, toml_text, data)
    except HeaderError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise HeaderError(f"{path}: {exc}") from None


def _build(
    path: Path,
    source: str,
    doc: str,
    title: str,
    description: str,
    toml_text: str,
    data: dict[str, Any],
) -> Example:
    if not title:
        raise HeaderError("the docstring has no title line")
    if not description:
        raise HeaderError("the docstring says nothing about what the example demonstrates")
    tool = data.get("tool", {})
    unknown_tools = sorted(set(tool) - {"coverage", "mpcov"})
    if unknown_tools:
        raise HeaderError(f"unexpected table [tool.{unknown_tools[0]}]")
    coverage_settings = tool.get("coverage", {})
    meta = tool.get("mpcov")
    if not isinstance(meta, dict):
        raise HeaderError("the header has no [tool.mpcov] table")
    unknown = sorted(set(meta) - _MPCOV_KEYS)
    if unknown:
        raise HeaderError(f"[tool.mpcov] has unknown key {unknown[0]!r}")

    methods = _str_list(meta.get("start-methods", list(START_METHODS)), "start-methods")
    for method in methods:
        if method not in START_METHODS:
            raise HeaderError(f"start-methods: {method!r} is not one of {', '.join(START_METHODS)}")
    labels = methods or (NO_START_METHOD,)
    if "expect" not in meta:
        raise HeaderError("[tool.mpcov] needs 'expect'")
    expect = _expect_table(meta["expect"], labels, "expect")
    skip = _skip_table(meta.get("skip", {}), labels, "skip")
    missing = [label for label in labels if label not in expect and label not in skip]
    if missing:
        raise HeaderError(f"expect has no outcome (and skip no reason) for {missing[0]!r}")

    child_lines = _child_lines(source)
    if not child_lines:
        raise HeaderError(f"no line is marked {CHILD_MARKER!r}")

    when: list[Override] = []
    for index, entry in enumerate(meta.get("when", [])):
        where = f"when[{index}]"
        if not isinstance(entry, dict):
            raise HeaderError(f"{where} must be a table")
        bad = sorted(set(entry) - _WHEN_KEYS)
        if bad:
            raise HeaderError(f"{where} has unknown key {bad[0]!r}")
        when.append(
            Override(
                python=_specifier(entry.get("python"), f"{where}.python"),
                coverage=_specifier(entry.get("coverage"), f"{where}.coverage"),
                platforms=(
                    _str_list(entry["platforms"], f"{where}.platforms")
                    if "platforms" in entry
                    else None
                ),
                expect=(
                    _expect_table(entry["expect"], labels, f"{where}.expect")
                    if "expect" in entry
                    else {}
                ),
                skip=_skip_table(entry.get("skip", {}), labels, f"{where}.skip"),
            )
        )

    timeout = meta.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0
    ):
        raise HeaderError("timeout must be a positive number of seconds")
    may_hang = meta.get("may-hang", False)
    if not isinstance(may_hang, bool):
        raise HeaderError("may-hang must be true or false")
    exit_code = meta.get("exit-code", 0)
    if isinstance(exit_code, bool) or not isinstance(exit_code, int):
        raise HeaderError("exit-code must be an integer")

    command = _str_list(meta.get("command", list(DEFAULT_COMMAND)), "command")
    if not command or command[0] != "{python}":
        raise HeaderError("command must start with '{python}' (the interpreter under test)")
    files = _str_list(meta.get("files", []), "files")
    for name in files:
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise HeaderError(f"files: {name!r} must be a relative path inside the examples")
        if not (path.parent / name).is_file():
            raise HeaderError(f"files: {name!r} does not exist beside the example")

    digest = hashlib.sha256()
    digest.update(doc.encode())
    digest.update(repr(child_lines).encode())
    return Example(
        path=path,
        name=path.stem,
        title=title,
        description=description,
        settings_toml=toml_text,
        coverage_settings=coverage_settings,
        child_lines=child_lines,
        start_methods=methods,
        expect=expect,
        skip=skip,
        requires_python=_specifier(meta.get("requires-python"), "requires-python"),
        requires_coverage=_specifier(meta.get("requires-coverage"), "requires-coverage"),
        requires=_str_list(meta.get("requires", []), "requires"),
        platforms=_str_list(meta["platforms"], "platforms") if "platforms" in meta else None,
        timeout=float(timeout) if timeout is not None else None,
        may_hang=may_hang,
        exit_code=exit_code,
        when=tuple(when),
        command=command,
        files=files,
        header_sha256=digest.hexdigest(),
    )


def discover(paths: list[Path]) -> list[Path]:
    """Expand directories to the example scripts in them (``*.py``, not ``_*`` or ``test_*``)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.glob("*.py"))
                if not p.name.startswith(("_", "test_", "conftest"))
            )
        else:
            found.append(path)
    return found
