"""Figures for the code's shape: lines, long functions, the package import graph and its cycles.

Run `python tools/measure.py` from the repository's root; `--graph` also prints each package's imports.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "kpi_tasks"
LONG_FUNCTION_LINES = 60


def python_files() -> list[Path]:
    return sorted((ROOT / PACKAGE).rglob("*.py"))


def count_lines(paths: list[Path]) -> int:
    return sum(len(path.read_text(encoding="utf-8").splitlines()) for path in paths)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str | None:
    """`kpi_tasks.tasks.services` → `tasks`; `kpi_tasks.jobs` → `jobs`; the root itself → None."""
    parts = module.split(".")
    if parts[0] != PACKAGE or len(parts) < 2:
        return None
    return parts[1]


def imported_modules(path: Path) -> list[tuple[str, int]]:
    """Every kpi_tasks module the file imports (at any depth: lazy imports count too), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = module_name(path)
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = own.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((target, node.lineno))
            # `from kpi_tasks import tasks` names a package, not an attribute
            if target == PACKAGE:
                found += [(f"{PACKAGE}.{alias.name}", node.lineno) for alias in node.names]
    return [(name, line) for name, line in found if name == PACKAGE or name.startswith(PACKAGE + ".")]


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in python_files():
        source = package_of(module_name(path))
        if source is None:
            continue
        graph[source]
        for target_module, _line in imported_modules(path):
            target = package_of(target_module)
            if target and target != source:
                graph[source].add(target)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of packages that import each other round a cycle (size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
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

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def long_functions(limit: int = LONG_FUNCTION_LINES) -> list[tuple[int, str]]:
    found = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = node.end_lineno - first + 1
                if length > limit:
                    found.append((length, f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"))
    return sorted(found, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--graph", action="store_true", help="print each package's imports")
    args = parser.parse_args()
    templates = sorted((ROOT / "templates").rglob("*.html")) + sorted((ROOT / PACKAGE).rglob("*.html"))
    print(f"lines: {PACKAGE}/ {count_lines(python_files())} python, templates {count_lines(templates)}")
    longest = long_functions()
    print(f"functions over {LONG_FUNCTION_LINES} lines: {len(longest)}")
    for length, where in longest:
        print(f"  {length:4d} {where}")
    graph = package_graph()
    cycles = strongly_connected(graph)
    print(f"package import cycles: {len(cycles)}")
    for group in cycles:
        print(f"  {len(group)} packages: {' '.join(group)}")
    if args.graph:
        for source in sorted(graph):
            print(f"  {source} → {' '.join(sorted(graph[source]))}")


if __name__ == "__main__":
    main()
