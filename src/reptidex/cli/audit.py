"""``reptidex audit verify|expire``: check repti-ops' audit chain; remove expired segments.

``verify`` walks the chain from its start (the genesis, or the newest expiry checkpoint) to
its head, recomputing every record's hash (on PostgreSQL in ``--jobs`` consecutive segments
checked side by side); it names the first broken record and exits 1, or says how many records
hold and exits 0. Runs longer than one batch report progress on stderr.

``expire`` removes the whole segments older than ``REPTIDEX_AUDIT_RETENTION_DAYS``, leaving a
checkpoint so that the rest still verifies. It deletes audit records, which the service's role
cannot: run it with the database owner's URL (``--database-url`` or ``REPTIDEX_OPS_DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``audit`` commands."""
    audit = subparsers.add_parser(
        "audit",
        help="verify repti-ops' tamper-evident audit trail, or expire old segments",
        description="The audit trail of every service's data changes (docs/ops.md).",
    )
    actions = audit.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="check the hash chain; name the first broken record")
    verify.add_argument("--database-url", help="repti-ops' database (default: from the settings)")
    verify.add_argument("--batch", type=int, default=5000, help="records read at a time")
    verify.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes checking segments side by side on PostgreSQL (one per CPU)",
    )
    verify.set_defaults(func=_verify)
    expire = actions.add_parser(
        "expire", help="remove whole segments older than the retention (as the database owner)"
    )
    expire.add_argument("--database-url", help="repti-ops' database (default: from the settings)")
    expire.set_defaults(func=_expire)


def _database_url(args: argparse.Namespace) -> tuple[str | None, int, str | None]:
    from reptidex.cli.platform import _settings
    from reptidex.services.kernel.settings import SettingsError, normalise_database_url

    try:
        settings = _settings()
    except SettingsError as exc:
        return None, 0, str(exc)
    url = normalise_database_url(args.database_url) if args.database_url else None
    return url or settings.database_url("ops"), settings.audit_retention_days, None


def _verify(args: argparse.Namespace) -> int:
    from reptidex.adapters.sql.ops.audit_verification import verify_database
    from reptidex.cli.platform import _fail

    url, _, problem = _database_url(args)
    if url is None:
        return _fail(problem or "no database")
    if args.batch < 1:
        return _fail("--batch must be at least 1")
    if args.jobs < 1:
        return _fail("--jobs must be at least 1")

    def progress(checked: int, total: int) -> None:
        if total > args.batch:
            print(f"checked {checked:,} of {total:,} records", file=sys.stderr, flush=True)

    verdict = asyncio.run(verify_database(url, jobs=args.jobs, batch=args.batch, progress=progress))
    if verdict.broken is not None:
        print(f"audit trail BROKEN at {verdict.broken}", file=sys.stderr)
        print(f"{verdict.checked:,} records before it hold.", file=sys.stderr)
        return 1
    print(f"audit trail intact: {verdict.checked:,} records, last {verdict.last.seq}.")
    return 0


def _expire(args: argparse.Namespace) -> int:
    from sqlalchemy.ext.asyncio import AsyncSession

    from reptidex.adapters.sql.engine import create_engine
    from reptidex.adapters.sql.ops import audit_expiry
    from reptidex.cli.platform import _fail
    from reptidex.domain.audit import ChainPoint

    url, days, problem = _database_url(args)
    if url is None:
        return _fail(problem or "no database")
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)

    async def run() -> ChainPoint | None:
        engine = create_engine(url, pool_size=1)
        try:
            async with AsyncSession(engine) as session, session.begin():
                return await audit_expiry.expire_segments(
                    session, cutoff, segment_size=audit_expiry.SEGMENT_SIZE
                )
        finally:
            await engine.dispose()

    checkpoint = asyncio.run(run())
    if checkpoint is None:
        print(f"nothing to expire (no whole segment stored before {cutoff:%Y-%m-%d}).")
    else:
        print(f"expired records 1 to {checkpoint.seq}; the chain now begins after it.")
    return 0
