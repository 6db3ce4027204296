"""repti-web's settings against stand-in services: the profile and password, members and
invitations, plan and billing through Stripe (core's Checkout and portal answers stand in for
Stripe), and the embed widgets with their snippets and preview."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from web_breeder import ORG, USER, breeder_client, post_form
from web_testkit import StandInServices, answer, field_error

from reptidex.services.kernel.settings import Settings
from reptidex.services.web.api import ServiceProblem

BOB = "5b0c5a8e-0000-4000-8000-000000000002"
INVITATION = "9d0c5a8e-0000-4000-8000-000000000003"


def members(services: StandInServices, *, may_invite: bool = True) -> None:
    services.on(f"GET core /orgs/{ORG}/members", answer([
        {"user_id": USER, "email": "ada@example.org", "role": "owner",
         "joined_at": "2026-01-02T10:00:00Z"},
        {"user_id": BOB, "email": "bob@example.org", "role": "member",
         "joined_at": "2026-02-03T10:00:00Z"},
    ]))  # fmt: skip
    if may_invite:
        services.on(f"GET core /orgs/{ORG}/invitations", answer([
            {"id": INVITATION, "organisation_id": ORG, "email": "cy@example.org",
             "role": "viewer", "expires_at": "2026-12-20T10:00:00Z", "invited_by": USER,
             "created_at": "2026-12-06T10:00:00Z", "expired": False},
        ]))  # fmt: skip
    else:
        services.on(f"GET core /orgs/{ORG}/invitations",
                    ServiceProblem(403, "Forbidden", "Admins and owners only."))  # fmt: skip


def billing(services: StandInServices, *, provider: str | None = None) -> None:
    services.on("GET core /billing/plans", answer({"billing_enabled": True, "providers": ["stripe"],
        "plans": [
            {"code": "free", "name": "Free", "monthly_price_cents": 0, "currency": "eur",
             "entitlements": {}},
            {"code": "pro", "name": "Pro", "monthly_price_cents": 1500, "currency": "eur",
             "entitlements": {}},
        ]}))  # fmt: skip
    services.on("GET core /billing/subscriptions", answer({
        "billing_enabled": True, "organisation_id": ORG, "plan": "free",
        "effective_plan": "pro" if provider else "free", "status": "active",
        "provider": provider, "cancel_at_period_end": False, "current_period_end": None,
        "entitlements": {"max_animals": 50, "max_marketplace_listings": None,
                         "certificate_printing": True, "api_access": False},
    }))  # fmt: skip


def test_the_profile_shows_the_account_and_changes_the_password(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    services.on("POST core /auth/password/change", answer({"sessions_revoked": 2}))
    with breeder_client(make_settings, services) as client:
        html = client.get("/settings").text
        assert "ada@example.org" in html
        assert "Ada Pythons (owner)" in html
        sent = post_form(client, "/settings", "/settings/password",
                         {"current_password": "old-password-1", "new_password": "new-password-22"})  # fmt: skip
        assert sent.status_code == 303
        assert sent.headers["location"] == "/settings?done=password"
        assert services.made("POST core /auth/password/change")[0]["json"] == {
            "current_password": "old-password-1", "new_password": "new-password-22"}  # fmt: skip
        assert "Your other sessions are signed out" in client.get("/settings?done=password").text


def test_a_refused_password_is_shown_beside_its_field_and_never_shown_again(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    services.on("POST core /auth/password/change", ServiceProblem(
        422, "Unprocessable Entity", "Not valid.",
        {"new_password": "Use at least 10 visible characters."}))  # fmt: skip
    with breeder_client(make_settings, services) as client:
        shown = post_form(client, "/settings", "/settings/password",
                          {"current_password": "old-password-1", "new_password": "short"})  # fmt: skip
        assert shown.status_code == 422
        assert field_error(shown.text, "new_password") == "Use at least 10 visible characters."
        assert "old-password-1" not in shown.text


def test_settings_are_for_signed_in_breeders(make_settings: Callable[..., Settings]) -> None:
    with breeder_client(make_settings, StandInServices(), signed_in=False) as client:
        for path in ("/settings", "/settings/members", "/settings/billing", "/settings/embeds"):
            sent = client.get(path, follow_redirects=False)
            assert sent.status_code == 303, path
            assert sent.headers["location"].startswith("/sign-in?next=%2Fsettings"), path


def test_members_and_invitations_are_listed_and_someone_is_invited(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    members(services)
    services.on(f"POST core /orgs/{ORG}/invitations", answer({}, 201))
    with breeder_client(make_settings, services) as client:
        html = client.get("/settings/members").text
        assert "bob@example.org" in html
        assert "cy@example.org as viewer" in html
        sent = post_form(client, "/settings/members", "/settings/members/invitations",
                         {"email": " dee@example.org ", "role": "admin"})  # fmt: skip
        assert sent.status_code == 303
        assert sent.headers["location"] == "/settings/members?done=invited"
        assert services.made(f"POST core /orgs/{ORG}/invitations")[0]["json"] == {
            "email": "dee@example.org", "role": "admin"}  # fmt: skip


def test_a_refused_invitation_is_shown_beside_the_email(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    members(services)
    services.on(f"POST core /orgs/{ORG}/invitations", ServiceProblem(
        409, "Conflict", "Already a member.", {"email": "This person is already a member."}))  # fmt: skip
    with breeder_client(make_settings, services) as client:
        shown = post_form(client, "/settings/members", "/settings/members/invitations",
                          {"email": "bob@example.org", "role": "member"})  # fmt: skip
        assert shown.status_code == 409
        assert field_error(shown.text, "email") == "This person is already a member."
        assert 'value="bob@example.org"' in shown.text


def test_an_invitation_is_revoked_and_a_role_changed_and_a_member_removed(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    members(services)
    services.on(f"DELETE core /orgs/{ORG}/invitations/{INVITATION}", answer(None, 204))
    services.on(f"PATCH core /orgs/{ORG}/members/{BOB}", answer({}))
    services.on(f"DELETE core /orgs/{ORG}/members/{BOB}", answer(None, 204))
    with breeder_client(make_settings, services) as client:
        revoked = post_form(client, "/settings/members",
                            f"/settings/members/invitations/{INVITATION}/revoke", {})  # fmt: skip
        assert revoked.headers["location"] == "/settings/members?done=revoked"
        changed = post_form(client, "/settings/members", f"/settings/members/{BOB}/role",
                            {"role": "admin"})  # fmt: skip
        assert changed.headers["location"] == "/settings/members?done=role"
        assert services.made(f"PATCH core /orgs/{ORG}/members/{BOB}")[0]["json"] == {
            "role": "admin"}  # fmt: skip
        removed = post_form(client, "/settings/members", f"/settings/members/{BOB}/remove", {})
        assert removed.headers["location"] == "/settings/members?done=removed"
        assert len(services.made(f"DELETE core /orgs/{ORG}/members/{BOB}")) == 1


def test_a_member_sees_the_members_but_not_the_invitations_and_cores_refusal_is_shown(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    members(services, may_invite=False)
    services.on(f"PATCH core /orgs/{ORG}/members/{BOB}", ServiceProblem(
        403, "Forbidden", "Only admins and owners change roles."))  # fmt: skip
    with breeder_client(make_settings, services, role="member") as client:
        html = client.get("/settings/members").text
        assert "bob@example.org" in html
        assert 'id="invitations-closed"' in html
        assert "send-invitation" not in html
        refused = post_form(client, "/settings/members", f"/settings/members/{BOB}/role",
                            {"role": "owner"})  # fmt: skip
        assert refused.status_code == 403
        assert "Only admins and owners change roles." in refused.text


def test_choosing_a_plan_goes_to_stripe_checkout(make_settings: Callable[..., Settings]) -> None:
    services = StandInServices()
    billing(services)
    services.on("POST core /billing/checkout", answer({
        "checkout_id": "cs_test_1", "url": "https://checkout.stripe.com/c/pay/cs_test_1",
        "provider": "stripe"}))  # fmt: skip
    with breeder_client(make_settings, services) as client:
        page = client.get("/settings/billing")
        assert "Choose Pro" in page.text
        assert "form-action 'self' https:" in page.headers["content-security-policy"]
        sent = post_form(client, "/settings/billing", "/settings/billing/checkout",
                         {"plan": "pro"})  # fmt: skip
        assert sent.status_code == 303
        assert sent.headers["location"] == "https://checkout.stripe.com/c/pay/cs_test_1"
        asked = services.made("POST core /billing/checkout")[0]["json"]
        assert asked["plan"] == "pro"
        assert asked["email"] == "ada@example.org"
        assert asked["provider"] == "stripe"
        assert asked["success_url"] == "http://testserver.local/settings/billing?done=paid"
        assert asked["cancel_url"] == "http://testserver.local/settings/billing"


def test_a_refused_checkout_is_shown_on_the_billing_page(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    billing(services)
    services.on("POST core /billing/checkout", ServiceProblem(
        403, "Forbidden", "Only the organisation's owners and admins pay for it."))  # fmt: skip
    with breeder_client(make_settings, services, role="viewer") as client:
        shown = post_form(client, "/settings/billing", "/settings/billing/checkout",
                          {"plan": "pro"})  # fmt: skip
        assert shown.status_code == 403
        assert "Only the organisation&#39;s owners and admins pay for it." in shown.text


def test_a_plan_core_does_not_know_is_shown_beside_the_plans(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    billing(services)
    services.on("POST core /billing/checkout", ServiceProblem(
        422, "Unprocessable Entity", "Not valid.", {"plan": "There is no such plan."}))  # fmt: skip
    with breeder_client(make_settings, services) as client:
        shown = post_form(client, "/settings/billing", "/settings/billing/checkout",
                          {"plan": "gold"})  # fmt: skip
        assert shown.status_code == 422
        assert field_error(shown.text, "plan") == "There is no such plan."


def test_the_customer_portal_opens_at_the_address_core_gives(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    billing(services, provider="stripe")
    services.on("POST core /billing/portal",
                answer({"url": "https://billing.stripe.com/p/session/test_1"}))  # fmt: skip
    with breeder_client(make_settings, services) as client:
        assert 'id="open-portal"' in client.get("/settings/billing").text
        sent = post_form(client, "/settings/billing", "/settings/billing/portal", {})
        assert sent.status_code == 303
        assert sent.headers["location"] == "https://billing.stripe.com/p/session/test_1"
        assert services.made("POST core /billing/portal")[0]["json"] == {
            "return_url": "http://testserver.local/settings/billing"}  # fmt: skip


def test_an_address_that_is_not_a_web_page_is_never_followed(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    billing(services, provider="stripe")
    services.on("POST core /billing/portal", answer({"url": "javascript:alert(1)"}))
    with breeder_client(make_settings, services) as client:
        sent = post_form(client, "/settings/billing", "/settings/billing/portal", {})
        assert sent.status_code == 502
        assert "javascript" not in sent.headers.get("location", "")


@pytest.fixture
def widgets(services: StandInServices) -> StandInServices:
    services.on("GET media /embed/widgets", answer({
        "loader_url": "http://127.0.0.1:8004/embed/loader.js",
        "widgets": [
            {"type": "available", "title": "Available animals", "description": "Your listings.",
             "subject": ORG, "options": [],
             "iframe_url": f"http://127.0.0.1:8004/embed/available/{ORG}",
             "iframe_snippet": f'<iframe src="http://127.0.0.1:8004/embed/available/{ORG}"></iframe>',
             "script_snippet": '<script src="http://127.0.0.1:8004/embed/loader.js"></script>'},
            {"type": "profile", "title": "Profile card", "description": "One animal.",
             "subject": "animal", "options": [], "iframe_url": None, "iframe_snippet": None,
             "script_snippet": None},
        ]}))  # fmt: skip
    services.on("GET media /embed/settings", answer({"allowed_origins": ["https://shop.example"]}))
    services.on("GET animal /animals", answer({"items": [
        {"id": "a1", "name": "Apollo", "code": "AP-1", "visibility": "public"}], "total": 1}))  # fmt: skip
    return services


@pytest.fixture
def services() -> StandInServices:
    return StandInServices()


def test_the_widgets_show_their_snippets_and_a_live_preview(
    make_settings: Callable[..., Settings], widgets: StandInServices
) -> None:
    with breeder_client(make_settings, widgets) as client:
        page = client.get("/settings/embeds")
        html = page.text
        assert "&lt;iframe src=&#34;http://127.0.0.1:8004/embed/available/" in html
        assert (
            f'<iframe class="preview" id="preview-available" src="http://127.0.0.1:8004/embed/available/{ORG}"'
            in html
        )
        assert "preview-profile" not in html  # no subject: no preview to show
        assert page.headers["content-security-policy"].endswith("frame-src http://127.0.0.1:8004")
        assert ">https://shop.example</textarea>" in html
        assert widgets.made("GET media /embed/widgets")[0]["params"] == {"organisation_id": ORG}


def test_an_animal_and_a_theme_are_chosen_for_the_widgets(
    make_settings: Callable[..., Settings], widgets: StandInServices
) -> None:
    with breeder_client(make_settings, widgets) as client:
        html = client.get("/settings/embeds?animal=a1&theme=dark").text
        assert widgets.made("GET media /embed/widgets")[0]["params"] == {
            "organisation_id": ORG, "animal_id": "a1"}  # fmt: skip
        assert f'src="http://127.0.0.1:8004/embed/available/{ORG}?theme=dark"' in html
        assert f"/embed/available/{ORG}?theme=dark&#34;&gt;&lt;/iframe&gt;" in html  # the snippet
        assert '<option value="a1" selected>Apollo (public)</option>' in html
        assert '<option value="dark" selected>' in html
        unknown = client.get("/settings/embeds?theme=neon").text
        assert "theme=neon" not in unknown


def test_the_allowed_sites_are_saved_one_per_line(
    make_settings: Callable[..., Settings], widgets: StandInServices
) -> None:
    widgets.on("PUT media /embed/settings", answer({"allowed_origins": []}))
    with breeder_client(make_settings, widgets) as client:
        sent = post_form(client, "/settings/embeds", "/settings/embeds",
                         {"allowed_origins": "https://a.example\r\n\r\n https://b.example "})  # fmt: skip
        assert sent.headers["location"] == "/settings/embeds?done=origins"
        assert widgets.made("PUT media /embed/settings")[0]["json"] == {
            "allowed_origins": ["https://a.example", "https://b.example"]}  # fmt: skip


def test_a_refused_site_is_shown_beside_the_sites(
    make_settings: Callable[..., Settings], widgets: StandInServices
) -> None:
    widgets.on("PUT media /embed/settings", ServiceProblem(
        422, "Unprocessable Entity", "Not valid.",
        {"allowed_origins[0]": "Write a site as https://host."}))  # fmt: skip
    with breeder_client(make_settings, widgets) as client:
        shown = post_form(client, "/settings/embeds", "/settings/embeds",
                          {"allowed_origins": "shop"})  # fmt: skip
        assert shown.status_code == 422
        assert field_error(shown.text, "allowed_origins") == "Write a site as https://host."
        assert ">shop</textarea>" in shown.text


def test_settings_forms_need_their_csrf_token(make_settings: Callable[..., Settings]) -> None:
    services = StandInServices()
    with breeder_client(make_settings, services) as client:
        for action in ("/settings/password", "/settings/members/invitations",
                       "/settings/billing/checkout", "/settings/billing/portal",
                       "/settings/embeds"):  # fmt: skip
            assert client.post(action, data={"plan": "pro"}).status_code == 403, action
        assert not [c for c in services.calls if c["key"].split()[0] != "GET"
                    and "/auth/" not in c["key"]]  # fmt: skip


def test_a_member_is_refused_the_allowed_sites_as_media_refuses_them(
    make_settings: Callable[..., Settings], widgets: StandInServices
) -> None:
    widgets.on("PUT media /embed/settings",
               ServiceProblem(403, "Forbidden", "Only admins choose the sites."))  # fmt: skip
    with breeder_client(make_settings, widgets, role="member") as client:
        shown = post_form(client, "/settings/embeds", "/settings/embeds",
                          {"allowed_origins": "https://a.example"})  # fmt: skip
        assert shown.status_code == 403
        assert "Only admins choose the sites." in shown.text
