"""``reptidex admin grant|revoke EMAIL``: the operator's way to make a platform administrator."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from pathlib import Path

import pytest

from reptidex.adapters.sql.engine import create_engine
from reptidex.cli import build_parser
from reptidex.domain.identity import Email, User
from reptidex.services.core.identity.wiring import build_identity
from reptidex.services.kernel.settings import load_settings

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def run(args: list[str]) -> int:
    parsed = build_parser().parse_args(args)
    status: int = parsed.func(parsed)
    return status


async def add_user(data_dir: Path, email: str) -> None:
    settings = load_settings({"REPTIDEX_DATA_DIR": str(data_dir)})
    engine = create_engine(settings.database_url("core"))
    try:
        async with build_identity(settings, engine, None).context.unit_of_work() as uow:
            await uow.users.add(User(email=Email.parse(email), password_hash="h", created_at=NOW))
            await uow.commit()
    finally:
        await engine.dispose()


def test_grant_and_revoke(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [name for name in os.environ if name.startswith("REPTIDEX_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("REPTIDEX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REPTIDEX_LOG_LEVEL", "WARNING")

    assert run(["admin", "grant", "nobody@example.org"]) == 1  # migrates core on the way
    assert "No account has the address nobody@example.org" in capsys.readouterr().err
    assert run(["admin", "grant", "not-an-address"]) == 1
    assert "not an email address" in capsys.readouterr().err

    asyncio.run(add_user(tmp_path / "data", "ops@example.org"))
    assert run(["admin", "grant", "OPS@example.org"]) == 0
    assert "ops@example.org is now a platform administrator" in capsys.readouterr().out
    assert run(["admin", "revoke", "ops@example.org"]) == 0
    assert "ops@example.org is no longer a platform administrator" in capsys.readouterr().out
