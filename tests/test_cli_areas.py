"""The command line loads only the area of the command it runs: ``reptidex genetics cross``
imports neither the services nor the web framework nor the database layer, so it starts in
a fraction of the time the whole command line takes to import. Which modules load is checked
(a fact), not how long it takes (timings belong to benchmarks)."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

import pytest

from reptidex.cli import AREAS, area_of, build_parser

HEAVY = ("litestar", "sqlalchemy", "advanced_alchemy", "reptidex.services", "reptidex.adapters")
"""What an engine command has no use for."""


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(subparsers.choices)


@pytest.mark.parametrize("area", AREAS)
def test_each_area_registers_the_commands_the_table_names(area: str) -> None:
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers(dest="command")
    importlib.import_module(f"reptidex.cli.{area}").register(subparsers)
    assert tuple(_commands(parser)) == AREAS[area]


def test_the_whole_parser_has_every_command_in_help_order() -> None:
    assert _commands(build_parser()) == [c for commands in AREAS.values() for c in commands]


def test_a_command_is_parsed_alike_by_its_area_alone() -> None:
    argv = ["genetics", "cross", "--species", "ball_python", "Pastel het Clown", "Clown"]
    whole, alone = build_parser().parse_args(argv), build_parser(["genetics"]).parse_args(argv)
    assert {k: v for k, v in vars(whole).items() if k != "func"} == {
        k: v for k, v in vars(alone).items() if k != "func"
    }


@pytest.mark.parametrize(
    "argv",
    [
        ["genetics", "cross", "--species", "ball_python", "Pastel het Clown", "Clown"],
        ["genetics", "species"],
    ],
)
def test_an_engine_command_loads_no_service_code(argv: list[str]) -> None:
    probe = (
        "import sys\n"
        "from reptidex.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as end:\n"
        "    assert end.code == 0, end.code\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} "
        f"or m.startswith({HEAVY[-2:]!r}))\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert "LOADED []" in ran.stderr, ran.stderr


def test_help_and_unknown_commands_get_the_whole_parser() -> None:
    assert area_of([]) is None
    assert area_of(["--version"]) is None
    assert area_of(["up", "--port-base", "9000"]) == "platform"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["nonsense"])
