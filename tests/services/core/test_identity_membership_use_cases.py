"""Leaving, removing members, listing and revoking invitations, platform administrators: the
use cases against in-memory fakes (rules, events, no half writes)."""

from __future__ import annotations

import uuid

import pytest
from identity_testkit import STRONG_PASSWORD, FakeIdentity, fake_identity

from reptidex.domain.errors import Conflict, NotFound, PermissionDenied
from reptidex.domain.identity import Role

ADDRESS = "198.51.100.8"


async def member(identity: FakeIdentity, email: str) -> uuid.UUID:
    await identity.accounts.register(email, STRONG_PASSWORD, address=ADDRESS)
    await identity.accounts.verify_email(identity.notifier.last_token("verify_email", email))
    user = next(u for u in identity.store.users.values() if u.email.value == email)
    return user.id


async def join(
    identity: FakeIdentity, org: uuid.UUID, by: uuid.UUID, who: uuid.UUID, role: Role
) -> None:
    email = identity.store.users[who].email.value
    await identity.organisations.invite(by, org, email, role)
    await identity.organisations.accept(who, identity.notifier.last_token("invitation", email))


@pytest.fixture
async def team() -> tuple[FakeIdentity, uuid.UUID, dict[str, uuid.UUID]]:
    identity = fake_identity()
    people = {
        name: await member(identity, f"{name}@example.org")
        for name in ("owner", "admin", "member", "viewer", "outsider")
    }
    org = (await identity.organisations.create(people["owner"], "Scales")).id
    for name, role in (("admin", Role.ADMIN), ("member", Role.MEMBER), ("viewer", Role.VIEWER)):
        await join(identity, org, people["owner"], people[name], role)
    return identity, org, people


def roles(identity: FakeIdentity, org: uuid.UUID) -> dict[uuid.UUID, Role]:
    return {
        m.user_id: m.role for m in identity.store.memberships.values() if m.organisation_id == org
    }


async def test_admins_remove_members_and_the_event_says_who(team) -> None:  # type: ignore[no-untyped-def]
    identity, org, people = team
    await identity.organisations.remove_member(people["admin"], org, people["member"])
    assert people["member"] not in roles(identity, org)
    event = identity.store.events[-1]
    assert event.type == "user.removed_from_organisation"
    assert event.payload["user_id"] == str(people["member"])
    assert event.payload["removed_by"] == str(people["admin"])
    assert event.payload["role"] == "member"
    assert event.organisation_id == org
    # The removed member can no longer switch to it.
    with pytest.raises(NotFound):
        await identity.organisations.members(people["member"], org)


async def test_who_may_remove_whom(team) -> None:  # type: ignore[no-untyped-def]
    identity, org, people = team
    before = len(identity.store.events)
    with pytest.raises(PermissionDenied):  # members and viewers manage nobody
        await identity.organisations.remove_member(people["member"], org, people["viewer"])
    with pytest.raises(PermissionDenied):  # admins do not remove owners
        await identity.organisations.remove_member(people["admin"], org, people["owner"])
    with pytest.raises(NotFound):  # an outsider learns nothing about the organisation
        await identity.organisations.remove_member(people["outsider"], org, people["viewer"])
    with pytest.raises(NotFound):
        await identity.organisations.remove_member(people["owner"], org, people["outsider"])
    assert len(identity.store.events) == before
    assert len(roles(identity, org)) == 4


async def test_the_last_owner_can_neither_leave_nor_be_removed(team) -> None:  # type: ignore[no-untyped-def]
    identity, org, people = team
    with pytest.raises(Conflict, match="last owner"):
        await identity.organisations.leave(people["owner"], org)
    with pytest.raises(Conflict, match="last owner"):
        await identity.organisations.remove_member(people["owner"], org, people["owner"])
    # With a second owner, one may go.
    await identity.organisations.change_role(people["owner"], org, people["admin"], Role.OWNER)
    await identity.organisations.remove_member(people["admin"], org, people["owner"])
    assert roles(identity, org)[people["admin"]] is Role.OWNER
    assert people["owner"] not in roles(identity, org)


async def test_members_leave(team) -> None:  # type: ignore[no-untyped-def]
    identity, org, people = team
    await identity.organisations.leave(people["viewer"], org)
    assert people["viewer"] not in roles(identity, org)
    event = identity.store.events[-1]
    assert event.type == "user.left_organisation"
    assert event.actor_id == people["viewer"]
    with pytest.raises(NotFound):
        await identity.organisations.leave(people["viewer"], org)
    with pytest.raises(NotFound):
        await identity.organisations.leave(people["outsider"], org)


async def test_invitations_are_listed_and_revoked(team) -> None:  # type: ignore[no-untyped-def]
    identity, org, people = team
    invited = await identity.organisations.invite(
        people["admin"], org, "newcomer@example.org", Role.MEMBER
    )
    token = identity.notifier.last_token("invitation", "newcomer@example.org")
    owner_invite = await identity.organisations.invite(
        people["owner"], org, "partner@example.org", Role.OWNER
    )
    pending = await identity.organisations.invitations(people["admin"], org)
    assert [i.id for i in pending] == [invited.invitation.id, owner_invite.invitation.id]
    with pytest.raises(PermissionDenied):
        await identity.organisations.invitations(people["member"], org)
    with pytest.raises(NotFound):
        await identity.organisations.invitations(people["outsider"], org)

    with pytest.raises(PermissionDenied):  # an admin cannot withdraw an owner's invitation
        await identity.organisations.revoke_invitation(
            people["admin"], org, owner_invite.invitation.id
        )
    other = (await identity.organisations.create(people["outsider"], "Other")).id
    with pytest.raises(NotFound):  # nor one of another organisation
        await identity.organisations.revoke_invitation(
            people["outsider"], other, invited.invitation.id
        )
    await identity.organisations.revoke_invitation(people["admin"], org, invited.invitation.id)
    event = identity.store.events[-1]
    assert event.type == "user.invitation_revoked"
    assert event.payload["email"] == "newcomer@example.org"
    assert [i.id for i in await identity.organisations.invitations(people["owner"], org)] == [
        owner_invite.invitation.id
    ]
    with pytest.raises(Conflict):
        await identity.organisations.revoke_invitation(people["owner"], org, invited.invitation.id)
    # The mailed token is dead.
    newcomer = await member(identity, "newcomer@example.org")
    with pytest.raises(NotFound):
        await identity.organisations.accept(newcomer, token)


async def test_platform_admin_reaches_the_tokens() -> None:
    identity = fake_identity()
    user_id = await member(identity, "ops.lead@example.org")
    await identity.accounts.set_platform_admin("Ops.Lead@Example.org", True)
    assert identity.store.users[user_id].platform_admin
    assert identity.store.events[-1].type == "user.platform_admin_granted"
    pair = await identity.sessions.login("ops.lead@example.org", STRONG_PASSWORD, address=ADDRESS)
    assert identity.signer.claims(pair.access_token).platform_admin is True
    refreshed = await identity.sessions.refresh(pair.refresh_token)
    assert identity.signer.claims(refreshed.access_token).platform_admin is True

    events = len(identity.store.events)
    await identity.accounts.set_platform_admin("ops.lead@example.org", True)  # no change
    assert len(identity.store.events) == events
    await identity.accounts.set_platform_admin("ops.lead@example.org", False)
    assert identity.store.events[-1].type == "user.platform_admin_revoked"
    again = await identity.sessions.refresh(refreshed.refresh_token)
    assert identity.signer.claims(again.access_token).platform_admin is False
    with pytest.raises(NotFound):
        await identity.accounts.set_platform_admin("nobody@example.org", True)
