"""``reptidex audit verify`` names the first broken record (exit 1) or reports the chain
intact (exit 0) with progress on long runs; ``reptidex audit expire`` removes whole segments
past the retention and leaves a checkpoint, after which the rest still verifies."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from pathlib import Path

import pytest
from ops_testkit import change

from backup_testkit import execute
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.ops.audit_expiry import expire_segments
from reptidex.adapters.sql.ops.audit_ingest import AuditIngest
from reptidex.cli import build_parser

ORG = uuid.uuid4()


def _run_sql(url: str, *statements: str) -> None:
    asyncio.run(execute(url, *statements))


def _consume(url: str, count: int) -> None:
    async def run() -> None:
        engine = create_engine(url)
        try:
            handler = AuditIngest(engine, "ops:audit")
            for i in range(count):
                await handler(change(ORG, resource_id=f"r{i}"))
        finally:
            await engine.dispose()

    asyncio.run(run())


def _cli(*argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    status: int = args.func(args)
    return status


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPTIDEX_DATA_DIR", str(tmp_path / "data"))


def test_verify_reports_progress_and_names_the_edited_record(
    ops_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _consume(ops_database, 5)
    one_pass = ["--batch", "2", "--jobs", "1"]
    assert _cli("audit", "verify", "--database-url", ops_database, *one_pass) == 0
    out, err = capsys.readouterr()
    assert "intact: 5 records" in out
    assert "checked 2 of 5 records" in err
    assert "checked 5 of 5 records" in err
    assert (
        _cli("audit", "verify", "--database-url", ops_database, "--batch", "2", "--jobs", "2") == 0
    )
    out, err = capsys.readouterr()
    assert "intact: 5 records, last 5." in out
    assert "checked 5 of 5 records" in err  # too few records to share among workers
    assert _cli("audit", "verify", "--database-url", ops_database, "--jobs", "0") == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err

    _run_sql(ops_database, "UPDATE audit_record SET resource_id = 'forged' WHERE seq = 4")
    assert _cli("audit", "verify", "--database-url", ops_database) == 1
    _, err = capsys.readouterr()
    assert "BROKEN at record 4" in err
    assert "was changed" in err
    assert "3 records before it hold" in err


def test_expiry_removes_old_segments_and_the_rest_still_verifies(
    ops_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _consume(ops_database, 7)
    # records 1-4 were stored long ago; 5-7 now
    _run_sql(
        ops_database,
        "UPDATE audit_record SET created_at = '2000-01-01 00:00:00+00:00' WHERE seq <= 4",
    )

    async def expire() -> object:
        engine = create_engine(ops_database)
        try:
            async with engine.begin() as connection:
                from sqlalchemy.ext.asyncio import AsyncSession

                async with AsyncSession(bind=connection) as session:
                    return await expire_segments(
                        session, dt.datetime(2001, 1, 1, tzinfo=dt.UTC), segment_size=3
                    )
        finally:
            await engine.dispose()

    checkpoint = asyncio.run(expire())
    # whole segments only: 1-3 expired; 4 is old but its segment (4-6) is not
    assert getattr(checkpoint, "seq", None) == 3
    assert _cli("audit", "verify", "--database-url", ops_database) == 0
    out, _ = capsys.readouterr()
    assert "intact: 4 records, last 7" in out
    # removing a kept record is still caught, and so is a forged checkpoint
    _run_sql(ops_database, "UPDATE audit_checkpoint SET hash = 'x' WHERE seq = 3")
    assert _cli("audit", "verify", "--database-url", ops_database) == 1
    assert "BROKEN at record 4" in capsys.readouterr().err


def test_the_expire_command_follows_the_retention_setting(
    ops_database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reptidex.adapters.sql.ops import audit_expiry

    monkeypatch.setattr(audit_expiry, "SEGMENT_SIZE", 2)
    _consume(ops_database, 5)
    _run_sql(
        ops_database,
        "UPDATE audit_record SET created_at = created_at - interval '10 days' WHERE seq <= 2"
        if ops_database.startswith("postgresql")
        else "UPDATE audit_record SET created_at = datetime(created_at, '-10 days') WHERE seq <= 2",
    )
    monkeypatch.setenv("REPTIDEX_AUDIT_RETENTION_DAYS", "30")
    assert _cli("audit", "expire", "--database-url", ops_database) == 0
    assert "nothing to expire" in capsys.readouterr().out
    monkeypatch.setenv("REPTIDEX_AUDIT_RETENTION_DAYS", "5")
    assert _cli("audit", "expire", "--database-url", ops_database) == 0
    assert "expired records 1 to 2" in capsys.readouterr().out
    assert _cli("audit", "verify", "--database-url", ops_database) == 0
    assert "intact: 3 records, last 5" in capsys.readouterr().out


def test_expiry_and_verification_run_as_a_non_superuser_owner(
    postgres_database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # audit_record's row-level security is FORCEd: its owner is bound by the policies too
    from reptidex.adapters.sql.migrations import upgrade
    from reptidex.adapters.sql.ops import audit_expiry

    upgrade("ops", postgres_database)
    monkeypatch.setattr(audit_expiry, "SEGMENT_SIZE", 2)
    _consume(postgres_database, 3)
    _run_sql(
        postgres_database,
        "UPDATE audit_record SET created_at = created_at - interval '10 days' WHERE seq <= 2",
    )
    owner = f"owner_{uuid.uuid4().hex[:10]}"
    tables = (
        "audit_record",
        "audit_checkpoint",
        "audit_chain_head",
        "audit_pseudonymised",
        "privacy_request",
        "privacy_task",
    )
    _run_sql(
        postgres_database,
        f"CREATE ROLE {owner} LOGIN PASSWORD 'pw' NOSUPERUSER NOBYPASSRLS",
        *(f"ALTER TABLE {table} OWNER TO {owner}" for table in tables),
    )
    try:
        owner_url = f"postgresql+asyncpg://{owner}:pw@{postgres_database.split('@', 1)[1]}"
        monkeypatch.setenv("REPTIDEX_AUDIT_RETENTION_DAYS", "5")
        assert _cli("audit", "expire", "--database-url", owner_url) == 0
        assert "expired records 1 to 2" in capsys.readouterr().out
        assert _cli("audit", "verify", "--database-url", owner_url) == 0
        assert "intact: 1 records, last 3" in capsys.readouterr().out
    finally:
        _run_sql(
            postgres_database,
            *(f"ALTER TABLE {table} OWNER TO postgres" for table in tables),
            f"DROP ROLE {owner}",
        )
