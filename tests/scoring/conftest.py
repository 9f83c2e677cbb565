"""The scoring tests' hand-computed figures were written for a rule that also scores a coordinating unit on the
lead unit's lateness (the only rule before issue 16); they keep that rule. The shipped default, which does not,
is checked in test_coordination.py and by the demo's Bưu điện (tests/test_demo.py)."""

from __future__ import annotations

import pytest

from kpi_tasks.scoring import rules


@pytest.fixture(autouse=True)
def _coordinating_units_scored_on_lateness(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(rules.DEFAULT_SETTINGS, "coordinating_lateness", True)
