"""``reptidex monitoring``: the Prometheus rules and Grafana dashboards generated from data.

``reptidex monitoring rules`` writes ``deploy/prometheus/rules/reptidex.rules.yml`` from
``deploy/prometheus/slos.toml``; ``reptidex monitoring dashboards`` writes the generated
dashboards into ``deploy/grafana/dashboards``. With ``--check`` either writes nothing and exits
1 when a committed file differs from what it would write (CI runs the tests that do the same).
Paths are relative to the current folder: run them from the repository's root.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reptidex.cli.grafana_dashboards import render_dashboards
from reptidex.cli.prometheus_rules import SloError, load_slos, render_rules

SLO_FILE = Path("deploy/prometheus/slos.toml")
RULES_FILE = Path("deploy/prometheus/rules/reptidex.rules.yml")
DASHBOARD_FOLDER = Path("deploy/grafana/dashboards")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``monitoring`` commands."""
    area = subparsers.add_parser(
        "monitoring", help="generate the Prometheus rules and Grafana dashboards"
    )
    commands = area.add_subparsers(dest="monitoring_command", metavar="COMMAND", required=True)
    rules = commands.add_parser(
        "rules",
        help="write the Prometheus recording and alerting rules from the SLO file",
        description="Generate the recording and alerting rules from the SLOs kept as data.",
    )
    rules.add_argument("--slos", type=Path, default=SLO_FILE, help=f"default {SLO_FILE}")
    rules.add_argument("--out", type=Path, default=RULES_FILE, help=f"default {RULES_FILE}")
    rules.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    rules.set_defaults(func=_rules)
    dashboards = commands.add_parser(
        "dashboards",
        help="write the generated Grafana dashboards (services, SLOs, business)",
        description="Generate the per-service, SLO and business dashboards.",
    )
    dashboards.add_argument("--slos", type=Path, default=SLO_FILE, help=f"default {SLO_FILE}")
    dashboards.add_argument(
        "--out", type=Path, default=DASHBOARD_FOLDER, help=f"default {DASHBOARD_FOLDER}"
    )
    dashboards.add_argument("--check", action="store_true", help="exit 1 if a file is out of date")
    dashboards.set_defaults(func=_dashboards)


def _write_or_check(files: Mapping[Path, str], check: bool) -> int:
    stale = [path for path, text in files.items() if _read(path) != text]
    if check:
        for path in stale:
            print(f"{path} is out of date: run `reptidex monitoring`", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path}")
    return 0


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _rules(args: argparse.Namespace) -> int:
    try:
        text = render_rules(load_slos(args.slos))
    except (SloError, OSError) as exc:
        print(f"reptidex: {exc}", file=sys.stderr)
        return 2
    return _write_or_check({args.out: text}, args.check)


def _dashboards(args: argparse.Namespace) -> int:
    try:
        dashboards = render_dashboards(load_slos(args.slos))
    except (SloError, OSError) as exc:
        print(f"reptidex: {exc}", file=sys.stderr)
        return 2
    return _write_or_check({args.out / name: text for name, text in dashboards.items()}, args.check)
