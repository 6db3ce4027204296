"""repti-web's store and inventory, and the marketplace's browse filters, against stand-in
services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from web_breeder import ORG, breeder_client, post_form
from web_testkit import StandInServices, answer, field_error

from reptidex.services.kernel.settings import Settings
from reptidex.services.web.api import ServiceProblem

LISTING = "8e0c5a8e-0000-4000-8000-000000000031"
SOLD = "8e0c5a8e-0000-4000-8000-000000000032"
SUPPLY = "8e0c5a8e-0000-4000-8000-000000000041"
RESERVATION = "8e0c5a8e-0000-4000-8000-000000000051"


def listing(listing_id: str, state: str, title: str) -> dict[str, Any]:
    return {"id": listing_id, "seller_organisation_id": ORG, "state": state, "title": title,
            "description": "", "price": {"amount": 35000, "currency": "EUR", "exponent": 2,
                                         "display": "€350.00"},
            "country": "DE", "region": None, "shipping_available": True,
            "pickup_available": False, "expires_at": None, "created_at": None, "updated_at": None,
            "external_ref": None,
            "animal": {"animal_id": "a1", "name": "Apollo", "code": None, "species": "ball_python",
                       "sex": "male", "hatch_date": None, "morph": "Clown", "phenotype": "Clown",
                       "traits": [], "hets": ["pied"],
                       "possible_hets": [{"gene": "hypo", "probability": "2/3", "percent": 66.7,
                                          "label": "66% het Hypo", "source": "pedigree"}],
                       "pedigree_odds": None}}  # fmt: skip


def store(services: StandInServices) -> None:
    services.on("GET commerce /marketplace/seller/listings", answer({
        "items": [listing(LISTING, "available", "Clown male"), listing(SOLD, "sold", "Pied female")],
        "total": 2, "limit": 50, "offset": 0}))  # fmt: skip


def test_the_store_lists_every_state_with_the_sellers_moves(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    store(services)
    with breeder_client(make_settings, services) as client:
        html = client.get("/store").text
        assert services.made("GET commerce /marketplace/seller/listings")[0]["params"] == {
            "limit": 50}  # fmt: skip
        assert f'id="hidden-{LISTING}"' in html  # an available listing is withdrawn
        assert f'id="price-{LISTING}"' in html
        assert f'id="price-{SOLD}"' not in html  # a sold listing keeps its price
        assert f'id="available-{SOLD}"' not in html
        client.get("/store?state=hidden")
        assert services.made("GET commerce /marketplace/seller/listings")[1]["params"] == {
            "limit": 50, "state": "hidden"}  # fmt: skip


def test_a_listing_is_withdrawn_and_its_price_changed(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    store(services)
    services.on(f"PATCH commerce /marketplace/listings/{LISTING}", answer({}))
    with breeder_client(make_settings, services) as client:
        withdrawn = post_form(
            client, "/store", f"/store/listings/{LISTING}/state", {"state": "hidden"}
        )
        assert withdrawn.headers["location"] == "/store?done=hidden"
        priced = post_form(client, "/store", f"/store/listings/{LISTING}/price",
                           {"price": "1,200.50", "currency": "USD"})  # fmt: skip
        assert priced.headers["location"] == "/store?done=price"
        sent = [c["json"] for c in services.made(f"PATCH commerce /marketplace/listings/{LISTING}")]
        assert sent == [{"state": "hidden"}, {"price": {"amount": 120050, "currency": "USD"}}]
        assert "The listing is withdrawn" in client.get("/store?done=hidden").text


def test_a_price_that_is_not_an_amount_is_refused_beside_that_listings_price(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    store(services)
    with breeder_client(make_settings, services) as client:
        shown = post_form(client, "/store", f"/store/listings/{LISTING}/price", {"price": "lots"})
        assert shown.status_code == 422
        assert field_error(shown.text, f"price-{LISTING}") == (
            "Write the price as an amount, e.g. 350 or 349.99.")  # fmt: skip
        assert not services.made(f"PATCH commerce /marketplace/listings/{LISTING}")


def test_a_move_commerce_refuses_is_shown_on_that_listing(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    store(services)
    services.on(f"PATCH commerce /marketplace/listings/{LISTING}", ServiceProblem(
        409, "Conflict", "A listing on hold cannot be withdrawn."))  # fmt: skip
    with breeder_client(make_settings, services, role="viewer") as client:
        shown = post_form(client, "/store", f"/store/listings/{LISTING}/state", {"state": "hidden"})
        assert shown.status_code == 409
        assert "A listing on hold cannot be withdrawn." in shown.text


def inventory(services: StandInServices) -> None:
    shelf = {"count": 0, "items": []}
    services.on(f"GET commerce /inventory/{ORG}", answer({
        "breeder_id": ORG, "limit": 100, "offset": 0,
        "animals": {"available": {**shelf, "count": 4}, "on_hold": shelf, "sold": shelf,
                    "draft": 1, "hidden": 2, "expired": 0},
        "supplies": {"total": 1, "items": [
            {"id": SUPPLY, "seller_organisation_id": ORG, "name": "Frozen rats, M",
             "kind": "feeder", "sku": "FT-RAT-M",
             "unit_price": {"amount": 250, "currency": "EUR", "exponent": 2, "display": "€2.50"},
             "stock": 30, "available": 25, "reserved": 5, "sold": 12,
             "created_at": None, "updated_at": None}]},
    }))  # fmt: skip
    held = {
        "items": [{"id": RESERVATION, "supply_id": SUPPLY, "supply_name": "Frozen rats, M",
                   "seller_organisation_id": ORG, "buyer_organisation_id": "b", "buyer_user_id": None,
                   "quantity": 5, "unit_price": {"display": "€2.50"}, "total": {"display": "€12.50"},
                   "status": "held", "reserved_at": "2026-12-07T10:00:00Z",
                   "expires_at": "2026-12-07T11:00:00Z", "settled_at": None, "settled_by": None}],
        "total": 1, "limit": 20, "offset": 0}  # fmt: skip
    services.on("GET commerce /inventory/reservations", lambda call: answer(
        held if call["params"]["side"] == "seller" else {**held, "items": []}))  # fmt: skip


def test_the_inventory_shows_the_animals_supplies_and_reservations(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    inventory(services)
    with breeder_client(make_settings, services) as client:
        html = client.get("/store/inventory").text
        assert "<dt>On sale</dt><dd>4</dd>" in html
        assert "<dt>Withdrawn</dt><dd>2</dd>" in html
        assert "Frozen rats, M" in html
        assert "€2.50" in html
        assert "5 × Frozen rats, M (€12.50)" in html
        assert [c["params"] for c in services.made("GET commerce /inventory/reservations")] == [
            {"side": "seller", "status": "held"}, {"side": "buyer", "status": "held"}]  # fmt: skip
        assert 'id="holding"' not in html
        assert services.made(f"GET commerce /inventory/{ORG}")[0]["token"]


def test_a_supply_is_added_and_its_stock_changed_and_a_reservation_confirmed(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    inventory(services)
    services.on("POST commerce /inventory/supplies", answer({}, 201))
    services.on(f"PATCH commerce /inventory/supplies/{SUPPLY}", answer({}))
    services.on(f"POST commerce /inventory/reservations/{RESERVATION}/confirm", answer({}))
    with breeder_client(make_settings, services) as client:
        added = post_form(client, "/store/inventory", "/store/inventory/supplies", {
            "name": " Rack ", "kind": "enclosure", "sku": "", "price": "120", "currency": "EUR",
            "stock": "3"})  # fmt: skip
        assert added.headers["location"] == "/store/inventory?done=supply"
        assert services.made("POST commerce /inventory/supplies")[0]["json"] == {
            "name": "Rack", "kind": "enclosure", "sku": None,
            "unit_price": {"amount": 12000, "currency": "EUR"}, "stock": 3}  # fmt: skip
        changed = post_form(client, "/store/inventory",
                            f"/store/inventory/supplies/{SUPPLY}/stock", {"stock_change": "-4"})  # fmt: skip
        assert changed.headers["location"] == "/store/inventory?done=stock"
        assert services.made(f"PATCH commerce /inventory/supplies/{SUPPLY}")[0]["json"] == {
            "stock_change": -4}  # fmt: skip
        confirmed = post_form(client, "/store/inventory",
                              f"/store/inventory/reservations/{RESERVATION}/confirm", {})  # fmt: skip
        assert confirmed.headers["location"] == "/store/inventory?done=confirmed"


def test_supply_refusals_are_shown_beside_their_fields(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    inventory(services)
    services.on("POST commerce /inventory/supplies", ServiceProblem(
        409, "Conflict", "Not valid.", {"sku": "Another supply has this article number."}))  # fmt: skip
    services.on(f"PATCH commerce /inventory/supplies/{SUPPLY}", ServiceProblem(
        409, "Conflict", "Not valid.", {"stock_change": "Only 25 units are available."}))  # fmt: skip
    with breeder_client(make_settings, services) as client:
        cheap = post_form(client, "/store/inventory", "/store/inventory/supplies",
                          {"name": "Rack", "kind": "enclosure", "price": "free"})  # fmt: skip
        assert cheap.status_code == 422
        assert (
            field_error(cheap.text, "price") == "Write the price as an amount, e.g. 350 or 349.99."
        )
        clash = post_form(client, "/store/inventory", "/store/inventory/supplies",
                          {"name": "Rack", "kind": "enclosure", "price": "5", "sku": "FT-RAT-M"})  # fmt: skip
        assert clash.status_code == 409
        assert field_error(clash.text, "sku") == "Another supply has this article number."
        too_many = post_form(client, "/store/inventory",
                             f"/store/inventory/supplies/{SUPPLY}/stock", {"stock_change": "-40"})  # fmt: skip
        assert too_many.status_code == 409
        assert field_error(too_many.text, f"stock-{SUPPLY}") == "Only 25 units are available."
        nothing = post_form(client, "/store/inventory",
                            f"/store/inventory/supplies/{SUPPLY}/stock", {"stock_change": "x"})  # fmt: skip
        assert nothing.status_code == 422
        assert (
            field_error(nothing.text, f"stock-{SUPPLY}")
            == "Write the units to add, or to remove as -3."
        )


def test_the_store_is_for_signed_in_breeders_and_its_forms_need_the_csrf_token(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    with breeder_client(make_settings, services, signed_in=False) as client:
        for path in ("/store", "/store/inventory"):
            sent = client.get(path, follow_redirects=False)
            assert sent.headers["location"].startswith("/sign-in?next=%2Fstore"), path
    with breeder_client(make_settings, services) as client:
        for action in (f"/store/listings/{LISTING}/state", f"/store/listings/{LISTING}/price",
                       "/store/inventory/supplies", f"/store/inventory/supplies/{SUPPLY}/stock"):  # fmt: skip
            assert client.post(action, data={"state": "hidden"}).status_code == 403, action
        assert not [c for c in services.calls if "commerce" in c["key"]]


def test_the_marketplace_is_browsed_by_species_gene_price_and_sorted(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    services.on("GET commerce /marketplace/listings", answer({
        "items": [listing(LISTING, "available", "Clown male")], "total": 1, "limit": 50,
        "offset": 0}))  # fmt: skip
    with breeder_client(make_settings, services, signed_in=False) as client:
        html = client.get(
            "/marketplace?q=&species=ball_python&gene=hypo&zygosity=possible_het&sex=male"
            "&min_price=100&max_price=400.50&currency=EUR&sort=-price"
        ).text
        assert services.made("GET commerce /marketplace/listings")[0]["params"] == {
            "limit": 50, "species": "ball_python", "gene": "hypo", "zygosity": "possible_het",
            "sex": "male", "min_price": 10000, "max_price": 40050, "currency": "EUR",
            "sort": "-price"}  # fmt: skip
        assert "Possible het: 66% het Hypo" in html
        assert '<option value="-price" selected>' in html
        assert '<details class="filters" open>' in html


def test_a_browse_price_that_is_not_an_amount_is_shown_beside_it(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    services.on("GET commerce /marketplace/listings", ServiceProblem(
        422, "Unprocessable Entity", "Not valid.", {"species": "No such species."}))  # fmt: skip
    with breeder_client(make_settings, services, signed_in=False) as client:
        shown = client.get("/marketplace?max_price=cheap")
        assert shown.status_code == 422
        assert field_error(shown.text, "max_price") == (
            "Write the price as an amount, e.g. 350 or 349.99.")  # fmt: skip
        assert services.calls == []
        refused = client.get("/marketplace?species=dragon")
        assert refused.status_code == 422
        assert field_error(refused.text, "species") == "No such species."


def test_the_store_pages_through_many_listings(make_settings: Callable[..., Settings]) -> None:
    services = StandInServices()
    services.on("GET commerce /marketplace/seller/listings", answer({
        "items": [listing(LISTING, "hidden", "Clown male")], "total": 120, "limit": 50,
        "offset": 50}))  # fmt: skip
    with breeder_client(make_settings, services) as client:
        html = client.get("/store?state=hidden&offset=50").text
        assert services.made("GET commerce /marketplace/seller/listings")[0]["params"] == {
            "limit": 50, "state": "hidden", "offset": 50}  # fmt: skip
        assert '<a href="/store?state=hidden&amp;offset=0" rel="prev">' in html
        assert '<a href="/store?state=hidden&amp;offset=100" rel="next">' in html


def test_the_marketplace_pages_through_its_listings_with_the_filters_kept(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    services.on("GET commerce /marketplace/listings", answer({
        "items": [listing(LISTING, "available", "Clown male")], "total": 75, "limit": 50,
        "offset": 50}))  # fmt: skip
    with breeder_client(make_settings, services, signed_in=False) as client:
        html = client.get("/marketplace?gene=clown&offset=50").text
        assert services.made("GET commerce /marketplace/listings")[0]["params"]["offset"] == 50
        assert (
            'href="/marketplace?gene=clown&amp;zygosity=any&amp;sort=newest&amp;offset=0"' in html
        )
        assert 'rel="next"' not in html


def test_a_viewer_is_refused_where_commerce_refuses_them(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    store(services)
    inventory(services)
    refusal = ServiceProblem(403, "Forbidden", "Viewers cannot change the store.")
    services.on(f"PATCH commerce /marketplace/listings/{LISTING}", refusal)
    services.on("POST commerce /inventory/supplies", refusal)
    with breeder_client(make_settings, services, role="viewer") as client:
        priced = post_form(client, "/store", f"/store/listings/{LISTING}/price", {"price": "300"})
        assert priced.status_code == 403
        assert "Viewers cannot change the store." in priced.text
        added = post_form(client, "/store/inventory", "/store/inventory/supplies",
                          {"name": "Rack", "kind": "enclosure", "price": "5"})  # fmt: skip
        assert added.status_code == 403
        assert "Viewers cannot change the store." in added.text


SELLER = "5b0c5a8e-0000-4000-8000-0000000000bb"


def storefront(services: StandInServices) -> None:
    services.on(f"GET commerce /marketplace/sellers/{SELLER}", answer({
        "organisation_id": SELLER, "display_name": "Bea's Balls", "about": "Small breeder.",
        "country": "NL", "region": None, "updated_at": None,
        "policy": {"shipping": "Fridays only", "returns": None, "payment": None},
        "as_seller": {"count": 2, "average": 4.5}, "as_buyer": {"count": 0, "average": None}}))  # fmt: skip
    shelf = {"count": 0, "items": []}
    services.on(f"GET commerce /inventory/{SELLER}", answer({
        "breeder_id": SELLER, "limit": 100, "offset": 0,
        "animals": {"available": {"count": 1, "items": [
            {"listing_id": LISTING, "title": "Banana female", "morph": "Banana", "sex": "female",
             "species": "ball_python", "updated_at": None,
             "price": {"amount": 20000, "currency": "EUR", "exponent": 2, "display": "200.00 EUR"}}]},
            "on_hold": shelf, "sold": shelf, "draft": None, "hidden": None, "expired": None},
        "supplies": {"total": 1, "items": [
            {"id": SUPPLY, "seller_organisation_id": SELLER, "name": "Frozen mice, S",
             "kind": "feeder", "sku": None,
             "unit_price": {"amount": 90, "currency": "EUR", "exponent": 2, "display": "0.90 EUR"},
             "stock": 10, "available": 10, "reserved": 0, "sold": None,
             "created_at": None, "updated_at": None}]},
    }))  # fmt: skip


def test_a_sellers_storefront_shows_their_profile_animals_and_supplies(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    storefront(services)
    with breeder_client(make_settings, services, signed_in=False) as client:
        html = client.get(f"/marketplace/sellers/{SELLER}").text
        assert "<h1>Bea&#39;s Balls</h1>" in html
        assert "4.5 of 5 (2)" in html
        assert f'<a href="/marketplace/listings/{LISTING}">Banana female</a>' in html
        assert "Frozen mice, S" in html
        assert "Sign in to reserve supplies" in html
        assert all(call["token"] is None for call in services.calls)


def test_a_seller_without_a_profile_still_has_a_storefront(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    storefront(services)
    services.on(f"GET commerce /marketplace/sellers/{SELLER}",
                ServiceProblem(404, "Not Found", "No profile."))  # fmt: skip
    with breeder_client(make_settings, services, signed_in=False) as client:
        shown = client.get(f"/marketplace/sellers/{SELLER}")
        assert shown.status_code == 200
        assert "A breeder&#39;s store" in shown.text


def test_another_breeder_reserves_units_and_sees_them_held(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    storefront(services)
    inventory(services)
    services.on(f"POST commerce /inventory/supplies/{SUPPLY}/reservations", answer({}, 201))
    with breeder_client(make_settings, services) as client:
        page = f"/marketplace/sellers/{SELLER}"
        sent = post_form(client, page, f"{page}/supplies/{SUPPLY}/reserve", {"quantity": "3"})
        assert sent.headers["location"] == "/store/inventory?done=reserved"
        assert services.made(f"POST commerce /inventory/supplies/{SUPPLY}/reservations")[0][
            "json"
        ] == {"quantity": 3}


def test_a_reservation_commerce_refuses_is_shown_beside_the_quantity(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    storefront(services)
    services.on(f"POST commerce /inventory/supplies/{SUPPLY}/reservations", ServiceProblem(
        409, "Conflict", "Only 10 units are available.", {"quantity": "Only 10 units are available."}))  # fmt: skip
    with breeder_client(make_settings, services) as client:
        page = f"/marketplace/sellers/{SELLER}"
        shown = post_form(client, page, f"{page}/supplies/{SUPPLY}/reserve", {"quantity": "30"})
        assert shown.status_code == 409
        assert field_error(shown.text, f"quantity-{SUPPLY}") == "Only 10 units are available."
        typed = post_form(client, page, f"{page}/supplies/{SUPPLY}/reserve", {"quantity": "0"})
        assert typed.status_code == 422
        assert field_error(typed.text, f"quantity-{SUPPLY}") == "Write how many units, e.g. 2."


def test_the_inventory_lists_the_units_held_at_other_breeders_to_release(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    inventory(services)
    seller_side = services.handlers["GET commerce /inventory/reservations"]
    services.on("GET commerce /inventory/reservations", lambda call: (
        seller_side({"params": {"side": "seller"}}) if call["params"]["side"] == "buyer"
        else answer({"items": [], "total": 0, "limit": 20, "offset": 0})))  # fmt: skip
    services.on(f"POST commerce /inventory/reservations/{RESERVATION}/release", answer({}))
    with breeder_client(make_settings, services) as client:
        html = client.get("/store/inventory").text
        assert 'id="holding"' in html
        assert 'id="reservations"' not in html
        released = post_form(client, "/store/inventory",
                             f"/store/inventory/reservations/{RESERVATION}/release", {})  # fmt: skip
        assert released.headers["location"] == "/store/inventory?done=released"


def test_a_listing_links_to_its_sellers_storefront(make_settings: Callable[..., Settings]) -> None:
    services = StandInServices()
    services.on(f"GET commerce /marketplace/listings/{LISTING}",
                answer(listing(LISTING, "available", "Clown male")))  # fmt: skip
    with breeder_client(make_settings, services, signed_in=False) as client:
        html = client.get(f"/marketplace/listings/{LISTING}").text
        assert f'<a href="/marketplace/sellers/{ORG}" id="seller-store">' in html
