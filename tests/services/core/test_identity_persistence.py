"""Identity's SQL adapters on SQLite and real PostgreSQL: the unit of work, the refresh-token
compare-and-set, and the signing key ring (rotation, encryption at rest)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from identity_testkit import FakeClock

from reptidex.adapters.identity.tokens import JwtSigner, KeyRing, TokenVerifier
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.identity_models import SigningKeyRow
from reptidex.adapters.sql.identity_store import (
    SqlIdentityUnitOfWork,
    SqlSigningKeys,
    identity_unit_of_work_factory,
)
from reptidex.domain.errors import Conflict
from reptidex.domain.identity import (
    AccessClaims,
    AuthSession,
    Email,
    Membership,
    OneTimeToken,
    Organisation,
    RefreshToken,
    Role,
    TokenPurpose,
    User,
)
from reptidex.domain.identity.tokens import digest
from service_database import migrated_database_url

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return migrated_database_url(request, tmp_path, "core")


@pytest.fixture
async def factory(database_url: str) -> AsyncIterator[Callable[[], SqlIdentityUnitOfWork]]:
    engine = create_engine(database_url)
    sessions = identity_unit_of_work_factory(engine)
    try:
        yield lambda: SqlIdentityUnitOfWork(sessions)
    finally:
        await engine.dispose()


def _user(email: str = "ann@example.org") -> User:
    return User(email=Email.parse(email), password_hash="h", created_at=NOW)


async def test_round_trip_of_every_entity(factory: Callable[[], SqlIdentityUnitOfWork]) -> None:
    user = _user()
    organisation = Organisation(name="Scales", created_by=user.id, created_at=NOW)
    session = AuthSession(user_id=user.id, created_at=NOW, expires_at=NOW + dt.timedelta(days=1))
    refresh = RefreshToken(
        session_id=session.id,
        token_digest=digest("r"),
        created_at=NOW,
        expires_at=NOW + dt.timedelta(days=1),
    )
    mailed = OneTimeToken(
        user_id=user.id,
        purpose=TokenPurpose.VERIFY_EMAIL,
        token_digest=digest("v"),
        created_at=NOW,
        expires_at=NOW + dt.timedelta(days=1),
    )
    async with factory() as uow:
        await uow.users.add(user)
        await uow.organisations.add(organisation)
        await uow.memberships.add(
            Membership(
                user_id=user.id, organisation_id=organisation.id, role=Role.OWNER, created_at=NOW
            )
        )
        await uow.sessions.add(session)
        await uow.refresh_tokens.add(refresh)
        await uow.one_time_tokens.add(mailed)
        await uow.commit()
    async with factory() as uow:
        stored = await uow.users.by_email(Email.parse("ANN@example.org"))
        assert stored is not None
        assert stored.id == user.id
        assert stored.created_at == NOW
        assert stored.created_at.tzinfo is not None
        (view,) = await uow.memberships.of_user(user.id)
        assert (view.organisation_name, view.role, view.email.value) == (
            "Scales",
            Role.OWNER,
            "ann@example.org",
        )
        assert await uow.memberships.count_owners(organisation.id) == 1
        assert (await uow.refresh_tokens.by_digest(digest("r"))) == refresh
        assert (await uow.one_time_tokens.by_digest(TokenPurpose.VERIFY_EMAIL, digest("v"))) == (
            mailed
        )
        assert await uow.one_time_tokens.by_digest(TokenPurpose.RESET_PASSWORD, digest("v")) is None
        assert await uow.sessions.revoke_all_of_user(user.id, NOW, "test") == 1
        await uow.commit()
    async with factory() as uow:
        revoked = await uow.sessions.get(session.id)
        assert revoked is not None
        assert revoked.revoked_reason == "test"


async def test_nothing_is_written_without_commit(
    factory: Callable[[], SqlIdentityUnitOfWork],
) -> None:
    user = _user()

    async def fail_halfway() -> None:
        async with factory() as uow:
            await uow.users.add(user)
            raise RuntimeError("the use case failed halfway")

    with pytest.raises(RuntimeError):
        await fail_halfway()
    async with factory() as uow:
        assert await uow.users.get(user.id) is None


async def test_duplicate_email_is_a_conflict(factory: Callable[[], SqlIdentityUnitOfWork]) -> None:
    async with factory() as uow:
        await uow.users.add(_user())
        await uow.commit()
    async with factory() as uow:
        with pytest.raises(Conflict):
            await uow.users.add(_user())


async def test_only_one_of_two_racing_refreshes_claims_the_token(
    factory: Callable[[], SqlIdentityUnitOfWork],
) -> None:
    user = _user()
    session = AuthSession(user_id=user.id, created_at=NOW, expires_at=NOW + dt.timedelta(days=1))
    token = RefreshToken(
        session_id=session.id,
        token_digest=digest("t"),
        created_at=NOW,
        expires_at=NOW + dt.timedelta(days=1),
    )
    async with factory() as uow:
        await uow.users.add(user)
        await uow.sessions.add(session)
        await uow.refresh_tokens.add(token)
        await uow.commit()

    async def claim() -> bool:
        async with factory() as uow:
            found = await uow.refresh_tokens.by_digest(digest("t"))
            assert found is not None
            won = await uow.refresh_tokens.claim(found, NOW)
            await uow.commit()
            return won

    results = [await claim(), await claim()]
    assert results == [True, False]


@pytest.fixture
async def key_store(database_url: str) -> AsyncIterator[SqlSigningKeys]:
    engine = create_engine(database_url)
    try:
        yield SqlSigningKeys(identity_unit_of_work_factory(engine))
    finally:
        await engine.dispose()


def _ring(store: SqlSigningKeys, clock: FakeClock, secret: str | None = None) -> KeyRing:
    return KeyRing(
        store,
        clock,
        key_lifetime=dt.timedelta(days=30),
        access_token_ttl=dt.timedelta(minutes=15),
        encryption_secret=secret,
    )


def _claims(clock: FakeClock) -> AccessClaims:
    return AccessClaims(
        subject="u",
        issued_at=clock.now(),
        expires_at=clock.now() + dt.timedelta(minutes=15),
        token_id="j",
    )


async def test_key_ring_rotates_without_logging_anyone_out(key_store: SqlSigningKeys) -> None:
    clock = FakeClock(dt.datetime.now(dt.UTC))
    ring = _ring(key_store, clock)
    first = await ring.signing_key()
    assert (await ring.signing_key()).kid == first.kid  # one key, reused
    old_token = await JwtSigner(ring).sign(_claims(clock))
    clock.advance(seconds=1)
    new_kid = await ring.rotate()
    assert new_kid != first.kid
    new_token = await JwtSigner(ring).sign(_claims(clock))
    kids = [key["kid"] for key in (await ring.jwks())["keys"]]
    assert kids == [new_kid, first.kid]
    verifier = TokenVerifier(ring)
    assert (await verifier.verify(old_token)).subject == "u"
    assert (await verifier.verify(new_token)).subject == "u"
    # Another replica (its own ring on the same database) sees the same keys.
    assert (await _ring(key_store, clock).signing_key()).kid == new_kid
    # After the old key's tokens have all expired, it leaves the JWKS.
    clock.advance(days=30, minutes=20)
    assert first.kid not in [key["kid"] for key in (await ring.jwks())["keys"]]


async def test_key_ring_rotates_by_age(key_store: SqlSigningKeys) -> None:
    clock = FakeClock(dt.datetime.now(dt.UTC))
    ring = _ring(key_store, clock)
    first = await ring.signing_key()
    clock.advance(days=31)
    assert (await ring.signing_key()).kid != first.kid


async def test_private_keys_are_encrypted_at_rest(key_store: SqlSigningKeys) -> None:
    clock = FakeClock(dt.datetime.now(dt.UTC))
    ring = _ring(key_store, clock, secret="a long signing key secret")
    key = await ring.signing_key()
    (row,) = await key_store.published(clock.now())
    assert isinstance(row, SigningKeyRow)
    assert row.encrypted
    assert "ENCRYPTED PRIVATE KEY" in row.private_key
    assert set(json.loads(row.public_jwk)) == {"kty", "crv", "x", "kid", "alg", "use"}
    # With the wrong secret the old key cannot sign: a new one is made, the old stays published.
    other = _ring(key_store, clock, secret="another secret entirely")
    replacement = await other.signing_key()
    assert replacement.kid != key.kid
    assert {k["kid"] for k in (await other.jwks())["keys"]} == {key.kid, replacement.kid}


async def test_concurrent_first_use_makes_a_usable_key(key_store: SqlSigningKeys) -> None:
    clock = FakeClock(dt.datetime.now(dt.UTC))
    ring = _ring(key_store, clock)
    kids = await asyncio.gather(*(ring.signing_key() for _ in range(5)))
    assert len({key.kid for key in kids}) == 1


async def test_removal_revocation_and_platform_admin_persist(
    factory: Callable[[], SqlIdentityUnitOfWork],
) -> None:
    from reptidex.domain.identity import Invitation

    owner, guest = _user(), _user("guest@example.org")
    organisation = Organisation(name="Scales", created_by=owner.id, created_at=NOW)
    membership = Membership(
        user_id=guest.id, organisation_id=organisation.id, role=Role.MEMBER, created_at=NOW
    )
    invitations = [
        Invitation(
            organisation_id=organisation.id,
            email=Email.parse(f"i{n}@example.org"),
            role=Role.VIEWER,
            token_digest=digest(f"token-{n}"),
            invited_by=owner.id,
            created_at=NOW + dt.timedelta(seconds=n),
            expires_at=NOW + dt.timedelta(days=7),
        )
        for n in range(3)
    ]
    async with factory() as uow:
        await uow.users.add(owner)
        await uow.users.add(guest)
        await uow.organisations.add(organisation)
        await uow.memberships.add(membership)
        for invitation in invitations:
            await uow.invitations.add(invitation)
        await uow.commit()
    async with factory() as uow:
        invitations[0].revoked_at = NOW
        await uow.invitations.save(invitations[0])
        invitations[1].accepted_at = NOW
        await uow.invitations.save(invitations[1])
        await uow.memberships.remove(membership)
        stored = await uow.users.get(owner.id)
        assert stored is not None
        stored.platform_admin = True
        await uow.users.save(stored)
        await uow.commit()
    async with factory() as uow:
        assert [i.id for i in await uow.invitations.pending_of(organisation.id)] == [
            invitations[2].id
        ]
        revoked = await uow.invitations.get(invitations[0].id)
        assert revoked is not None
        assert revoked.revoked_at == NOW
        assert not revoked.is_open(NOW)
        assert await uow.memberships.get(organisation.id, guest.id) is None
        admin = await uow.users.get(owner.id)
        assert admin is not None
        assert admin.platform_admin
        assert not (await uow.users.get(guest.id)).platform_admin  # type: ignore[union-attr]


async def test_search_and_suspension_persist(
    factory: Callable[[], SqlIdentityUnitOfWork],
) -> None:
    ann, bob = _user(), _user("bob_100%@scales.example")
    ann.display_name = "Ann Keeper"
    bob.created_at = NOW + dt.timedelta(seconds=1)
    sunny = Organisation(name="Sunny Scales", created_by=ann.id, created_at=NOW)
    dusk = Organisation(name="Dusk", created_by=ann.id, created_at=NOW + dt.timedelta(seconds=1))
    async with factory() as uow:
        for user in (ann, bob):
            await uow.users.add(user)
        for organisation in (sunny, dusk):
            await uow.organisations.add(organisation)
        await uow.memberships.add(
            Membership(user_id=ann.id, organisation_id=sunny.id, role=Role.OWNER, created_at=NOW)
        )
        await uow.memberships.add(
            Membership(user_id=bob.id, organisation_id=sunny.id, role=Role.MEMBER, created_at=NOW)
        )
        await uow.commit()
    async with factory() as uow:
        everyone, total = await uow.users.search("", 10, 0)
        assert ([u.id for u in everyone], total) == ([ann.id, bob.id], 2)
        by_name, _ = await uow.users.search("KEEPER", 10, 0)
        assert [u.id for u in by_name] == [ann.id]
        literal, _ = await uow.users.search("100%", 10, 0)  # % is a character, not a wildcard
        assert [u.id for u in literal] == [bob.id]
        assert (await uow.users.search("_", 10, 0))[1] == 1
        second, total = await uow.users.search("", 1, 1)
        assert ([u.id for u in second], total) == ([bob.id], 2)
        found, total = await uow.organisations.search("scales", 10, 0)
        assert [(s.organisation.id, s.members) for s in found] == [(sunny.id, 2)]
        assert (await uow.organisations.search("", 10, 0))[1] == 2
        stored = await uow.users.get(bob.id)
        assert stored is not None
        assert not stored.suspended
        stored.suspended_at = NOW
        await uow.users.save(stored)
        await uow.commit()
    async with factory() as uow:
        again = await uow.users.get(bob.id)
        assert again is not None
        assert again.suspended_at == NOW
