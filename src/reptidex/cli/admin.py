"""``reptidex admin grant|revoke|list``: who administers the platform (feature flags, …).

Being a platform administrator is a flag on the account in repti-core's database, set only from
this command (an operator with access to the database's settings), never over HTTP. It reaches
the account's access tokens at its next login, refresh or organisation switch.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``admin`` commands."""
    admin = subparsers.add_parser(
        "admin",
        help="grant or revoke platform administration (feature flags) for an account",
        description="Platform administrators manage feature flags through repti-core's API.",
    )
    actions = admin.add_subparsers(dest="admin_action", metavar="ACTION", required=True)
    for action, text in (
        ("grant", "make the account with this email a platform administrator"),
        ("revoke", "take platform administration away from the account"),
    ):
        parser = actions.add_parser(action, help=text)
        parser.add_argument("email")
        parser.set_defaults(func=_change)


def _change(args: argparse.Namespace) -> int:
    from reptidex.adapters.sql.engine import create_engine
    from reptidex.cli.platform import _fail, _settings
    from reptidex.domain.errors import DomainError
    from reptidex.services.core.identity.wiring import build_identity
    from reptidex.services.kernel.settings import SettingsError
    from reptidex.services.runner import migrate

    try:
        settings = _settings()
    except SettingsError as exc:
        return _fail(str(exc))
    migrate(["core"], settings)
    granted = args.admin_action == "grant"

    async def change() -> str:
        engine = create_engine(settings.database_url("core"), pool_size=1)
        try:
            identity = build_identity(settings, engine, None)
            user = await identity.accounts.set_platform_admin(args.email, granted)
            return user.email.value
        finally:
            await engine.dispose()

    try:
        email = asyncio.run(change())
    except DomainError as exc:
        print(f"reptidex: {exc}", file=sys.stderr)
        return 1
    state = "is now" if granted else "is no longer"
    print(f"{email} {state} a platform administrator (from its next login or token refresh).")
    return 0
