"""Read the header of an example script: the single source of truth for what it shows.

An example's module docstring has three parts:

1. a title line,
2. free prose that says what the example demonstrates,
3. a TOML tail, starting at the first line that begins with ``[tool.``: the
   ``[tool.coverage.*]`` tables a user would paste into ``pyproject.toml``, and
   one ``[tool.mpcov]`` table with the expected outcome.

Lines that run in a child process and must be measured carry the marker comment
``# mpcov: child``, in the script or in a Python file it lists in ``files``. A
marker must sit on a line that coverage.py counts as executable (its own parser
decides), so that "lost" can never be claimed of a line that could not be measured.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on the 3.9/3.10 matrix
    import tomli as tomllib

#: The start methods multiprocessing knows, in the order reports list them.
START_METHODS: tuple[str, ...] = ("fork", "forkserver", "spawn")
#: The label of the single run of an example that starts no multiprocessing children.
NO_START_METHOD = "none"
#: Outcomes an example can declare: every marked line measured in every run, none in
#: any run, some but not all in every run (``partial``), or a mix across runs (``racy``).
Expectation = Literal["measured", "partial", "lost", "racy"]
EXPECTATIONS: tuple[str, ...] = ("measured", "partial", "lost", "racy")
#: Which data files a run is judged by: every one in the run's folder, or only the
#: combined file (what a runner such as pytest-cov combined and reported).
DATA_CHOICES: tuple[str, ...] = ("all", "combined")
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
        "then",
        "output",
        "data",
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
_WHEN_KEYS = frozenset(
    {"python", "coverage", "libraries", "platforms", "expect", "skip", "exit-code", "output"}
)


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
    #: Distribution name (canonical) -> versions; a library that is not installed fails.
    libraries: Mapping[str, SpecifierSet] = field(default_factory=dict)
    exit_code: int | None = None
    output: tuple[str, ...] | None = None

    def applies(
        self, *, python: str, coverage: str, platform: str, libraries: Mapping[str, str]
    ) -> bool:
        """Whether every condition of this entry holds in the given environment."""
        if self.python is not None and python not in self.python:
            return False
        if self.coverage is not None and coverage not in self.coverage:
            return False
        if self.platforms is not None and not platform.startswith(self.platforms):
            return False
        for name, spec in self.libraries.items():
            version = libraries.get(name)
            if version is None or not spec.contains(version, prereleases=True):
                return False
        return True


@dataclass(frozen=True)
class Expected:
    """What one label of an example is expected to do in one environment."""

    #: ``measured``, ``partial``, ``lost`` or ``racy``; ``None`` when skipped.
    outcome: Expectation | None
    skip: str | None
    exit_code: int
    #: Texts that must appear in the run's output (stdout and stderr of every command).
    output: tuple[str, ...]


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
    #: 1-based line numbers of the script marked ``# mpcov: child``.
    child_lines: tuple[int, ...]
    #: Start methods to run under; empty for scripts that start no multiprocessing children.
    start_methods: tuple[str, ...]
    expect: Mapping[str, Expectation]
    skip: Mapping[str, str] = field(default_factory=dict)
    requires_python: SpecifierSet | None = None
    requires_coverage: SpecifierSet | None = None
    #: PEP 508 requirements (distribution names, optional versions) the example needs.
    requires: tuple[str, ...] = ()
    platforms: tuple[str, ...] | None = None
    timeout: float | None = None
    may_hang: bool = False
    exit_code: int = 0
    when: tuple[Override, ...] = ()
    #: The run's command line; ``{python}``, ``{script}`` and ``{method}`` are filled in
    #: (an argument that is exactly ``{method}`` is dropped for ``none``).
    command: tuple[str, ...] = DEFAULT_COMMAND
    #: Commands run after ``command`` in the same folder (e.g. ``coverage combine``);
    #: ``exit_code`` is that of the last command, every earlier one must exit 0.
    then: tuple[tuple[str, ...], ...] = ()
    #: Texts every run's output must contain (a crash message that is the finding).
    output: tuple[str, ...] = ()
    #: ``all`` data files in the run folder, or only the ``combined`` one.
    data: str = "all"
    #: Files beside the example (relative paths) copied into each run's directory.
    files: tuple[str, ...] = ()
    #: Marked lines in the Python files of ``files``: relative path -> line numbers.
    file_child_lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    #: SHA-256 of what decides what a run does (see ``_run_digest``): a recording
    #: made with another digest is stale.
    header_sha256: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        """The run labels: start methods, or ``("none",)`` for non-multiprocessing scripts."""
        return self.start_methods or (NO_START_METHOD,)

    @property
    def markers(self) -> tuple[str, ...]:
        """Every marked line as ``FILE:LINE``: the script's first, then those in ``files``."""
        own = tuple(f"{self.path.name}:{n}" for n in self.child_lines)
        others = tuple(
            f"{name}:{n}" for name, lines in self.file_child_lines.items() for n in lines
        )
        return own + others

    @property
    def requirement_names(self) -> tuple[str, ...]:
        """The canonical distribution names of ``requires``."""
        return tuple(canonicalize_name(Requirement(r).name) for r in self.requires)

    def expected(
        self,
        label: str,
        *,
        python: str,
        coverage: str,
        platform: str,
        libraries: Mapping[str, str] | None = None,
    ) -> Expected:
        """What ``label`` is expected to do where these versions are installed.

        ``[[tool.mpcov.when]]`` entries are applied in order; the last match wins.
        ``libraries`` maps canonical distribution names to installed versions.
        """
        expect: Expectation | None = self.expect.get(label)
        skip: str | None = self.skip.get(label)
        exit_code, output = self.exit_code, self.output
        for override in self.when:
            if not override.applies(
                python=python, coverage=coverage, platform=platform, libraries=libraries or {}
            ):
                continue
            if label in override.expect:
                expect, skip = override.expect[label], None
            if label in override.skip:
                skip = override.skip[label]
            if override.exit_code is not None:
                exit_code = override.exit_code
            if override.output is not None:
                output = override.output
        if skip is not None:
            return Expected(None, skip, exit_code, output)
        if expect is None:  # pragma: no cover - parse() guarantees a value per label
            raise HeaderError(f"{self.path}: no expectation for {label!r}")
        return Expected(expect, None, exit_code, output)

    def expectation(
        self,
        label: str,
        *,
        python: str,
        coverage: str,
        platform: str,
        libraries: Mapping[str, str] | None = None,
    ) -> Expectation | str:
        """The expected outcome for ``label``, or ``"skip: <reason>"`` (see :meth:`expected`)."""
        found = self.expected(
            label, python=python, coverage=coverage, platform=platform, libraries=libraries
        )
        return f"skip: {found.skip}" if found.outcome is None else found.outcome


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


def _exclusions(coverage_settings: Mapping[str, Any]) -> str:
    """The exclusion regex coverage.py would use with these settings (``[report]``)."""
    from coverage.config import DEFAULT_EXCLUDE

    report = coverage_settings.get("report", {})
    report = report if isinstance(report, dict) else {}
    patterns = list(report.get("exclude_lines", DEFAULT_EXCLUDE))
    patterns.extend(report.get("exclude_also", []))
    return "|".join(f"(?:{p})" for p in patterns if isinstance(p, str))


def executable_lines(source: str, filename: str, exclude: str | None = None) -> set[int]:
    """The lines coverage.py's own parser counts as statements that can be measured.

    A comment, a docstring, a continuation line of a longer statement, code the
    compiler drops (``if False:``) or an excluded line is not among them.

    Raises:
        HeaderError: coverage.py cannot parse the source.
    """
    from coverage.exceptions import CoverageException
    from coverage.parser import PythonParser

    parser = PythonParser(text=source, filename=filename, exclude=exclude or None)
    try:
        parser.parse_source()
    except CoverageException as exc:
        raise HeaderError(f"coverage.py cannot parse {filename}: {exc}") from None
    return set(parser.statements)


def _check_markers(
    source: str, filename: str, lines: tuple[int, ...], coverage_settings: Mapping[str, Any]
) -> None:
    runnable = executable_lines(source, filename, _exclusions(coverage_settings))
    for number in lines:
        if number not in runnable:
            raise HeaderError(
                f"{filename}:{number}: the {CHILD_MARKER!r} marker is on a line coverage.py "
                "does not count as executable (a comment, docstring, continuation line, "
                "excluded or dropped code), so it could never be measured"
            )


def _requirements(value: object) -> tuple[str, ...]:
    requires = _str_list(value, "requires")
    for text in requires:
        try:
            Requirement(text)
        except InvalidRequirement as exc:
            raise HeaderError(
                f"requires: {text!r} is not a requirement like 'joblib' or 'joblib>=1.4': {exc}"
            ) from None
    return requires


def _libraries(value: object, where: str) -> dict[str, SpecifierSet]:
    if not isinstance(value, dict) or not value:
        raise HeaderError(f"{where} must be a table like {{ cloudpickle = '>=3.1.3' }}")
    out: dict[str, SpecifierSet] = {}
    for name, spec in value.items():
        parsed = _specifier(spec, f"{where}.{name}")
        assert parsed is not None  # _specifier returns None only for None
        out[canonicalize_name(name)] = parsed
    return out


def _exit_code(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise HeaderError(f"{where} must be an integer")
    return value


def _output(value: object, where: str) -> tuple[str, ...]:
    texts = (value,) if isinstance(value, str) else _str_list(value, where)
    if not all(texts):
        raise HeaderError(f"{where} must not contain an empty text")
    return tuple(texts)


def _command(value: object, where: str) -> tuple[str, ...]:
    command = _str_list(value, where)
    if not command or command[0] != "{python}":
        raise HeaderError(f"{where} must start with '{{python}}' (the interpreter under test)")
    return command


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
    if "\x00" in source:
        # ast.parse names no line for it (ValueError before 3.12, lineno None after).
        line = source.count("\n", 0, source.index("\x00")) + 1
        raise HeaderError(f"{path}:{line}: not valid Python: the file contains a NUL byte")
    try:
        module = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        where = f"{path}:{exc.lineno}" if exc.lineno else str(path)
        raise HeaderError(f"{where}: not valid Python: {exc.msg}") from None
    doc = ast.get_docstring(module, clean=True)
    if not doc:
        raise HeaderError(f"{path}: no module docstring (the example header)")
    try:
        title, description, toml_text = split_docstring(doc)
        try:
            data = tomllib.loads(toml_text)
        except tomllib.TOMLDecodeError as exc:
            raise _toml_error(path, module, doc, toml_text, exc) from None
        docstring = module.body[0]
        span = (docstring.lineno, docstring.end_lineno or docstring.lineno)
        return _build(path, source, span, title, description, toml_text, data)
    except HeaderError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise HeaderError(f"{path}: {exc}") from None


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _toml_error(
    path: Path, module: ast.Module, doc: str, toml_text: str, exc: Exception
) -> HeaderError:
    """The TOML error, its line counted from the start of the file, not of the TOML."""
    message = str(exc)
    node = module.body[0]
    match = _TOML_START.search(doc)
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and match):
        return HeaderError(f"the header's TOML is invalid: {message}")  # pragma: no cover
    # get_docstring(clean=True) drops the docstring's leading blank lines: count them.
    raw = str(node.value.value).expandtabs().split("\n")
    indents = [len(line) - len(line.lstrip()) for line in raw[1:] if line.strip()]
    margin = min(indents, default=0)
    cleaned = [raw[0].lstrip(), *(line[margin:] for line in raw[1:])]
    dropped = next((i for i, line in enumerate(cleaned) if line), 0)
    first = node.lineno + dropped + doc[: match.start()].count("\n")
    position = _TOML_POSITION.search(message)
    if position is None:  # "at end of document": the TOML's last line
        line = first + toml_text.rstrip("\n").count("\n")
    else:
        line = first + int(position[1]) - 1
        message = f"{message[: position.start()]}(at line {line}, column {position[2]})"
    return HeaderError(f"{path}:{line}: the header's TOML is invalid: {message}")


#: Keys that declare what a run should show, in ``[tool.mpcov]`` and in its ``when``
#: entries; the digest leaves them out (see ``_run_digest``).
_DECLARATIONS = frozenset({"expect", "skip"})

#: ``when`` keys that change how a run is judged besides its outcome.
_JUDGING = frozenset({"exit-code", "output"})


def _run_digest(
    source: str,
    docstring_span: tuple[int, int],
    data: Mapping[str, Any],
    child_lines: Sequence[int],
    companions: Iterable[tuple[str, str]],
) -> str:
    """The digest a recording keeps of its example, to be found stale when it differs.

    It covers what decides what a run does: the header's settings (parsed, so TOML
    layout and comments do not count), every line of code outside the docstring,
    where the marked lines sit in that code, and each companion file with marked
    lines. The declarations of what the runs should show (``expect``, ``skip``, and
    ``when`` entries that set nothing else) are left out, because a row is checked
    against them in its own environment (:func:`mpcov.engine.row_is_current`): a
    declaration added for Python 3.14 leaves the runs recorded on 3.11 standing.
    ``when`` entries that set ``exit-code`` or ``output`` stay in, but for their
    declarations. The prose is left out too, so that it can be corrected without
    running the catalogue again (tests tie its "Expected:" sentence to the TOML).
    Marked lines count from the end of the docstring, so a longer description moves
    nothing that was measured.
    """
    tool = dict(data.get("tool", {}))
    meta = {k: v for k, v in dict(tool.get("mpcov", {})).items() if k not in _DECLARATIONS}
    judging = [
        {k: v for k, v in entry.items() if k not in _DECLARATIONS}
        for entry in meta.pop("when", [])
        if _JUDGING.intersection(entry)
    ]
    if judging:
        meta["when"] = judging
    tool["mpcov"] = meta
    start, end = docstring_span
    lines = source.splitlines(keepends=True)
    digest = hashlib.sha256()
    settings = json.dumps({**data, "tool": tool}, sort_keys=True, default=str)
    for part in (settings, "".join(lines[: start - 1]), "".join(lines[end:])):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(repr([line - end for line in child_lines]).encode())
    for name, text in companions:
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(text.encode())
    return digest.hexdigest()


def _build(
    path: Path,
    source: str,
    docstring_span: tuple[int, int],
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
                libraries=(
                    _libraries(entry["libraries"], f"{where}.libraries")
                    if "libraries" in entry
                    else {}
                ),
                exit_code=(
                    _exit_code(entry["exit-code"], f"{where}.exit-code")
                    if "exit-code" in entry
                    else None
                ),
                output=_output(entry["output"], f"{where}.output") if "output" in entry else None,
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
    exit_code = _exit_code(meta.get("exit-code", 0), "exit-code")

    command = _command(meta.get("command", list(DEFAULT_COMMAND)), "command")
    then_value = meta.get("then", [])
    if not isinstance(then_value, list):
        raise HeaderError("then must be a list of commands (each a list of strings)")
    then = tuple(_command(c, f"then[{i}]") for i, c in enumerate(then_value))
    output = _output(meta["output"], "output") if "output" in meta else ()
    judged = meta.get("data", "all")
    if judged not in DATA_CHOICES:
        raise HeaderError(f"data is {judged!r}; use one of {', '.join(DATA_CHOICES)}")

    _check_markers(source, path.name, child_lines, coverage_settings)
    files = _str_list(meta.get("files", []), "files")
    file_child_lines: dict[str, tuple[int, ...]] = {}
    companions: list[str] = []
    for name in files:
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise HeaderError(f"files: {name!r} must be a relative path inside the examples")
        companion = path.parent / name
        if not companion.is_file():
            raise HeaderError(f"files: {name!r} does not exist beside the example")
        if companion.suffix == ".py":
            text = companion.read_text(encoding="utf-8")
            marked = _child_lines(text)
            if marked:
                _check_markers(text, name, marked, coverage_settings)
                file_child_lines[name] = marked
                companions.append(text)

    if not child_lines and not file_child_lines:
        raise HeaderError(f"no line is marked {CHILD_MARKER!r}")

    digest = _run_digest(
        source, docstring_span, data, child_lines, zip(file_child_lines, companions)
    )
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
        requires=_requirements(meta.get("requires", [])),
        platforms=_str_list(meta["platforms"], "platforms") if "platforms" in meta else None,
        timeout=float(timeout) if timeout is not None else None,
        may_hang=may_hang,
        exit_code=exit_code,
        when=tuple(when),
        command=command,
        then=then,
        output=output,
        data=judged,
        files=files,
        file_child_lines=file_child_lines,
        header_sha256=digest,
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
