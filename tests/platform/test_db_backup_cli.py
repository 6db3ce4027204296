"""``reptidex db backup|restore|drill``: exit codes, what they print, and that a database
URL's password is never printed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import backup_testkit
from reptidex.adapters.sql.migrations import upgrade
from reptidex.cli import build_parser

PASSWORD = "not-to-be-shown-7f3a"


def _cli(*argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    status: int = args.func(args)
    return status


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The embedded platform's data folder, with core and media migrated and holding rows."""
    folder = tmp_path / "data"
    monkeypatch.setenv("REPTIDEX_DATA_DIR", str(folder))
    for service in ("core", "media"):
        url = f"sqlite+aiosqlite:///{folder / f'{service}.sqlite3'}"
        upgrade(service, url)
        backup_testkit.seed(service, url)
    return folder


def test_backup_then_restore_into_an_empty_database(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "core.backup"
    assert _cli("db", "backup", "core", "--to", str(file)) == 0
    assert f"{file} holds 16 tables" in capsys.readouterr().out
    copy = f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    assert _cli("db", "restore", "core", "--from", str(file), "--database-url", copy) == 0
    assert "restored 16 tables" in capsys.readouterr().out
    assert _cli("db", "restore", "core", "--from", str(file), "--database-url", copy) == 2
    assert "already has tables" in capsys.readouterr().err
    arguments = ("db", "restore", "core", "--from", str(file), "--database-url", copy, "--clean")
    assert _cli(*arguments) == 0
    assert (
        _cli("db", "restore", "core", "--from", str(tmp_path / "none"), "--database-url", copy) == 2
    )
    assert "no backup at" in capsys.readouterr().err


def test_the_drill_passes_and_prints_a_summary(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli("db", "drill", "core", "media") == 0
    out = capsys.readouterr().out
    assert "repti-core       PASS" in out
    assert "repti-media      PASS" in out
    assert "All 2 restored faithfully." in out


def test_the_drill_fails_when_the_database_is_not_at_head(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(
        backup_testkit.execute(
            f"sqlite+aiosqlite:///{data_dir / 'media.sqlite3'}", "DELETE FROM alembic_version"
        )
    )
    assert _cli("db", "drill", "core", "media") == 1
    captured = capsys.readouterr()
    assert "repti-core       PASS" in captured.out
    assert "repti-media      FAIL" in captured.out
    assert "revision none in the restore, head is" in captured.out
    assert "FAILED: media" in captured.err


def test_one_database_url_needs_one_service(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli("db", "drill", "core", "media", "--database-url", "sqlite:///x.sqlite3") == 2
    assert "exactly one SERVICE" in capsys.readouterr().err


def test_a_database_password_is_never_printed(
    postgres_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup_testkit.require_postgres_clients()
    upgrade("ops", postgres_database)
    # the test server trusts local connections, so the password is carried but not checked
    url = postgres_database.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    assert (
        _cli("db", "backup", "ops", "--to", str(tmp_path / "ops.backup"), "--database-url", url)
        == 0
    )
    assert _cli("db", "drill", "ops", "--database-url", url) == 0
    captured = capsys.readouterr()
    assert "postgres:***@" in captured.out
    assert PASSWORD not in captured.out + captured.err
