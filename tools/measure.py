"""Figures for the code's shape: lines, long functions, the package import graph and its cycles.

Run `python tools/measure.py` from the repository's root; `--graph` also prints each package's imports. The
import graph is tests/layers.py's (what tests/test_layers.py checks): imports under `if TYPE_CHECKING:` only name
types and are left out.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.layers import cycles, imports, package_graph, python_files

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "kpi_tasks"
LONG_FUNCTION_LINES = 60


def count_lines(paths: list[Path]) -> int:
    return sum(len(path.read_text(encoding="utf-8").splitlines()) for path in paths)


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
    found = imports()
    graph = package_graph(found)
    groups = cycles(graph)
    print(f"package import cycles (run-time imports; tests/layers.py): {len(groups)}")
    for group in groups:
        print(f"  {len(group)} packages: {' '.join(group)}")
    if args.graph:
        for source in sorted(graph):
            print(f"  {source} → {' '.join(sorted(graph[source]))}")


if __name__ == "__main__":
    main()
