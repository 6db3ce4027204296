"""``reptidex search reindex``: rebuild repti-community's search index from the owning
services.

It reads repti-animal's public animals (with repti-community's service token, so repti-core
must be running) and repti-commerce's open listings and their sellers' profiles over HTTP,
and the forums' public threads and posts from repti-community's own database, stores them
with the catalogs' knowledge articles in repti-community's database, takes out
what those services no longer hold, and stages ``search.reindexed``. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``search`` commands."""
    search = subparsers.add_parser(
        "search",
        help="maintain repti-community's search index",
        description="repti-community's search across the platform (docs/community.md).",
    )
    actions = search.add_subparsers(dest="search_action", metavar="ACTION", required=True)
    reindex = actions.add_parser(
        "reindex",
        help="rebuild the index from repti-animal, repti-commerce and the forums, with progress",
    )
    reindex.add_argument(
        "--database-url", help="repti-community's database (default: from the settings)"
    )
    reindex.set_defaults(func=_reindex)


def _reindex(args: argparse.Namespace) -> int:
    from reptidex.adapters.community.search_sources import (
        HttpOpenListings,
        HttpPublicAnimals,
        HttpSellers,
        SourceUnavailable,
    )
    from reptidex.adapters.sql.community.forum_search_sources import (
        SqlForumReplies,
        SqlForumThreads,
    )
    from reptidex.adapters.sql.community.search_index import SqlSearchIndex
    from reptidex.adapters.sql.engine import create_engine
    from reptidex.cli.platform import _fail, _settings
    from reptidex.domain.community.search.reindex import DocumentSource, ReindexReport, reindex
    from reptidex.services.kernel.auth import ServiceTokenClient
    from reptidex.services.kernel.peers import PeerClient
    from reptidex.services.kernel.settings import SettingsError, normalise_database_url

    try:
        settings = _settings()
    except SettingsError as exc:
        return _fail(str(exc))
    url = normalise_database_url(args.database_url) if args.database_url else None
    url = url or settings.database_url("community")

    def progress(kind: str, read: int) -> None:
        print(f"{kind}: {read:,} read", file=sys.stderr, flush=True)

    async def run() -> ReindexReport:
        from sqlalchemy.ext.asyncio import async_sessionmaker

        engine = create_engine(url, pool_size=1)
        tokens = ServiceTokenClient.from_settings(settings, "community")
        peers = PeerClient(
            {name: settings.peer_url(name) for name in ("animal", "commerce")},
            timeout=settings.http_timeout,
        )
        listings = HttpOpenListings(lambda: peers)
        sources: list[DocumentSource] = [HttpPublicAnimals(lambda: peers, tokens.headers), listings]
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        forums: list[DocumentSource] = [SqlForumThreads(sessions), SqlForumReplies(sessions)]
        try:
            return await reindex(
                SqlSearchIndex(sessions),
                [*sources, HttpSellers(lambda: peers, listings), *forums],
                progress=progress,
            )
        finally:
            await peers.aclose()
            await tokens.aclose()
            await engine.dispose()

    try:
        report = asyncio.run(run())
    except SourceUnavailable as exc:
        return _fail(f"reindex stopped: {exc} (the index keeps what it had)")
    counts = ", ".join(f"{n:,} {kind}" for kind, n in sorted(report.documents.items()))
    print(f"search index rebuilt: {counts}; {report.removed:,} taken out.")
    return 0
