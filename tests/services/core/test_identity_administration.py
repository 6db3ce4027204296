"""Platform administration of accounts: search, suspend and reinstate, grant and revoke the
platform-admin right; each change audited with its administrator as actor, and published."""

from __future__ import annotations

import uuid

import pytest
from identity_testkit import STRONG_PASSWORD, FakeIdentity, fake_identity

from reptidex.domain.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied
from reptidex.domain.identity import User

ADDRESS = "192.0.2.9"
ADMIN = uuid.UUID(int=7)


@pytest.fixture
def identity() -> FakeIdentity:
    return fake_identity()


async def account(identity: FakeIdentity, email: str, name: str | None = None) -> User:
    await identity.accounts.register(email, STRONG_PASSWORD, display_name=name, address=ADDRESS)
    await identity.accounts.verify_email(identity.notifier.last_token("verify_email", email))
    found = await identity.administration.search_users(ADMIN, email)
    (user,) = found.items
    return user


async def test_search_users_by_address_or_name_in_any_case(identity: FakeIdentity) -> None:
    ann = await account(identity, "ann@example.org", "Ann Keeper")
    bob = await account(identity, "bob@scales.example", "Bob")
    everyone = await identity.administration.search_users(ADMIN, "")
    assert [u.id for u in everyone.items] == [ann.id, bob.id]
    assert everyone.total == 2
    assert [u.id for u in (await identity.administration.search_users(ADMIN, "KEEPER")).items] == [
        ann.id
    ]
    assert [u.id for u in (await identity.administration.search_users(ADMIN, "scales")).items] == [
        bob.id
    ]
    page = await identity.administration.search_users(ADMIN, "", limit=1, offset=1)
    assert ([u.id for u in page.items], page.total) == ([bob.id], 2)


async def test_each_account_an_administrator_is_shown_is_recorded_as_accessed(
    identity: FakeIdentity,
) -> None:
    await account(identity, "ann@example.org", "Ann Keeper")
    bob = await account(identity, "bob@scales.example", "Bob")
    before = len(identity.store.audits)
    await identity.administration.search_users(ADMIN, "scales")
    (record,) = identity.store.audits[before:]
    assert (record.action, record.resource_kind, record.resource_id) == (
        "accessed",
        "user",
        str(bob.id),
    )
    assert (record.actor_id, record.organisation_id, record.service) == (ADMIN, None, "core")
    assert record.after["purpose"] == "admin_user_search"
    assert "email" in record.after["read"]
    assert record.before == {}
    assert "bob@scales.example" not in str(record.after)  # names the fields, never their values
    await identity.administration.search_users(ADMIN, "nobody-matches")
    assert len(identity.store.audits) == before + 1  # a search that shows no one reads no one


async def test_search_organisations_with_member_counts(identity: FakeIdentity) -> None:
    ann = await account(identity, "ann@example.org")
    await identity.organisations.create(ann.id, "Sunny Scales")
    await identity.organisations.create(ann.id, "Night Geckos")
    found = await identity.administration.search_organisations("scales")
    (summary,) = found.items
    assert (summary.organisation.name, summary.members, found.total) == ("Sunny Scales", 1, 1)


async def test_suspension_ends_sessions_and_refuses_login_until_reinstated(
    identity: FakeIdentity,
) -> None:
    admin = await account(identity, "admin@example.org")
    ann = await account(identity, "ann@example.org")
    pair = await identity.sessions.login("ann@example.org", STRONG_PASSWORD, address=ADDRESS)
    suspended = await identity.administration.suspend(admin.id, ann.id)
    assert suspended.suspended
    with pytest.raises(NotAuthenticated):
        await identity.sessions.refresh(pair.refresh_token)
    with pytest.raises(PermissionDenied, match="suspended"):
        await identity.sessions.login("ann@example.org", STRONG_PASSWORD, address=ADDRESS)
    with pytest.raises(NotAuthenticated):  # a wrong password learns nothing about suspension
        await identity.sessions.login("ann@example.org", "wrong-password-x", address=ADDRESS)
    again = await identity.administration.suspend(admin.id, ann.id)
    assert again.suspended_at == suspended.suspended_at  # idempotent
    reinstated = await identity.administration.reinstate(admin.id, ann.id)
    assert not reinstated.suspended
    await identity.sessions.login("ann@example.org", STRONG_PASSWORD, address=ADDRESS)
    records = [r for r in identity.store.audits if r.action in {"suspended", "reinstated"}]
    assert [(r.action, r.actor_id, r.resource_id) for r in records] == [
        ("suspended", admin.id, str(ann.id)),
        ("reinstated", admin.id, str(ann.id)),
    ]
    assert records[0].before == {"suspended_at": None}
    assert list(records[0].after) == ["suspended_at"]
    events = [e for e in identity.store.events if e.type in {"user.suspended", "user.reinstated"}]
    assert [e.type for e in events] == ["user.suspended", "user.reinstated"]
    assert events[0].payload["sessions_revoked"] == 1


async def test_grant_and_revoke_admin_are_audited(identity: FakeIdentity) -> None:
    admin = await account(identity, "admin@example.org")
    ann = await account(identity, "ann@example.org")
    granted = await identity.administration.set_platform_admin(admin.id, ann.id, True)
    assert granted.platform_admin
    pair = await identity.sessions.login("ann@example.org", STRONG_PASSWORD, address=ADDRESS)
    assert identity.signer.claims(pair.access_token).platform_admin
    revoked = await identity.administration.set_platform_admin(admin.id, ann.id, False)
    assert not revoked.platform_admin
    records = [r for r in identity.store.audits if r.action.startswith("platform_admin")]
    assert [(r.action, r.actor_id, r.before, r.after) for r in records] == [
        ("platform_admin_granted", admin.id, {"platform_admin": False}, {"platform_admin": True}),
        ("platform_admin_revoked", admin.id, {"platform_admin": True}, {"platform_admin": False}),
    ]
    assert "user.platform_admin_revoked" in identity.store.event_types()


async def test_an_administrator_cannot_act_on_their_own_account(identity: FakeIdentity) -> None:
    admin = await account(identity, "admin@example.org")
    with pytest.raises(Conflict):
        await identity.administration.suspend(admin.id, admin.id)
    with pytest.raises(Conflict):
        await identity.administration.set_platform_admin(admin.id, admin.id, False)
    with pytest.raises(NotFound):
        await identity.administration.suspend(admin.id, uuid.uuid4())
    assert not [r for r in identity.store.audits if r.action == "suspended"]
