"""`make audit`'s verdict on pip-audit's report: a vulnerability fails; an audit that checked nothing never passes."""

from __future__ import annotations

from checks.audit import verdict

AUDITED = {"name": "flask", "version": "3.1.3", "vulns": []}


def test_a_known_vulnerability_fails_the_audit_and_names_its_fix():
    vulnerable = {"name": "werkzeug", "version": "3.0.0", "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["3.0.6"]}]}
    code, lines = verdict({"dependencies": [AUDITED, vulnerable]})
    assert code == 1
    assert "GHSA-xxxx" in lines[0]
    assert "3.0.6" in lines[0]


def test_an_index_that_knows_no_package_is_not_a_clean_audit():
    skipped = {"name": "flask", "skip_reason": "Dependency not found on PyPI and could not be audited: flask (3.1.3)"}
    code, lines = verdict({"dependencies": [skipped]})
    assert code == 2
    assert "AUDIT NOT DONE" in lines[0]


def test_every_dependency_audited_and_none_vulnerable_passes():
    editable = {"name": "kpi-tasks", "skip_reason": "distribution marked as editable"}
    assert verdict({"dependencies": [AUDITED, editable]})[0] == 0
