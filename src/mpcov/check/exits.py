"""Exit and child-program rules: MPC201-MPC205, MPC211 and MPC212.

These concern how a process ends (``os._exit``, ``exec``), how a new Python
program starts (``subprocess`` with ``sys.executable``), and whether processes
that share a data file erase each other's data (``parallel``).
"""

from __future__ import annotations

import ast
import re

from packaging.version import Version

from mpcov.check.analysis import ModuleAnalysis
from mpcov.check.findings import Collector
from mpcov.check.settings import Settings

#: From this release ``patch = ["fork"]`` alone starts a new coverage.py in a forked child.
FORK_PATCH_FIXED = Version("7.17.3")
#: Before this release ``fork`` is no patch value: coverage.py raises ConfigError at start
#: ("Unknown patch 'fork'", coverage/patch.py 7.10.0-7.10.3), so nothing is measured.
FORK_PATCH_ADDED = Version("7.10.4")
#: From this release the execv patch hands coverage's configuration to the new program
#: (COVERAGE_PROCESS_CONFIG), so a measured program erases the old one's data file.
EXEC_MEASURES_NEW_PROGRAM = Version("7.13")

EXEC = frozenset(
    f"os.{name}"
    for name in ("execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe")
)
#: exec functions that take an environment: the ``execv`` patch adds coverage's
#: configuration to it (only to these: coverage/patch.py ``_patch_execv`` tests for a
#: name ending in "e"), so from 7.13 the new program is measured too.
EXEC_WITH_ENV = frozenset({"os.execle", "os.execlpe", "os.execve", "os.execvpe"})
SPAWN_CHILD = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
        "os.system",
        "os.popen",
        "os.posix_spawn",
        "os.posix_spawnp",
        *(
            f"os.{name}"
            for name in (
                *("spawnl", "spawnle", "spawnlp", "spawnlpe"),
                *("spawnv", "spawnve", "spawnvp", "spawnvpe"),
            )
        ),
    }
)
FORKS = frozenset({"os.fork", "os.forkpty", "pty.fork"})
#: ``python -m NAME`` children that run tools, not the project's code.
TOOL_MODULES = frozenset(
    {
        "pip",
        "venv",
        "ensurepip",
        "virtualenv",
        "build",
        "twine",
        "wheel",
        "setuptools",
        "pipx",
        "http",
        "json",
        "zipapp",
        "compileall",
        "py_compile",
        "site",
        "sysconfig",
        "pydoc",
        "idlelib",
    }
)


def _is_sys_executable(node: ast.AST, a: ModuleAnalysis) -> bool:
    return isinstance(node, (ast.Name, ast.Attribute)) and a.qualified(node) == "sys.executable"


def _python_child(call: ast.Call, a: ModuleAnalysis, project: frozenset[str]) -> bool:
    """Whether ``call`` starts ``sys.executable`` to run code the project may measure."""
    arguments: list[ast.AST] = [*call.args, *(k.value for k in call.keywords if k.arg != "env")]
    if not any(_is_sys_executable(n, a) for arg in arguments for n in ast.walk(arg)):
        return False
    for argument in arguments:
        if not isinstance(argument, (ast.List, ast.Tuple)):
            continue
        words = [_word(e, a) for e in argument.elts]
        for i, word in enumerate(words):
            following = words[i + 1] if i + 1 < len(words) else None
            if word == "-m" and isinstance(following, str):
                if following.split(".", 1)[0] in TOOL_MODULES:
                    return False
            elif word == "-c" and isinstance(following, str):
                if not _imported(following) & project:
                    return False  # code that imports nothing of the project
            elif (isinstance(word, str) and word.endswith("setup.py")) or word in (
                "--version",
                "-V",
                "-VV",
            ):
                return False
    return True


#: ``import a.b, c`` and ``from a import b`` statements in ``-c`` code.
_IMPORTS = re.compile(r"(?:^|[\n;])[ \t]*(?:from[ \t]+([\w.]+)|import[ \t]+([\w., \t]+))")


def _imported(code: str) -> set[str]:
    """The top-level modules that ``-c`` code imports."""
    found = set()
    for module, modules in _IMPORTS.findall(code):
        for name in (module or modules).split(","):
            found.add(name.strip().split(".")[0].split(" ")[0])
    return found


def _word(node: ast.AST, a: ModuleAnalysis) -> object:
    """A command word's value: a constant, or the string a name was given."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return a.word_values.get(id(node))
    return None


def _mentions_environ(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Attribute) and n.attr == "environ")
        or (isinstance(n, ast.Name) and n.id == "environ")
        for n in ast.walk(node)
    )


def _drops_coverage_env(call: ast.Call, a: ModuleAnalysis) -> ast.AST | None:
    """The ``env=`` value when it is a new mapping without ``os.environ``'s variables."""
    for keyword in call.keywords:
        if keyword.arg != "env":
            continue
        value = a.env_values.get(id(call), keyword.value)
        if isinstance(value, ast.Dict):
            spread = [v for k, v in zip(value.keys, value.values) if k is None]
            named = [k.value for k in value.keys if isinstance(k, ast.Constant)]
            if any(_mentions_environ(v) for v in spread) or any(
                isinstance(n, str) and n.startswith("COVERAGE_") for n in named
            ):
                return None
            return value
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "dict"
        ):
            sources = [*value.args, *(k.value for k in value.keywords if k.arg is None)]
            return None if any(_mentions_environ(s) for s in sources) else value
    return None


def check(
    a: ModuleAnalysis, out: Collector, settings: Settings, project: frozenset[str] = frozenset()
) -> None:
    """Apply the exit and child-program rules to one module."""
    patch = set(settings.patch)
    names = {name for name, _ in a.named_calls}
    forks = [call for name, call in a.named_calls if name in FORKS]
    for name, call in a.named_calls:
        if name == "os._exit":
            if id(call) in a.parent_exits:
                continue  # the parent leaves right after a fork: the child has all its data
            if "_exit" not in patch:
                out.add("MPC201", call)
            elif forks and not settings.effective_parallel:
                out.add("MPC204", call, "here a forked child's data is erased by its parent")
        elif name in EXEC:
            python = _python_child(call, a, project)
            if "execv" not in patch:
                out.add("MPC202", call)
            elif (
                python
                and name in EXEC_WITH_ENV
                and not settings.effective_parallel
                and not settings.coverage_older_than(EXEC_MEASURES_NEW_PROGRAM)
            ):
                out.add(
                    "MPC204",
                    call,
                    "here the new program, measured through the environment that the execv "
                    "patch extends, erases what ran before the exec",
                )
            if python and not settings.measures_new_pythons and not _exec_measures(name, settings):
                out.add("MPC203", call)
        elif name in SPAWN_CHILD and _python_child(call, a, project):
            if not settings.measures_new_pythons:
                out.add("MPC203", call)
            elif _drops_coverage_env(call, a) is not None:
                out.add("MPC212", call)
    if "fork" in patch:
        # Every release loses the forking frame's lines; before 7.17.3, with "fork" alone,
        # the whole child.
        if settings.coverage_older_than(FORK_PATCH_ADDED):
            detail = (
                f"installed: coverage.py {settings.coverage_version} refuses the unknown "
                'patch value "fork" when it starts: nothing is measured'
            )
        elif "subprocess" not in patch and settings.coverage_older_than(FORK_PATCH_FIXED):
            detail = f"installed: coverage.py {settings.coverage_version}: nothing in the child"
        else:
            detail = "the child's lines in the function that forks"
        for call in forks:
            out.add("MPC205", call, detail)
    if not settings.effective_parallel:
        for call in forks:
            function = a.fork_functions.get(id(call))
            if function is None and ("os._exit" in names or names & EXEC):
                continue
            if function is not None and _ends_or_returns(function, a):
                continue
            out.add("MPC211", call)


def _exec_measures(name: str, settings: Settings) -> bool:
    """Whether the execv patch alone starts coverage.py in the program ``name`` starts."""
    return (
        "execv" in settings.patch
        and name in EXEC_WITH_ENV
        and not settings.coverage_older_than(EXEC_MEASURES_NEW_PROGRAM)
    )


def _ends_or_returns(function: ast.AST, a: ModuleAnalysis) -> bool:
    """Whether a forking function ends its children itself, or hands them to its caller.

    It ends them with os._exit() or exec (MPC201/MPC202 apply then), or it returns a
    value in both branches, so the child goes on in the caller.
    """
    returns = 0
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            returns += 1
        elif isinstance(node, ast.Call):
            name = a.qualified(node.func)
            if name == "os._exit" or name in EXEC:
                return True
        stack.extend(ast.iter_child_nodes(node))
    return returns >= 2
