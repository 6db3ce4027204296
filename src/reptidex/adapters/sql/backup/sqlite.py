"""The embedded SQLite database backed up and restored with SQLite's online backup API: a
consistent copy while the service keeps running, one self-contained file (no ``-wal``)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from reptidex.adapters.sql.backup.clients import BackupError
from reptidex.adapters.sql.backup.inventory import Inventory, read_sqlite


def database_path(url: str) -> Path:
    """The file of a ``sqlite+aiosqlite:///`` URL."""
    database = make_url(url).database
    if database in (None, "", ":memory:"):
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(database).expanduser()


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)


def backup(url: str, target: Path) -> Inventory:
    """Copy the database at ``url`` into ``target`` (mode 0600); return its inventory, read in
    the same read transaction as the copy. ``target`` appears only once complete."""
    path = database_path(url)
    if not path.is_file():
        raise BackupError(f"no database at {path}")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        with contextlib.closing(_read_only(path)) as source:
            source.execute("BEGIN")
            inventory = read_sqlite(source)
            with contextlib.closing(sqlite3.connect(partial, isolation_level=None)) as copy:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
            source.execute("ROLLBACK")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return inventory


def restore(url: str, source: Path, *, clean: bool = False) -> None:
    """Copy the backup ``source`` over the database at ``url``, which must hold no table
    unless ``clean`` (stop the service first: it would keep writing to the file)."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    try:
        with contextlib.closing(_read_only(source)) as backup_file:
            verdict = backup_file.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not a SQLite backup: {exc}") from exc
    if verdict != "ok":
        raise BackupError(f"{source} is damaged: {verdict}")
    target = database_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not clean and target.is_file() and inventory_of(url).rows:
        raise BackupError(
            f"{target} already has tables: restore into an empty database, or pass --clean"
            " to replace it"
        )
    with (
        contextlib.closing(_read_only(source)) as backup_file,
        contextlib.closing(sqlite3.connect(target, isolation_level=None)) as database,
    ):
        backup_file.backup(database)
        database.execute("PRAGMA journal_mode=WAL")


def inventory_of(url: str) -> Inventory:
    """The inventory of the database at ``url``."""
    with contextlib.closing(_read_only(database_path(url))) as database:
        database.execute("BEGIN")
        try:
            return read_sqlite(database)
        finally:
            database.execute("ROLLBACK")
