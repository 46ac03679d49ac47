"""Dependency audit (`make audit`, run by .ci/run): pip-audit over the project's virtualenv.

Fails on any known vulnerability. Where pip-audit cannot reach a vulnerability database
(PyPI's per-release JSON or OSV), it skips the packages it could not look up; this script
then says plainly how many were not audited, so a green run never hides an audit that did
not happen.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def main() -> int:
    proc = subprocess.run(
        [str(VENV_BIN / "pip-audit"), "--skip-editable", "--progress-spinner", "off", "-f", "json"],
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        print(proc.stdout + proc.stderr)
        print("AUDIT FAILED TO RUN (pip-audit gave no report)")
        return 1
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = len(deps) - len(skipped)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    print(
        f"dependency audit: {audited} packages audited, {len(vulnerable)} vulnerable, "
        f"{len(skipped)} not audited"
    )
    if skipped and not audited:
        print(
            "AUDIT NOT PERFORMED: no vulnerability data was reachable from this machine "
            f"(first reason: {skipped[0]['skip_reason']})"
        )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
