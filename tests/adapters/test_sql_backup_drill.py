"""The backup and restore drill on real databases: it passes on every service's migrated
database with data in it; a restore that lost a row, a policy, FORCE, a grant, its owner, its
revision or the audit chain's integrity fails it, naming the table; a password never reaches
a client program's command line."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path

import asyncpg
import pytest

from backup_testkit import AUDIT_RECORDS, OUTBOX_ROWS, execute, require_postgres_clients, seed
from ci_gate import outcome_of
from reptidex.adapters.sql.backup import clients
from reptidex.adapters.sql.backup.clients import BackupError, run_client, with_database
from reptidex.adapters.sql.backup.drill import (
    BeforeVerify,
    DrillResult,
    backup,
    drill,
    inventory_of,
    restore,
)
from reptidex.adapters.sql.backup.postgres import asyncpg_dsn
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.catalog import SERVICE_NAMES
from service_database import (
    assert_row_security_applies,
    non_owner_url,
    run_sql,
)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the drill runs on."""
    if request.param == "postgres":
        require_postgres_clients()
    return str(request.param)


def _database(request: pytest.FixtureRequest, tmp_path: Path, service: str, backend: str) -> str:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / f'{service}.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_database")
    upgrade(service, url)
    seed(service, url)
    return url


def _drill(
    service: str, url: str, before_verify: BeforeVerify | None = None
) -> tuple[DrillResult, list[str]]:
    lines: list[str] = []
    result = asyncio.run(drill(service, url, report=lines.append, before_verify=before_verify))
    return result, lines


async def _scratch_databases(url: str) -> list[str]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await connection.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1",
            url.rsplit("/", 1)[1] + "_drill_%",
        )
    finally:
        await connection.close()
    return [row[0] for row in rows]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_the_drill_passes_on_every_service(
    request: pytest.FixtureRequest, tmp_path: Path, service: str, backend: str
) -> None:
    url = _database(request, tmp_path, service, backend)
    result, lines = _drill(service, url)
    assert result.passed, result.problems
    assert result.rows >= OUTBOX_ROWS + (AUDIT_RECORDS if service == "ops" else 0)
    assert result.tables > 2
    assert result.backup_bytes > 0
    assert any("backed up" in line for line in lines)
    assert any("restoring into" in line for line in lines)
    assert any("verifying" in line for line in lines)
    if service == "ops":
        assert f"repti-ops: audit chain intact, {AUDIT_RECORDS} records" in lines
    if backend == "postgres":
        assert result.policies > 0  # so the policies' comparison had something to compare
        assert any("_drill_" in line for line in lines)
        assert asyncio.run(_scratch_databases(url)) == []  # dropped after


TAMPERING = {
    "a row": (
        "DELETE FROM outbox_message WHERE event_id IN"
        " (SELECT event_id FROM outbox_message LIMIT 1)",
        f"table outbox_message: {OUTBOX_ROWS} rows in the source, {OUTBOX_ROWS - 1} in the restore",
    ),
    "the revision": (
        # repti-animal's history has several heads: one of them is lost
        "DELETE FROM alembic_version"
        " WHERE version_num = (SELECT min(version_num) FROM alembic_version)",
        "in the restore, head is",
    ),
}
POSTGRES_TAMPERING = {
    "a policy": (
        "DROP POLICY outbox_message_relay ON outbox_message",
        "table outbox_message: policy outbox_message_relay missing or changed in the restore",
    ),
    "FORCE": (
        "ALTER TABLE outbox_message NO FORCE ROW LEVEL SECURITY",
        "table outbox_message: FORCE ROW LEVEL SECURITY lost in the restore",
    ),
    "row security": (
        "ALTER TABLE outbox_message DISABLE ROW LEVEL SECURITY",
        "table outbox_message: row-level security lost in the restore",
    ),
    "a grant": (
        "REVOKE DELETE ON outbox_message FROM reptidex_animal_app",
        "table outbox_message: the service role may DELETE, INSERT, SELECT, UPDATE in the source,"
        " INSERT, SELECT, UPDATE in the restore",
    ),
    "the owner": (
        "ALTER TABLE outbox_message OWNER TO reptidex_animal_app",
        "table outbox_message: owned by the service's role",
    ),
    "the default privileges": (
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE DELETE ON TABLES FROM reptidex_animal_app",
        "default privileges of the service role: lost ['r:DELETE']",
    ),
}


@pytest.mark.parametrize("tampering", TAMPERING)
def test_a_tampered_restore_fails_the_drill_naming_what_it_lost(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str, tampering: str
) -> None:
    _assert_tampering_fails(request, tmp_path, backend, *TAMPERING[tampering])


@pytest.mark.parametrize("tampering", POSTGRES_TAMPERING)
def test_a_restore_that_lost_what_secures_the_tables_fails_the_drill(
    request: pytest.FixtureRequest, tmp_path: Path, tampering: str
) -> None:
    require_postgres_clients()
    _assert_tampering_fails(request, tmp_path, "postgres", *POSTGRES_TAMPERING[tampering])


def _assert_tampering_fails(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str, statement: str, expected: str
) -> None:
    # repti-animal's migrations grant its future tables by default privileges too
    url = _database(request, tmp_path, "animal", backend)

    async def tamper(scratch: str) -> None:
        await execute(scratch, statement)

    result, lines = _drill("animal", url, tamper)
    assert not result.passed
    assert any(expected in problem for problem in result.problems), result.problems
    assert any(expected in line and "MISMATCH" in line for line in lines)


def test_a_broken_audit_chain_in_the_restore_fails_the_drill(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    url = _database(request, tmp_path, "ops", backend)

    async def forge(scratch: str) -> None:
        await execute(scratch, "UPDATE audit_record SET resource_id = 'forged' WHERE seq = 2")

    result, _ = _drill("ops", url, forge)
    assert [problem for problem in result.problems if "audit chain broken at record 2" in problem]


def test_a_restore_refuses_a_database_with_tables_unless_clean(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    url = _database(request, tmp_path, "media", backend)
    file = tmp_path / "media.backup"
    source = asyncio.run(backup(url, "media", file))
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # backups hold personal data
    with pytest.raises(BackupError, match="already has"):
        asyncio.run(restore(url, file))
    asyncio.run(execute(url, "DELETE FROM outbox_message"))
    asyncio.run(restore(url, file, clean=True))
    assert asyncio.run(inventory_of(url, "media")).rows == source.rows


def test_a_backup_of_a_database_that_is_not_there_leaves_no_file(tmp_path: Path) -> None:
    file = tmp_path / "none.backup"
    with pytest.raises(BackupError, match="no database"):
        asyncio.run(backup(f"sqlite+aiosqlite:///{tmp_path / 'absent.sqlite3'}", "core", file))
    assert list(tmp_path.iterdir()) == []


def test_the_password_reaches_a_passfile_never_the_command_line(
    postgres_database: str, tmp_path: Path
) -> None:
    require_postgres_clients()
    role, password = f"drill_{os.getpid()}", f"pw-{os.urandom(8).hex()}"
    upgrade("core", postgres_database)
    seed("core", postgres_database)
    # a superuser, as the compose stack's owner is (a role bound by FORCEd row security
    # could not dump every row)
    asyncio.run(
        run_sql(postgres_database, f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{password}'")
    )
    try:
        url = postgres_database.replace("postgres@", f"{role}:{password}@", 1)
        calls: list[tuple[list[str], dict[str, str], str]] = []

        async def watched(argv: Sequence[str], environment: Mapping[str, str]) -> None:
            passfile = Path(environment["PGPASSFILE"])
            assert stat.S_IMODE(passfile.stat().st_mode) == 0o600  # noqa: ASYNC240 - a test
            content = passfile.read_text()  # noqa: ASYNC240 - a test
            calls.append((list(argv), dict(environment), content))
            await run_client(argv, environment)

        file = tmp_path / "core.backup"
        asyncio.run(backup(url, "core", file, runner=watched))
        copy = f"{postgres_database.rsplit('/', 1)[1]}_copy"
        asyncio.run(run_sql(postgres_database, f'CREATE DATABASE "{copy}"'))
        try:
            asyncio.run(restore(with_database(url, copy), file, runner=watched))
        finally:
            asyncio.run(run_sql(postgres_database, f'DROP DATABASE "{copy}" WITH (FORCE)'))
    finally:
        asyncio.run(run_sql(postgres_database, f"DROP ROLE {role}"))
    assert [Path(argv[0]).name for argv, _, _ in calls] == ["pg_dump", "pg_restore"]
    for argv, environment, passfile in calls:
        assert not [argument for argument in argv if password in argument]
        assert f"--username={role}" in argv
        assert "--no-password" in argv
        assert "PGPASSWORD" not in environment
        assert passfile.strip().endswith(f":{role}:{password}")
        assert not Path(environment["PGPASSFILE"]).exists()  # removed after the run
    assert password.encode() not in file.read_bytes()


def test_the_newest_client_is_found_and_a_missing_one_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for version in ("9.6", "16", "12"):
        folder = tmp_path / version / "bin"
        folder.mkdir(parents=True)
        (folder / "pg_dump").touch()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(clients, "CLIENT_FOLDERS", f"{tmp_path}/*/bin")
    assert clients.find_client("pg_dump") == tmp_path / "16" / "bin" / "pg_dump"
    with pytest.raises(BackupError, match=r"pg_restore not found.*postgresql-client"):
        clients.require_client("pg_restore")


@pytest.mark.parametrize(("ci", "outcome"), [("true", "fail"), ("", "skip")])
def test_missing_client_programs_fail_under_ci_and_skip_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci: str, outcome: str
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(clients, "CLIENT_FOLDERS", f"{tmp_path}/*/bin")
    monkeypatch.setenv("CI", ci)
    assert outcome_of(require_postgres_clients) == outcome


def test_a_restored_database_still_binds_the_service_role(
    postgres_database: str, tmp_path: Path
) -> None:
    """After a restore the tables' owner is still not the service's role, and row-level
    security filters what a login role of ``reptidex_core_app`` reads (the outbox: only the
    relay's transactions see its events)."""
    require_postgres_clients()
    upgrade("core", postgres_database)
    seed("core", postgres_database)
    file = tmp_path / "core.backup"
    asyncio.run(backup(postgres_database, "core", file))
    copy = f"{postgres_database.rsplit('/', 1)[1]}_copy"
    role = f"drill_app_{os.getpid()}"
    asyncio.run(
        run_sql(
            postgres_database,
            f'CREATE DATABASE "{copy}"',
            f"CREATE ROLE {role} LOGIN PASSWORD 'pw' NOSUPERUSER NOBYPASSRLS",
            f"GRANT reptidex_core_app TO {role}",
        )
    )
    restored = with_database(postgres_database, copy)
    try:
        asyncio.run(restore(restored, file))

        async def read_as_service() -> tuple[int, int]:
            connection = await asyncpg.connect(
                asyncpg_dsn(restored.replace("postgres@", f"{role}:pw@", 1))
            )
            try:
                await assert_row_security_applies(connection, "outbox_message")
                outside = await connection.fetchval("SELECT count(*) FROM outbox_message")
                async with connection.transaction():
                    await connection.execute("SET LOCAL reptidex.outbox_relay = 'on'")
                    relay = await connection.fetchval("SELECT count(*) FROM outbox_message")
            finally:
                await connection.close()
            return outside, relay

        assert asyncio.run(read_as_service()) == (0, OUTBOX_ROWS)
    finally:
        asyncio.run(
            run_sql(
                postgres_database,
                f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)',
                f"DROP ROLE IF EXISTS {role}",
            )
        )


def test_the_service_role_cannot_take_a_backup(postgres_database: str, tmp_path: Path) -> None:
    """Row security binds the service's role: its backup would miss rows, so it is refused,
    saying whom to connect as, and leaves no file."""
    require_postgres_clients()
    with non_owner_url(postgres_database, "core") as service_url:
        seed("core", postgres_database)
        with pytest.raises(BackupError, match="databases' owner, or a role with BYPASSRLS"):
            asyncio.run(backup(service_url, "core", tmp_path / "core.backup"))
    assert list(tmp_path.iterdir()) == []
