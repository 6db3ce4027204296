"""Implausible dates (years 0001, 9999) are refused on repti-animal's inputs with 422 naming
the field: animals, clutches, hatchlings, logs (a medication's end date too) and the CSV import."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from animal_testkit import Breeder
from litestar import Litestar
from litestar.testing import TestClient


@pytest.fixture
def keeper(sqlite_client: TestClient[Litestar]) -> Breeder:
    """A member of a fresh organisation, on SQLite (the bound is decoded before any store)."""
    return Breeder(sqlite_client, uuid.uuid4())


def refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {error["field"] for error in response.json()["errors"]}
    assert field in fields, response.text


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_animals_refuse_implausible_hatch_dates(keeper: Breeder, day: str) -> None:
    refused(
        keeper.post("/animals", json={"species": "ball_python", "hatch_date": day}), "hatch_date"
    )
    animal = keeper.add(hatch_date="2020-05-01")
    refused(keeper.patch(f"/animals/{animal['id']}", json={"hatch_date": day}), "hatch_date")
    assert keeper.get(f"/animals/{animal['id']}").json()["hatch_date"] == "2020-05-01"


def test_clutches_hatchlings_and_logs_refuse_implausible_dates(keeper: Breeder) -> None:
    sire = keeper.add(sex="male", hatch_date="2019-01-01")
    dam = keeper.add(sex="female", hatch_date="2019-01-01")
    pair: dict[str, Any] = keeper.post(
        "/breeding/pairs", json={"sire_id": sire["id"], "dam_id": dam["id"], "season": "2026"}
    ).json()
    clutch = {"pair_id": pair["id"], "laid_on": "0001-01-01", "eggs": 6}
    refused(keeper.post("/breeding/clutches", json=clutch), "laid_on")
    refused(
        keeper.post(
            "/breeding/clutches",
            json={**clutch, "laid_on": "2026-04-01", "expected_hatch": "9999-01-01"},
        ),
        "expected_hatch",
    )
    url = f"/animals/{dam['id']}/logs"
    refused(
        keeper.post(url, json={"occurred_on": "0001-01-01", "details": {"kind": "shed"}}),
        "occurred_on",
    )
    medication = {"kind": "medication", "drug": "ivermectin", "until": "9999-12-31"}
    refused(
        keeper.post(url, json={"occurred_on": "2025-01-01", "details": medication}), "details.until"
    )
    assert keeper.get(url).json() == []  # nothing was written


def test_the_csv_import_refuses_implausible_hatch_dates(keeper: Breeder) -> None:
    text = (
        "code,name,species,sex,morph,hatch_date\n"
        "A1,Old,ball_python,male,Normal,0001-01-01\n"
        "A2,Fine,ball_python,female,Normal,2020-01-01\n"
    )
    report = keeper.post("/animals/import", json={"csv": text, "dry_run": True}).json()
    problems = {p["code"]: p["errors"] for p in report["problems"]}
    assert list(problems) == ["A1"]
    assert problems["A1"][0]["field"] == "hatch_date"
    assert "not a plausible date" in problems["A1"][0]["message"]
