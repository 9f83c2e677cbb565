"""The KPI data's version (models.KpiDataVersion), and the summaries remembered by it.

A province's KPI figures change when someone enters or imports them, a few times a month; the dashboard and the
scoring read a year of them (96,000 figures) on every view. `remembered` keeps a summary per (version, arguments) in
the process, and the version changes in the transaction of every write that can change a summary:

- a flush that adds, changes or deletes a KPI, a target, a figure or a unit (`_bump_after_flush`);
- a statement around the ORM (INSERT, UPDATE, DELETE) on one of their tables: the commit bumps it
  (`_bump_before_commit`), so a forgotten path costs a recount, never a stale figure.

The number comes from a PostgreSQL sequence, which a rolled-back transaction never gives back: a summary remembered
under a transaction's own, uncommitted number is never found by another. On SQLite (one process, the demo) nothing is
remembered. Data written behind the application's back (a restore) needs a restart of the app, or any KPI write.
"""

from __future__ import annotations

import functools
import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable
from itertools import chain
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import Kpi, KpiDataVersion, KpiMeasurement, KpiTarget
from kpi_tasks.units.models import Unit

SEQUENCE = "kpi_data_version_seq"
WATCHED_MODELS = (Kpi, KpiTarget, KpiMeasurement, Unit)
WATCHED_TABLES = frozenset({"kpis", "kpi_targets", "kpi_measurements", "units"})
_TOUCHED = "kpi_data.touched"
REMEMBERED = 256  # summaries per function: a day's few periods and KPI sets

Result = TypeVar("Result")


def current() -> tuple[str, int] | None:
    """(epoch, version) of the KPI data as this transaction sees it; None where nothing is remembered."""
    if db.session.get_bind().dialect.name != "postgresql" or db.session.info.get(_TOUCHED):
        return None  # a statement around the ORM changed the data: its new number comes at the commit
    row = db.session.execute(sa.select(KpiDataVersion.epoch, KpiDataVersion.version)).first()
    return (row[0], int(row[1])) if row else None


def start(connection: Connection) -> None:
    """Make the row (a migration, a test): a new epoch, version 0."""
    connection.execute(sa.delete(KpiDataVersion))
    connection.execute(sa.insert(KpiDataVersion).values(id=1, epoch=secrets.token_hex(16), version=0))


def _bump(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.update(KpiDataVersion).values(version=sa.func.nextval(SEQUENCE)))


@sa.event.listens_for(Session, "after_flush")
def _bump_after_flush(session: Session, flush_context: UOWTransaction) -> None:
    if any(isinstance(instance, WATCHED_MODELS) for instance in chain(session.new, session.dirty, session.deleted)):
        _bump(session.connection())


@sa.event.listens_for(Session, "do_orm_execute")
def _note_core_writes(state: ORMExecuteState) -> None:
    table = getattr(state.statement, "table", None)
    if (state.is_insert or state.is_update or state.is_delete) and getattr(table, "name", "") in WATCHED_TABLES:
        state.session.info[_TOUCHED] = True


@sa.event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    if session.info.pop(_TOUCHED, False):
        session.flush()
        _bump(session.connection())


@sa.event.listens_for(Session, "after_rollback")
def _forget_touch(session: Session) -> None:
    session.info.pop(_TOUCHED, None)


def remembered(key: Callable[..., Hashable]) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Remember a function's answers per KPI data version and `key(*args, **kwargs)`. Its answers are shared by
    every caller: read only."""

    def decorate(function: Callable[..., Result]) -> Callable[..., Result]:
        answers: OrderedDict[Hashable, Any] = OrderedDict()

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Result:
            version = current()
            if version is None:
                return function(*args, **kwargs)
            found = (version, key(*args, **kwargs))
            if found in answers:
                answers.move_to_end(found)
                return answers[found]
            answer = answers[found] = function(*args, **kwargs)
            while len(answers) > REMEMBERED:
                answers.popitem(last=False)
            return answer

        wrapper.forget = answers.clear  # type: ignore[attr-defined]
        return wrapper

    return decorate
