"""A small district with known task outcomes on the frozen day 16/03/2026, for hand-computed scores.

Unit A (lead): a1, a2 done on time; a3 extended, then done within the new deadline; a4, a14 done late;
a5 overdue.
Not counted for A in 2026: a6 due 31/03 (not yet due), a7 due today (not yet late), a8 reported complete
and awaiting the office (listed, not scored), a9 withdrawn, a10 of a confidential directive, a11 due
20/12/2025 and done late on 10/01/2026 (it counts in 2025, where its deadline is), a12 due and done in
2025, a13 a standing task without deadline, a15 done on 10/03/2026 but due in 2027 (it counts in 2027).
A coordinates b1 (done on time) and c0 (overdue).
Unit B (lead): b1, b4, b5, b6 done on time; b3 done late.
Unit C (lead): c0, c1, c2 overdue; c3 done on time. C coordinates b1.
Unit E (lead): e1, e2, e3 done on time; e4 done late.
Unit D: only a task due in April: no score yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kpi_tasks.accounts.models import User
from kpi_tasks.extensions import db
from kpi_tasks.tasks.lifecycle import post_update, review_task
from kpi_tasks.tasks.models import Task
from kpi_tasks.tasks.services import withdraw_task
from kpi_tasks.units.models import Unit
from tests.factories import make_directive, make_task, make_unit, make_user

D = dt.date


@dataclass
class District:
    units: dict[str, Unit] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    office: User | None = None
    admin: User | None = None
    interior: User | None = None

    def ids(self, *names: str) -> list[int]:
        return sorted(self.tasks[name].id for name in names)


def finish(task: Task, completed_on: dt.date, reporter: User, office: User) -> Task:
    """Completion reported by the unit and confirmed by the office, as in real use."""
    post_update(task, reporter, progress_percent=None, note="Đã hoàn thành", report_completed=True,
                completed_on=completed_on)
    return review_task(task, office, decision="approve")


def extend(task: Task, new_deadline: dt.date) -> Task:
    # What an approved extension leaves in the row: the original deadline kept, the effective one later
    # (DESIGN.md §4). The extension-request workflow belongs to another area.
    task.effective_deadline = new_deadline
    db.session.flush()
    return task


def build_district() -> District:
    world = District()
    world.office = make_user("office")
    world.admin = make_user("admin")
    world.interior = make_user("interior")
    for code, kind in (("A", "department"), ("B", "department"), ("C", "commune"), ("D", "department"),
                       ("E", "department")):
        world.units[code] = make_unit(f"Đơn vị {code}", kind=kind, code=code)
    a, b, c, d, e = (world.units[code] for code in "ABCDE")
    office, admin = world.office, world.admin
    directive = make_directive(office, issued_on=D(2026, 1, 5))
    old_directive = make_directive(office, issued_on=D(2025, 11, 1))

    def task(name: str, unit: Unit, deadline: dt.date | None, coordinating: list[Unit] | None = None,
             source=directive) -> Task:
        world.tasks[name] = make_task(unit, deadline=deadline, directive=source, coordinating=coordinating,
                                      title=f"Nhiệm vụ {name}")
        return world.tasks[name]

    finish(task("a1", a, D(2026, 2, 10)), D(2026, 2, 5), admin, office)
    finish(task("a2", a, D(2026, 2, 20)), D(2026, 2, 20), admin, office)
    finish(extend(task("a3", a, D(2026, 2, 27)), D(2026, 3, 13)), D(2026, 3, 10), admin, office)
    finish(task("a4", a, D(2026, 2, 15)), D(2026, 3, 2), admin, office)
    task("a5", a, D(2026, 3, 6))
    task("a6", a, D(2026, 3, 31))
    task("a7", a, D(2026, 3, 16))
    post_update(task("a8", a, D(2026, 3, 9)), admin, progress_percent=None, note="Xong", report_completed=True,
                completed_on=D(2026, 3, 5))
    withdraw_task(task("a9", a, D(2026, 2, 10)), office, note="Không còn phù hợp")
    secret = make_directive(office, issued_on=D(2026, 1, 5))
    task("a10", a, D(2026, 2, 10), source=secret)
    secret.confidential = True
    finish(task("a11", a, D(2025, 12, 20), source=old_directive), D(2026, 1, 10), admin, office)
    finish(task("a12", a, D(2025, 12, 1), source=old_directive), D(2025, 11, 20), admin, office)
    task("a13", a, None)
    finish(task("a14", a, D(2026, 1, 20)), D(2026, 1, 26), admin, office)
    finish(task("a15", a, D(2027, 1, 15)), D(2026, 3, 10), admin, office)

    finish(task("b1", b, D(2026, 1, 30), coordinating=[a, c]), D(2026, 1, 28), admin, office)
    finish(task("b3", b, D(2026, 3, 2)), D(2026, 3, 9), admin, office)
    for name, deadline in (("b4", D(2026, 3, 13)), ("b5", D(2026, 2, 2)), ("b6", D(2026, 1, 20))):
        finish(task(name, b, deadline), deadline, admin, office)

    task("c0", c, D(2026, 2, 27), coordinating=[a])
    task("c1", c, D(2026, 3, 3))
    task("c2", c, D(2026, 3, 4))
    finish(task("c3", c, D(2026, 2, 2)), D(2026, 2, 1), admin, office)

    for name in ("e1", "e2", "e3"):
        finish(task(name, e, D(2026, 2, 27)), D(2026, 2, 26), admin, office)
    finish(task("e4", e, D(2026, 2, 27)), D(2026, 3, 3), admin, office)

    task("d1", d, D(2026, 4, 30))
    db.session.flush()
    return world
