"""Account use cases: register, verify the email address, change and reset the password."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from reptidex.domain.errors import InvalidInput, NotFound
from reptidex.domain.identity.audit import audit, fields_of
from reptidex.domain.identity.context import IdentityContext
from reptidex.domain.identity.events import (
    PlatformAdminChanged,
    UserEmailVerified,
    UserPasswordChanged,
    UserPasswordResetRequested,
    UserRegistered,
)
from reptidex.domain.identity.model import Email, TokenPurpose, User
from reptidex.domain.identity.ports import ActionLinks, IdentityUnitOfWork, MailMessage
from reptidex.domain.identity.tokens import digest

INVALID_LINK = "This link is invalid, already used or expired; ask for a new one."


@dataclass(frozen=True, slots=True)
class Registration:
    """What registering answers: the same whether or not the address already had an account."""

    email: Email


def _verification_mail(email: Email, secret: str, links: ActionLinks) -> MailMessage:
    return MailMessage(
        to=email,
        subject="Confirm your ReptiDex email address",
        body=(
            "Welcome to ReptiDex.\n\n"
            "Confirm this address on this page:\n\n"
            f"{links.verify_email(secret)}\n\n"
            "(From a program: send the token below to POST /auth/verify-email.)\n\n"
            f"Token: {secret}\n\n"
            "If you did not register, ignore this message.\n"
        ),
        kind="verify_email",
    )


def _already_registered_mail(email: Email) -> MailMessage:
    return MailMessage(
        to=email,
        subject="Someone tried to register with your ReptiDex address",
        body=(
            "Somebody (perhaps you) tried to create a ReptiDex account with this address, which "
            "already has one.\nIf it was you, log in, or reset your password through "
            "POST /auth/password/reset-request.\n"
        ),
        kind="already_registered",
    )


def _reset_mail(email: Email, secret: str, links: ActionLinks) -> MailMessage:
    return MailMessage(
        to=email,
        subject="Reset your ReptiDex password",
        body=(
            "Choose a new password on this page:\n\n"
            f"{links.reset_password(secret)}\n\n"
            "(From a program: send the token below with the new password to "
            "POST /auth/password/reset.)\n\n"
            f"Token: {secret}\n\n"
            "It works once, within the hour. If you did not ask for it, ignore this message.\n"
        ),
        kind="reset_password",
    )


class Accounts:
    """Registration, email verification and password changes."""

    def __init__(self, context: IdentityContext) -> None:
        self.context = context

    async def _mail_recipient(self, email: str, address_key: str) -> Email | None:
        """Count a mail request against the sender's address and the account; ``None`` (and no
        mail-per-account count) when ``email`` is not an address, so the answer reveals nothing.
        """
        context = self.context
        await context.count(address_key, context.policy.register_per_address)
        try:
            normalised = Email.parse(email)
        except InvalidInput:
            return None
        await context.count(f"mail:account:{normalised}", context.policy.mail_per_account)
        return normalised

    async def _store_one_time_token(
        self, user: User, purpose: TokenPurpose, uow: IdentityUnitOfWork
    ) -> str:
        policy = self.context.policy
        ttl = (
            policy.verification_ttl
            if purpose is TokenPurpose.VERIFY_EMAIL
            else policy.password_reset_ttl
        )
        return await self.context.store_one_time_token(uow, user.id, purpose, ttl)

    async def register(
        self, email: str, password: str, *, display_name: str | None = None, address: str
    ) -> Registration:
        """Create an unverified account and mail a verification token.

        When the address already has an account nothing is created and the owner is told by
        mail instead; the answer is the same either way, so registering reveals no accounts.
        """
        context = self.context
        await context.count(f"register:address:{address}", context.policy.register_per_address)
        normalised = Email.parse(email)
        checked = context.policy.passwords.check(password, email=normalised)
        await context.count(f"mail:account:{normalised}", context.policy.mail_per_account)
        password_hash = await context.hasher.hash(checked)
        async with context.unit_of_work() as uow:
            if await uow.users.by_email(normalised) is not None:
                message = _already_registered_mail(normalised)
            else:
                now = context.now()
                user = User(
                    email=normalised,
                    password_hash=password_hash,
                    created_at=now,
                    display_name=display_name,
                    password_changed_at=now,
                )
                await uow.users.add(user)
                audit(uow, "registered", after=user, actor_id=user.id)
                secret = await self._store_one_time_token(user, TokenPurpose.VERIFY_EMAIL, uow)
                context.emit(
                    uow,
                    "user.registered",
                    UserRegistered(user_id=user.id, email=normalised.value),
                    actor_id=user.id,
                )
                message = _verification_mail(normalised, secret, context.links)
            uow.mail.add(message)
            await uow.commit()
        return Registration(email=normalised)

    async def resend_verification(self, email: str, *, address: str) -> None:
        """Mail a new verification token when the address has an unverified account."""
        context = self.context
        normalised = await self._mail_recipient(email, f"register:address:{address}")
        if normalised is None:
            return
        async with context.unit_of_work() as uow:
            user = await uow.users.by_email(normalised)
            if user is None or user.email_verified:
                return
            secret = await self._store_one_time_token(user, TokenPurpose.VERIFY_EMAIL, uow)
            uow.mail.add(_verification_mail(normalised, secret, context.links))
            await uow.commit()

    async def verify_email(self, token: str) -> User:
        """Mark the account whose verification token this is as verified."""
        context = self.context
        async with context.unit_of_work() as uow:
            stored = await uow.one_time_tokens.by_digest(TokenPurpose.VERIFY_EMAIL, digest(token))
            now = context.now()
            if stored is None or not stored.is_usable(now):
                raise InvalidInput(INVALID_LINK, field_errors={"token": INVALID_LINK})
            user = await uow.users.get(stored.user_id)
            if user is None:  # pragma: no cover - the foreign key keeps this from happening
                raise NotFound("The account no longer exists.")
            stored.used_at = now
            await uow.one_time_tokens.save(stored)
            if user.email_verified_at is None:
                before = fields_of(user)
                user.email_verified_at = now
                await uow.users.save(user)
                audit(uow, "email_verified", before=before, after=user, actor_id=user.id)
                context.emit(
                    uow,
                    "user.email_verified",
                    UserEmailVerified(user_id=user.id, email=user.email.value),
                    actor_id=user.id,
                )
            await uow.commit()
        return user

    async def change_password(
        self,
        user_id: uuid.UUID,
        current_password: str,
        new_password: str,
        *,
        keep_session: uuid.UUID | None = None,
    ) -> int:
        """Change the password after checking the current one; end every other session.

        Returns how many sessions were ended.
        """
        context = self.context
        limit_key = f"password:user:{user_id}"
        await context.ensure_below(limit_key, context.policy.password_failures_per_user)
        async with context.unit_of_work() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("The account no longer exists.")
        if not await context.hasher.verify(user.password_hash, current_password):
            await context.count(limit_key, context.policy.password_failures_per_user)
            message = "The current password is wrong."
            raise InvalidInput(message, field_errors={"current_password": message})
        checked = context.policy.passwords.check(
            new_password, email=user.email, field_name="new_password"
        )
        new_hash = await context.hasher.hash(checked)
        async with context.unit_of_work() as uow:
            user = await uow.users.get(user_id)
            if user is None:  # pragma: no cover - deleted between the two transactions
                raise NotFound("The account no longer exists.")
            now = context.now()
            before = fields_of(user)
            user.password_hash = new_hash
            user.password_changed_at = now
            await uow.users.save(user)
            audit(uow, "password_changed", before=before, after=user, actor_id=user.id)
            revoked = await uow.sessions.revoke_all_of_user(
                user.id, now, "password_changed", keep=keep_session
            )
            context.emit(
                uow,
                "user.password_changed",
                UserPasswordChanged(user_id=user.id, sessions_revoked=revoked),
                actor_id=user.id,
            )
            await uow.commit()
        await context.rate_limiter.reset(limit_key)
        return revoked

    async def request_password_reset(self, email: str, *, address: str) -> None:
        """Mail a reset token when the address has an account; answer the same either way."""
        context = self.context
        normalised = await self._mail_recipient(email, f"reset:address:{address}")
        if normalised is None:
            return
        async with context.unit_of_work() as uow:
            user = await uow.users.by_email(normalised)
            if user is None:
                return
            secret = await self._store_one_time_token(user, TokenPurpose.RESET_PASSWORD, uow)
            context.emit(
                uow,
                "user.password_reset_requested",
                UserPasswordResetRequested(user_id=user.id),
                actor_id=user.id,
            )
            uow.mail.add(_reset_mail(normalised, secret, context.links))
            await uow.commit()

    async def reset_password(self, token: str, new_password: str) -> None:
        """Set a new password with a mailed reset token; end every session of the account."""
        context = self.context
        token_digest = digest(token)
        async with context.unit_of_work() as uow:
            stored = await uow.one_time_tokens.by_digest(TokenPurpose.RESET_PASSWORD, token_digest)
            if stored is None or not stored.is_usable(context.now()):
                raise InvalidInput(INVALID_LINK, field_errors={"token": INVALID_LINK})
            user = await uow.users.get(stored.user_id)
            if user is None:  # pragma: no cover - the foreign key keeps this from happening
                raise NotFound("The account no longer exists.")
        checked = context.policy.passwords.check(
            new_password, email=user.email, field_name="new_password"
        )
        new_hash = await context.hasher.hash(checked)
        async with context.unit_of_work() as uow:
            stored = await uow.one_time_tokens.by_digest(TokenPurpose.RESET_PASSWORD, token_digest)
            user = await uow.users.get(user.id)
            now = context.now()
            if stored is None or user is None or not stored.is_usable(now):
                raise InvalidInput(INVALID_LINK, field_errors={"token": INVALID_LINK})
            stored.used_at = now
            await uow.one_time_tokens.save(stored)
            before = fields_of(user)
            user.password_hash = new_hash
            user.password_changed_at = now
            if user.email_verified_at is None:
                user.email_verified_at = now  # the reset mail proved they read this mailbox
            await uow.users.save(user)
            audit(uow, "password_reset", before=before, after=user, actor_id=user.id)
            revoked = await uow.sessions.revoke_all_of_user(user.id, now, "password_reset")
            context.emit(
                uow,
                "user.password_reset",
                UserPasswordChanged(user_id=user.id, sessions_revoked=revoked),
                actor_id=user.id,
            )
            await uow.commit()

    async def set_platform_admin(self, email: str, granted: bool) -> User:
        """Grant or take away the platform-admin right of the account at ``email``.

        The operator's command (``reptidex admin grant|revoke EMAIL``), which makes the first
        administrator; over HTTP only another administrator grants the right
        (:class:`~reptidex.domain.identity.administration.PlatformAdministration`). It reaches
        tokens at the next login, refresh or switch.
        """
        context = self.context
        address = Email.parse(email)
        async with context.unit_of_work() as uow:
            user = await uow.users.by_email(address)
            if user is None:
                raise NotFound(f"No account has the address {address}.")
            if user.platform_admin is not granted:
                before = fields_of(user)
                user.platform_admin = granted
                await uow.users.save(user)
                audit(
                    uow,
                    "platform_admin_granted" if granted else "platform_admin_revoked",
                    before=before,
                    after=user,
                    actor_id=None,
                )
                context.emit(
                    uow,
                    "user.platform_admin_granted" if granted else "user.platform_admin_revoked",
                    PlatformAdminChanged(user_id=user.id, email=address.value),
                )
                await uow.commit()
        return user
