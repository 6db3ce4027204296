"""The dependency audit never reports "no vulnerabilities" for packages it could not check."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

from dependency_audit import AuditOutcome, read_report, run_audit

SKIPPED = {
    "name": "litestar",
    "skip_reason": "Dependency not found on PyPI and could not be audited",
}


def test_packages_the_service_did_not_answer_for_are_said_to_be_unchecked() -> None:
    outcome = read_report({"dependencies": [SKIPPED, {**SKIPPED, "name": "numpy"}]})
    assert outcome.exit_code == 0
    assert outcome.summary() == (
        "Dependency audit could not check 2 of 2 packages (for example: Dependency not found "
        "on PyPI and could not be audited); their vulnerability status is unknown."
    )


def test_a_known_vulnerability_fails_the_audit_and_is_named() -> None:
    report = {
        "dependencies": [
            {"name": "jinja2", "version": "2.4", "vulns": [{"id": "PYSEC-2014-8"}, {"id": "X-1"}]},
            {"name": "numpy", "version": "2.0", "vulns": []},
            SKIPPED,
        ]
    }
    outcome = read_report(report)
    assert outcome.exit_code == 1
    assert outcome.summary().splitlines() == [
        "VULNERABLE jinja2 2.4: PYSEC-2014-8, X-1",
        "2 of 3 packages checked.",
        "Dependency audit could not check 1 of 3 packages (for example: Dependency not found "
        "on PyPI and could not be audited); their vulnerability status is unknown.",
    ]


def test_every_package_checked_and_clean() -> None:
    outcome = read_report({"dependencies": [{"name": "numpy", "version": "2.0", "vulns": []}]})
    assert (outcome.exit_code, outcome.summary()) == (
        0,
        "1 of 1 packages checked: no known vulnerability.",
    )


def fake_pip_audit(tmp_path: Path, body: str) -> list[str]:
    script = tmp_path / "fake_pip_audit.py"
    script.write_text(textwrap.dedent(body), "utf-8")
    return [sys.executable, str(script)]


def test_the_audit_reads_the_report_pip_audit_writes(tmp_path: Path) -> None:
    report = {"dependencies": [{"name": "numpy", "version": "2.0", "vulns": [{"id": "GHSA-1"}]}]}
    command = fake_pip_audit(
        tmp_path,
        f"""
        import sys
        args = sys.argv[1:]
        assert "--local" in args and "--skip-editable" in args and "--format=json" in args
        assert "--vulnerability-service=osv" in args and "--timeout=7" in args
        output = next(a.split("=", 1)[1] for a in args if a.startswith("--output="))
        open(output, "w").write({json.dumps(json.dumps(report))})
        sys.exit(1)
        """,
    )
    outcome = run_audit("osv", 7, command)
    assert outcome == AuditOutcome(("numpy",), {}, {"numpy 2.0": ("GHSA-1",)})


def test_an_audit_that_could_not_run_says_why(tmp_path: Path) -> None:
    command = fake_pip_audit(
        tmp_path,
        """
        import sys
        print("ConnectionError: no route to the advisory service", file=sys.stderr)
        sys.exit(1)
        """,
    )
    outcome = run_audit("pypi", 5, command)
    assert outcome.exit_code == 0
    assert outcome.summary() == (
        "Dependency audit could not check anything: "
        "ConnectionError: no route to the advisory service"
    )
