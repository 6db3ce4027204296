"""A seller's sales report and its CSV through the API, on SQLite and PostgreSQL: what counts as a
sale, sums per period and per species and morph in each currency, exact averages and
sell-through, the export's lines with formulas defused, and who may read it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

import pytest
from commerce_testkit import Trader
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.domain.commerce.reports import Period, period_of

TODAY = dt.datetime.now(dt.UTC).date()
RANGE = {"start": (TODAY - dt.timedelta(days=1)).isoformat()}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def sell(seller: Trader, buyer: Trader, price: int, currency: str = "EUR", **animal: Any) -> str:
    """List an animal, and take its order from placing to the buyer's confirmation."""
    listing = seller.list_animal(price, currency, **animal)
    order = ok(buyer.order(listing["id"]), 201)
    url = f"/orders/{order['id']}"
    ok(seller.post(f"{url}/paid"))
    ok(seller.post(f"{url}/handed-over"))
    ok(buyer.post(f"{url}/completed"))
    return str(order["id"])


def test_the_report_sums_completed_sales_per_period_and_morph(
    seller: Trader, buyer: Trader
) -> None:
    sell(seller, buyer, 20000, species="ball_python", morph="Pastel")
    sell(seller, buyer, 20001, species="ball_python", morph="Pastel")
    sell(seller, buyer, 30000, species="ball_python", morph="Clown")
    sell(seller, buyer, 9000, "USD", species="ball_python", morph="Pastel")
    ok(buyer.order(seller.list_animal(50000, morph="Pied")["id"]), 201)  # pending: no sale
    seller.list_animal(1000, publish=False)  # a draft: never listed

    report = ok(seller.get("/marketplace/reports/sales", params=RANGE))
    month = period_of(dt.datetime.now(dt.UTC), Period.MONTH)
    assert report["period"] == "month"
    assert report["by_period"] == [
        {"period": month, "currency": "EUR", "count": 3, "total": 70001, "average": 23334,
         "platform_fees": 1750},
        {"period": month, "currency": "USD", "count": 1, "total": 9000, "average": 9000,
         "platform_fees": 225},
    ]  # fmt: skip
    morphs = {(m["morph"], m["currency"]): m for m in report["by_morph"]}
    assert set(morphs) == {("Clown", "EUR"), ("Pastel", "EUR"), ("Pastel", "USD")}
    pastel = morphs["Pastel", "EUR"]
    assert (pastel["species"], pastel["count"], pastel["total"]) == ("ball_python", 2, 40001)
    assert pastel["average"] == 20000  # 20000.5 rounds half to even
    assert report["sell_through"] == {"listed": 5, "sold": 4, "rate": "4/5", "percent": 80.0}

    by_day = ok(seller.get("/marketplace/reports/sales", params={**RANGE, "period": "day"}))
    assert {line["period"] for line in by_day["by_period"]} == {TODAY.isoformat()}
    # the buyer sold nothing; the range can leave the sales out
    assert ok(buyer.get("/marketplace/reports/sales", params=RANGE))["by_period"] == []
    earlier = {"start": "2020-01-01", "end": "2020-02-01"}
    empty = ok(seller.get("/marketplace/reports/sales", params=earlier))
    assert empty["by_period"] == empty["by_morph"] == []
    assert empty["sell_through"] == {"listed": 0, "sold": 0, "rate": None, "percent": None}


def test_the_csv_has_one_line_per_sale_with_formulas_defused(seller: Trader, buyer: Trader) -> None:
    order_id = sell(seller, buyer, 15000, morph="Pastel", title='=HYPERLINK("x")')
    response = seller.get("/marketplace/reports/sales.csv", params=RANGE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="sales-')
    header, line = list(csv.reader(io.StringIO(response.text)))
    assert header == [
        "order_id", "completed_at", "listing_id", "title", "species", "morph", "currency",
        "price", "platform_fee",
    ]  # fmt: skip
    row = dict(zip(header, line, strict=True))
    assert row["order_id"] == order_id
    assert row["title"] == '\'=HYPERLINK("x")'
    assert (row["morph"], row["currency"], row["price"], row["platform_fee"]) == (
        "Pastel",
        "EUR",
        "15000",
        "375",
    )
    assert dt.datetime.fromisoformat(row["completed_at"]).date() == TODAY
    assert response.text.endswith("\r\n")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-05-01", "end": "2026-05-01"}, "end"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "start"),
        ({"period": "year"}, None),
        ({"start": "yesterday"}, None),
        ({"start": "0001-01-01", "end": "0001-02-01"}, "start"),
        ({"end": "9999-12-31"}, "end"),
    ],
)
def test_a_range_it_cannot_report_is_a_422(
    seller: Trader, params: dict[str, str], field: str | None
) -> None:
    for path in ("/marketplace/reports/sales", "/marketplace/reports/sales.csv"):
        if path.endswith(".csv") and "period" in params:
            continue
        response = seller.get(path, params=params)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        if field is not None:
            assert field in response.text


def test_only_the_organisations_members_and_viewers_read_it(
    seller: Trader, buyer: Trader, any_client: TestClient[Litestar]
) -> None:
    sell(seller, buyer, 12000)
    viewer = Trader(any_client, seller.organisation_id, role="viewer")
    assert ok(viewer.get("/marketplace/reports/sales", params=RANGE))["by_period"][0]["count"] == 1
    stranger = Trader(any_client, uuid.uuid4())
    assert ok(stranger.get("/marketplace/reports/sales", params=RANGE))["by_period"] == []
    assert stranger.get("/marketplace/reports/sales.csv").text.count("\r\n") == 1
    assert any_client.get("/marketplace/reports/sales").status_code == 401
    assert any_client.get("/marketplace/reports/sales.csv").status_code == 401
