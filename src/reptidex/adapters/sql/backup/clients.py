"""The PostgreSQL client programs (``pg_dump``, ``pg_restore``) and how they are run.

A password never reaches a program's command line (which any local user can read in the
process list) nor a log line: it goes into a passfile of the run's own, readable by its owner
only, named by ``PGPASSFILE`` in the program's environment.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

CLIENT_FOLDERS = "/usr/lib/postgresql/*/bin"
"""Where Debian and Ubuntu install each major version's client programs."""

ClientRunner = Callable[[Sequence[str], Mapping[str, str]], Awaitable[None]]
"""Runs a client program: its argv and environment; raises :class:`BackupError` on failure."""


class BackupError(RuntimeError):
    """A backup or restore could not be made (the message is safe to print: no password)."""


def find_client(name: str) -> Path | None:
    """``name`` (``pg_dump``, ``pg_restore``) on ``PATH``, else the newest of
    :data:`CLIENT_FOLDERS`; ``None`` when neither has it."""
    found = shutil.which(name)
    if found:
        return Path(found)
    candidates = sorted(
        Path("/").glob(f"{CLIENT_FOLDERS.lstrip('/')}/{name}"),
        key=lambda path: _major_version(path.parent.parent.name),
        reverse=True,
    )
    return candidates[0] if candidates else None


def _major_version(folder: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", folder))


def require_client(name: str) -> Path:
    """:func:`find_client`, or a :class:`BackupError` saying what to install."""
    found = find_client(name)
    if found is None:
        raise BackupError(
            f"{name} not found on PATH nor in {CLIENT_FOLDERS}: install the PostgreSQL client"
            " programs of the server's major version (e.g. postgresql-client-16)"
        )
    return found


@dataclass(frozen=True, slots=True)
class Connection:
    """Where a client program connects: everything but the password, which stays apart."""

    host: str | None
    port: int | None
    user: str | None
    database: str
    password: str | None

    @classmethod
    def of(cls, url: str) -> Connection:
        """The connection of a ``postgresql+asyncpg://`` URL."""
        parsed = make_url(url)
        if not parsed.database:
            raise BackupError("the database URL names no database")
        return cls(parsed.host, parsed.port, parsed.username, parsed.database, parsed.password)

    def arguments(self) -> list[str]:
        """The programs' connection options (no password among them)."""
        options = [] if self.host is None else [f"--host={self.host}"]
        options += [] if self.port is None else [f"--port={self.port}"]
        options += [] if self.user is None else [f"--username={self.user}"]
        return [*options, "--no-password"]


def shown(url: str) -> str:
    """``url`` with its password masked, for messages and logs.

    >>> shown("postgresql+asyncpg://owner:s3cret@db:5432/repti_core_db")
    'postgresql+asyncpg://owner:***@db:5432/repti_core_db'
    """
    return make_url(url).render_as_string(hide_password=True)


def with_database(url: str, database: str) -> str:
    """``url`` naming ``database`` instead (same server and credentials)."""
    parsed: URL = make_url(url).set(database=database)
    return parsed.render_as_string(hide_password=False)


def _passfile_field(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


@contextmanager
def client_environment(connection: Connection) -> Iterator[dict[str, str]]:
    """The environment for a client program: the caller's, with ``PGPASSFILE`` naming a
    passfile (mode 0600, removed afterwards) when the URL holds a password."""
    environment = {key: value for key, value in os.environ.items() if key != "PGPASSWORD"}
    if connection.password is None:
        yield environment
        return
    with tempfile.TemporaryDirectory(prefix="reptidex-pgpass-") as folder:
        passfile = Path(folder) / "pgpass"
        fields = [
            connection.host or "*",
            str(connection.port) if connection.port else "*",
            "*",
            connection.user or "*",
            connection.password,
        ]
        descriptor = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(":".join(_passfile_field(field) for field in fields) + "\n")
        environment["PGPASSFILE"] = str(passfile)
        yield environment


async def run_client(argv: Sequence[str], environment: Mapping[str, str]) -> None:
    """Run a client program; raise :class:`BackupError` with its own error output if it fails."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        env=dict(environment),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, error = await process.communicate()
    if process.returncode != 0:
        program = Path(argv[0]).name
        message = error.decode(errors="replace").strip() or f"exit status {process.returncode}"
        raise BackupError(f"{program} failed: {message}")
