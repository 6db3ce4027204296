"""Nox sessions: tests, lint, typecheck and benchmarks.

Each session installs the project with its development extras into its own environment, so
``nox`` needs nothing but itself. ``./dev`` runs the same tools in ``.venv`` without nox.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.default_venv_backend = "uv|virtualenv"

PYTHON = ["3.11", "3.12", "3.13"]


@nox.session(python=PYTHON[0])
def tests(session: nox.Session) -> None:
    """Run the test suite (SQLite, Postgres and Redis; servers must be reachable under CI)."""
    session.install("-e", ".[dev]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON[0])
def lint(session: nox.Session) -> None:
    """Ruff: lint rules and formatting."""
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "benchmarks", "examples", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks", "examples", "noxfile.py")


@nox.session(python=PYTHON[0])
def typecheck(session: nox.Session) -> None:
    """Mypy over the package, the tests, the benchmarks and this file; strict on the engine and
    the domain."""
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session(python=PYTHON[0])
def bench(session: nox.Session) -> None:
    """Run every benchmark script; pass ``-- --quick`` for a short smoke run, or a benchmark's
    name first to run that one with its own options (``-- commerce --listings 10000``)."""
    python = "python"
    if session.venv_backend == "none":
        python = sys.executable  # ``./dev bench`` runs in the project's own environment
    else:
        session.install("-e", ".[dev]")
    args = list(session.posargs)
    scripts = sorted(Path("benchmarks").glob("bench_*.py"))
    if args and not args[0].startswith("-"):
        name = args.pop(0)
        scripts = [script for script in scripts if script.stem == f"bench_{name}"]
        if not scripts:
            session.error(f"no benchmark named {name!r} (benchmarks/bench_{name}.py)")
    for script in scripts:
        session.log(f"benchmark: {script}")
        session.run(python, str(script), *args, external=True)


@nox.session(python=PYTHON[0])
def mutation(session: nox.Session) -> None:
    """Mutation testing of the scopes in tests/mutation/scopes.toml (all of them unless named);
    ``-- check`` runs only the changed scopes and fails on a new survivor, as CI does."""
    session.install("-e", ".[dev]")
    args = session.posargs or ["run"]
    session.run("python", "tests/mutation/mutation_run.py", *args)
