"""``reptidex db backup|restore|drill``: back up a service's database, restore it, and the
drill that proves a backup restores faithfully (docs/runbooks/README.md).

Each reads the service's database URL from ``REPTIDEX_<SERVICE>_DATABASE_URL`` (or
``--database-url``). On PostgreSQL give the databases' owner's URL, as for ``reptidex db
upgrade``: the service's own role is bound by row-level security and would see only some rows.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from reptidex.services.kernel.catalog import SERVICE_NAMES


def register(db_commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``backup``, ``restore`` and ``drill`` to the ``db`` commands."""
    from reptidex.cli.platform import _service_name

    backup = db_commands.add_parser(
        "backup",
        help="back up one service's database into a file (pg_dump -Fc, or SQLite's backup API)",
    )
    backup.add_argument("service", type=_service_name, metavar="SERVICE")
    backup.add_argument("--to", required=True, type=Path, metavar="FILE", help="the backup file")
    backup.add_argument("--database-url", help="the database (default: from the settings)")
    backup.set_defaults(func=_backup)

    restore = db_commands.add_parser(
        "restore", help="restore one service's database from a backup file (stop the service first)"
    )
    restore.add_argument("service", type=_service_name, metavar="SERVICE")
    restore.add_argument(
        "--from", dest="source", required=True, type=Path, metavar="FILE", help="the backup file"
    )
    restore.add_argument("--database-url", help="the database (default: from the settings)")
    restore.add_argument(
        "--clean",
        action="store_true",
        help="replace what the database holds (without it, the database must have no tables)",
    )
    restore.set_defaults(func=_restore)

    drill = db_commands.add_parser(
        "drill",
        help="back up each database, restore it into a scratch database and verify the copy",
    )
    drill.add_argument("services", nargs="*", type=_service_name, metavar="SERVICE")
    drill.add_argument(
        "--database-url", help="the database of the one SERVICE named (default: from the settings)"
    )
    drill.set_defaults(func=_drill)


def _url(args: argparse.Namespace, service: str) -> str:
    from reptidex.cli.platform import _settings
    from reptidex.services.kernel.settings import normalise_database_url

    if args.database_url:
        return normalise_database_url(args.database_url)
    return _settings().database_url(service)


def _backup(args: argparse.Namespace) -> int:
    from reptidex.adapters.sql.backup.clients import BackupError, shown
    from reptidex.adapters.sql.backup.drill import backup
    from reptidex.cli.platform import _fail
    from reptidex.services.kernel.settings import SettingsError

    try:
        url = _url(args, args.service)
        print(f"repti-{args.service}: backing up {shown(url)}", flush=True)
        inventory = asyncio.run(backup(url, args.service, args.to))
    except (SettingsError, ValueError, BackupError, OSError) as exc:
        return _fail(str(exc))
    print(
        f"repti-{args.service}: {args.to} holds {len(inventory.rows)} tables,"
        f" {inventory.total_rows:,} rows"
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    from reptidex.adapters.sql.backup.clients import BackupError, shown
    from reptidex.adapters.sql.backup.drill import inventory_of, restore
    from reptidex.cli.platform import _fail
    from reptidex.services.kernel.settings import SettingsError

    try:
        url = _url(args, args.service)
        print(f"repti-{args.service}: restoring {args.source} into {shown(url)}", flush=True)
        asyncio.run(restore(url, args.source, clean=args.clean))
        inventory = asyncio.run(inventory_of(url, args.service))
    except (SettingsError, ValueError, BackupError, OSError) as exc:
        return _fail(str(exc))
    revision = ", ".join(sorted(inventory.revisions)) or "none"
    print(
        f"repti-{args.service}: restored {len(inventory.rows)} tables,"
        f" {inventory.total_rows:,} rows, revision {revision}"
    )
    return 0


def _drill(args: argparse.Namespace) -> int:
    from reptidex.adapters.sql.backup.drill import DrillResult, drill
    from reptidex.cli.platform import _fail
    from reptidex.services.kernel.settings import SettingsError

    services = args.services or list(SERVICE_NAMES)
    if args.database_url and len(services) != 1:
        return _fail("--database-url needs exactly one SERVICE")
    try:
        urls = {service: _url(args, service) for service in services}
    except (SettingsError, ValueError) as exc:
        return _fail(str(exc))

    def report(line: str) -> None:
        print(line, flush=True)

    results: list[DrillResult] = [
        asyncio.run(drill(service, urls[service], report=report)) for service in services
    ]
    print("\nBackup and restore drill:")
    for result in results:
        verdict = "PASS" if result.passed else "FAIL"
        print(
            f"  repti-{result.service:<10} {verdict}  {result.tables:>3} tables"
            f" {result.rows:>12,} rows {result.policies:>4} policies  {result.seconds:6.1f} s"
        )
        for problem in result.problems:
            print(f"      {problem}")
    failed = [result.service for result in results if not result.passed]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"All {len(results)} restored faithfully.")
    return 0
