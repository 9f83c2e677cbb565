"""The packages depend on one another in one direction (tests/layers.py), read from the imports themselves."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.layers import (
    LAYER_OF,
    PACKAGE,
    ROOT,
    Import,
    cycles,
    imported_modules,
    imports,
    package_graph,
    python_files,
    upward_imports,
)

ASSOCIATION_TABLES = ("task_assignees", "task_coordinating_units", "task_watchers")


def test_no_package_imports_a_package_of_its_own_layer_or_above() -> None:
    wrong = upward_imports(imports())
    assert not wrong, "imports against the layers of tests/layers.py:\n" + "\n".join(
        f"  {each.where}: {each.source} → {each.module}" for each in wrong)


def test_the_package_import_graph_has_no_cycle() -> None:
    assert cycles(package_graph()) == []


def test_every_package_has_its_place_in_the_layers() -> None:
    packages = {path.relative_to(ROOT / PACKAGE).parts[0].removesuffix(".py") for path in python_files()}
    assert packages - {"__init__"} - set(LAYER_OF) == set()


def test_an_import_of_a_higher_package_is_caught() -> None:
    # The check itself could pass by finding nothing: an import of tasks' models from units (below tasks), or
    # from directives' own layer sideways, is reported; one from reports (above tasks) is not.
    upward = Import("units", "tasks", "kpi_tasks.tasks.models", "kpi_tasks/units/services.py:1")
    sideways = Import("reports", "scoring", "kpi_tasks.scoring.models", "kpi_tasks/reports/views.py:1")
    downward = Import("reports", "tasks", "kpi_tasks.tasks.models", "kpi_tasks/reports/queries.py:1")
    assert upward_imports([upward, sideways, downward]) == [upward, sideways]
    assert cycles({"units": {"tasks"}, "tasks": {"units"}}) == [["tasks", "units"]]


def test_imports_inside_functions_count_and_type_checking_ones_do_not(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text("from typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from kpi_tasks.reports.models import Report\n"
                      "def f():\n    from kpi_tasks.tasks.models import Task\n    return Task\n"
                      "from . import services\n", encoding="utf-8")
    found = [name for name, _line in imported_modules(module, "kpi_tasks.units.probe")]
    assert found == ["kpi_tasks.tasks.models", "kpi_tasks.units"]


def test_only_tasks_reads_the_tables_behind_a_tasks_people_and_units() -> None:
    # Who is handed, who coordinates and who follows a task are the tasks package's to ask (tasks.queries).
    readers = []
    for path in python_files():
        if path.relative_to(ROOT / PACKAGE).parts[0] == "tasks":
            continue
        names = {node.id for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Name)}
        names |= {alias.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                  if isinstance(node, ast.ImportFrom) for alias in node.names}
        if names & set(ASSOCIATION_TABLES):
            readers.append(str(path.relative_to(ROOT)))
    assert readers == []
