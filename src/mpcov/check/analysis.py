"""One walk over a module: the pools, processes and calls the rules need, with scopes.

Names are scoped as Python scopes them: a name bound in a function (assigned,
a parameter, a loop target) belongs to that function, so a ``proc`` in one
function is not the ``proc`` of another; ``self.pool`` belongs to its class,
so ``__init__`` can create what ``close()`` ends. A pool or process is followed
through the names it is bound to, aliases (``p2 = p``), containers it is put in
(``procs.append(p)``, ``[Process(...) for ...]``) and loops over those
containers (``for p in procs: p.join()``), and into helpers of the same module
that receive it as an argument (``def stop(pool): pool.close(); pool.join()``).
Classes and factory functions of the scanned tree that make pools or processes
come from :class:`ProjectIndex`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from mpcov.check.libraries import ROOTS, Kind, classify, family_of

Key = tuple[int, str]
_Resolver = Callable[[ast.AST], Optional[str]]

#: Last names of the constructors the libraries define (see ``libraries.classify``).
_CONSTRUCTORS = frozenset(
    {
        "Pool",
        "Process",
        "ProcessPoolExecutor",
        "get_reusable_executor",
        "Parallel",
        "WorkerPool",
        "ProcessPool",
        "ProcessingPool",
    }
)

#: Pool and executor methods whose first argument is the task a worker runs.
TASK_METHODS = frozenset(
    {
        "map",
        "imap",
        "imap_unordered",
        "starmap",
        "apply",
        "apply_async",
        "map_async",
        "starmap_async",
        "submit",
        "schedule",
    }
)
_CONTAINER_ADD = frozenset({"append", "add", "appendleft", "insert", "extend", "put", "setdefault"})


class Scope:
    """A module, class or function scope."""

    __slots__ = ("cls", "globals", "kind", "name", "names", "parent", "self_name")

    def __init__(self, kind: str, parent: Scope | None, name: str = "") -> None:
        """A new scope of ``kind`` (module, class, function) inside ``parent``."""
        self.kind = kind
        self.name = name
        self.parent = parent
        self.names: set[str] = set()
        self.globals: set[str] = set()
        #: For a method: its class's scope and the name of its first parameter.
        self.cls: Scope | None = None
        self.self_name: str | None = None


@dataclass(eq=False)
class Obj:
    """A pool, process or executor created at one call."""

    kind: Kind
    call: ast.Call
    scope: Scope
    keys: set[Key] = field(default_factory=set)
    containers: set[Key] = field(default_factory=set)
    #: Methods called directly on the call's result: ``Pool(2).map(...)``.
    direct: dict[str, list[ast.Call]] = field(default_factory=dict)
    #: ``with`` statements that manage it: (item, body, key of the ``as`` name).
    withs: list[tuple[ast.withitem, list[ast.stmt], Key | None]] = field(default_factory=list)
    #: The node that made it a daemon (``daemon=True`` or ``p.daemon = True``).
    daemon: ast.AST | None = None
    #: Returned, yielded or passed to code that may end it.
    escapes: bool = False
    #: The task callables it is given (``target=``, ``pool.map(f, ...)``).
    tasks: list[ast.expr] = field(default_factory=list)
    #: Key -> the line where it was bound there (a name can be rebound to another pool).
    bound_at: dict[Key, int] = field(default_factory=dict)
    #: The function it is created in (``""`` at module level).
    function: str = ""
    #: The start method of the context it comes from, when a literal says (``"spawn"``).
    start_method: str = ""
    #: The backend that the innermost joblib ``parallel_config(...)`` or
    #: ``parallel_backend(...)`` block around its creation chooses (:func:`joblib_backend`);
    #: ``None`` outside such a block.
    context_backend: str | None = None


@dataclass(frozen=True)
class ClassInfo:
    """A class of the scanned tree, as far as the rules care."""

    module: str
    name: str
    bases: tuple[str, ...]
    #: ``__exit__`` calls both ``self.close()`` and ``self.join()``.
    safe_exit: bool
    #: It starts coverage itself (a ``coverage.`` call in one of its methods).
    measures_itself: bool
    #: It is a daemon by default (``self.daemon = True`` or ``daemon=True`` to super).
    daemon: bool = False


def module_name(parts: Sequence[str]) -> str:
    """The dotted module name of a file, given its path's parts below a package root."""
    names = list(parts)
    if names and names[-1].endswith(".py"):
        names[-1] = names[-1][:-3]
    if names and names[-1] == "__init__":
        names.pop()
    return ".".join(names)


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def top_level_imports(tree: ast.Module, module: str, is_package: bool) -> dict[str, str]:
    """Names the module's top-level imports bind, to the dotted names they stand for."""
    aliases: dict[str, str] = {}
    for node in tree.body:
        _import_aliases(node, module, is_package, aliases)
    return aliases


def _import_aliases(node: ast.AST, module: str, is_package: bool, into: dict[str, str]) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                into[alias.asname] = alias.name
            else:
                top = alias.name.split(".", 1)[0]
                into[top] = top
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = module.split(".") if is_package else module.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            base = ".".join([*package, base] if base else package)
        for alias in node.names:
            into[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    elif isinstance(node, (ast.If, ast.Try)):
        # ``try: import x except ImportError: ...`` and ``if TYPE_CHECKING:`` blocks.
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.stmt, ast.ExceptHandler)):
                _import_aliases(child, module, is_package, into)


#: Words a function that returns a pool, process or executor must contain.
_CONSTRUCTOR_WORDS = re.compile(r"Pool|Process|Executor|Parallel|get_reusable_executor")


def _may_construct(
    node: ast.FunctionDef | ast.AsyncFunctionDef, lines: Sequence[str] | None
) -> bool:
    """Whether a function's text could return a constructor call (cheaper than a walk)."""
    if lines is None:
        return True
    start, end = node.lineno - 1, getattr(node, "end_lineno", None) or node.lineno
    segment = "\n".join(lines[start:end])
    return "return" in segment and bool(_CONSTRUCTOR_WORDS.search(segment))


def _calls_on(function: ast.AST, receiver: str) -> set[str]:
    """Methods called on ``receiver`` (a dotted name) anywhere in ``function``."""
    found = set()
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and _dotted(node.func.value) == receiver
        ):
            found.add(node.func.attr)
    return found


class ProjectIndex:
    """Classes and factories in the scanned tree that make pools, processes or executors."""

    def __init__(self) -> None:
        """An empty index; add modules, then :meth:`finish`."""
        self.classes: dict[str, ClassInfo] = {}
        self.by_name: dict[str, list[str]] = {}
        #: Dotted factory name -> dotted names of what it returns.
        self._factory_returns: dict[str, list[tuple[str, ast.Call]]] = {}
        self.kinds: dict[str, Kind] = {}
        #: Every module added, by dotted name.
        self.module_names: set[str] = set()
        self._names: set[str] | None = None
        self._names_of: dict[str, Kind] = {}

    def add_module(
        self,
        tree: ast.Module,
        module: str,
        is_package: bool,
        deep: bool,
        measures: bool = True,
        lines: Sequence[str] | None = None,
    ) -> None:
        """Record the module's top-level classes (and, if ``deep``, its factories).

        ``measures``: the module mentions coverage, so a class of it may start coverage
        in its children itself.
        """
        self.module_names.add(module)
        aliases = top_level_imports(tree, module, is_package)

        def resolve(node: ast.AST) -> str | None:
            name = _dotted(node)
            if name is None:
                return None
            head, _, rest = name.partition(".")
            if head in aliases:
                return aliases[head] + ("." + rest if rest else "")
            return f"{module}.{name}" if module else name

        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                # ``ctx = multiprocessing.get_context("spawn")``, for ``class W(ctx.Process)``.
                callee = resolve(node.value.func)
                if callee is not None and family_of(callee) is not None:
                    arguments = node.value.args
                    literal = (
                        arguments[0].value
                        if arguments
                        and isinstance(arguments[0], ast.Constant)
                        and isinstance(arguments[0].value, str)
                        else ""
                    )
                    aliases[node.targets[0].id] = f"{callee}({literal})"
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                self._add_class(node, module, resolve, deep, measures, lines)
            elif (
                deep
                and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and _may_construct(node, lines)
            ):
                self._add_factory(node, f"{module}.{node.name}" if module else node.name, resolve)

    def _add_class(
        self,
        node: ast.ClassDef,
        module: str,
        resolve: _Resolver,
        deep: bool,
        measures_ok: bool,
        lines: Sequence[str] | None = None,
    ) -> None:
        bases = tuple(b for b in (resolve(base) for base in node.bases) if b)
        if not bases:
            return
        dotted = f"{module}.{node.name}" if module else node.name
        methods = {
            item.name: item
            for item in node.body
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        exit_method = methods.get("__exit__")
        safe_exit = exit_method is not None and {"close", "join"} <= _calls_on(exit_method, "self")
        measures = False
        daemon = False
        if deep:
            # Where a process class starts coverage or makes itself a daemon.
            wanted = ("__init__", "_bootstrap", "run") if measures_ok else ("__init__",)
            for item in (methods[m] for m in wanted if m in methods):
                for inner in ast.walk(item):
                    if isinstance(inner, ast.Call):
                        callee = resolve(inner.func) or ""
                        if callee.startswith("coverage.") or callee == "coverage":
                            measures = True
                    elif (
                        isinstance(inner, ast.Assign)
                        and any(_dotted(t) == "self.daemon" for t in inner.targets)
                        and isinstance(inner.value, ast.Constant)
                        and inner.value.value is True
                    ):
                        daemon = True
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and _may_construct(
                    member, lines
                ):
                    self._add_factory(member, f"{dotted}.{member.name}", resolve, method=True)
        self.classes[dotted] = ClassInfo(module, node.name, bases, safe_exit, measures, daemon)
        self.by_name.setdefault(node.name, []).append(dotted)

    def _add_factory(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        dotted: str,
        resolve: _Resolver,
        method: bool = False,
    ) -> None:
        returned: list[tuple[str, ast.Call]] = []
        bound: dict[str, ast.Call] = {}
        for inner in ast.walk(node):
            if isinstance(inner, ast.Assign) and isinstance(inner.value, ast.Call):
                for target in inner.targets:
                    if isinstance(target, ast.Name):
                        bound[target.id] = inner.value
            elif isinstance(inner, ast.Return) and inner.value is not None:
                value = inner.value
                if isinstance(value, ast.Name) and value.id in bound:
                    value = bound[value.id]
                if isinstance(value, ast.Call):
                    callee = resolve(value.func)
                    if callee is not None:
                        returned.append((callee, value))
        if returned:
            self._factory_returns[dotted] = returned

    def finish(self) -> None:
        """Resolve every class's kind through its bases, then every factory's."""
        for dotted in self.classes:
            kind = self._class_kind(dotted, set())
            if kind is not None:
                self.kinds[dotted] = kind
        for dotted, returned in self._factory_returns.items():
            for callee, call in returned:
                kind = self.kinds.get(callee) or self._lookup(callee)
                plain = _PLAIN_CALLS.sub("()", callee)
                if kind is None:
                    kind = classify(plain, call, frozenset(ROOTS.values()))
                    if kind is not None and family_of(plain.replace("()", "")) is None:
                        kind = None  # ``ctx.Pool`` in a factory: too vague to trust
                if kind is not None:
                    method = _START_METHOD.search(callee)
                    self.kinds[dotted] = Kind(
                        kind.kind,
                        kind.family,
                        kind.with_terminates,
                        kind.measures_itself,
                        defined_in=dotted,
                        start_method=method.group(1) if method else kind.start_method,
                    )
                    self.by_name.setdefault(dotted.rsplit(".", 1)[-1], []).append(dotted)
                    break

    def _lookup(self, dotted: str) -> Kind | None:
        if dotted in self.kinds:
            return self.kinds[dotted]
        return None

    def _class_kind(self, dotted: str, seen: set[str]) -> Kind | None:
        if dotted in seen:
            return None
        seen.add(dotted)
        info = self.classes[dotted]
        for base in info.bases:
            target = self.resolve_class(base)
            if target is not None:
                kind = self._class_kind(target, seen)
            else:
                dummy = ast.Call(func=ast.Name(id="x"), args=[], keywords=[])
                kind = classify(_PLAIN_CALLS.sub("()", base), dummy, frozenset())
            if kind is None:
                continue
            return Kind(
                kind.kind,
                kind.family,
                kind.with_terminates and not info.safe_exit,
                kind.measures_itself or info.measures_itself,
                defined_in=dotted,
            )
        return None

    def resolve_class(self, dotted: str) -> str | None:
        """The project class a dotted name refers to, by full name or a unique last name."""
        if dotted in self.classes:
            return dotted
        candidates = self.by_name.get(dotted.rsplit(".", 1)[-1], [])
        classes = [c for c in candidates if c in self.classes]
        matching = [c for c in classes if dotted.endswith(c) or c.endswith(dotted)]
        if len(matching) == 1:
            return matching[0]
        return classes[0] if len(classes) == 1 and "." not in dotted else None

    def kind_of(self, dotted: str, module: str) -> Kind | None:
        """The kind a call of ``dotted`` (from ``module``) makes, if it is the project's."""
        for candidate in (dotted, f"{module}.{dotted}" if module else dotted):
            if candidate in self.kinds:
                return self.kinds[candidate]
        last = dotted.rsplit(".", 1)[-1]
        matches = [
            c
            for c in self.by_name.get(last, [])
            if c in self.kinds and (c.endswith("." + dotted) or dotted.endswith("." + c))
        ]
        if len(set(matches)) == 1:
            return self.kinds[matches[0]]
        return None

    def is_daemon_class(self, kind: Kind) -> bool:
        """Whether the project class behind ``kind`` makes daemons by default."""
        info = self.classes.get(kind.defined_in)
        return info is not None and info.daemon

    def names(self) -> set[str]:
        """Last names of every project class and factory with a kind (for the text prefilter)."""
        if self._names is None or len(self._names_of) != len(self.kinds):
            self._names = {dotted.rsplit(".", 1)[-1] for dotted in self.kinds}
            self._names_of = dict(self.kinds)
        return self._names


@dataclass
class Kill:
    """An ``os.kill(pid, signal)`` of a child's pid."""

    call: ast.Call
    signal: str
    #: The processes whose pid it signals, where known.
    targets: list[Obj] = field(default_factory=list)


class ModuleAnalysis:
    """What one module does with processes, collected in one walk."""

    def __init__(self, module: str, is_package: bool, index: ProjectIndex | None = None) -> None:
        """The analysis of module ``module``, with the project's classes from ``index``."""
        self.module = module
        self.is_package = is_package
        self.index = index
        self.root = Scope("module", None)
        self.scope = self.root
        self.scopes: list[Scope] = [self.root]
        self.class_families: dict[str, str] = {}
        self.aliases: dict[Key, str] = {}
        self.objs: list[Obj] = []
        self.by_key: dict[Key, list[Obj]] = {}
        self.by_call: dict[int, Obj] = {}
        #: Key -> method -> the calls of that method on it (or on its loop variable).
        self.calls: dict[Key, dict[str, list[ast.Call]]] = {}
        #: Loop variable -> the container it runs over, while in the loop.
        self.loops: dict[Key, Key] = {}
        #: Helpers: function key -> parameter position -> methods called on it.
        self.helpers: dict[Key, dict[int, set[str]]] = {}
        #: Calls of possible helpers: (helper key, argument keys, objects passed, call).
        self.helper_calls: list[
            tuple[Key, list[Key | None], list[tuple[int, Key | None, Obj]], ast.Call]
        ] = []
        #: Every call with a dotted name: (name, call, scope).
        self.named_calls: list[tuple[str, ast.Call]] = []
        self.fork_pids: set[Key] = set()
        self.kills: list[Kill] = []
        #: Calls that start threads (MPC208): threading.Thread, thread pools, test workers.
        self.threads: list[ast.Call] = []
        #: ``threading.Thread`` objects, followed like processes (MPC108).
        self.thread_objs: list[Obj] = []
        #: Name -> the dict display or ``dict(...)`` last assigned to it (for ``env=name``).
        self.mappings: dict[Key, ast.AST] = {}
        #: Call -> the mapping its ``env=`` names.
        self.env_values: dict[int, ast.AST] = {}
        #: Name -> the string constant last assigned to it (``code = textwrap.dedent("...")``).
        self.strings: dict[Key, str] = {}
        #: A name inside a command list -> the string it holds there.
        self.word_values: dict[int, str] = {}
        self.mp_main_tests: list[ast.Compare] = []
        self.embed_imports: list[ast.AST] = []
        self.defined: set[str] = set()
        #: Every function name defined anywhere in the module, nested ones too.
        self.defined_anywhere: set[str] = set()
        self.families: set[str] = set()
        #: Last names of calls that may construct something: the libraries' and the project's.
        self.constructor_names = _CONSTRUCTORS | (index.names() if index is not None else set())
        #: Inside ``with mock.patch(...)`` or a ``@patch``-decorated function: mocks, not pools.
        self.mocked = 0
        self.functions: list[ast.AST] = []
        #: Fork call -> the function it is in.
        self.fork_functions: dict[int, ast.AST] = {}
        #: ``os._exit()`` calls that end the parent right after a fork (the child has its data).
        self.parent_exits: set[int] = set()
        #: Names bound by an undecorated ``def`` (in the scope of the key), and names bound
        #: any other way: a task name is a known function only if it is in the first alone.
        self.def_keys: set[Key] = set()
        self.other_keys: set[Key] = set()
        #: Inside the module's ``if __name__ == "__main__":`` block (MPC109).
        self.in_main_guard = 0
        #: Names that block calls (``main()``): their functions run as the script.
        self.main_guard_calls: set[str] = set()
        #: Task -> where it is given: the scope, inside the main block, the top-level
        #: function it is in (``""`` if none).
        self.task_places: dict[int, tuple[Scope, bool, str]] = {}
        #: Names called directly, ``name(...)``, with the scope of the call; after the walk,
        #: the keys of the bindings they read (MPC109).
        self.direct_call_names: list[tuple[Scope, str]] = []
        self.direct_calls: set[Key] = set()
        #: Backends chosen by the joblib backend blocks around the walk's place, innermost
        #: last (MPC109); see :func:`joblib_backend`.
        self.joblib_backends: list[str] = []
        #: Parameters that ``parametrize`` gives only joblib backend context managers.
        self.backend_context_params: set[Key] = set()

    # -- scopes and names

    def owner(self, name: str, scope: Scope) -> Scope:
        """The scope a name read in ``scope`` belongs to."""
        current: Scope | None = scope
        while current is not None:
            if name in current.globals:
                return self.root
            if (current.kind != "class" or current is scope) and name in current.names:
                return current
            current = current.parent
        return self.root

    def key(self, node: ast.AST, scope: Scope | None = None) -> Key | None:
        """The scoped key of a name or attribute chain (``pool``, ``self.pool``)."""
        dotted = _dotted(node)
        if dotted is None:
            return None
        scope = scope or self.scope
        head, _, rest = dotted.partition(".")
        owner = self.owner(head, scope)
        if owner.cls is not None and head == owner.self_name:
            attribute = "self" + ("." + rest if rest else "")
            family = (
                self.class_families.get(owner.cls.name) if owner.cls.parent is self.root else None
            )
            if family is not None:
                # Classes of this module that inherit from each other share attributes.
                return (id(self.root), f"{family}:{attribute}")
            return (id(owner.cls), attribute)
        return (id(owner), dotted)

    def _self_key(self, cls: Scope, attribute: str) -> Key:
        family = self.class_families.get(cls.name) if cls.parent is self.root else None
        if family is not None:
            return (id(self.root), f"{family}:self.{attribute}")
        return (id(cls), f"self.{attribute}")

    def qualified(self, node: ast.AST) -> str | None:
        """The dotted name of ``node`` with import and context aliases resolved."""
        if isinstance(node, ast.Call):
            base = self.qualified(node.func)
            if base is None:
                return None
            if (
                base.endswith("get_context")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                return f"{base}({node.args[0].value})"  # the start method, for MPC206
            return f"{base}()"
        if isinstance(node, ast.Attribute):
            key = self.key(node)
            if key is not None and key in self.aliases:
                return self.aliases[key]
            base = self.qualified(node.value)
            return None if base is None else f"{base}.{node.attr}"
        if isinstance(node, ast.Name):
            key = self.key(node)
            if key is not None and key in self.aliases:
                return self.aliases[key]
            return node.id
        return None

    def _bind_name(self, name: str, by_def: bool = False) -> None:
        if name not in self.scope.globals:
            self.scope.names.add(name)
            (self.def_keys if by_def else self.other_keys).add((id(self.scope), name))

    def _bind_targets(self, target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self._bind_name(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind_targets(element)
        elif isinstance(target, ast.Starred):
            self._bind_targets(target.value)

    def objs_at(self, key: Key | None) -> list[Obj]:
        """The objects bound to ``key``."""
        return [] if key is None else self.by_key.get(key, [])

    def _attach(self, obj: Obj, key: Key, line: int = 0) -> None:
        if key not in obj.keys:
            obj.keys.add(key)
            obj.bound_at[key] = line
            self.by_key.setdefault(key, []).append(obj)

    def methods_of(self, obj: Obj) -> dict[str, list[ast.Call]]:
        """Methods called on ``obj``, by any of its names or through its containers."""
        found: dict[str, list[ast.Call]] = {m: list(c) for m, c in obj.direct.items()}
        for key in (*obj.keys, *obj.containers):
            start, end = 0, float("inf")
            bound = self.by_key.get(key, [])
            if key in obj.keys and len(bound) > 1:
                # Rebound names: a call belongs to the object bound last before it.
                start = obj.bound_at.get(key, 0)
                later = [o.bound_at.get(key, 0) for o in bound if o.bound_at.get(key, 0) > start]
                end = min(later, default=end)
            for method, calls in self.calls.get(key, {}).items():
                found.setdefault(method, []).extend(c for c in calls if start <= c.lineno < end)
        return found

    # -- the walk

    def run(self, tree: ast.Module) -> ModuleAnalysis:
        """Walk ``tree`` and return self."""
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.defined.add(node.name)
        self._class_families(tree)
        for node in tree.body:
            self.visit(node)
        self._resolve_helper_calls()
        # Resolved once every name is bound: a call may come before its def.
        self.direct_calls = {(id(self.owner(n, s)), n) for s, n in self.direct_call_names}
        return self

    def _class_families(self, tree: ast.Module) -> None:
        """Group the module's top-level classes that inherit from one another."""
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
        parent = {c.name: c.name for c in classes}

        def find(name: str) -> str:
            while parent[name] != name:
                parent[name] = parent[parent[name]]
                name = parent[name]
            return name

        for node in classes:
            for base in node.bases:
                if isinstance(base, ast.Name) and base.id in parent:
                    parent[find(node.name)] = find(base.id)
        self.class_families = {name: find(name) for name in parent}

    def visit(self, node: ast.AST) -> None:
        """Visit ``node`` and its children."""
        method = _DISPATCH.get(type(node))
        if method is not None:
            method(self, node)
        else:
            self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        """Visit every child of ``node`` (``ast.iter_child_nodes`` inlined: the hot loop)."""
        dispatch = _DISPATCH
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        method = dispatch.get(type(item))
                        if method is not None:
                            method(self, item)
                        else:
                            self.generic_visit(item)
            elif isinstance(value, ast.AST):
                method = dispatch.get(type(value))
                if method is not None:
                    method(self, value)
                else:
                    self.generic_visit(value)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        for default in (*node.args.defaults, *node.args.kw_defaults):
            if default is not None:
                self.visit(default)
        mocked = False
        contexts: list[str] = []
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self.visit(decorator)
                contexts.extend(self._backend_context_parameters(decorator))
            # A decorated name holds what the decorator returned, maybe not a function.
            self._bind_name(node.name, by_def=not node.decorator_list)
            self.defined_anywhere.add(node.name)
            mocked = any(_is_mock(self.qualified(d) or "") for d in node.decorator_list)
        scope = Scope("function", self.scope)
        self.scopes.append(scope)  # keys hold id(scope): keep every scope alive
        arguments = [*node.args.posonlyargs, *node.args.args]
        if self.scope.kind == "class" and arguments and not isinstance(node, ast.Lambda):
            static = any(_dotted(d) == "staticmethod" for d in node.decorator_list)
            if not static:
                scope.cls = self.scope
                scope.self_name = arguments[0].arg
        for argument in (*arguments, *node.args.kwonlyargs):
            scope.names.add(argument.arg)
        for extra in (node.args.vararg, node.args.kwarg):
            if extra is not None:
                scope.names.add(extra.arg)
        self.backend_context_params.update((id(scope), n) for n in contexts if n in scope.names)
        outer, self.scope = self.scope, scope
        self.mocked += mocked
        self.functions.append(node)
        body = [node.body] if isinstance(node, ast.Lambda) else node.body
        for statement in body:
            self.visit(statement)
        self.functions.pop()
        self.mocked -= mocked
        self.scope = outer
        if not isinstance(node, ast.Lambda):
            self._note_helper(node, scope, [a.arg for a in arguments])

    def _backend_context_parameters(self, decorator: ast.expr) -> list[str]:
        """The parameter ``@pytest.mark.parametrize("name", [parallel_config, ...])`` names.

        Only a single name whose values are all joblib backend context managers
        (``_BACKEND_CONTEXTS``) counts: then ``with name(...)`` is one of them.
        """
        if not (
            isinstance(decorator, ast.Call)
            and len(decorator.args) >= 2
            and (self.qualified(decorator.func) or "").endswith("parametrize")
            and isinstance(decorator.args[0], ast.Constant)
            and isinstance(decorator.args[0].value, str)
            and isinstance(decorator.args[1], (ast.List, ast.Tuple))
            and decorator.args[1].elts
        ):
            return []
        name = decorator.args[0].value.strip()
        if not name.isidentifier():
            return []  # several names: each value is a tuple
        if all(self.qualified(v) in _BACKEND_CONTEXTS for v in decorator.args[1].elts):
            return [name]
        return []

    def _context_backend(self, context: ast.expr) -> str | None:
        """The backend a ``with`` item chooses for the joblib ``Parallel`` calls inside it.

        Only joblib's ``parallel_config(...)`` and ``parallel_backend(...)`` (any import
        alias, or a parameter :meth:`_backend_context_parameters` resolved) choose one;
        ``None`` for anything else and for those when they name no backend.
        """
        if not isinstance(context, ast.Call):
            return None
        func = context.func
        if self.qualified(func) in _BACKEND_CONTEXTS or (
            isinstance(func, ast.Name) and self.key(func) in self.backend_context_params
        ):
            return joblib_backend(context, 0)
        return None

    def _note_helper(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, params: list[str]
    ) -> None:
        """Record a module-level function or method that ends what it is given."""
        if scope.parent is self.root:
            name = node.name
        elif scope.cls is not None and scope.cls.parent is self.root:
            name, params = "self." + node.name, params[1:]
        else:
            return
        ended = {}
        for position, param in enumerate(params):
            methods = set(self.calls.get((id(scope), param), {})) & _ENDING
            if methods:
                ended[position] = methods
        if ended:
            self.helpers[(id(self.root), name)] = ended

    def _class(self, node: ast.ClassDef) -> None:
        for expression in (*node.bases, *node.decorator_list, *(k.value for k in node.keywords)):
            self.visit(expression)
        self._bind_name(node.name)
        scope = Scope("class", self.scope, node.name)
        self.scopes.append(scope)
        outer, self.scope = self.scope, scope
        for statement in node.body:
            self.visit(statement)
        self.scope = outer

    def _global(self, node: ast.Global | ast.Nonlocal) -> None:
        if isinstance(node, ast.Global):
            self.scope.globals.update(node.names)

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        found: dict[str, str] = {}
        _import_aliases(node, self.module, self.is_package, found)
        for name, target in found.items():
            self._bind_name(name)
            key = self.key(ast.Name(id=name))
            if key is not None:
                self.aliases[key] = target
            family = family_of(target)
            if family is not None:
                self.families.add(family)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "pytest_cov.embed" or alias.name.startswith("pytest_cov.embed."):
                    self.embed_imports.append(node)
        elif node.level == 0:
            module = node.module or ""
            if (
                module == "pytest_cov.embed"
                or module.startswith("pytest_cov.embed.")
                or (module == "pytest_cov" and any(a.name == "embed" for a in node.names))
            ):
                self.embed_imports.append(node)

    def _assign(self, node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
        value = node.value
        if value is not None:
            self.visit(value)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if not isinstance(target, (ast.Name, ast.Attribute, ast.Tuple, ast.List)):
                self.visit(target)  # subscripts: their index expressions
            self._bind_targets(target)
            if value is not None:
                self._bind_value(target, value)
        if (
            isinstance(node, ast.Assign)
            and isinstance(value, ast.Constant)
            and value.value is True
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Attribute)
            and node.targets[0].attr == "daemon"
        ):
            for obj in self.objs_at(self.key(node.targets[0].value)):
                obj.daemon = node

    def _bind_value(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Subscript):
            container = self.key(target.value)
            if container is not None:
                for obj in self._objs_of_value(value):
                    obj.containers.add(container)
            return
        key = self.key(target)
        if key is None:
            return
        if isinstance(value, ast.Dict) or (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "dict"
        ):
            self.mappings[key] = value
        text = _string_value(value)
        if text is not None:
            self.strings[key] = text
        if isinstance(value, (ast.Call, ast.Attribute, ast.Name)) and not self._objs_of_value(
            value
        ):
            unwrapped: ast.AST = value
            if (
                isinstance(value, ast.Call)
                and _dotted(value.func) in ("staticmethod", "classmethod")
                and value.args
            ):
                unwrapped = value.args[0]  # ``Process = staticmethod(ctx.Process)`` in a class
            qualified = self.qualified(unwrapped)
            if (
                qualified is not None
                and family_of(_PLAIN_CALLS.sub("", qualified).replace("()", "")) is not None
            ):
                # ``ctx = multiprocessing.get_context("spawn")``: later ``ctx.Pool`` resolves.
                self.aliases[key] = qualified
                if self.scope.kind == "class" and isinstance(target, ast.Name):
                    # A class attribute is what ``self.NAME`` means in its methods.
                    self.aliases[self._self_key(self.scope, target.id)] = qualified
            if isinstance(value, ast.Call) and qualified in ("os.fork()", "os.forkpty()"):
                self.fork_pids.add(key)
            return
        if isinstance(value, (ast.Call, ast.Name, ast.Attribute)):
            handed_over = (
                isinstance(target, ast.Attribute)
                and not key[1].partition(":")[2].startswith("self")
                and not key[1].startswith("self")
            )
            for obj in self._objs_of_value(value):
                self._attach(obj, key, getattr(value, "lineno", 0))
                if handed_over and not isinstance(value, ast.Call):
                    obj.escapes = True  # ``mock.return_value = pool``: other code has it now
        else:
            for obj in self._objs_of_value(value):
                obj.containers.add(key)

    def _objs_of_value(self, value: ast.AST) -> list[Obj]:
        """Objects a value holds: the one a call makes, a name's, or a container's elements."""
        if isinstance(value, ast.Call):
            obj = self.by_call.get(id(value))
            return [obj] if obj is not None else []
        if isinstance(value, (ast.Name, ast.Attribute)):
            return list(self.objs_at(self.key(value)))
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            return [o for e in value.elts for o in self._objs_of_value(e)]
        if isinstance(value, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return self._objs_of_value(value.elt)
        if isinstance(value, ast.DictComp):
            return self._objs_of_value(value.value)
        if isinstance(value, ast.Dict):
            return [o for v in value.values for o in self._objs_of_value(v)]
        return []

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        mocked = any(
            isinstance(i.context_expr, ast.Call)
            and _is_mock(self.qualified(i.context_expr.func) or "")
            for i in node.items
        )
        self.mocked += mocked
        self._with_items(node)
        self.mocked -= mocked

    def _with_items(self, node: ast.With | ast.AsyncWith) -> None:
        # A backend block counts for the items after it and the body (nested functions
        # too, though they may run elsewhere: not flagging is the cautious side).
        depth = len(self.joblib_backends)
        for item in node.items:
            self.visit(item.context_expr)
            backend = self._context_backend(item.context_expr)
            if backend is not None:
                self.joblib_backends.append(backend)
            objs = self._objs_of_value(item.context_expr)
            name_key = None
            if item.optional_vars is not None:
                self._bind_targets(item.optional_vars)
                name_key = self.key(item.optional_vars)
                if name_key is not None:
                    for obj in objs:
                        self._attach(obj, name_key, item.context_expr.lineno)
            for obj in objs:
                obj.withs.append((item, node.body, name_key))
        for statement in node.body:
            self.visit(statement)
        del self.joblib_backends[depth:]

    def _loop_target(self, target: ast.AST, iterable: ast.AST) -> Key | None:
        self._bind_targets(target)
        source = iterable
        if isinstance(source, ast.Call) and _dotted(source.func) in ("enumerate", "reversed"):
            source = source.args[0] if source.args else source
        if (
            isinstance(source, ast.Call)
            and isinstance(source.func, ast.Attribute)
            and source.func.attr in ("values", "copy")
            and not source.args
        ):
            source = source.func.value
        container = self.key(source)
        if isinstance(target, ast.Tuple) and target.elts:
            target = target.elts[-1]  # ``for i, p in enumerate(procs)``
        variable = self.key(target)
        if container is None or variable is None:
            return None
        self.loops[variable] = container
        return variable

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        variable = self._loop_target(node.target, node.iter)
        for statement in (*node.body, *node.orelse):
            self.visit(statement)
        if variable is not None:
            self.loops.pop(variable, None)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> None:
        variables = []
        for generator in node.generators:
            self.visit(generator.iter)
            variables.append(self._loop_target(generator.target, generator.iter))
            for condition in generator.ifs:
                self.visit(condition)
        self.visit(node.elt)
        for variable in variables:
            if variable is not None:
                self.loops.pop(variable, None)

    def _dict_comprehension(self, node: ast.DictComp) -> None:
        for generator in node.generators:
            self.visit(generator.iter)
            self._loop_target(generator.target, generator.iter)
        self.visit(node.key)
        self.visit(node.value)

    def _escape(self, node: ast.Return | ast.Yield | ast.YieldFrom) -> None:
        if node.value is not None:
            self.visit(node.value)
            for obj in self._objs_of_value(node.value):
                obj.escapes = True
            if isinstance(node.value, ast.Tuple):
                for element in node.value.elts:
                    for obj in self._objs_of_value(element):
                        obj.escapes = True

    def _if(self, node: ast.If) -> None:
        if self.scope is self.root and not self.functions and _is_main_test(node.test):
            self.visit(node.test)
            self.main_guard_calls.update(
                n.func.id
                for statement in node.body
                for n in ast.walk(statement)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            )
            self.in_main_guard += 1
            for statement in node.body:
                self.visit(statement)
            self.in_main_guard -= 1
            for statement in node.orelse:
                self.visit(statement)
            return
        self.visit(node.test)
        if self._parent_test(node.test) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Call)
                and self.qualified(first.value.func) == "os._exit"
            ):
                self.parent_exits.add(id(first.value))
        for statement in (*node.body, *node.orelse):
            self.visit(statement)

    def _parent_test(self, test: ast.AST) -> bool:
        """Whether ``test`` is true in the parent after a fork: ``os.fork()``, ``pid``, ``pid > 0``."""
        if isinstance(test, ast.Call):
            return self.qualified(test.func) in ("os.fork", "os.forkpty", "pty.fork")
        if isinstance(test, ast.Name):
            return self.key(test) in self.fork_pids
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], (ast.NotEq, ast.Gt))
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == 0
        ):
            return self.key(test.left) in self.fork_pids
        return False

    def _compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        if any(isinstance(o, ast.Name) and o.id == "__name__" for o in operands) and any(
            isinstance(n, ast.Constant) and n.value == "__mp_main__"
            for o in operands
            for n in ast.walk(o)
        ):
            self.mp_main_tests.append(node)
        self.generic_visit(node)

    def _record(self, key: Key, method: str, node: ast.Call) -> None:
        self.calls.setdefault(key, {}).setdefault(method, []).append(node)
        container = self.loops.get(key)
        if container is not None:
            self.calls.setdefault(container, {}).setdefault(method, []).append(node)

    def _call(self, node: ast.Call) -> None:
        self.visit(node.func)
        for argument in node.args:
            self.visit(argument)
        for keyword in node.keywords:
            self.visit(keyword.value)
        if isinstance(node.func, ast.Name):
            self.direct_call_names.append((self.scope, node.func.id))
        name = self.qualified(node.func)
        if name is not None:
            last = name.rsplit(".", 1)[-1]
            if last in self.constructor_names:
                self._constructor(name, node)
            self.named_calls.append((name, node))
            if name in ("os.fork", "os.forkpty", "pty.fork") and self.functions:
                self.fork_functions[id(node)] = self.functions[-1]
            if name.replace("()", "") in THREAD_STARTERS or name.endswith(".ThreadPool"):
                self.threads.append(node)
            if name == "threading.Thread":
                self._thread(node)
            elif name == "os.kill" and len(node.args) >= 2:
                self._kill(node)
        if self.strings:
            for argument in node.args:
                if isinstance(argument, (ast.List, ast.Tuple)):
                    for element in argument.elts:
                        if isinstance(element, ast.Name):
                            text = self.strings.get(self.key(element) or (0, ""))
                            if text is not None:
                                self.word_values[id(element)] = text
        for keyword in node.keywords:
            if keyword.arg == "env" and isinstance(keyword.value, ast.Name):
                mapping = self.mappings.get(self.key(keyword.value) or (0, ""))
                if mapping is not None:
                    self.env_values[id(node)] = mapping
        handled: set[int] = set()
        if isinstance(node.func, ast.Attribute) and node.func.attr in _FOLLOWED_METHODS:
            receiver = node.func.value
            method = node.func.attr
            obj = self.by_call.get(id(receiver)) if isinstance(receiver, ast.Call) else None
            if obj is not None:
                obj.direct.setdefault(method, []).append(node)
                if method in TASK_METHODS and node.args:
                    self._add_task(obj, node.args[0])
            key = self.key(receiver)
            if key is not None:
                self._record(key, method, node)
                targets = self.objs_at(key)
                if method in TASK_METHODS and node.args and targets:
                    self._add_task(targets[-1], node.args[0])  # the object bound last
                if method in _CONTAINER_ADD:
                    for argument in node.args:
                        for added in self._objs_of_value(argument):
                            added.containers.add(key)
                            handled.add(id(added))
        if self.objs:
            self._joblib_tasks(node)
        if not (self.objs or self.thread_objs):
            return  # nothing made here yet that could be passed on or ended
        helper = self._helper_key(node.func) if node.args else None
        if name is not None and name.rsplit(".", 1)[-1] == "close_and_join" and node.args:
            argument_key = self.key(node.args[0])
            if argument_key is not None:
                self._record(argument_key, "close", node)
                self._record(argument_key, "join", node)
                for obj in self.objs_at(argument_key):
                    handled.add(id(obj))
        # Anything else a pool is passed to may end it: stop guessing about its end,
        # unless it goes to a helper of this module (decided once every helper is known).
        passed: list[tuple[int, Key | None, Obj]] = []
        for position, argument in enumerate((*node.args, *(k.value for k in node.keywords))):
            for obj in self._objs_of_value(argument):
                if id(obj) not in handled and obj.call is not node:
                    if helper is None or position >= len(node.args):
                        obj.escapes = True
                    else:
                        passed.append((position, self.key(argument), obj))
        if helper is not None:
            keys = [self.key(a) for a in node.args]
            self.helper_calls.append((helper, keys, passed, node))

    def _add_task(self, obj: Obj, task: ast.expr) -> None:
        obj.tasks.append(task)
        top = ""
        scope = self.scope
        if (
            self.functions
            and not isinstance(self.functions[-1], ast.Lambda)
            and scope.parent is self.root
            and scope.cls is None
        ):
            top = getattr(self.functions[-1], "name", "")
        self.task_places[id(task)] = (scope, bool(self.in_main_guard), top)

    def _joblib_tasks(self, node: ast.Call) -> None:
        """``Parallel(...)(delayed(f)(x) for x in xs)``: ``f`` is a task of that Parallel."""
        func = node.func
        if isinstance(func, ast.Call):
            found = self.by_call.get(id(func))
            parallels = [found] if found is not None else []
        else:
            parallels = self.objs_at(self.key(func))[-1:]
        parallels = [p for p in parallels if p.kind.family == "joblib"]
        if not parallels:
            return
        for argument in (*node.args, *(k.value for k in node.keywords)):
            for inner in ast.walk(argument):
                if (
                    isinstance(inner, ast.Call)
                    and inner.args
                    and self.qualified(inner.func) in _DELAYED
                ):
                    self._add_task(parallels[0], inner.args[0])

    def _helper_key(self, func: ast.AST) -> Key | None:
        """The key a helper function called as ``func`` would be stored under."""
        dotted = _dotted(func)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        owner = self.owner(head, self.scope)
        if owner.cls is not None and head == owner.self_name and rest and "." not in rest:
            return (id(self.root), "self." + rest)
        if owner is self.root and not rest:
            return (id(self.root), dotted)
        return None

    def _resolve_helper_calls(self) -> None:
        """Give the objects passed to helpers the methods the helpers call on them."""
        for helper_key, keys, passed, node in self.helper_calls:
            helper = self.helpers.get(helper_key)
            ended = {}
            if helper is not None:
                for position, methods in helper.items():
                    key = keys[position] if position < len(keys) else None
                    if key is not None:
                        ended[position] = methods
                        for method in methods:
                            self.calls.setdefault(key, {}).setdefault(method, []).append(node)
            for position, _key, obj in passed:
                if position not in ended:
                    obj.escapes = True

    def _constructor(self, name: str, node: ast.Call) -> None:
        kind = None
        if self.index is not None:
            plain = _PLAIN_CALLS.sub("", name).replace("()", "")
            if plain.startswith("self."):
                plain = plain.split(".", 1)[1]
            kind = self.index.kind_of(plain, self.module)
        if kind is None:
            kind = classify(_PLAIN_CALLS.sub("()", name), node, frozenset(self.families))
        if kind is None or self.mocked:
            return
        obj = Obj(kind, node, self.scope)
        obj.function = getattr(self.functions[-1], "name", "") if self.functions else ""
        method = _START_METHOD.search(name)
        obj.start_method = method.group(1) if method is not None else kind.start_method
        if kind.family == "joblib" and self.joblib_backends:
            obj.context_backend = self.joblib_backends[-1]
        for keyword in node.keywords:
            if keyword.arg == "target":
                self._add_task(obj, keyword.value)
            if (
                keyword.arg == "daemon"
                and isinstance(keyword.value, ast.Constant)
                and keyword.value.value is True
            ):
                obj.daemon = node
        if obj.daemon is None and self.index is not None and self.index.is_daemon_class(kind):
            obj.daemon = node
        self.objs.append(obj)
        self.by_call[id(node)] = obj

    def _thread(self, node: ast.Call) -> None:
        obj = Obj(Kind("thread", "threading", with_terminates=False), node, self.scope)
        obj.function = getattr(self.functions[-1], "name", "") if self.functions else ""
        for keyword in node.keywords:
            if (
                keyword.arg == "daemon"
                and isinstance(keyword.value, ast.Constant)
                and keyword.value.value is True
            ):
                obj.daemon = node
        self.thread_objs.append(obj)
        self.by_call[id(node)] = obj

    def _kill(self, node: ast.Call) -> None:
        signal = self.qualified(node.args[1]) or ""
        short = signal.rsplit(".", 1)[-1]
        if short not in ("SIGTERM", "SIGKILL"):
            return
        pid = node.args[0]
        if isinstance(pid, ast.Attribute) and pid.attr == "pid":
            owner = self.key(pid.value)
            if owner is None:
                return
            container = self.loops.get(owner)
            targets = [*self.objs_at(owner)]
            if container is not None:
                targets += [o for o in self.objs if container in o.containers]
                targets += self.objs_at(container)
            if any(o.kind.kind == "process" for o in targets) or (
                container is not None and container[1].endswith("._pool")
            ):
                self.kills.append(
                    Kill(node, short, [o for o in targets if o.kind.kind == "process"])
                )
        elif self.key(pid) in self.fork_pids:
            self.kills.append(Kill(node, short))


#: joblib's wrapper that marks the task in ``Parallel(...)(delayed(f)(x) ...)``.
_DELAYED = frozenset({"joblib.delayed", "joblib.parallel.delayed"})
#: joblib's context managers that choose the backend of the ``Parallel`` made inside them.
_BACKEND_CONTEXTS = frozenset(
    {
        "joblib.parallel_config",
        "joblib.parallel_backend",
        "joblib.parallel.parallel_config",
        "joblib.parallel.parallel_backend",
    }
)


def joblib_backend(call: ast.Call, position: int) -> str | None:
    """The joblib backend ``call`` names, as ``backend=`` or its argument at ``position``.

    ``"loky"`` for the literal ``"loky"``; ``""`` for any other value, including one
    the code does not show (a name, ``*args``, ``**kwargs``) and ``None`` (joblib's
    default, but not flagging is the cautious side); ``None`` when it names none, so
    the default or an enclosing block decides.
    """
    value: ast.expr | None = None
    for keyword in call.keywords:
        if keyword.arg == "backend":
            value = keyword.value
    if value is None:
        positional = call.args[: position + 1]
        if any(isinstance(a, ast.Starred) for a in positional):
            return ""
        if len(positional) > position:
            value = positional[position]
        elif any(k.arg is None for k in call.keywords):
            return ""
    if value is None:
        return None
    return "loky" if isinstance(value, ast.Constant) and value.value == "loky" else ""


def _is_main_test(test: ast.AST) -> bool:
    """Whether ``test`` is ``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    pair = (test.left, test.comparators[0])
    return any(isinstance(n, ast.Name) and n.id == "__name__" for n in pair) and any(
        isinstance(n, ast.Constant) and n.value == "__main__" for n in pair
    )


_START_METHOD = re.compile(r"get_context\((\w+)\)")
#: ``get_context(spawn)`` in a dotted name, back to ``get_context()``.
_PLAIN_CALLS = re.compile(r"\((\w+)\)")


def _string_value(node: ast.AST) -> str | None:
    """A string constant, also through ``textwrap.dedent(...)`` or ``"...".format(...)``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute):
        if node.func.attr == "dedent":
            return _string_value(node.args[0])
        if node.func.attr == "format":
            return _string_value(node.func.value)
    return None


def _is_mock(name: str) -> bool:
    """Whether ``name`` is ``mock.patch`` (or ``patch.object``...): what it makes is a mock."""
    parts = name.replace("()", "").split(".")
    return "patch" in parts[-2:] and ("mock" in name or parts[0] == "patch")


#: Calls that start threads in this process (MPC208).
THREAD_STARTERS = frozenset(
    {
        "threading.Thread",
        "threading.Timer",
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "multiprocessing.dummy.Pool",
        "celery.contrib.testing.worker.start_worker",
    }
)

#: Methods whose calls are followed (ending, tasks, containers, starting).
_FOLLOWED_METHODS = frozenset(
    {"close", "join", "terminate", "kill", "shutdown", "start", "is_alive", "__exit__"}
    | TASK_METHODS
    | _CONTAINER_ADD
)

_ENDING = frozenset({"close", "join", "terminate", "kill", "shutdown"})


def _leaf(analysis: ModuleAnalysis, node: ast.AST) -> None:
    """Nothing below this node matters: names, constants, contexts, operators."""


_DISPATCH: dict[type[ast.AST], Callable[[ModuleAnalysis, Any], None]] = {
    **{
        kind: _leaf
        for base in (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
        for kind in base.__subclasses__()
    },
    ast.Name: _leaf,
    ast.Constant: _leaf,
    ast.Pass: _leaf,
    ast.FunctionDef: ModuleAnalysis._function,
    ast.AsyncFunctionDef: ModuleAnalysis._function,
    ast.Lambda: ModuleAnalysis._function,
    ast.ClassDef: ModuleAnalysis._class,
    ast.Global: ModuleAnalysis._global,
    ast.Nonlocal: ModuleAnalysis._global,
    ast.Import: ModuleAnalysis._import,
    ast.ImportFrom: ModuleAnalysis._import,
    ast.Assign: ModuleAnalysis._assign,
    ast.AnnAssign: ModuleAnalysis._assign,
    ast.With: ModuleAnalysis._with,
    ast.AsyncWith: ModuleAnalysis._with,
    ast.For: ModuleAnalysis._for,
    ast.AsyncFor: ModuleAnalysis._for,
    ast.ListComp: ModuleAnalysis._comprehension,
    ast.SetComp: ModuleAnalysis._comprehension,
    ast.GeneratorExp: ModuleAnalysis._comprehension,
    ast.DictComp: ModuleAnalysis._dict_comprehension,
    ast.Return: ModuleAnalysis._escape,
    ast.Yield: ModuleAnalysis._escape,
    ast.YieldFrom: ModuleAnalysis._escape,
    ast.Compare: ModuleAnalysis._compare,
    ast.If: ModuleAnalysis._if,
    ast.Call: ModuleAnalysis._call,
}
