"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.schema import CreateIndex

from kpi_tasks.extensions import db


# SQLAlchemy cannot reflect SQLite's indexes on expressions, so autogenerate skips them there, with a warning
# (it compares them on PostgreSQL); the second test checks them on SQLite.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrated_schema_matches_the_models(app_ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_expression_indexes_are_built_as_the_models_describe_them(app_ctx):
    expression_indexes = [index for table in db.metadata.tables.values() for index in table.indexes
                          if any(not isinstance(column, sa.Column) for column in index.expressions)]
    assert expression_indexes, "no index on an expression: this test has nothing left to check"
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            built = dict(connection.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())
        else:
            built = dict(connection.execute(sa.text("SELECT indexname, indexdef FROM pg_indexes")).all())
        for index in expression_indexes:
            assert index.name in built, index.name
            if connection.dialect.name == "sqlite":
                wanted = str(CreateIndex(index).compile(dialect=connection.dialect))
                assert " ".join(built[index.name].split()) == " ".join(wanted.split())
