"""Platform administration of accounts: find users and organisations, suspend and reinstate an
account, grant and revoke the platform-admin right. Only platform administrators call these
(the HTTP guard checks the token; each use case is told who acts, for the audit trail)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Generic, TypeVar

from reptidex.domain.audit import record_access
from reptidex.domain.errors import Conflict, NotFound
from reptidex.domain.identity.audit import PRODUCER, audit, fields_of
from reptidex.domain.identity.context import IdentityContext
from reptidex.domain.identity.events import PlatformAdminChanged, UserSuspensionChanged
from reptidex.domain.identity.model import OrganisationSummary, User
from reptidex.domain.identity.ports import IdentityUnitOfWork

MAX_SEARCH_PAGE = 100
"""The largest page of a search."""

SHOWN_TO_ADMINS = ("email", "display_name", "email_verified_at", "platform_admin", "suspended_at")
"""The personal fields of an account that an administrator's search shows."""

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Page(Generic[_T]):
    """One page of a search and how many match in all."""

    items: list[_T]
    total: int


class PlatformAdministration:
    """What a platform administrator does to other people's accounts."""

    def __init__(self, context: IdentityContext) -> None:
        self.context = context

    async def search_users(
        self, admin_id: uuid.UUID, text: str, limit: int = 20, offset: int = 0
    ) -> Page[User]:
        """Users whose address or name contains ``text``, oldest first. Each account shown
        is recorded as ``accessed`` by ``admin_id`` in the audit trail."""
        async with self.context.unit_of_work() as uow:
            users, total = await uow.users.search(text, min(limit, MAX_SEARCH_PAGE), offset)
            for user in users:
                record_access(
                    uow.outbox,
                    service=PRODUCER,
                    resource_kind="user",
                    resource_id=user.id,
                    actor_id=admin_id,
                    organisation_id=None,
                    read=SHOWN_TO_ADMINS,
                    purpose="admin_user_search",
                )
            if users:
                await uow.commit()
        return Page(users, total)

    async def search_organisations(
        self, text: str, limit: int = 20, offset: int = 0
    ) -> Page[OrganisationSummary]:
        """Organisations whose name contains ``text``, oldest first, with member counts."""
        async with self.context.unit_of_work() as uow:
            found, total = await uow.organisations.search(text, min(limit, MAX_SEARCH_PAGE), offset)
        return Page(found, total)

    async def _other_user(
        self, uow: IdentityUnitOfWork, admin_id: uuid.UUID, user_id: uuid.UUID, verb: str
    ) -> User:
        if user_id == admin_id:
            raise Conflict(f"You cannot {verb} your own account.")
        user = await uow.users.get(user_id)
        if user is None:
            raise NotFound("No account has that id.")
        return user

    async def suspend(self, admin_id: uuid.UUID, user_id: uuid.UUID) -> User:
        """Suspend the account: every session ends and it cannot sign in or refresh until
        reinstated (an access token already issued lives out its minutes). Idempotent."""
        context = self.context
        async with context.unit_of_work() as uow:
            user = await self._other_user(uow, admin_id, user_id, "suspend")
            if user.suspended:
                return user
            before = fields_of(user)
            now = context.now()
            user.suspended_at = now
            await uow.users.save(user)
            revoked = await uow.sessions.revoke_all_of_user(user.id, now, "suspended")
            audit(uow, "suspended", before=before, after=user, actor_id=admin_id)
            context.emit(
                uow,
                "user.suspended",
                UserSuspensionChanged(user_id=user.id, by=admin_id, sessions_revoked=revoked),
                actor_id=admin_id,
            )
            await uow.commit()
        return user

    async def reinstate(self, admin_id: uuid.UUID, user_id: uuid.UUID) -> User:
        """Lift the account's suspension (it signs in again). Idempotent."""
        context = self.context
        async with context.unit_of_work() as uow:
            user = await self._other_user(uow, admin_id, user_id, "reinstate")
            if not user.suspended:
                return user
            before = fields_of(user)
            user.suspended_at = None
            await uow.users.save(user)
            audit(uow, "reinstated", before=before, after=user, actor_id=admin_id)
            context.emit(
                uow,
                "user.reinstated",
                UserSuspensionChanged(user_id=user.id, by=admin_id),
                actor_id=admin_id,
            )
            await uow.commit()
        return user

    async def set_platform_admin(
        self, admin_id: uuid.UUID, user_id: uuid.UUID, granted: bool
    ) -> User:
        """Grant or revoke another account's platform-admin right (an administrator cannot
        revoke their own, so the platform always keeps the one acting). Idempotent; it reaches
        the account's tokens at its next login or refresh."""
        context = self.context
        async with context.unit_of_work() as uow:
            user = await self._other_user(
                uow, admin_id, user_id, "grant or revoke the admin right of"
            )
            if user.platform_admin is granted:
                return user
            before = fields_of(user)
            user.platform_admin = granted
            await uow.users.save(user)
            action = "platform_admin_granted" if granted else "platform_admin_revoked"
            audit(uow, action, before=before, after=user, actor_id=admin_id)
            context.emit(
                uow,
                f"user.{action}",
                PlatformAdminChanged(user_id=user.id, email=user.email.value),
                actor_id=admin_id,
            )
            await uow.commit()
        return user
