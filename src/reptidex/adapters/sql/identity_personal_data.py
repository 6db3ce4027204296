"""repti-core's personal data about a user (GDPR): the account, memberships, sessions,
invitations and organisations made; erased by removing what can go and anonymising the
account row that organisations and invitations still point to."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.identity_models import (
    AuthSessionRow,
    InvitationRow,
    MailMessageRow,
    MembershipRow,
    OneTimeTokenRow,
    OrganisationRow,
    RefreshTokenRow,
    UserRow,
)

ERASED_DOMAIN = "erased.invalid"
"""The domain of an erased account's address (``.invalid`` can never receive mail)."""
UNUSABLE_PASSWORD = "!erased"  # noqa: S105 (no hash matches it: nobody can sign in)


def _when(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


class SqlIdentityPersonalData:
    """The :class:`~reptidex.domain.privacy.ports.PersonalDataHolder` of repti-core."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def export(self, user_id: uuid.UUID) -> dict[str, Any]:
        """The account (never its password hash), memberships, sessions, organisations made
        and invitations sent to or by the user."""
        async with self._sessions() as session:
            user = await session.get(UserRow, user_id)
            if user is None:
                return {"account": None}
            memberships = await session.execute(
                select(MembershipRow, OrganisationRow.name)
                .join(OrganisationRow, OrganisationRow.id == MembershipRow.organisation_id)
                .where(MembershipRow.user_id == user_id)
                .order_by(MembershipRow.created_at)
            )
            sessions = await session.scalars(
                select(AuthSessionRow)
                .where(AuthSessionRow.user_id == user_id)
                .order_by(AuthSessionRow.created_at)
            )
            organisations = await session.scalars(
                select(OrganisationRow).where(OrganisationRow.created_by == user_id)
            )
            invitations = await session.scalars(
                select(InvitationRow)
                .where(or_(InvitationRow.invited_by == user_id, InvitationRow.email == user.email))
                .order_by(InvitationRow.created_at)
            )
            return {
                "account": {
                    "id": str(user.id),
                    "email": user.email,
                    "display_name": user.display_name,
                    "email_verified_at": _when(user.email_verified_at),
                    "password_changed_at": _when(user.password_changed_at),
                    "platform_admin": user.platform_admin,
                    "created_at": _when(user.created_at),
                },
                "memberships": [
                    {
                        "organisation_id": str(m.organisation_id),
                        "organisation": name,
                        "role": m.role,
                        "since": _when(m.created_at),
                    }
                    for m, name in memberships.all()
                ],
                "sessions": [
                    {
                        "id": str(s.id),
                        "organisation_id": str(s.organisation_id) if s.organisation_id else None,
                        "started_at": _when(s.created_at),
                        "expires_at": _when(s.expires_at),
                        "revoked_at": _when(s.revoked_at),
                        "revoked_reason": s.revoked_reason,
                    }
                    for s in sessions
                ],
                "organisations_created": [
                    {"id": str(o.id), "name": o.name, "created_at": _when(o.created_at)}
                    for o in organisations
                ],
                "invitations": [
                    {
                        "organisation_id": str(i.organisation_id),
                        "email": i.email,
                        "role": i.role,
                        "invited_by_user": i.invited_by == user_id,
                        "sent_at": _when(i.created_at),
                        "accepted_at": _when(i.accepted_at),
                        "revoked_at": _when(i.revoked_at),
                    }
                    for i in invitations
                ],
            }

    async def erase(self, user_id: uuid.UUID, pseudonym: uuid.UUID) -> dict[str, int]:
        """Remove sessions (and their refresh tokens), one-time tokens, memberships, queued
        mail and invitations to the user's address; keep the account row (organisations and
        invitations sent refer to it) with its address, name and password replaced, so that
        nobody can sign in as it and the address is free again."""
        async with self._sessions() as session, session.begin():
            user = await session.get(UserRow, user_id, with_for_update=True)
            if user is None:
                return {"accounts": 0}
            email = user.email
            counts: dict[str, int] = {}
            session_ids = select(AuthSessionRow.id).where(AuthSessionRow.user_id == user_id)
            removals: dict[str, Any] = {
                "refresh_tokens": delete(RefreshTokenRow).where(
                    RefreshTokenRow.session_id.in_(session_ids)
                ),
                "sessions": delete(AuthSessionRow).where(AuthSessionRow.user_id == user_id),
                "one_time_tokens": delete(OneTimeTokenRow).where(
                    OneTimeTokenRow.user_id == user_id
                ),
                "memberships": delete(MembershipRow).where(MembershipRow.user_id == user_id),
                "queued_mail": delete(MailMessageRow).where(
                    func.lower(MailMessageRow.recipient) == email
                ),
                "invitations": delete(InvitationRow).where(InvitationRow.email == email),
            }
            for name, statement in removals.items():
                counts[name] = (await session.execute(statement)).rowcount or 0  # type: ignore[attr-defined]
            erased = email.endswith("@" + ERASED_DOMAIN)
            await session.execute(
                update(UserRow)
                .where(UserRow.id == user_id)
                .values(
                    email=f"erased-{pseudonym.hex}@{ERASED_DOMAIN}",
                    display_name=None,
                    password_hash=UNUSABLE_PASSWORD,
                    email_verified_at=None,
                    platform_admin=False,
                    updated_at=dt.datetime.now(dt.UTC),
                )
            )
            counts["accounts"] = 0 if erased else 1
            return counts
