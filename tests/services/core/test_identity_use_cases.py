"""Identity's use cases against in-memory fakes of every port: no database, no HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from identity_testkit import OTHER_PASSWORD, STRONG_PASSWORD, FakeIdentity, fake_identity

from reptidex.domain.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from reptidex.domain.identity import Email, IdentityPolicy, Limit, PasswordPolicy, Role, TokenPair

ADDRESS = "198.51.100.7"


@pytest.fixture
def identity() -> FakeIdentity:
    return fake_identity()


async def signed_up(identity: FakeIdentity, email: str = "ann@example.org") -> None:
    await identity.accounts.register(email, STRONG_PASSWORD, address=ADDRESS)
    await identity.accounts.verify_email(identity.notifier.last_token("verify_email", email))


async def logged_in(identity: FakeIdentity, email: str = "ann@example.org") -> TokenPair:
    return await identity.sessions.login(email, STRONG_PASSWORD, address=ADDRESS)


# --- values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ann@Example.ORG", "ann@example.org"),
        ("  ann.k+reptiles@sub.example.co.uk ", "ann.k+reptiles@sub.example.co.uk"),
    ],
)
def test_email_is_normalised(raw: str, expected: str) -> None:
    assert Email.parse(raw).value == expected


@pytest.mark.parametrize(
    "raw",
    ["", "ann", "ann@", "@example.org", "ann@example", "a..b@example.org", "ann@-x.org",
     "ann@example.123", "a b@example.org", "x" * 65 + "@example.org"],
)  # fmt: skip
def test_malformed_email_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Email.parse(raw)
    assert caught.value.field_errors == {"email": "not an email address"}


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-one", "at least 10"),
        ("x" * 129, "at most 128"),
        ("qwertyuiop", "too common"),
        ("Password123!", "too common"),
        ("2024dragonfly!!", "too common"),
        ("aaaaaaaaaaaaaa", "too common"),
        ("ann.keeper@example.org", "email"),
        ("ann.keeper2024", "email"),
    ],
)
def test_password_policy_refuses(password: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        PasswordPolicy().check(password, email=Email.parse("ann.keeper@example.org"))
    assert reason in caught.value.detail


def test_password_policy_normalises_and_accepts_passphrases() -> None:
    policy = PasswordPolicy()
    assert policy.check("correct horse battery staple") == "correct horse battery staple"
    # NFKC: a full-width passphrase is the same password as its ASCII form.
    assert policy.check("ｃｏｒｒｅｃｔ horse battery") == "correct horse battery"
    assert policy.check("ünïcödé-" * 16)  # 128 characters, not bytes


# Nine visible characters padded past ten with what prints nothing or only spaces.
PADDED_PASSWORDS = [
    "kestrel-9" + "\u200b" * 5,  # zero-width spaces
    "kestrel-9\u200d\u200c\ufeff",  # zero-width joiner, non-joiner, byte-order mark
    "\u00adkestrel-9\u00ad\u2060",  # soft hyphens, word joiner
    "kestrel-9\u202e\u202c",  # bidirectional overrides
    "   kestrel-9   ",  # padding spaces
    "kestrel-9\u3000\u3000",  # ideographic spaces (NFKC: spaces)
    "kestrel-9\x01\x02",  # control characters
]


@pytest.mark.parametrize("password", PADDED_PASSWORDS)
def test_invisible_characters_do_not_count_toward_the_length(password: str) -> None:
    with pytest.raises(InvalidInput, match="at least 10 visible characters") as caught:
        PasswordPolicy().check(password)
    assert caught.value.field_errors == {"password": caught.value.detail}


def test_invisible_characters_hide_no_common_password() -> None:
    for hidden in ("pass\u200bword1234", "q\u00adwertyuiop", "dragon\u200d2024!!"):
        with pytest.raises(InvalidInput, match="too common"):
            PasswordPolicy().check(hidden)
    # spaces inside a passphrase count once per run; the password itself stays as typed
    assert PasswordPolicy().check("kestrel  9 b") == "kestrel  9 b"


async def test_padded_passwords_are_refused_at_registration_change_and_reset(
    identity: FakeIdentity,
) -> None:
    padded = "kestrel-9" + "\u200b" * 5
    with pytest.raises(InvalidInput, match="visible characters"):
        await identity.accounts.register("bob@example.org", padded, address=ADDRESS)
    await signed_up(identity)
    (user,) = identity.store.users.values()
    with pytest.raises(InvalidInput, match="visible characters") as changed:
        await identity.accounts.change_password(user.id, STRONG_PASSWORD, padded)
    assert set(changed.value.field_errors) == {"new_password"}
    await identity.accounts.request_password_reset("ann@example.org", address=ADDRESS)
    token = identity.notifier.last_token("reset_password")
    with pytest.raises(InvalidInput, match="visible characters"):
        await identity.accounts.reset_password(token, "   kestrel-9   ")
    await identity.accounts.reset_password(token, OTHER_PASSWORD)  # the token still works


def test_roles_are_ordered() -> None:
    assert Role.OWNER.at_least(Role.ADMIN)
    assert Role.ADMIN.at_least(Role.ADMIN)
    assert not Role.MEMBER.at_least(Role.ADMIN)
    assert sorted(Role, key=lambda r: r.rank) == [Role.VIEWER, Role.MEMBER, Role.ADMIN, Role.OWNER]


# --- registration and verification --------------------------------------------------------


async def test_register_stores_an_unverified_user_and_mails_a_token(identity: FakeIdentity) -> None:
    registration = await identity.accounts.register(
        " Ann@Example.org", STRONG_PASSWORD, display_name="Ann", address=ADDRESS
    )
    assert registration.email.value == "ann@example.org"
    (user,) = identity.store.users.values()
    assert user.email.value == "ann@example.org"
    assert not user.email_verified
    assert user.password_hash != STRONG_PASSWORD
    assert identity.store.event_types() == ["user.registered"]
    assert identity.store.events[0].payload["email"] == "ann@example.org"
    (mail,) = identity.notifier.sent
    assert mail.kind == "verify_email"
    assert mail.to.value == "ann@example.org"
    # Only the token's digest is stored.
    token = identity.notifier.last_token("verify_email")
    assert all(t.token_digest != token for t in identity.store.one_time_tokens.values())


async def test_registering_a_taken_address_reveals_nothing(identity: FakeIdentity) -> None:
    first = await identity.accounts.register("ann@example.org", STRONG_PASSWORD, address=ADDRESS)
    second = await identity.accounts.register("ANN@example.org", OTHER_PASSWORD, address=ADDRESS)
    assert first == second
    assert len(identity.store.users) == 1
    assert [m.kind for m in identity.notifier.sent] == ["verify_email", "already_registered"]
    assert identity.store.event_types() == ["user.registered"]


async def test_weak_password_creates_nothing(identity: FakeIdentity) -> None:
    with pytest.raises(InvalidInput) as caught:
        await identity.accounts.register("ann@example.org", "password1", address=ADDRESS)
    assert "password" in caught.value.field_errors
    assert not identity.store.users
    assert not identity.notifier.sent
    assert not identity.store.events


async def test_verification_token_works_once_and_expires(identity: FakeIdentity) -> None:
    await identity.accounts.register("ann@example.org", STRONG_PASSWORD, address=ADDRESS)
    token = identity.notifier.last_token("verify_email")
    user = await identity.accounts.verify_email(token)
    assert user.email_verified
    assert identity.store.event_types() == ["user.registered", "user.email_verified"]
    with pytest.raises(InvalidInput):
        await identity.accounts.verify_email(token)

    await identity.accounts.register("bob@example.org", STRONG_PASSWORD, address=ADDRESS)
    identity.clock.advance(days=3)
    with pytest.raises(InvalidInput):
        await identity.accounts.verify_email(identity.notifier.last_token("verify_email"))


async def test_resend_replaces_the_old_verification_token(identity: FakeIdentity) -> None:
    await identity.accounts.register("ann@example.org", STRONG_PASSWORD, address=ADDRESS)
    old = identity.notifier.last_token("verify_email")
    await identity.accounts.resend_verification("ann@example.org", address=ADDRESS)
    new = identity.notifier.last_token("verify_email")
    assert new != old
    with pytest.raises(InvalidInput):
        await identity.accounts.verify_email(old)
    await identity.accounts.verify_email(new)
    await identity.accounts.resend_verification("ann@example.org", address=ADDRESS)
    await identity.accounts.resend_verification("nobody@example.org", address=ADDRESS)
    assert len(identity.notifier.sent) == 2  # verified and unknown addresses get nothing


# --- login, refresh, logout ---------------------------------------------------------------


async def test_login_needs_a_verified_address(identity: FakeIdentity) -> None:
    await identity.accounts.register("ann@example.org", STRONG_PASSWORD, address=ADDRESS)
    with pytest.raises(PermissionDenied):
        await logged_in(identity)


async def test_wrong_password_and_unknown_account_look_the_same(identity: FakeIdentity) -> None:
    await signed_up(identity)
    with pytest.raises(NotAuthenticated) as wrong_password:
        await identity.sessions.login("ann@example.org", OTHER_PASSWORD, address=ADDRESS)
    with pytest.raises(NotAuthenticated) as unknown:
        await identity.sessions.login("nobody@example.org", OTHER_PASSWORD, address=ADDRESS)
    with pytest.raises(NotAuthenticated) as malformed:
        await identity.sessions.login("not an email", OTHER_PASSWORD, address=ADDRESS)
    assert wrong_password.value.detail == unknown.value.detail == malformed.value.detail


async def test_login_issues_a_pair_and_starts_a_session(identity: FakeIdentity) -> None:
    await signed_up(identity)
    pair = await logged_in(identity)
    claims = identity.signer.claims(pair.access_token)
    (user,) = identity.store.users.values()
    assert claims.subject == str(user.id)
    assert claims.user_id == user.id
    assert claims.expires_at - claims.issued_at == dt.timedelta(minutes=15)
    assert claims.organisation_id is None
    assert claims.role is None
    assert claims.session_id == pair.session_id
    assert identity.store.event_types()[-1] == "auth.logged_in"


async def test_login_upgrades_an_outdated_hash(identity: FakeIdentity) -> None:
    await signed_up(identity)
    identity.hasher.version = 2
    await logged_in(identity)
    (user,) = identity.store.users.values()
    assert user.password_hash.startswith("fake2$")


async def test_refresh_rotates_and_reuse_revokes_the_family(identity: FakeIdentity) -> None:
    await signed_up(identity)
    first = await logged_in(identity)
    second = await identity.sessions.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.session_id == first.session_id
    third = await identity.sessions.refresh(second.refresh_token)

    # Someone replays the first (already rotated) token: the whole family ends.
    with pytest.raises(NotAuthenticated) as caught:
        await identity.sessions.refresh(first.refresh_token)
    assert "already used" in caught.value.detail
    session = identity.store.sessions[first.session_id]
    assert session.revoked_reason == "refresh_token_reuse"
    assert identity.store.event_types()[-1] == "auth.refresh_reuse_detected"
    # ... including the newest token, which the thief or the owner may hold.
    with pytest.raises(NotAuthenticated):
        await identity.sessions.refresh(third.refresh_token)
    # Other sessions of the same user are not touched.
    other = await logged_in(identity)
    assert await identity.sessions.refresh(other.refresh_token)


async def test_unknown_and_expired_refresh_tokens_are_refused(identity: FakeIdentity) -> None:
    await signed_up(identity)
    with pytest.raises(NotAuthenticated):
        await identity.sessions.refresh("x" * 43)
    pair = await logged_in(identity)
    identity.clock.advance(days=31)
    with pytest.raises(NotAuthenticated):
        await identity.sessions.refresh(pair.refresh_token)


async def test_logout_ends_the_session(identity: FakeIdentity) -> None:
    await signed_up(identity)
    pair = await logged_in(identity)
    await identity.sessions.logout(pair.refresh_token)
    assert identity.store.event_types()[-1] == "auth.logged_out"
    with pytest.raises(NotAuthenticated):
        await identity.sessions.refresh(pair.refresh_token)
    await identity.sessions.logout(pair.refresh_token)  # twice is fine
    await identity.sessions.logout("y" * 43)  # unknown is ignored
    assert identity.store.event_types().count("auth.logged_out") == 1


# --- passwords -----------------------------------------------------------------------------


async def test_change_password_keeps_this_session_and_ends_the_others(
    identity: FakeIdentity,
) -> None:
    await signed_up(identity)
    here, elsewhere = await logged_in(identity), await logged_in(identity)
    (user,) = identity.store.users.values()
    with pytest.raises(InvalidInput) as caught:
        await identity.accounts.change_password(user.id, OTHER_PASSWORD, OTHER_PASSWORD)
    assert "current_password" in caught.value.field_errors
    with pytest.raises(InvalidInput) as weak:
        await identity.accounts.change_password(user.id, STRONG_PASSWORD, "letmein12345")
    assert "new_password" in weak.value.field_errors

    revoked = await identity.accounts.change_password(
        user.id, STRONG_PASSWORD, OTHER_PASSWORD, keep_session=here.session_id
    )
    assert revoked == 1
    assert identity.store.event_types()[-1] == "user.password_changed"
    assert await identity.sessions.refresh(here.refresh_token)
    with pytest.raises(NotAuthenticated):
        await identity.sessions.refresh(elsewhere.refresh_token)
    assert await identity.sessions.login("ann@example.org", OTHER_PASSWORD, address=ADDRESS)


async def test_guessing_the_current_password_is_rate_limited(identity: FakeIdentity) -> None:
    await signed_up(identity)
    (user,) = identity.store.users.values()
    for _ in range(5):
        with pytest.raises(InvalidInput):
            await identity.accounts.change_password(user.id, "wrong-guess-1", OTHER_PASSWORD)
    with pytest.raises(RateLimited):
        await identity.accounts.change_password(user.id, STRONG_PASSWORD, OTHER_PASSWORD)


async def test_password_reset_by_mail(identity: FakeIdentity) -> None:
    await signed_up(identity)
    session = await logged_in(identity)
    await identity.accounts.request_password_reset("nobody@example.org", address=ADDRESS)
    assert [m.kind for m in identity.notifier.sent] == ["verify_email"]
    await identity.accounts.request_password_reset("ANN@example.org", address=ADDRESS)
    token = identity.notifier.last_token("reset_password")
    with pytest.raises(InvalidInput):
        await identity.accounts.reset_password(token, "qwertyuiop")
    await identity.accounts.reset_password(token, OTHER_PASSWORD)
    assert identity.store.event_types()[-2:] == [
        "user.password_reset_requested",
        "user.password_reset",
    ]
    with pytest.raises(NotAuthenticated):
        await identity.sessions.refresh(session.refresh_token)
    with pytest.raises(InvalidInput):
        await identity.accounts.reset_password(token, "another-fine-passphrase")
    with pytest.raises(NotAuthenticated):
        await identity.sessions.login("ann@example.org", STRONG_PASSWORD, address=ADDRESS)
    assert await identity.sessions.login("ann@example.org", OTHER_PASSWORD, address=ADDRESS)


async def test_reset_token_expires_after_an_hour(identity: FakeIdentity) -> None:
    await signed_up(identity)
    await identity.accounts.request_password_reset("ann@example.org", address=ADDRESS)
    identity.clock.advance(hours=1, seconds=1)
    with pytest.raises(InvalidInput):
        await identity.accounts.reset_password(
            identity.notifier.last_token("reset_password"), OTHER_PASSWORD
        )


# --- organisations -------------------------------------------------------------------------


async def test_organisations_invitations_roles_and_switching(identity: FakeIdentity) -> None:
    await signed_up(identity, "owner@example.org")
    await signed_up(identity, "bob@example.org")
    users = {u.email.value: u.id for u in identity.store.users.values()}
    owner, bob = users["owner@example.org"], users["bob@example.org"]
    organisation = await identity.organisations.create(owner, "  Scales   & Tails ")
    assert organisation.name == "Scales & Tails"
    assert identity.store.event_types()[-1] == "user.organisation_created"

    with pytest.raises(NotFound):
        await identity.organisations.invite(bob, organisation.id, "x@example.org", Role.MEMBER)
    issued = await identity.organisations.invite(
        owner, organisation.id, "Bob@Example.org", Role.ADMIN
    )
    assert issued.invitation.email.value == "bob@example.org"
    token = identity.notifier.last_token("invitation", "bob@example.org")
    with pytest.raises(PermissionDenied):
        await identity.organisations.accept(owner, token)  # sent to another address
    joined = await identity.organisations.accept(bob, token)
    assert joined.role is Role.ADMIN
    with pytest.raises(NotFound):
        await identity.organisations.accept(bob, token)  # used
    with pytest.raises(Conflict):
        await identity.organisations.invite(owner, organisation.id, "bob@example.org", Role.VIEWER)

    # An admin invites up to admin, never an owner; and cannot touch the owner.
    with pytest.raises(PermissionDenied):
        await identity.organisations.invite(bob, organisation.id, "c@example.org", Role.OWNER)
    with pytest.raises(PermissionDenied):
        await identity.organisations.change_role(bob, organisation.id, owner, Role.MEMBER)
    # The last owner cannot step down.
    with pytest.raises(Conflict):
        await identity.organisations.change_role(owner, organisation.id, owner, Role.ADMIN)
    changed = await identity.organisations.change_role(owner, organisation.id, bob, Role.VIEWER)
    assert changed.role is Role.VIEWER
    event = identity.store.events[-1]
    assert event.type == "user.role_changed"
    assert event.payload | {} == {
        "organisation_id": str(organisation.id),
        "user_id": str(bob),
        "old_role": "admin",
        "new_role": "viewer",
    }
    members = await identity.organisations.members(bob, organisation.id)
    assert [(m.email.value, m.role) for m in members] == [
        ("owner@example.org", Role.OWNER),
        ("bob@example.org", Role.VIEWER),
    ]
    with pytest.raises(PermissionDenied):
        await identity.organisations.change_role(bob, organisation.id, bob, Role.ADMIN)

    # Bob logs in (his first organisation is active) and the token says so.
    pair = await logged_in(identity, "bob@example.org")
    assert pair.organisation_id == organisation.id
    assert pair.role is Role.VIEWER
    mine = await identity.organisations.create(bob, "Bob's Boas")
    grant = await identity.sessions.switch_organisation(bob, pair.session_id, mine.id)
    claims = identity.signer.claims(grant.access_token)
    assert (claims.organisation_id, claims.role) == (mine.id, Role.OWNER)
    refreshed = await identity.sessions.refresh(pair.refresh_token)
    assert refreshed.organisation_id == mine.id
    owners_session = await logged_in(identity, "owner@example.org")
    with pytest.raises(NotFound):  # not a member of Bob's Boas
        await identity.sessions.switch_organisation(owner, owners_session.session_id, mine.id)
    with pytest.raises(NotAuthenticated):  # not the owner's session
        await identity.sessions.switch_organisation(owner, pair.session_id, organisation.id)
    with pytest.raises(PermissionDenied):  # a service token has no session
        await identity.sessions.switch_organisation(owner, None, organisation.id)


async def test_invitation_expires(identity: FakeIdentity) -> None:
    await signed_up(identity, "owner@example.org")
    await signed_up(identity, "bob@example.org")
    users = {u.email.value: u.id for u in identity.store.users.values()}
    organisation = await identity.organisations.create(users["owner@example.org"], "Geckos")
    await identity.organisations.invite(
        users["owner@example.org"], organisation.id, "bob@example.org", Role.MEMBER
    )
    identity.clock.advance(days=8)
    with pytest.raises(NotFound):
        await identity.organisations.accept(
            users["bob@example.org"], identity.notifier.last_token("invitation")
        )


async def test_organisation_name_is_checked(identity: FakeIdentity) -> None:
    await signed_up(identity)
    (user,) = identity.store.users.values()
    for name in ("   ", "x" * 121):
        with pytest.raises(InvalidInput):
            await identity.organisations.create(user.id, name)
    assert not identity.store.organisations


async def test_me_reports_the_active_organisation(identity: FakeIdentity) -> None:
    await signed_up(identity)
    (user,) = identity.store.users.values()
    organisation = await identity.organisations.create(user.id, "Pythons")
    me = await identity.sessions.me(user.id, organisation.id)
    assert me.role is Role.OWNER
    assert me.organisation_id == organisation.id
    stranger = await identity.sessions.me(user.id, None)
    assert stranger.role is None
    assert len(stranger.memberships) == 1


# --- rate limits and service credentials ---------------------------------------------------


async def test_success_resets_the_failure_counters(identity: FakeIdentity) -> None:
    await signed_up(identity)
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            await identity.sessions.login("ann@example.org", OTHER_PASSWORD, address=ADDRESS)
        await logged_in(identity)


async def test_attempts_are_limited_per_address() -> None:
    identity = fake_identity(IdentityPolicy(login_per_address=Limit(attempts=3, window=60)))
    for n in range(3):
        with pytest.raises(NotAuthenticated):
            await identity.sessions.login(f"u{n}@example.org", OTHER_PASSWORD, address=ADDRESS)
    with pytest.raises(RateLimited):
        await identity.sessions.login("u9@example.org", OTHER_PASSWORD, address=ADDRESS)
    with pytest.raises(NotAuthenticated):  # another address is not affected
        await identity.sessions.login("u9@example.org", OTHER_PASSWORD, address="203.0.113.9")


async def test_registration_is_limited_per_address_and_per_mailbox(identity: FakeIdentity) -> None:
    for _ in range(3):
        await identity.accounts.register("ann@example.org", STRONG_PASSWORD, address="10.1.1.1")
    with pytest.raises(RateLimited):  # nobody can mail-bomb one address
        await identity.accounts.register("ann@example.org", STRONG_PASSWORD, address="10.1.1.2")
    for n in range(7):
        await identity.accounts.register(f"u{n}@example.org", STRONG_PASSWORD, address="10.1.1.1")
    with pytest.raises(RateLimited):
        await identity.accounts.register("late@example.org", STRONG_PASSWORD, address="10.1.1.1")


async def test_service_token(identity: FakeIdentity) -> None:
    secrets = {"animal": "a-secret-of-the-animal-service"}.get
    token, expires_at = await identity.sessions.service_token(
        "animal", "a-secret-of-the-animal-service", secrets, address="10.0.0.9"
    )
    claims = identity.signer.claims(token)
    assert claims.subject == "service:animal"
    assert claims.service == "animal"
    assert claims.user_id is None
    assert claims.role is None
    assert expires_at == claims.expires_at
    for service, secret in (("animal", "wrong"), ("media", "a-secret-of-the-animal-service")):
        with pytest.raises(NotAuthenticated):
            await identity.sessions.service_token(service, secret, secrets, address="10.0.0.9")


async def test_service_tokens_are_limited_per_address_and_per_service() -> None:
    policy = IdentityPolicy(
        service_token_per_address=Limit(attempts=3, window=60),
        service_token_per_service=Limit(attempts=2, window=60),
    )
    identity = fake_identity(policy)
    secrets = {"animal": "a-secret-of-the-animal-service"}.get
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            await identity.sessions.service_token("animal", "wrong", secrets, address="10.0.0.1")
    with pytest.raises(RateLimited) as refused:  # even the right secret, from that address
        await identity.sessions.service_token(
            "animal", "a-secret-of-the-animal-service", secrets, address="10.0.0.1"
        )
    assert 0 < refused.value.retry_after <= 60
    # Wrong secrets did not use up the service's tokens: two are issued, then it waits.
    for address in ("10.0.0.2", "10.0.0.3"):
        await identity.sessions.service_token(
            "animal", "a-secret-of-the-animal-service", secrets, address=address
        )
    with pytest.raises(RateLimited):
        await identity.sessions.service_token(
            "animal", "a-secret-of-the-animal-service", secrets, address="10.0.0.4"
        )


async def test_password_changes_are_audited_without_the_hash(identity: FakeIdentity) -> None:
    await signed_up(identity)
    (user,) = identity.store.users.values()
    old_hash = user.password_hash
    await identity.accounts.change_password(user.id, STRONG_PASSWORD, OTHER_PASSWORD)
    registered, verified, changed = identity.store.audits
    assert (registered.resource_kind, registered.action) == ("user", "registered")
    assert registered.after["email"] == "ann@example.org"
    assert "password_hash" not in registered.after
    assert registered.withheld == ["password_hash"]
    assert (verified.action, list(verified.after)) == ("email_verified", ["email_verified_at"])
    assert (changed.service, changed.action, changed.actor_id) == (
        "core",
        "password_changed",
        user.id,
    )
    assert changed.resource_id == str(user.id)
    assert "password_hash" not in {**changed.before, **changed.after}
    assert changed.withheld == ["password_hash"]
    new_hash = identity.store.users[user.id].password_hash
    for record in identity.store.audits:
        text = repr(record)
        assert old_hash not in text
        assert new_hash not in text


async def test_organisation_changes_are_audited_in_the_organisation(identity: FakeIdentity) -> None:
    await signed_up(identity, "owner@example.org")
    await signed_up(identity, "bob@example.org")
    users = {u.email.value: u.id for u in identity.store.users.values()}
    owner, bob = users["owner@example.org"], users["bob@example.org"]
    organisation = await identity.organisations.create(owner, "Scales")
    await identity.organisations.invite(owner, organisation.id, "bob@example.org", Role.MEMBER)
    token = identity.notifier.last_token("invitation", "bob@example.org")
    await identity.organisations.accept(bob, token)
    await identity.organisations.change_role(owner, organisation.id, bob, Role.ADMIN)
    await identity.organisations.remove_member(owner, organisation.id, bob)
    trail = [r for r in identity.store.audits if r.organisation_id == organisation.id]
    assert [(r.resource_kind, r.action) for r in trail] == [
        ("organisation", "created"),
        ("membership", "created"),
        ("invitation", "created"),
        ("membership", "created"),
        ("invitation", "accepted"),
        ("membership", "role_changed"),
        ("membership", "removed"),
    ]
    invited = trail[2]
    assert "token_digest" not in invited.after
    assert invited.withheld == ["token_digest"]
    assert (trail[5].before, trail[5].after) == ({"role": "member"}, {"role": "admin"})
    assert trail[6].actor_id == owner
