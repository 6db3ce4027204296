"""repti-web's pages against stand-in services: CSRF on every form, sessions in cookies the
scripts cannot read, the services' refusals beside the fields they concern, sign-in required
where it is, access tokens refreshed before they expire, health like every service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from web_testkit import StandInServices, answer, csrf_token, field_error

from reptidex.services.kernel.settings import Settings
from reptidex.services.web.api import ServiceAnswer, ServiceProblem
from reptidex.services.web.app import create_app
from reptidex.services.web.sessions import COOKIE

PASSWORD = "basking-under-the-heat-lamp"
USER = "5b0c5a8e-0000-4000-8000-000000000001"
ORG = "5b0c5a8e-0000-4000-8000-0000000000aa"


def tokens(access: str = "access-1", refresh: str = "refresh-1", expires_in: int = 900) -> Any:
    return {"access_token": access, "expires_in": expires_in, "refresh_token": refresh,
            "refresh_expires_in": 86400, "organisation_id": None, "role": None}  # fmt: skip


def me(organisations: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"id": USER, "email": "ada@example.org", "display_name": "Ada",
            "email_verified": True, "organisation_id": None, "role": None,
            "organisations": organisations or []}  # fmt: skip


@pytest.fixture
def services() -> StandInServices:
    return StandInServices()


@pytest.fixture
def client(
    make_settings: Callable[..., Settings], services: StandInServices
) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(make_settings(), calls=services)) as test_client:
        yield test_client


def sign_in(client: TestClient[Any], services: StandInServices, **login: Any) -> None:
    services.on("POST core /auth/login", answer(tokens(**login)))
    services.on("GET core /auth/me", answer(me([{"organisation_id": ORG, "name": "Ada Pythons",
                                                 "role": "owner"}])))  # fmt: skip
    services.on("POST core /auth/switch-organisation",
                answer({"access_token": "access-org", "expires_in": 900,
                        "organisation_id": ORG, "role": "owner"}))  # fmt: skip
    token = csrf_token(client.get("/sign-in").text)
    signed = client.post(
        "/sign-in",
        data={"email": "ada@example.org", "password": PASSWORD, "_csrf_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text


def test_the_front_page_is_a_page_with_landmarks_and_a_skip_link(client: TestClient[Any]) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="en">' in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<nav aria-label="Main">' in html
    assert 'name="viewport"' in html
    assert "Create an account" in html


def test_every_page_says_what_may_run_on_it(client: TestClient[Any]) -> None:
    headers = client.get("/sign-up").headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"


def test_a_form_sent_without_its_csrf_token_is_refused(
    client: TestClient[Any], services: StandInServices
) -> None:
    client.get("/sign-up")  # the CSRF cookie is set
    refused = client.post("/sign-up", data={"email": "ada@example.org", "password": PASSWORD})
    assert refused.status_code == 403
    assert "The form is out of date" in refused.text
    forged = client.post(
        "/sign-up", data={"email": "ada@example.org", "password": PASSWORD, "_csrf_token": "x"}
    )
    assert forged.status_code == 403
    assert services.calls == []  # nothing reached core


def test_the_csrf_cookie_is_not_readable_by_scripts(client: TestClient[Any]) -> None:
    cookie = client.get("/sign-up").headers["set-cookie"]
    assert cookie.startswith("reptidex_csrf=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


def test_a_refusal_is_shown_beside_the_field_it_concerns(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(
        "POST core /auth/register",
        ServiceProblem(422, "Unprocessable Entity", "Use at least 10 visible characters.",
                       {"password": "Use at least 10 visible characters."}),
    )  # fmt: skip
    token = csrf_token(client.get("/sign-up").text)
    shown = client.post(
        "/sign-up",
        data={"email": "ada@example.org", "display_name": "Ada", "password": "short",
              "_csrf_token": token},
    )  # fmt: skip
    assert shown.status_code == 422
    html = shown.text
    assert field_error(html, "password") == "Use at least 10 visible characters."
    assert 'aria-invalid="true"' in html
    assert 'password-error"' in html
    assert 'value="ada@example.org"' in html  # what was typed stays
    assert 'value="short"' not in html  # but never the password
    assert field_error(html, "email") is None


def test_a_refusal_about_no_field_of_the_form_is_shown_above_it(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(
        "POST core /auth/login", ServiceProblem(401, "Unauthorized", "Wrong email or password.")
    )
    token = csrf_token(client.get("/sign-in").text)
    shown = client.post(
        "/sign-in", data={"email": "ada@example.org", "password": "nope", "_csrf_token": token}
    )
    assert shown.status_code == 401
    assert 'role="alert"><p>Wrong email or password.</p>' in shown.text
    assert COOKIE not in shown.headers.get("set-cookie", "")


def test_signing_in_keeps_the_tokens_on_the_server_and_acts_in_the_first_organisation(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    session = client.cookies.get(COOKIE)
    assert session
    assert "access" not in session
    services.on("GET animal /animals", answer({"items": [], "total": 0}))
    services.on("GET animal /breeding/pairs", answer([]))
    home = client.get("/")
    assert "Ada Pythons" in home.text
    assert services.made("GET animal /animals")[0]["token"] == "access-org"
    assert services.made("POST core /auth/switch-organisation")[0]["json"] == {
        "organisation_id": ORG
    }


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(
    make_settings: Callable[..., Settings], services: StandInServices
) -> None:
    app = create_app(make_settings(public_url="https://reptidex.example"), calls=services)
    with TestClient(app, base_url="https://testserver.local") as secure_client:
        sign_in(secure_client, services)
        cookies = [c for c in secure_client.get("/").headers.get_list("set-cookie")]
        assert cookies == [] or all("Secure" in c for c in cookies)
        token = csrf_token(secure_client.get("/sign-in").text)
        services.on("POST core /auth/login", answer(tokens()))
        signed = secure_client.post(
            "/sign-in", data={"email": "a@example.org", "password": PASSWORD, "_csrf_token": token},
            follow_redirects=False,
        )  # fmt: skip
        session_cookie = next(
            c for c in signed.headers.get_list("set-cookie") if c.startswith(COOKIE + "=")
        )
        assert "HttpOnly" in session_cookie
        assert "Secure" in session_cookie
        assert "SameSite=lax" in session_cookie


def test_signing_in_again_gives_a_new_session_id(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    first = client.cookies.get(COOKIE)
    sign_in(client, services)
    assert client.cookies.get(COOKIE) != first


def test_a_page_for_breeders_sends_a_visitor_to_sign_in_and_back(client: TestClient[Any]) -> None:
    sent = client.get("/animals", follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/sign-in?next=%2Fanimals"
    assert 'name="next" value="/animals"' in client.get("/sign-in?next=/animals").text


def test_sign_in_never_sends_the_breeder_to_another_site(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on("POST core /auth/login", answer(tokens()))
    services.on("GET core /auth/me", answer(me()))
    token = csrf_token(client.get("/sign-in").text)
    signed = client.post(
        "/sign-in",
        data={"email": "a@example.org", "password": PASSWORD, "next": "//evil.example/",
              "_csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert signed.headers["location"] == "/?done=signed-in"


def expire_soon(client: TestClient[Any], services: StandInServices) -> None:
    """Sign in with an access token that expires in 10 seconds."""
    sign_in(client, services)
    services.on("POST core /auth/switch-organisation",
                answer({"access_token": "old", "expires_in": 10, "organisation_id": ORG}))  # fmt: skip
    token = csrf_token(client.get("/organisations/new").text)
    switched = client.post(
        "/organisations/switch",
        data={"organisation_id": ORG, "_csrf_token": token},
        follow_redirects=False,
    )
    assert switched.status_code == 303


def test_an_access_token_about_to_expire_is_refreshed_first(
    client: TestClient[Any], services: StandInServices
) -> None:
    expire_soon(client, services)
    services.on("POST core /auth/refresh", answer(tokens(access="fresh", refresh="refresh-2")))
    services.on("GET animal /animals", answer({"items": [], "total": 0}))
    assert client.get("/animals").status_code == 200
    assert services.made("POST core /auth/refresh")[0]["json"] == {"refresh_token": "refresh-1"}
    assert services.made("GET animal /animals")[-1]["token"] == "fresh"


def test_calls_made_together_refresh_the_token_once(
    client: TestClient[Any], services: StandInServices
) -> None:
    expire_soon(client, services)
    services.on("POST core /auth/refresh", answer(tokens(access="fresh", refresh="refresh-2")))
    services.on("GET animal /animals", answer({"items": [], "total": 0}))
    services.on("GET animal /breeding/pairs", answer([]))
    assert client.get("/").status_code == 200  # the overview asks for both at once
    assert len(services.made("POST core /auth/refresh")) == 1  # core rotates refresh tokens
    assert {call["token"] for call in services.calls[-2:]} == {"fresh"}


def test_a_session_core_no_longer_knows_signs_the_breeder_out(
    client: TestClient[Any], services: StandInServices
) -> None:
    expire_soon(client, services)
    services.on("POST core /auth/refresh", ServiceProblem(401, "Unauthorized", "Session ended."))
    services.on("POST core /auth/logout", answer(None, 204))
    sent = client.get("/animals", follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/sign-in")
    assert client.get("/animals", follow_redirects=False).status_code == 303  # no session left


def test_signing_out_ends_the_session_here_and_at_core(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    services.on("POST core /auth/logout", answer(None, 204))
    token = csrf_token(client.get("/organisations/new").text)
    out = client.post("/sign-out", data={"_csrf_token": token}, follow_redirects=False)
    assert out.headers["location"] == "/?done=signed-out"
    assert services.made("POST core /auth/logout")[0]["json"] == {"refresh_token": "refresh-1"}
    assert client.get("/animals", follow_redirects=False).status_code == 303


def test_the_morph_is_read_as_it_is_typed(
    client: TestClient[Any], services: StandInServices
) -> None:
    def predicted(call: dict[str, Any]) -> ServiceAnswer:
        assert call["json"] == {
            "species": "ball_python",
            "sire": "pastel het clown",
            "dam": "Normal",
        }
        assert call["token"] is None  # the public prediction
        return answer({"sire": "Pastel het Clown", "dam": "Normal", "notes": []})

    services.on("POST animal /genetics/predict", predicted)
    partial = client.get("/animals/morph-reading?morph=pastel het clown&sex=male")
    assert "Read as <strong>Pastel het Clown</strong>" in partial.text
    assert "<html" not in partial.text  # a partial, for the page's script to insert
    services.on(
        "POST animal /genetics/predict",
        ServiceProblem(422, "Unprocessable Entity", "A morph cannot be read.",
                       {"dam": "unknown word 'pastle' (did you mean Pastel?)"}),
    )  # fmt: skip
    refused = client.get("/animals/morph-reading?morph=pastle&sex=female")
    assert "Not read: unknown word &#39;pastle&#39; (did you mean Pastel?)" in refused.text


def test_the_certificate_downloads_as_a_file(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    animal = "5b0c5a8e-0000-4000-8000-0000000000bb"
    services.on(
        f"GET media /render/certificate/{animal}",
        ServiceAnswer(200, "application/pdf", b"%PDF-1.7 ...", f"certificate-{animal}.pdf"),
    )
    pdf = client.get(f"/animals/{animal}/certificate")
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"] == f'attachment; filename="certificate-{animal}.pdf"'


def test_an_unknown_address_is_a_readable_404(client: TestClient[Any]) -> None:
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "There is no page at this address." in missing.text


def test_a_service_that_does_not_answer_is_named(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.down.add("commerce")
    shown = client.get("/marketplace")
    assert shown.status_code == 502
    assert "repti-commerce is not answering" in shown.text


def test_health_and_deep_health_like_every_service(
    client: TestClient[Any], services: StandInServices
) -> None:
    assert client.get("/health").json()["service"] == "web"
    for name in ("core", "animal", "commerce", "media", "community", "ops"):
        services.on(f"GET {name} /health", answer({"status": "ok"}))
    assert client.get("/health/deep").status_code == 200
    services.down.add("media")
    deep = client.get("/health/deep")
    assert deep.status_code == 503
    failing = [c["name"] for c in deep.json()["checks"] if c["status"] == "failing"]
    assert failing == ["repti-media"]


def test_a_price_that_is_not_an_amount_is_refused_beside_the_price(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    animal = "5b0c5a8e-0000-4000-8000-0000000000cc"
    services.on(f"GET animal /animals/{animal}", answer(
        {"id": animal, "name": "Sunny", "code": "BP-1", "sex": "female",
         "genotype": {"morph": "Pastel", "phenotype": "Pastel"}}))  # fmt: skip
    token = csrf_token(client.get(f"/marketplace/sell/{animal}").text)
    shown = client.post(
        f"/marketplace/sell/{animal}",
        data={"title": "Pastel female", "price": "a lot", "currency": "EUR", "country": "DE",
              "_csrf_token": token},
    )  # fmt: skip
    assert shown.status_code == 422
    assert field_error(shown.text, "price") == "Write the price as an amount, e.g. 350 or 349.99."
    assert services.made("POST commerce /marketplace/listings") == []


def test_replicas_given_the_same_web_secret_accept_each_others_forms(
    make_settings: Callable[..., Settings], services: StandInServices, tmp_path: Path
) -> None:
    services.on("POST core /auth/password/reset-request", answer(None, 202))
    secret = "a-secret-every-replica-shares"

    def replica(web_secret: str, folder: str) -> Any:
        settings = make_settings(web_secret=web_secret, data_dir=str(tmp_path / folder))
        return create_app(settings, calls=services)

    with TestClient(replica(secret, "one")) as first:
        token = csrf_token(first.get("/account/forgot-password").text)
        cookie = first.cookies.get("reptidex_csrf")
    form = {"email": "ada@example.org", "_csrf_token": token}
    for other_secret, status in ((secret, 200), ("another-secret-altogether", 403)):
        with TestClient(replica(other_secret, "two")) as second:
            second.cookies.set("reptidex_csrf", cookie or "")
            assert second.post("/account/forgot-password", data=form).status_code == status


def test_the_confirmation_link_confirms_only_when_the_button_is_pressed(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on("POST core /auth/verify-email", answer({"email_verified": True}))
    page = client.get("/account/verify-email?token=tok-123").text
    assert services.calls == []  # opening the link (or a mail scanner) changes nothing
    assert 'name="token" value="tok-123"' in page
    confirmed = client.post(
        "/account/verify-email", data={"token": "tok-123", "_csrf_token": csrf_token(page)}
    )
    assert "Your address is confirmed" in confirmed.text
    assert services.made("POST core /auth/verify-email")[0]["json"] == {"token": "tok-123"}
    services.on(
        "POST core /auth/verify-email",
        ServiceProblem(400, "Bad Request", "The link is invalid or has expired."),
    )
    again = client.post(
        "/account/verify-email", data={"token": "tok-123", "_csrf_token": csrf_token(page)}
    )
    assert again.status_code == 400
    assert "The link is invalid or has expired." in again.text


def test_a_forgotten_password_is_mailed_and_set_anew(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on("POST core /auth/password/reset-request", answer(None, 202))
    token = csrf_token(client.get("/account/forgot-password").text)
    asked = client.post(
        "/account/forgot-password", data={"email": " ada@example.org ", "_csrf_token": token}
    )
    assert "Check your mail" in asked.text
    assert services.made("POST core /auth/password/reset-request")[0]["json"] == {
        "email": "ada@example.org"
    }
    services.on(
        "POST core /auth/password/reset",
        ServiceProblem(422, "Unprocessable Entity", "Not valid.",
                       {"new_password": "Use at least 10 visible characters."}),
    )  # fmt: skip
    form = client.get("/account/reset-password?token=r-1").text
    assert 'name="token" value="r-1"' in form
    refused = client.post(
        "/account/reset-password",
        data={"token": "r-1", "new_password": "short", "_csrf_token": csrf_token(form)},
    )
    assert field_error(refused.text, "new_password") == "Use at least 10 visible characters."
    assert 'name="token" value="r-1"' in refused.text  # the link's token is kept for the retry
    services.on("POST core /auth/password/reset", answer(None, 204))
    done = client.post(
        "/account/reset-password",
        data={"token": "r-1", "new_password": PASSWORD, "_csrf_token": csrf_token(form)},
    )
    assert "Your new password is set." in done.text


def test_an_account_is_unlocked_from_its_mail(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on("POST core /auth/unlock", answer(None, 204))
    page = client.get("/account/unlock?token=u-1").text
    done = client.post("/account/unlock", data={"token": "u-1", "_csrf_token": csrf_token(page)})
    assert "You can sign in again." in done.text
    assert services.made("POST core /auth/unlock")[0]["json"] == {"token": "u-1"}


def test_an_organisation_is_created_and_acted_in(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on("POST core /auth/login", answer(tokens()))
    services.on("GET core /auth/me", answer(me()))
    token = csrf_token(client.get("/sign-in").text)
    client.post("/sign-in", data={"email": "a@example.org", "password": PASSWORD,
                                  "_csrf_token": token})  # fmt: skip
    assert "Create an organisation" in client.get("/").text
    services.on(
        "POST core /orgs/",
        ServiceProblem(422, "Unprocessable Entity", "Not valid.", {"name": "Fill this in."}),
    )
    form = client.get("/organisations/new").text
    refused = client.post("/organisations", data={"name": "", "_csrf_token": csrf_token(form)})
    assert field_error(refused.text, "name") == "Fill this in."
    services.on("POST core /orgs/", answer({"id": ORG, "name": "Ada Pythons"}, 201))
    services.on("GET core /auth/me", answer(me([{"organisation_id": ORG, "name": "Ada Pythons",
                                                 "role": "owner"}])))  # fmt: skip
    services.on("POST core /auth/switch-organisation",
                answer({"access_token": "access-org", "expires_in": 900,
                        "organisation_id": ORG}))  # fmt: skip
    services.on("GET animal /animals", answer({"items": [], "total": 0}))
    services.on("GET animal /breeding/pairs", answer([]))
    created = client.post(
        "/organisations", data={"name": "Ada Pythons", "_csrf_token": csrf_token(form)}
    )
    assert "Your organisation is created" in created.text
    assert '<option value="' + ORG + '" selected>Ada Pythons</option>' in created.text


def test_an_invitation_is_accepted_by_a_signed_in_breeder(
    client: TestClient[Any], services: StandInServices
) -> None:
    sent = client.get("/account/invitation?token=inv/1", follow_redirects=False)
    assert sent.headers["location"] == "/sign-in?next=%2Faccount%2Finvitation%3Ftoken%3Dinv%2F1"
    sign_in(client, services)
    other = "5b0c5a8e-0000-4000-8000-0000000000dd"
    services.on("POST core /invitations/inv%2F1/accept", answer({"organisation_id": other}))
    page = client.get("/account/invitation?token=inv/1").text
    services.on("GET animal /animals", answer({"items": [], "total": 0}))
    services.on("GET animal /breeding/pairs", answer([]))
    client.post("/account/invitation", data={"token": "inv/1", "_csrf_token": csrf_token(page)})
    switched = services.made("POST core /auth/switch-organisation")[-1]
    assert switched["json"] == {"organisation_id": other}


@pytest.mark.redis
def test_replicas_share_the_sessions_kept_in_redis(
    make_settings: Callable[..., Settings],
    services: StandInServices,
    redis_url: str,
    tmp_path: Path,
) -> None:
    def replica(folder: str) -> Any:
        settings = make_settings(
            redis_url=redis_url, web_secret="a-secret-every-replica-shares",
            data_dir=str(tmp_path / folder),
        )  # fmt: skip
        return create_app(settings, calls=services)

    with TestClient(replica("one")) as first:
        sign_in(first, services)
        session = first.cookies.get(COOKIE)
    services.on("GET animal /animals", answer({"items": [], "total": 0}))
    services.on("GET animal /breeding/pairs", answer([]))
    with TestClient(replica("two")) as second:
        assert second.get("/animals", follow_redirects=False).status_code == 303  # no cookie
        second.cookies.set(COOKIE, session or "")
        assert "Ada Pythons" in second.get("/").text
        assert services.made("GET animal /animals")[-1]["token"] == "access-org"


def test_the_pair_form_offers_the_newest_animals_or_those_searched_for(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)

    def animals(call: dict[str, Any]) -> ServiceAnswer:
        sex = call["params"]["sex"]
        name = {"male": "Apollo", "female": "Athena"}[str(sex)]
        item = {"id": f"id-{name}", "name": name, "code": "BP-1", "sex": sex,
                "genotype": {"morph": "Pastel"}}  # fmt: skip
        return answer({"items": [item], "total": 1})

    services.on("GET animal /animals", animals)
    services.on("GET animal /breeding/pairs", answer([]))
    html = client.get("/breeding/pairs?sire_q=apol").text
    asked = {
        str(call["params"]["sex"]): call["params"] for call in services.made("GET animal /animals")
    }
    assert asked["male"] == {"limit": 50, "sort": "created_at", "order": "desc", "sex": "male",
                             "q": "apol"}  # fmt: skip
    assert "q" not in asked["female"]
    assert '<option value="id-Apollo"' in html
    assert '<option value="id-Athena"' in html
    assert 'id="sire_q" name="sire_q" type="search" value="apol"' in html


def test_the_services_are_told_whose_request_it_is(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on("GET commerce /marketplace/listings", answer({"items": [], "total": 0}))
    client.get("/marketplace", headers={"X-Forwarded-For": "203.0.113.7"})
    forwarded = services.made("GET commerce /marketplace/listings")[0]["headers"]
    # the chain, then the address repti-web got the request from (the test client's)
    assert forwarded["X-Forwarded-For"] == "203.0.113.7, testclient"


def test_a_clutch_page_lists_its_hatchlings_by_the_clutch(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    clutch_id = "0b9a4d3e-1c2f-4a5b-8c7d-6e5f4a3b2c1d"
    clutch = {"id": clutch_id, "pair_id": "p-1", "season": "2026", "laid_on": "2026-03-01",
              "eggs": 6, "hatched": 1, "hatched_on": None}  # fmt: skip
    services.on(f"GET animal /breeding/clutches/{clutch_id}", answer(clutch))
    kid = {"id": "id-Kid", "name": "Kid", "code": "BP-9", "sex": "female", "clutch_id": clutch_id,
           "genotype": {"morph": "Clown"}}  # fmt: skip
    services.on("GET animal /animals", answer({"items": [kid], "total": 1}))
    response = client.get(f"/breeding/clutches/{clutch_id}")
    assert response.status_code == 200, response.text
    (asked,) = services.made("GET animal /animals")
    assert asked["params"]["clutch_id"] == clutch_id
    assert asked["params"]["order"] == "asc"
    assert "Kid" in response.text
