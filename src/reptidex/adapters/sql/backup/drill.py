"""The backup and restore drill: back up a service's live database, restore the backup into
a scratch database, and prove the restore faithful.

The restore must be at the migrations' head, hold as many rows in every table as the source
did when it was backed up (both counted in the backup's own snapshot), and keep what secures
the tables on PostgreSQL: row-level security and its FORCE, the policies, the service role's
grants, the owners. repti-ops' restored audit chain must verify. The scratch database
(``<name>_drill_<timestamp>`` on PostgreSQL, a temporary file for SQLite) is removed after.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from reptidex.adapters.sql.backup import postgres, sqlite
from reptidex.adapters.sql.backup.clients import BackupError, ClientRunner, run_client, shown
from reptidex.adapters.sql.backup.inventory import Inventory, differences
from reptidex.adapters.sql.engine import is_sqlite
from reptidex.adapters.sql.migrations import head_revisions
from reptidex.adapters.sql.ops.audit_verification import verify_database

BeforeVerify = Callable[[str], Awaitable[None]]
"""Called with the scratch database's URL between the restore and its verification."""


_POSTGRES_CHECKS = "revision, row counts, row security, policies, grants and owners"


@dataclass(frozen=True, slots=True)
class DrillResult:
    """What one service's drill found."""

    service: str
    problems: tuple[str, ...]
    tables: int = 0
    rows: int = 0
    policies: int = 0
    backup_bytes: int = 0
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """Whether the restore was faithful in every respect checked."""
        return not self.problems


async def backup(
    url: str, service: str, target: Path, *, runner: ClientRunner = run_client
) -> Inventory:
    """Back up ``service``'s database at ``url`` into ``target``; its inventory."""
    if is_sqlite(url):
        return await asyncio.to_thread(sqlite.backup, url, target)
    return await postgres.backup(url, service, target, runner=runner)


async def restore(
    url: str, source: Path, *, clean: bool = False, runner: ClientRunner = run_client
) -> None:
    """Restore the backup ``source`` into the database at ``url``."""
    if is_sqlite(url):
        await asyncio.to_thread(sqlite.restore, url, source, clean=clean)
    else:
        await postgres.restore(url, source, clean=clean, runner=runner)


async def inventory_of(url: str, service: str) -> Inventory:
    """The inventory of ``service``'s database at ``url``."""
    if is_sqlite(url):
        return await asyncio.to_thread(sqlite.inventory_of, url)
    return await postgres.inventory_of(url, service)


async def drill(
    service: str,
    url: str,
    *,
    report: Callable[[str], None],
    before_verify: BeforeVerify | None = None,
    runner: ClientRunner = run_client,
) -> DrillResult:
    """Run the drill on ``service``'s database at ``url``, telling ``report`` each step."""
    started = time.perf_counter()
    label = f"repti-{service}"
    with tempfile.TemporaryDirectory(prefix=f"reptidex-drill-{service}-") as folder:
        file = Path(folder) / f"{service}.backup"
        scratch: str | None = None
        try:
            report(f"{label}: backing up {shown(url)}")
            source = await backup(url, service, file, runner=runner)
            size = file.stat().st_size
            report(
                f"{label}: backed up {len(source.rows)} tables, {source.total_rows:,} rows,"
                f" {_size(size)}"
            )
            if is_sqlite(url):
                scratch = f"sqlite+aiosqlite:///{Path(folder) / 'scratch.sqlite3'}"
            else:
                scratch = await postgres.create_scratch(url)
            report(f"{label}: restoring into {shown(scratch)}")
            await restore(scratch, file, runner=runner)
            if before_verify is not None:
                await before_verify(scratch)
            checks = "revision and row counts" if is_sqlite(url) else _POSTGRES_CHECKS
            report(f"{label}: verifying {checks}")
            restored = await inventory_of(scratch, service)
            if not is_sqlite(url):
                source = await postgres.as_parsed_in(scratch, source)
            problems = differences(source, restored, head_revisions(service))
            if service == "ops":
                problems += await _audit_chain(scratch, label, report)
        except (BackupError, OSError, asyncpg.PostgresError) as exc:
            report(f"{label}: drill stopped: {exc}")
            return DrillResult(
                service, (f"drill stopped: {exc}",), seconds=time.perf_counter() - started
            )
        finally:
            if scratch is not None and not is_sqlite(scratch):
                await postgres.drop_scratch(scratch, url)
                report(f"{label}: dropped the scratch database")
    for problem in problems:
        report(f"{label}: MISMATCH {problem}")
    return DrillResult(
        service,
        tuple(problems),
        tables=len(source.rows),
        rows=source.total_rows,
        policies=source.policy_count,
        backup_bytes=size,
        seconds=time.perf_counter() - started,
    )


async def _audit_chain(url: str, label: str, report: Callable[[str], None]) -> list[str]:
    verdict = await verify_database(url, jobs=1)
    if verdict.broken is not None:
        return [f"audit chain broken at {verdict.broken}"]
    report(f"{label}: audit chain intact, {verdict.checked:,} records")
    return []


def _size(size: int) -> str:
    """A byte count for people.

    >>> _size(512), _size(2048), _size(5 * 1024 * 1024)
    ('512 B', '2.0 KiB', '5.0 MiB')
    """
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
