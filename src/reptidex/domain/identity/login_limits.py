"""Login throttling that nobody can turn against an account's owner.

Wrong passwords are counted per (address, account) pair in backoff tiers
(:attr:`IdentityPolicy.login_failures_per_pair`): a guesser at one address waits longer and
longer, and nobody else waits with them. A ceiling per account
(:attr:`IdentityPolicy.login_failures_per_account`) stops guessing spread over many addresses;
while it holds, only an address the account logged in from recently gets its password
checked, and the failure that reaches it mails the owner an unlock token (once per window).
Every counter is keyed by the normalised address, so an unknown account is counted exactly
like a real one.
"""

from __future__ import annotations

from reptidex.domain.errors import RateLimited
from reptidex.domain.identity.context import IdentityContext, Limit
from reptidex.domain.identity.model import Email

_KNOWN = 1 << 30
"""The limit a known-address marker is counted under: never reached."""


def pair_key(limit: Limit, address: str, email: Email) -> str:
    """The counter of one backoff tier of ``address`` guessing at ``email``."""
    return f"login:pair:{limit.window}:{address}:{email}"


def account_key(email: Email) -> str:
    """The counter of failures for ``email`` from every address."""
    return f"login:account:{email}"


def unlock_mail_key(email: Email) -> str:
    """Set while an unlock mail of the current ceiling window has gone out."""
    return f"login:unlock-mail:{email}"


def known_key(address: str, email: Email) -> str:
    """Set while ``address`` has logged in to ``email``'s account recently."""
    return f"login:known:{address}:{email}"


class LoginThrottle:
    """The login counters of one identity context (its rate limiter and policy)."""

    def __init__(self, context: IdentityContext) -> None:
        self.context = context

    async def admit(self, address: str, email: Email) -> None:
        """Raise :class:`RateLimited` when the pair is backing off, or when the account is at
        its ceiling and ``address`` is not one it logged in from recently. Counts nothing."""
        limiter, policy = self.context.rate_limiter, self.context.policy
        waits = [
            await limiter.exceeded(pair_key(tier, address, email), tier.attempts, tier.window)
            for tier in policy.login_failures_per_pair
        ]
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise RateLimited(
                f"Too many failed logins from this address; try again in {wait} seconds.",
                retry_after=wait,
            )
        ceiling = policy.login_failures_per_account
        wait = await limiter.exceeded(account_key(email), ceiling.attempts, ceiling.window)
        if wait is not None and not await self._known(address, email):
            raise RateLimited(
                f"Too many failed logins for this account; try again in {wait} seconds, or "
                "use the unlock token mailed to its owner (POST /auth/unlock).",
                retry_after=wait,
            )

    async def failed(self, address: str, email: Email) -> int | None:
        """Count a wrong password. When the account is now at its ceiling and no unlock mail
        went out in this window yet, return the seconds the ceiling holds (mail the owner)."""
        limiter, policy = self.context.rate_limiter, self.context.policy
        for tier in policy.login_failures_per_pair:
            await limiter.hit(pair_key(tier, address, email), tier.attempts, tier.window)
        ceiling = policy.login_failures_per_account
        key = account_key(email)
        await limiter.hit(key, ceiling.attempts, ceiling.window)
        wait = await limiter.exceeded(key, ceiling.attempts, ceiling.window)
        if wait is None:
            return None
        # The marker lives as long as the ceiling's window: one mail per window.
        first = await limiter.hit(unlock_mail_key(email), 1, wait) is None
        return wait if first else None

    async def succeeded(self, address: str, email: Email) -> None:
        """The right password: the pair starts afresh and ``address`` becomes a known one for
        :attr:`IdentityPolicy.login_known_address_ttl` (the account's ceiling stays)."""
        limiter, policy = self.context.rate_limiter, self.context.policy
        for tier in policy.login_failures_per_pair:
            await limiter.reset(pair_key(tier, address, email))
        key = known_key(address, email)
        await limiter.reset(key)  # restart its lifetime from this login
        ttl = int(policy.login_known_address_ttl.total_seconds())
        await limiter.hit(key, _KNOWN, ttl)

    async def unlock(self, email: Email) -> None:
        """Lift the account's ceiling; reaching it again mails a new token."""
        limiter = self.context.rate_limiter
        await limiter.reset(account_key(email))
        await limiter.reset(unlock_mail_key(email))

    async def _known(self, address: str, email: Email) -> bool:
        ttl = int(self.context.policy.login_known_address_ttl.total_seconds())
        return (
            await self.context.rate_limiter.exceeded(known_key(address, email), 1, ttl) is not None
        )
