"""`make audit`: known vulnerabilities in the installed dependencies, with pip-audit (part of every release).

pip-audit asks a vulnerability service (PyPI's JSON API by default, OSV with `--service osv`) about each
installed distribution. Where that service cannot be reached, or answers for none of them (a mirror without
PyPI's JSON API says "not found on PyPI" for every package, and pip-audit then still prints "No known
vulnerabilities found"), nothing was checked: this script says so and exits 2, never 0. Exit codes: 0 every
dependency audited and none vulnerable; 1 a known vulnerability (listed with its fix); 2 not checked.
"""

from __future__ import annotations

import json
import subprocess
import sys

NOT_FOUND = "not found on PyPI"


def main(argv: list[str]) -> int:
    command = [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off", "--format",
               "json", *argv]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        reason = (result.stderr.strip().splitlines() or ["no answer"])[-1][:300]
        print(f"AUDIT NOT DONE: pip-audit could not reach its vulnerability service ({reason}).\n"
              "Nothing was checked. Run `make audit` where PyPI (or OSV: `make audit AUDIT_ARGS='-s osv'`) is "
              "reachable before releasing.")
        return 2
    code, lines = verdict(report)
    print("\n".join(lines))
    return code


def verdict(report: dict) -> tuple[int, list[str]]:
    """The exit code and the lines to print for pip-audit's JSON report."""
    dependencies = report.get("dependencies", [])
    audited = [item for item in dependencies if "skip_reason" not in item]
    skipped = [item for item in dependencies if "skip_reason" in item]
    vulnerable = [item for item in audited if item.get("vulns")]
    lines = []
    for item in vulnerable:
        for vuln in item["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            lines.append(f"VULNERABLE {item['name']} {item['version']}: {vuln['id']} (fixed in {fixed})")
    if vulnerable:
        return 1, [*lines, f"{len(vulnerable)} of {len(audited)} audited dependencies have known vulnerabilities."]
    unknown = [item for item in skipped if NOT_FOUND in item["skip_reason"]]
    if not audited or unknown:
        return 2, [f"AUDIT NOT DONE: the vulnerability service answered for {len(audited)} of {len(dependencies)} "
                   f"installed dependencies ({len(unknown)} reported as not on PyPI, e.g. "
                   f"{', '.join(item['name'] for item in unknown[:5])}): this index has no PyPI JSON API.",
                   "Run `make audit` where PyPI (or OSV: `make audit AUDIT_ARGS='-s osv'`) is reachable before "
                   "releasing."]
    names = ", ".join(item["name"] for item in skipped)
    return 0, [f"{len(audited)} dependencies audited, no known vulnerability"
               + (f" ({len(skipped)} skipped: {names})." if skipped else ".")]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
