"""Session use cases: log in (and unlock the login), refresh with rotation, log out, switch
organisation, who am I."""

from __future__ import annotations

import datetime as dt
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from reptidex.domain.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from reptidex.domain.identity.accounts import INVALID_LINK
from reptidex.domain.identity.context import IdentityContext
from reptidex.domain.identity.events import (
    AccountUnlocked,
    LoginLocked,
    OrganisationSwitched,
    SessionEnded,
    SessionStarted,
)
from reptidex.domain.identity.login_limits import LoginThrottle
from reptidex.domain.identity.model import (
    AuthSession,
    Email,
    MembershipView,
    Role,
    TokenPurpose,
    User,
)
from reptidex.domain.identity.ports import ActionLinks, IdentityUnitOfWork, MailMessage
from reptidex.domain.identity.tokens import SERVICE_SUBJECT_PREFIX, TokenPair, digest

WRONG_CREDENTIALS = "The email address or the password is wrong."
_SESSION_ENDED = "This session has ended; log in again."
SUSPENDED = "This account is suspended; ask the platform's administrators."


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """A new access token without a new refresh token (after switching organisation)."""

    access_token: str
    expires_at: dt.datetime
    organisation_id: uuid.UUID
    role: Role


@dataclass(frozen=True, slots=True)
class Me:
    """The signed-in user, every organisation they belong to, and the active one."""

    user: User
    memberships: list[MembershipView]
    organisation_id: uuid.UUID | None
    role: Role | None


def _minutes(seconds: float) -> int:
    return max(1, -(-int(seconds) // 60))


def _unlock_mail(
    email: Email, secret: str, locked_for: int, valid_for: dt.timedelta, links: ActionLinks
) -> MailMessage:
    return MailMessage(
        to=email,
        subject="Logging in to your ReptiDex account is paused",
        body=(
            "Many wrong passwords were tried for your ReptiDex account, so logging in to it is "
            f"paused for up to {_minutes(locked_for)} minutes. Your password has not been "
            "changed.\n\n"
            "To log in now, unlock the account on this page, then log in as usual:\n\n"
            f"{links.unlock_account(secret)}\n\n"
            "(From a program: send the token below to POST /auth/unlock.)\n\n"
            f"Token: {secret}\n\n"
            f"It works once, within {_minutes(valid_for.total_seconds())} minutes. If someone "
            "may know your password, reset it through POST /auth/password/reset-request.\n"
        ),
        kind="unlock_account",
    )


ServiceSecrets = Callable[[str], str | None]
"""The expected secret of a service by name, or None when it may not get tokens."""


class Sessions:
    """Signing in and out, and the tokens that carry a session."""

    def __init__(self, context: IdentityContext) -> None:
        self.context = context
        self.throttle = LoginThrottle(context)
        self._dummy_hash: str | None = None

    async def _burn_hash_time(self, password: str) -> None:
        # Verifying against a throwaway hash when the account does not exist makes a wrong
        # address take as long as a wrong password, so timing reveals no accounts either.
        if self._dummy_hash is None:
            self._dummy_hash = await self.context.hasher.hash("not-a-real-password-0")
        await self.context.hasher.verify(self._dummy_hash, password)

    async def _active_role(self, uow: IdentityUnitOfWork, session: AuthSession) -> Role | None:
        if session.organisation_id is None:
            return None
        membership = await uow.memberships.get(session.organisation_id, session.user_id)
        return membership.role if membership else None

    async def login(self, email: str, password: str, *, address: str) -> TokenPair:
        """Check the credentials and start a session in the user's first organisation.

        Every attempt counts against the address; wrong passwords against the (address,
        account) pair, with backoff, and against the account's ceiling (see
        :mod:`~reptidex.domain.identity.login_limits`). A wrong address and a wrong password
        give the same answer in the same time.
        """
        context = self.context
        policy = context.policy
        await context.count(f"login:address:{address}", policy.login_per_address)
        try:
            normalised = Email.parse(email)
        except InvalidInput:
            raise NotAuthenticated(WRONG_CREDENTIALS) from None
        await self.throttle.admit(address, normalised)
        async with context.unit_of_work() as uow:
            user = await uow.users.by_email(normalised)
        if user is None:
            await self._burn_hash_time(password)
            matches = False
        else:
            matches = await context.hasher.verify(user.password_hash, password)
        if user is None or not matches:
            locked_for = await self.throttle.failed(address, normalised)
            if locked_for is not None and user is not None:
                await self._mail_unlock(user, locked_for)
            raise NotAuthenticated(WRONG_CREDENTIALS)
        await self.throttle.succeeded(address, normalised)
        if user.suspended:  # told only to whoever knows the password
            raise PermissionDenied(SUSPENDED)
        if policy.require_verified_email and not user.email_verified:
            raise PermissionDenied(
                "Confirm your email address first: use the token we mailed you "
                "(POST /auth/verify-email/resend sends a new one)."
            )
        rehash = (
            await context.hasher.hash(password)
            if context.hasher.needs_rehash(user.password_hash)
            else None
        )
        async with context.unit_of_work() as uow:
            if rehash is not None:
                user.password_hash = rehash
                await uow.users.save(user)
            memberships = await uow.memberships.of_user(user.id)
            now = context.now()
            session = AuthSession(
                user_id=user.id,
                created_at=now,
                expires_at=now + policy.refresh_token_ttl,
                organisation_id=memberships[0].organisation_id if memberships else None,
            )
            await uow.sessions.add(session)
            secret, refresh = context.new_refresh_token(session)
            await uow.refresh_tokens.add(refresh)
            context.emit(
                uow,
                "auth.logged_in",
                SessionStarted(user_id=user.id, session_id=session.id, address=address),
                actor_id=user.id,
                organisation_id=session.organisation_id,
            )
            role = memberships[0].role if memberships else None
            await uow.commit()
        return await context.token_pair(
            session, secret, refresh, role, platform_admin=user.platform_admin
        )

    async def _mail_unlock(self, user: User, locked_for: int) -> None:
        context = self.context
        async with context.unit_of_work() as uow:
            secret = await context.store_one_time_token(
                uow, user.id, TokenPurpose.UNLOCK_ACCOUNT, context.policy.unlock_ttl
            )
            uow.mail.add(
                _unlock_mail(
                    user.email, secret, locked_for, context.policy.unlock_ttl, context.links
                )
            )
            context.emit(
                uow,
                "auth.login_locked",
                LoginLocked(user_id=user.id, retry_after=locked_for),
                actor_id=user.id,
            )
            await uow.commit()

    async def unlock(self, token: str) -> None:
        """Lift the account's login ceiling with the mailed unlock token (once, within
        :attr:`IdentityPolicy.unlock_ttl`); the owner then logs in as usual."""
        context = self.context
        async with context.unit_of_work() as uow:
            stored = await uow.one_time_tokens.by_digest(TokenPurpose.UNLOCK_ACCOUNT, digest(token))
            now = context.now()
            if stored is None or not stored.is_usable(now):
                raise InvalidInput(INVALID_LINK, field_errors={"token": INVALID_LINK})
            user = await uow.users.get(stored.user_id)
            if user is None:  # pragma: no cover - the foreign key keeps this from happening
                raise NotFound("The account no longer exists.")
            stored.used_at = now
            await uow.one_time_tokens.save(stored)
            context.emit(
                uow, "auth.account_unlocked", AccountUnlocked(user_id=user.id), actor_id=user.id
            )
            await uow.commit()
        await self.throttle.unlock(user.email)

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Exchange a refresh token for a new pair; a reused token ends its whole family."""
        context = self.context
        async with context.unit_of_work() as uow:
            stored = await uow.refresh_tokens.by_digest(digest(refresh_token))
            if stored is None:
                raise NotAuthenticated("The refresh token is not valid.")
            session = await uow.sessions.get(stored.session_id)
            now = context.now()
            if session is None or not session.is_active(now):
                raise NotAuthenticated(_SESSION_ENDED)
            if stored.used_at is not None or not await uow.refresh_tokens.claim(stored, now):
                # A rotated token came back: either it was stolen or its holder is replaying.
                # Either way nobody can tell which copy is legitimate, so the family ends.
                session.revoke(now, "refresh_token_reuse")
                await uow.sessions.save(session)
                context.emit(
                    uow,
                    "auth.refresh_reuse_detected",
                    SessionEnded(
                        user_id=session.user_id, session_id=session.id, reason="refresh_token_reuse"
                    ),
                    actor_id=session.user_id,
                )
                await uow.commit()
                raise NotAuthenticated(
                    "This refresh token was already used; the session has been ended for safety."
                )
            if now >= stored.expires_at:
                raise NotAuthenticated(_SESSION_ENDED)
            secret, replacement = context.new_refresh_token(session)
            await uow.refresh_tokens.add(replacement)
            role = await self._active_role(uow, session)
            user = await uow.users.get(session.user_id)
            if user is None or user.suspended:
                raise NotAuthenticated(SUSPENDED)
            await uow.commit()
        return await context.token_pair(
            session,
            secret,
            replacement,
            role,
            platform_admin=user is not None and user.platform_admin,
        )

    async def logout(self, refresh_token: str) -> None:
        """End the session the refresh token belongs to (unknown tokens are ignored)."""
        context = self.context
        async with context.unit_of_work() as uow:
            stored = await uow.refresh_tokens.by_digest(digest(refresh_token))
            if stored is None:
                return
            session = await uow.sessions.get(stored.session_id)
            if session is None or session.revoked_at is not None:
                return
            session.revoke(context.now(), "logout")
            await uow.sessions.save(session)
            context.emit(
                uow,
                "auth.logged_out",
                SessionEnded(user_id=session.user_id, session_id=session.id, reason="logout"),
                actor_id=session.user_id,
            )
            await uow.commit()

    async def switch_organisation(
        self, user_id: uuid.UUID, session_id: uuid.UUID | None, organisation_id: uuid.UUID
    ) -> AccessGrant:
        """Make ``organisation_id`` the session's active organisation; sign a token for it."""
        context = self.context
        if session_id is None:
            raise PermissionDenied("Only a signed-in session can switch organisation.")
        async with context.unit_of_work() as uow:
            session = await uow.sessions.get(session_id)
            now = context.now()
            if session is None or session.user_id != user_id or not session.is_active(now):
                raise NotAuthenticated(_SESSION_ENDED)
            membership = await uow.memberships.get(organisation_id, user_id)
            if membership is None:
                raise NotFound("You are not a member of that organisation.")
            user = await uow.users.get(user_id)
            if user is None or user.suspended:
                raise NotAuthenticated(SUSPENDED)
            session.organisation_id = organisation_id
            await uow.sessions.save(session)
            context.emit(
                uow,
                "auth.organisation_switched",
                OrganisationSwitched(
                    user_id=user_id,
                    session_id=session.id,
                    organisation_id=organisation_id,
                    role=membership.role.value,
                ),
                actor_id=user_id,
                organisation_id=organisation_id,
            )
            await uow.commit()
        token, expires_at = await context.sign_access_token(
            str(user_id),
            session,
            membership.role,
            platform_admin=user is not None and user.platform_admin,
        )
        return AccessGrant(
            access_token=token,
            expires_at=expires_at,
            organisation_id=organisation_id,
            role=membership.role,
        )

    async def me(self, user_id: uuid.UUID, organisation_id: uuid.UUID | None) -> Me:
        """The user, their organisations, and their role in ``organisation_id`` (as of now)."""
        async with self.context.unit_of_work() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotAuthenticated("The account of this token no longer exists.")
            memberships = await uow.memberships.of_user(user_id)
        active = next((m for m in memberships if m.organisation_id == organisation_id), None)
        return Me(
            user=user,
            memberships=memberships,
            organisation_id=active.organisation_id if active else None,
            role=active.role if active else None,
        )

    async def service_token(
        self, service: str, secret: str, secrets: ServiceSecrets, *, address: str
    ) -> tuple[str, dt.datetime]:
        """A token for ``service`` calling other services, given its shared secret.

        Every request counts against ``address``; every token issued against ``service``
        (:class:`RateLimited` past either limit)."""
        policy = self.context.policy
        await self.context.count(
            f"service-token:address:{address}", policy.service_token_per_address
        )
        expected = secrets(service)
        if expected is None or not hmac.compare_digest(
            expected.encode("utf-8"), secret.encode("utf-8")
        ):
            raise NotAuthenticated("The service name or secret is wrong.")
        await self.context.count(
            f"service-token:service:{service}", policy.service_token_per_service
        )
        return await self.context.sign_access_token(
            f"{SERVICE_SUBJECT_PREFIX}{service}", None, None
        )
