"""Run mutmut over the scopes of ``scopes.toml`` and compare what survives with the record.

Usage (``./dev mutation ...`` runs this in the project's environment; ``nox -s mutation`` too)::

    mutation_run.py run [MODULE ...] [--record] [--jobs N]   every scope, or the ones named
    mutation_run.py check [--jobs N]    the scopes whose module or tests changed since their
                                        recorded run; fails on a survivor the record lacks
    mutation_run.py report              the per-module table of docs/testing.md

Each scope runs in its own workspace under ``.mutation/`` (a copy of ``src`` and ``tests`` with
a ``[tool.mutmut]`` section naming the one module and its tests), from a clean start, so a
result never depends on an earlier run.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from mutation_scopes import (
    RESULTS_FILE,
    Scope,
    ScopeResult,
    Survivor,
    change_of,
    dump_results,
    function_of,
    load_results,
    load_scopes,
    markdown_report,
    new_survivors,
    scopes_to_check,
    with_verdicts,
)

ROOT = Path(__file__).resolve().parents[2]
WORKSPACES = ROOT / ".mutation"
PROGRESS_EVERY = 20.0  # seconds between progress lines
_PROGRESS = re.compile(r"(\d+)/(\d+)\s+🎉 (\d+) 🫥 (\d+)\s+⏰ (\d+)\s+🤔 (\d+)\s+🙁 (\d+)")
_RESULT_LINE = re.compile(r"^\s+(\S+): (.+)$")


class MutmutFailed(Exception):
    """mutmut could not run a scope (its clean test run failed, say); the others still run."""


def _mutmut() -> str:
    found = shutil.which("mutmut", path=str(Path(sys.executable).parent)) or shutil.which("mutmut")
    if found is None:
        raise SystemExit("mutmut is not installed: run ./dev mutation, which installs it")
    return found


def _workspace(scope: Scope) -> Path:
    """A fresh copy of the sources and tests, configured to mutate one module."""
    workspace = WORKSPACES / scope.dotted
    shutil.rmtree(workspace, ignore_errors=True)
    workspace.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    shutil.copytree(ROOT / "src", workspace / "src", ignore=ignore)
    shutil.copytree(ROOT / "tests", workspace / "tests", ignore=ignore)
    selection = [*scope.tests, "-p", "no:cacheprovider"]
    config = "\n".join(
        [
            "",
            "[tool.mutmut]",
            'source_paths = ["src"]',
            f'only_mutate = ["{scope.module}"]',
            f"pytest_add_cli_args_test_selection = {_toml_list(selection)}",
            'pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-q"]',
            "use_git_change_detection = false",
            "",
        ]
    )
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    (workspace / "pyproject.toml").write_text(pyproject + config, "utf-8")
    return workspace


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def _run_mutmut(scope: Scope, workspace: Path, jobs: int) -> None:
    """``mutmut run``, with a progress line every few seconds instead of its spinner."""
    log_path = workspace / "mutmut.log"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
    started = time.monotonic()
    last_report = started
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [_mutmut(), "run", "--max-children", str(jobs)],
            cwd=workspace,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        assert process.stdout is not None
        latest = ""
        for chunk in iter(lambda: process.stdout.read(4096), ""):  # type: ignore[union-attr]
            log.write(chunk)
            frames = _PROGRESS.findall(chunk)
            if frames:
                latest = (
                    "{}/{} checked: {} killed, {} without tests, {} timed out, {} survived".format(
                        *(frames[-1][i] for i in (0, 1, 2, 3, 4, 6))
                    )
                )
            now = time.monotonic()
            if latest and now - last_report >= PROGRESS_EVERY:
                print(f"  {scope.module}: {latest} ({now - started:.0f} s)", flush=True)
                last_report = now
        code = process.wait()
    if code != 0:
        tail = log_path.read_text("utf-8", errors="replace")[-3000:]
        raise MutmutFailed(f"mutmut failed on {scope.module} (exit {code}); its log ends:\n{tail}")
    print(f"  {scope.module}: done in {time.monotonic() - started:.0f} s", flush=True)


def _collect(scope: Scope, workspace: Path) -> ScopeResult:
    """Counts and survivors from ``mutmut results --all``; each survivor's diff from ``show``."""
    listing = subprocess.run(
        [_mutmut(), "results", "--all", "true"],
        cwd=workspace,
        check=True,
        capture_output=True,
        text=True,
        encoding="utf-8",
    ).stdout
    counts: dict[str, int] = {}
    survivors = []
    for line in listing.splitlines():
        match = _RESULT_LINE.match(line)
        if match is None or not match[1].startswith(scope.dotted + "."):
            continue
        name, status = match[1], match[2]
        counts[status] = counts.get(status, 0) + 1
        if status in ("survived", "no tests"):
            diff = subprocess.run(
                [_mutmut(), "show", name],
                cwd=workspace,
                check=True,
                capture_output=True,
                text=True,
                encoding="utf-8",
            ).stdout
            survivors.append(Survivor(function_of(name), change_of(diff)))
    if not counts:
        raise SystemExit(f"mutmut produced no mutants for {scope.module}: is the path right?")
    # the fingerprint of the copy that was mutated, not of files edited since
    return ScopeResult(scope.module, scope.fingerprint(workspace), counts, survivors)


def run_scope(scope: Scope, jobs: int) -> ScopeResult:
    print(f"mutating {scope.module} (tests: {' '.join(scope.tests)})", flush=True)
    workspace = _workspace(scope)
    _run_mutmut(scope, workspace, jobs)
    return _collect(scope, workspace)


def _print_survivors(title: str, survivors: list[Survivor]) -> None:
    print(title)
    for survivor in survivors:
        print(f"  in {survivor.function}:")
        for line in survivor.change.splitlines():
            print(f"      {line}")


def _select(scopes: list[Scope], modules: list[str]) -> list[Scope]:
    if not modules:
        return scopes
    by_name = {name: scope for scope in scopes for name in (scope.module, scope.dotted)}
    unknown = [module for module in modules if module not in by_name]
    if unknown:
        raise SystemExit(f"not in tests/mutation/scopes.toml: {', '.join(unknown)}")
    return [by_name[module] for module in modules]  # in the order asked for


def _record(result: ScopeResult) -> None:
    """Write one scope's result into the record, under a lock: runs may go side by side."""
    with (RESULTS_FILE.parent / ".results.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        results = load_results()
        results[result.module] = result
        RESULTS_FILE.write_text(dump_results(results), "utf-8")


def command_run(modules: list[str], record: bool, jobs: int) -> int:
    failed = []
    for scope in _select(load_scopes(), modules):
        try:
            result = run_scope(scope, jobs)
        except MutmutFailed as exc:
            print(exc, flush=True)
            failed.append(scope.module)
            continue
        previous = load_results().get(scope.module)  # verdicts written since the run began
        result.survivors = with_verdicts(result.survivors, previous.survivors if previous else [])
        open_survivors = [s for s in result.survivors if s.verdict == "open"]
        print(
            f"{scope.module}: {result.killed} of {result.total} killed, {result.equivalent} "
            f"equivalent, {len(open_survivors)} open: score {result.score:.1f}%"
        )
        if open_survivors:
            _print_survivors("open survivors:", open_survivors)
        if record:
            _record(result)
    if failed:
        print(f"mutmut could not run: {', '.join(failed)}")
        return 1
    return 0


def command_check(jobs: int) -> int:
    """CI: mutate only the scopes that changed; a survivor the record lacks fails the run."""
    recorded = load_results()
    failures = 0
    stale, skipped = scopes_to_check(load_scopes(), recorded, ROOT)
    for scope in skipped:
        print(f"mutation check: skipping {scope.module}, not measured yet ({scope.pending})")
    if not stale:
        print("mutation check: no measured module changed since its recorded run")
        return 0
    print(f"mutation check: {len(stale)} scope(s) changed since their recorded run")
    for scope in stale:
        try:
            result = run_scope(scope, jobs)
        except MutmutFailed as exc:
            print(exc, flush=True)
            failures += 1
            continue
        previous = recorded.get(scope.module)
        fresh = new_survivors(result.survivors, previous.survivors if previous else [])
        if fresh:
            failures += len(fresh)
            _print_survivors(f"{scope.module}: {len(fresh)} new surviving mutant(s):", fresh)
        else:
            print(f"{scope.module}: no new survivors (score {result.score:.1f}%)")
    if failures:
        print(
            "Kill each new survivor with a test, or, if it cannot change behaviour, record it "
            "as equivalent with a reason: ./dev mutation run MODULE --record, then edit "
            "tests/mutation/results.toml."
        )
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="mutate every scope, or the modules named")
    run.add_argument("modules", nargs="*", help="module paths (src/...) or dotted names")
    run.add_argument("--record", action="store_true", help="write the results to results.toml")
    check = commands.add_parser("check", help="mutate the changed scopes; fail on new survivors")
    for sub in (run, check):
        sub.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel mutants")
    commands.add_parser("report", help="print the per-module score table")
    args = parser.parse_args(argv)
    if args.command == "run":
        return command_run(args.modules, args.record, args.jobs)
    if args.command == "check":
        return command_check(args.jobs)
    print(markdown_report(load_results(), load_scopes()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
