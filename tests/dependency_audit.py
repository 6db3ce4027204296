"""The dependency audit: pip-audit over the installed packages, read so that it never passes in
silence.

pip-audit reports "No known vulnerabilities found" even when the advisory service answered for
none of the packages (a registry mirror without PyPI's JSON API, no route to OSV): each package
is then only *skipped*. This reads pip-audit's JSON report and says which of three things
happened: vulnerabilities found (exit 1), every package checked and clean, or some or all
packages not checked, with why (stated plainly; the run does not fail for what it could not
learn).

Usage: ``python tests/dependency_audit.py [--service pypi|osv] [--timeout SECONDS]``
(``./dev audit``; CI runs it after the tests).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditOutcome:
    """What one audit learnt."""

    checked: tuple[str, ...] = ()
    skipped: Mapping[str, str] = field(default_factory=dict)
    """Package name to why it could not be checked."""
    vulnerable: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """``name version`` to the advisory ids that concern it."""
    failure: str = ""
    """Why the audit could not run at all (empty when it ran)."""

    @property
    def exit_code(self) -> int:
        """1 when a vulnerability is known, else 0 (what could not be checked is reported)."""
        return 1 if self.vulnerable else 0

    def summary(self) -> str:
        """The audit's result in plain sentences."""
        lines = []
        if self.failure:
            return f"Dependency audit could not check anything: {self.failure}"
        for package, ids in sorted(self.vulnerable.items()):
            lines.append(f"VULNERABLE {package}: {', '.join(ids)}")
        total = len(self.checked) + len(self.skipped)
        if self.checked and not self.vulnerable:
            lines.append(
                f"{len(self.checked)} of {total} packages checked: no known vulnerability."
            )
        elif self.checked:
            lines.append(f"{len(self.checked)} of {total} packages checked.")
        if self.skipped:
            reasons = sorted(set(self.skipped.values()))
            example = reasons[0]
            lines.append(
                f"Dependency audit could not check {len(self.skipped)} of {total} packages "
                f"(for example: {example}); their vulnerability status is unknown."
            )
        if not total:
            lines.append("Dependency audit found no packages to check.")
        return "\n".join(lines)


def read_report(report: Mapping[str, Any]) -> AuditOutcome:
    """The outcome of pip-audit's JSON report (``-f json``).

    >>> outcome = read_report({"dependencies": [
    ...     {"name": "a", "version": "1.0", "vulns": []},
    ...     {"name": "b", "version": "2.0", "vulns": [{"id": "PYSEC-1"}]},
    ...     {"name": "c", "skip_reason": "Dependency not found on PyPI"}]})
    >>> outcome.checked, dict(outcome.vulnerable), dict(outcome.skipped), outcome.exit_code
    (('a', 'b'), {'b 2.0': ('PYSEC-1',)}, {'c': 'Dependency not found on PyPI'}, 1)
    """
    checked: list[str] = []
    skipped: dict[str, str] = {}
    vulnerable: dict[str, tuple[str, ...]] = {}
    for dependency in report.get("dependencies", []):
        name = str(dependency["name"])
        if "skip_reason" in dependency:
            skipped[name] = str(dependency["skip_reason"])
            continue
        checked.append(name)
        ids = tuple(str(vuln["id"]) for vuln in dependency.get("vulns", []))
        if ids:
            vulnerable[f"{name} {dependency.get('version', '?')}"] = ids
    return AuditOutcome(tuple(checked), skipped, vulnerable)


def run_audit(service: str, timeout: float, pip_audit: Sequence[str]) -> AuditOutcome:
    """Run pip-audit over this environment's installed packages (the project itself, installed
    editable, is not on any index and is left out) and read its report."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder, "audit.json")
        command = [
            *pip_audit,
            "--local",
            "--skip-editable",
            "--progress-spinner=off",
            f"--vulnerability-service={service}",
            f"--timeout={int(timeout)}",
            "--format=json",
            f"--output={output}",
        ]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if not output.exists():
            detail = (completed.stderr or completed.stdout).strip().splitlines()
            reason = detail[-1] if detail else f"pip-audit exited with {completed.returncode}"
            return AuditOutcome(failure=reason)
        return read_report(json.loads(output.read_text("utf-8")))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", choices=("pypi", "osv"), default="pypi")
    parser.add_argument("--timeout", type=float, default=15.0)
    args = parser.parse_args(argv)
    outcome = run_audit(args.service, args.timeout, [sys.executable, "-m", "pip_audit"])
    print(outcome.summary(), flush=True)
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
