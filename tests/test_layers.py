"""The packages depend on one another in one direction (tests/layers.py), read from the imports themselves."""

from __future__ import annotations

import ast
from collections.abc import Iterator
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
TASKS_MODELS_MODULE = f"{PACKAGE}.tasks.models"
# Handed one of tasks' models, these build SQL on its table, or an alias to build it with (db.session.get(Task, id),
# the ORM's fetch of one object, does not).
STATEMENT_BUILDERS = ("select", "select_from", "join", "outerjoin", "join_from", "update", "delete", "insert",
                      "aliased")


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


def tasks_tables() -> set[str]:
    """The names of the models and tables that kpi_tasks/tasks/models.py defines."""
    tree = ast.parse((ROOT / PACKAGE / "tasks" / "models.py").read_text(encoding="utf-8"))
    names = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    names |= {target.id for node in tree.body if isinstance(node, ast.Assign) and "Table(" in ast.unparse(node.value)
              for target in node.targets if isinstance(target, ast.Name)}
    return names


def _expression_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under `node` but type annotations and the classes handed to isinstance/issubclass: naming a
    model there reads no table."""
    for name, value in ast.iter_fields(node):
        if name in ("annotation", "returns"):
            continue
        if (name == "args" and isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("isinstance", "issubclass")):
            continue
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ast.AST):
                yield child
                yield from _expression_nodes(child)


def tasks_column_uses(path: Path, tables: set[str]) -> list[str]:
    """Where the module at `path` uses a column (or relationship) of one of tasks' models or tables in an
    expression: `Task.id`, `models.TaskOccurrence.due_on` (tasks' models module imported whole), or hands one of
    them to a statement: `sa.select(Task)`, `.select_from(Task)`, `.join(TaskOccurrence, …)`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    models: set[str] = set()  # the local names of tasks' models and tables
    modules: set[str] = set()  # the local names of kpi_tasks.tasks.models itself
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == TASKS_MODELS_MODULE:
            models |= {alias.asname or alias.name for alias in node.names if alias.name in tables}
        elif isinstance(node, ast.ImportFrom) and node.module == f"{PACKAGE}.tasks":
            modules |= {alias.asname or alias.name for alias in node.names if alias.name == "models"}
        elif isinstance(node, ast.Import):
            modules |= {alias.asname for alias in node.names if alias.name == TASKS_MODELS_MODULE and alias.asname}

    def is_model(node: ast.AST) -> bool:
        return (isinstance(node, ast.Name) and node.id in models) or (
            isinstance(node, ast.Attribute) and node.attr in tables
            and isinstance(node.value, ast.Name) and node.value.id in modules)

    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    uses = []
    for node in _expression_nodes(tree):
        if isinstance(node, ast.Attribute) and is_model(node.value):
            uses.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Call) and any(is_model(argument) for argument in node.args):
            builder = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if builder in STATEMENT_BUILDERS:
                uses.append(f"{where}:{node.lineno}: {ast.unparse(node.func)}(…)")
    return uses


def test_only_tasks_builds_sql_on_its_tables() -> None:
    # Other packages ask tasks for tasks (tasks.queries, tasks.periods, tasks.lookups) with plain values; a column
    # of Task or of one of its companions used anywhere else is SQL on tasks' tables written outside tasks.
    tables = tasks_tables()
    uses = [use for path in python_files() if path.relative_to(ROOT / PACKAGE).parts[0] != "tasks"
            for use in tasks_column_uses(path, tables)]
    assert uses == [], "columns of tasks' models used outside kpi_tasks/tasks/:\n" + "\n".join(uses)


def test_a_column_of_tasks_models_outside_tasks_is_caught(tmp_path: Path) -> None:
    # The check could pass by finding nothing: each way of reaching a column or of handing a model to a statement
    # is reported; naming a model in an annotation, in isinstance, in a constructor or in db.session.get, or an
    # instance's attribute, is not.
    module = tmp_path / "probe.py"
    module.write_text(
        "import sqlalchemy as sa\n"
        "from kpi_tasks.tasks import models\n"
        "from kpi_tasks.tasks.models import STATE_OPEN, Task, task_assignees\n"
        "from kpi_tasks.tasks.models import TaskOccurrence as Occurrence\n"
        "def late(task: Task, day: Task.deadline) -> list[Task]:\n"
        "    if isinstance(task, (Task, Occurrence)):\n"
        "        return [Task(title=task.title, state=STATE_OPEN)]\n"
        "    query = sa.select(Task.id).where(Occurrence.due_on < day)\n"
        "    query = query.where(task_assignees.c.user_id == 1, models.TaskGroup.id == 2)\n"
        "    count = sa.select(sa.func.count()).select_from(Task)\n"
        "    parent = aliased(Task)\n"
        "    return query.join(models.TaskOccurrence), sa.update(Occurrence), db.session.get(Task, 1), count, parent\n",
        encoding="utf-8")
    assert tasks_column_uses(module, tasks_tables()) == [
        "probe.py:8: Task.id", "probe.py:8: Occurrence.due_on", "probe.py:9: task_assignees.c",
        "probe.py:9: models.TaskGroup.id", "probe.py:10: sa.select(sa.func.count()).select_from(…)",
        "probe.py:11: aliased(…)", "probe.py:12: query.join(…)", "probe.py:12: sa.update(…)",
    ]
