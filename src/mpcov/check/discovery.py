"""Which files ``mpcov check`` reads: walking directories, excludes, ``.gitignore``.

Files named on the command line are checked even when an exclude matches
them (as with ruff), unless ``force_exclude`` is set, which is what the
pre-commit hook does. Every folder left out is recorded with the reason, so the
output can say what was not read. Anything that is not a regular file (a FIFO
named ``*.py``, a socket) is skipped without being opened: opening a FIFO waits
for a writer forever.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mpcov.check.config import TEST_DATA_DIRS, CheckConfig
from mpcov.check.settings import CheckError


@dataclass(frozen=True)
class Skipped:
    """A file or folder that was not checked, and why."""

    path: str
    reason: str
    #: ``True`` when the file could not be checked (bad input: exit status 2);
    #: ``False`` when it was left out on purpose (an exclude, .gitignore).
    error: bool = False


@dataclass
class Discovery:
    """The files to check and everything left out."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    #: Whether any ``*.py`` file was seen at all, before excludes.
    seen_python: bool = False


def _glob_regex(pattern: str) -> str:
    """A gitignore-style glob as a regular expression over ``/``-separated paths."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape("["))
                i += 1
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class _IgnoreRule:
    regex: re.Pattern[str]
    negated: bool
    directory_only: bool


def _gitignore_rules(text: str) -> list[_IgnoreRule]:
    rules = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        line = line.replace("\\#", "#").replace("\\!", "!")
        directory_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        prefix = "" if anchored else "(?:.*/)?"
        regex = re.compile(f"^{prefix}{_glob_regex(line)}$")
        rules.append(_IgnoreRule(regex, negated, directory_only))
    return rules


class _Ignores:
    """The ``.gitignore`` files that apply in one folder, outermost first."""

    def __init__(self, layers: tuple[tuple[Path, list[_IgnoreRule]], ...] = ()) -> None:
        self.layers = layers

    def below(self, folder: Path) -> _Ignores:
        path = folder / ".gitignore"
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return self
        rules = _gitignore_rules(text)
        return _Ignores((*self.layers, (folder, rules))) if rules else self

    def ignored(self, path: Path, is_dir: bool) -> bool:
        result = False
        for base, rules in self.layers:
            try:
                relative = path.relative_to(base).as_posix()
            except ValueError:
                continue
            for rule in rules:
                if rule.directory_only and not is_dir:
                    continue
                if rule.regex.match(relative):
                    result = not rule.negated
        return result


class Excluder:
    """Matches paths against ``exclude`` patterns relative to the config's root."""

    def __init__(self, config: CheckConfig) -> None:
        """The excludes of ``config``, split into name and path patterns."""
        self.root = config.root
        self.names: list[str] = []
        self.paths: list[tuple[str, re.Pattern[str]]] = []
        for pattern in config.all_excludes:
            stripped = pattern.rstrip("/")
            if "/" in stripped:
                regex = re.compile(f"^{_glob_regex(stripped.lstrip('/'))}(?:/.*)?$")
                self.paths.append((pattern, regex))
            else:
                self.names.append(stripped)
        self.test_data = config.exclude_test_data

    def reason(self, path: Path, is_dir: bool) -> str | None:
        """Why ``path`` is excluded, or ``None``."""
        name = path.name
        for pattern in self.names:
            if fnmatch.fnmatchcase(name, pattern):
                return f"excluded by {pattern!r}"
        try:
            relative = path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            relative = None
        if relative is not None:
            for pattern, regex in self.paths:
                if regex.match(relative):
                    return f"excluded by {pattern!r}"
        if self.test_data and not is_dir and _in_test_data(path):
            return "test data (a folder of inputs below tests/)"
        return None


def _in_test_data(path: Path) -> bool:
    name = path.name
    if name.startswith("test_") or name.endswith("_test.py") or name in _TEST_FILES:
        return False
    parents = [p.name for p in path.parents]
    for i, parent in enumerate(parents):
        if parent in TEST_DATA_DIRS and any(p in ("tests", "test") for p in parents[i + 1 :]):
            return True
    return False


_TEST_FILES = frozenset({"conftest.py"})
#: Folders left out without a word: nobody expects them to be checked.
_QUIET = re.compile(r"^(?:\..*|__pycache__|node_modules|.*\.egg-info)$")


def _matches(name: str, include: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in include)


def discover(paths: Sequence[Path], config: CheckConfig, force_exclude: bool = False) -> Discovery:
    """Expand ``paths`` into the files to check.

    Raises:
        CheckError: a path does not exist.
    """
    found = Discovery()
    excluder = Excluder(config)
    for path in paths:
        try:
            info = path.stat()
        except FileNotFoundError:
            raise CheckError(f"{path}: no such file or directory") from None
        except OSError as exc:
            raise CheckError(f"{path}: cannot read: {exc.strerror}") from None
        if not stat.S_ISDIR(info.st_mode):
            found.seen_python = True
            reason = excluder.reason(path, is_dir=False) if force_exclude else None
            if force_exclude and reason is None:
                for parent in path.resolve().parents:
                    if parent == config.root or config.root not in parent.parents:
                        break
                    reason = excluder.reason(parent, is_dir=True)
                    if reason is not None:
                        break
            if reason is not None:
                found.skipped.append(Skipped(str(path), reason))
            elif not stat.S_ISREG(info.st_mode):
                found.skipped.append(Skipped(str(path), "not a regular file", error=True))
            else:
                found.files.append(path)
            continue
        _walk(path, config, excluder, found)
    return found


def _walk(top: Path, config: CheckConfig, excluder: Excluder, found: Discovery) -> None:
    ignores = _Ignores()
    if config.respect_gitignore:
        # The .gitignore files between the repository's root and the folder apply too.
        anchor = top.resolve()
        above = list(anchor.parents)
        roots = [i for i, folder in enumerate(above) if (folder / ".git").exists()]
        if roots:
            for folder in reversed(above[: roots[0] + 1]):
                ignores = ignores.below(folder)
    _walk_folder(top, config, excluder, ignores, found)


def _walk_folder(
    folder: Path, config: CheckConfig, excluder: Excluder, ignores: _Ignores, found: Discovery
) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        found.skipped.append(Skipped(str(folder), f"cannot read: {exc.strerror}", error=True))
        return
    if config.respect_gitignore:
        ignores = ignores.below(folder)
    for entry in entries:
        path = Path(folder, entry.name)
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            reason = excluder.reason(path, is_dir=True)
            if reason is None and (path / "pyvenv.cfg").is_file():
                reason = "a virtual environment (pyvenv.cfg)"
            if reason is None and config.respect_gitignore and ignores.ignored(path, True):
                reason = "ignored by .gitignore"
            if reason is not None:
                if not _QUIET.match(entry.name) and _has_python(path):
                    found.skipped.append(Skipped(f"{path}{os.sep}", reason))
                    found.seen_python = True
                continue
            _walk_folder(path, config, excluder, ignores, found)
            continue
        if not _matches(entry.name, config.include):
            continue
        found.seen_python = True
        reason = excluder.reason(path, is_dir=False)
        if reason is None and config.respect_gitignore and ignores.ignored(path, False):
            reason = "ignored by .gitignore"
        if reason is not None:
            found.skipped.append(Skipped(str(path), reason))
            continue
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            found.skipped.append(Skipped(str(path), f"cannot read: {exc.strerror}", error=True))
            continue
        if not stat.S_ISREG(mode):
            found.skipped.append(Skipped(str(path), "not a regular file", error=True))
            continue
        found.files.append(path)


def _has_python(folder: Path) -> bool:
    """Whether a left-out folder holds Python files, so that leaving it out is worth saying."""
    try:
        for _root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "node_modules"]
            if any(f.endswith(".py") for f in files):
                return True
    except OSError:
        return False
    return False
