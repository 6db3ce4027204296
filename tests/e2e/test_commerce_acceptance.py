"""Issue 21's first slice, as new users try it: `reptidex up` as a real process, HTTP only.

Three keepers register with repti-core and each make an organisation. The seller adds a Pastel
66% het Clown to repti-animal and lists it on repti-commerce (which reads the animal from
repti-animal with the seller's token); a buyer finds it by searching for a possible het Clown
under a price, orders it while a second buyer loses the race; the seller records the payment
and hands it over, the buyer confirms; the listing is sold and the order's ledger balances;
repti-commerce's worker has repti-animal move the animal to the buyer (with its service token
from repti-core), and both parties rate each other once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_core_acceptance import PASSWORD, mail_token

from platform_process import clean_environment, free_port_block, running_platform

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    tmp_path = tmp_path_factory.mktemp("commerce-acceptance")
    environ = clean_environment(tmp_path / "data", {"REPTIDEX_LOG_LEVEL": "WARNING"})
    base = free_port_block()
    with running_platform(base, environ, tmp_path / "platform.log"):
        yield base, tmp_path / "data"


def keeper(base: int, data_dir: Path, name: str) -> dict[str, str]:
    """A verified user with an organisation of their own; the headers of their access token."""
    core = httpx.Client(base_url=f"http://127.0.0.1:{base}", timeout=15)
    email = f"{name}-{uuid.uuid4().hex[:6]}@example.org"
    assert (
        core.post("/auth/register", json={"email": email, "password": PASSWORD}).status_code == 202
    )
    token = mail_token(data_dir, "verify_email", email)
    assert core.post("/auth/verify-email", json={"token": token}).status_code == 200
    access = core.post("/auth/login", json={"email": email, "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {access['access_token']}"}
    organisation = core.post("/orgs/", json={"name": f"{name}'s reptiles"}, headers=headers)
    assert organisation.status_code == 201, organisation.text
    switched = core.post(
        "/auth/switch-organisation",
        json={"organisation_id": organisation.json()["id"]},
        headers=headers,
    )
    assert switched.status_code == 200, switched.text
    return {"Authorization": f"Bearer {switched.json()['access_token']}"}


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_breeder_sells_a_het_clown_to_another_organisation(ports: tuple[int, Path]) -> None:
    base, data_dir = ports
    seller = keeper(base, data_dir, "seller")
    buyer = keeper(base, data_dir, "buyer")
    rival = keeper(base, data_dir, "rival")
    animal = httpx.Client(base_url=f"http://127.0.0.1:{base + 1}", timeout=15)
    commerce = httpx.Client(base_url=f"http://127.0.0.1:{base + 2}", timeout=15)

    pastel = ok(
        animal.post(
            "/animals",
            json={"species": "ball_python", "sex": "female", "morph": "Pastel 66% het Clown",
                  "name": "Sunny", "hatch_date": "2025-04-20"},
            headers=seller,
        ),
        201,
    )  # fmt: skip
    listing = ok(
        commerce.post(
            "/marketplace/listings",
            json={
                "animal_id": pastel["id"],
                "title": "Pastel 66% het Clown female",
                "description": "Proven feeder on frozen/thawed.",
                "price": {"amount": 35000, "currency": "EUR"},
                "country": "de",
                "shipping_available": True,
                "publish": True,
            },
            headers=seller,
        ),
        201,
    )
    assert listing["animal"]["name"] == "Sunny"
    assert listing["animal"]["possible_hets"][0]["probability"] == "2/3"
    # another organisation's animal cannot be listed by the buyer
    refused = commerce.post(
        "/marketplace/listings",
        json={"animal_id": pastel["id"], "title": "Not mine", "country": "DE",
              "price": {"amount": 1, "currency": "EUR"}},
        headers=buyer,
    )  # fmt: skip
    assert refused.status_code == 404, refused.text

    found = ok(
        commerce.get(
            "/marketplace/listings",
            params={"gene": "clown", "zygosity": "possible_het", "max_price": 40000,
                    "currency": "EUR", "sort": "price"},
        )
    )  # fmt: skip
    assert [x["id"] for x in found["items"]] == [listing["id"]]

    order = ok(
        commerce.post(
            "/orders",
            json={"listing_id": listing["id"]},
            headers={**buyer, "Idempotency-Key": "sunny-1"},
        ),
        201,
    )
    lost = commerce.post(
        "/orders", json={"listing_id": listing["id"]}, headers={**rival, "Idempotency-Key": "r"}
    )
    assert lost.status_code == 409, lost.text
    url = f"/orders/{order['id']}"
    ok(commerce.post(f"{url}/paid", json={"note": "bank transfer"}, headers=seller))
    ok(commerce.post(f"{url}/handed-over", headers=seller))
    assert ok(commerce.post(f"{url}/completed", headers=buyer))["state"] == "completed"
    assert ok(commerce.get(f"/marketplace/listings/{listing['id']}"))["state"] == "sold"
    ledger = ok(commerce.get(f"{url}/ledger", headers=buyer))
    assert ledger["balances"] == {"EUR": 0}
    assert [p["kind"] for p in ledger["postings"]] == ["payment"]  # no platform fee set
    history = ok(commerce.get(url, headers=seller))["history"]
    assert [s["to_state"] for s in history] == ["pending", "paid", "handed_over", "completed"]
    assert commerce.get(url, headers=rival).status_code == 404

    # the animal's record passes to the buyer: commerce's worker asks repti-animal with its
    # own service token from repti-core
    deadline = time.monotonic() + 20
    while (transfer := ok(commerce.get(f"{url}/animal-transfer", headers=buyer)))["status"] == (
        "pending"
    ):
        assert time.monotonic() < deadline, transfer
        time.sleep(0.2)
    assert transfer["status"] == "done", transfer
    mine = ok(animal.get(f"/animals/{pastel['id']}", headers=buyer))
    assert (mine["name"], mine["organisation_id"]) == ("Sunny", transfer["buyer_organisation_id"])
    assert animal.get(f"/animals/{pastel['id']}", headers=seller).status_code == 404
    (record,) = ok(animal.get("/animals/transfers", headers=seller))
    assert record["snapshot"]["animal"]["name"] == "Sunny"

    # each rates the other once; the seller's profile shows it
    ok(commerce.post(f"{url}/rating", json={"score": 5}, headers=buyer), 201)
    ok(commerce.post(f"{url}/rating", json={"score": 4}, headers=seller), 201)
    assert commerce.post(f"{url}/rating", json={"score": 1}, headers=buyer).status_code == 409
    profile = ok(commerce.get(f"/marketplace/sellers/{transfer['seller_organisation_id']}"))
    assert profile["as_seller"] == {"count": 1, "average": 5.0}
