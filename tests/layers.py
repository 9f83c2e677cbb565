"""The package layers of kpi_tasks and the import graph that must respect them (test_layers.py, tools/measure.py).

A package may import the packages of the layers below its own, never one of its own layer or above: the
dependencies point one way, from the web layer down to the kernel. Imports under `if TYPE_CHECKING:` only name
types for annotations and are left out; imports inside functions count like the others.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "kpi_tasks"

# Bottom first. The kernel's modules may import one another (they form no cycle: test_layers.py checks it).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("kernel", ("config", "clock", "errors", "extensions", "text", "validation", "forms", "pagination", "backup",
                "spreadsheets", "deletion", "storage", "input_bounds", "hooks", "sql")),
    ("audit log", ("audit",)),
    ("accounts and the access policy", ("accounts",)),
    ("API plumbing", ("api",)),
    ("organisation and files", ("units", "calendar", "attachments")),
    ("background jobs' queue", ("background",)),
    ("documents", ("documents",)),
    ("directives", ("directives",)),
    ("tasks", ("tasks",)),
    ("work on tasks", ("milestones", "kpis")),
    ("dossiers", ("dossiers",)),
    ("figures", ("reports", "scoring")),
    ("notifications", ("notifications",)),
    ("jobs", ("jobs",)),
    ("user administration", ("users",)),
    ("pages and tools over everything", ("home", "intake", "demo")),
    ("entry points", ("web", "cli", "__main__")),
]
KERNEL = LAYERS[0][0]
LAYER_OF = {package: index for index, (_name, packages) in enumerate(LAYERS) for package in packages}


@dataclass(frozen=True)
class Import:
    source: str  # the importing package ("tasks")
    target: str  # the imported package ("accounts")
    module: str  # the imported module ("kpi_tasks.accounts.permissions")
    where: str  # "kpi_tasks/tasks/views.py:12"


def python_files() -> list[Path]:
    return sorted((ROOT / PACKAGE).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str | None:
    """`kpi_tasks.tasks.services` → `tasks`; `kpi_tasks.clock` → `clock`; `kpi_tasks` itself → None."""
    parts = module.split(".")
    if parts[0] != PACKAGE or len(parts) < 2:
        return None
    return parts[1]


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but what sits under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (child for orelse in node.orelse for child in [orelse, *_runtime_nodes(orelse)])
            continue
        yield node
        yield from _runtime_nodes(node)


def imported_modules(path: Path, own: str | None = None) -> Iterator[tuple[str, int]]:
    """The kpi_tasks modules `path` (the module `own`, by default its name under the repository) imports at run
    time, with the line of each import."""
    own = own or module_name(path)
    base = own.split(".") if path.name == "__init__.py" else own.split(".")[:-1]
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                prefix = base[: len(base) - node.level + 1]
                target = ".".join([*prefix, node.module] if node.module else prefix)
            else:
                target = node.module or ""
            # `from kpi_tasks import tasks` names a package, `from kpi_tasks.jobs import services` a module
            names = [target, *(f"{target}.{alias.name}" for alias in node.names
                               if target == PACKAGE and _is_module(f"{target}.{alias.name}"))]
        else:
            continue
        for name in names:
            if name.split(".")[0] == PACKAGE:
                yield name, node.lineno


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def imports() -> list[Import]:
    found = []
    for path in python_files():
        source = package_of(module_name(path))
        if source is None:
            continue
        for module, line in imported_modules(path):
            target = package_of(module)
            if target is not None and target != source:
                found.append(Import(source, target, module, f"{path.relative_to(ROOT)}:{line}"))
    return found


def package_graph(found: list[Import] | None = None) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in python_files():
        if (package := package_of(module_name(path))) is not None:
            graph[package]
    for each in imports() if found is None else found:
        graph[each.source].add(each.target)
    return graph


def upward_imports(found: list[Import]) -> list[Import]:
    """The imports that go against the layers: to a package of the same layer or above (kernel excepted)."""
    wrong = []
    for each in found:
        source, target = LAYER_OF.get(each.source), LAYER_OF.get(each.target)
        if source is None or target is None:
            wrong.append(each)  # a package no layer names: it must be given its place
        elif target > source or (target == source and LAYERS[source][0] != KERNEL):
            wrong.append(each)
    return wrong


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of packages that import one another round a cycle (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups
