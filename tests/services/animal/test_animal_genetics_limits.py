"""Public genetics work is bounded before it is done (the reported denial of service: two
11-gene parents, 66 characters, took 19.7 s and returned 150 MB), runs off the event loop, and
its cache is bounded by memory."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from fractions import Fraction

import msgspec
import pytest
from animal_testkit import Breeder
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.animals.genetics import PredictionLimits
from reptidex.services.animal.app import create_app
from reptidex.services.animal.predictions import Predictions
from reptidex.services.kernel.settings import Settings

ELEVEN = "Pastel Spider Pinstripe Mojave Enchi Fire Cinnamon Yellowbelly Leopard Vanilla GHI"
"""Eleven incomplete dominant genes: 3^11 = 177,147 outcomes when both parents carry them."""


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    with TestClient(create_app(settings, genetics_per_minute=1000)) as test_client:
        yield test_client


def refused(response: object, field: str) -> str:
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert [e["field"] for e in body["errors"]] == [field]
    detail: str = body["detail"]
    return detail


def test_a_pairing_with_too_many_outcomes_is_refused_with_how_to_ask(
    client: TestClient[Litestar],
) -> None:
    attack = {"species": "ball_python", "sire": ELEVEN, "dam": ELEVEN}
    detail = refused(client.post("/genetics/predict", json=attack), "top")
    assert "177,147 possible outcomes" in detail
    assert "at most 4,096" in detail
    assert "`top`" in detail


def test_top_lists_the_most_likely_outcomes_and_what_the_rest_weigh(
    client: TestClient[Litestar],
) -> None:
    response = client.post(
        "/genetics/predict",
        json={"species": "ball_python", "sire": ELEVEN, "dam": ELEVEN, "top": 20},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["outcome_count"] == 3**11
    assert len(body["outcomes"]) == 20
    listed = [Fraction(o["probability"]) for o in body["outcomes"]]
    assert listed == sorted(listed, reverse=True)
    assert listed[0] == Fraction(1, 2**11)  # every gene in its het form: (1/2)^11
    assert Fraction(body["omitted_probability"]) == 1 - sum(listed)
    assert len(response.content) < 20_000


def test_the_largest_answer_is_bounded(client: TestClient[Litestar]) -> None:
    response = client.post(
        "/genetics/predict",
        json={"species": "ball_python", "sire": ELEVEN, "dam": ELEVEN, "top": 4096},
    )
    assert response.status_code == 200
    assert len(response.json()["outcomes"]) == 4096
    assert len(response.content) < 4 * 1024 * 1024
    too_many = {"species": "ball_python", "sire": ELEVEN, "dam": ELEVEN, "top": 4097}
    refused = client.post("/genetics/predict", json=too_many)
    assert refused.status_code == 422, refused.status_code


def test_without_top_a_small_pairing_lists_every_outcome(client: TestClient[Litestar]) -> None:
    body = client.post(
        "/genetics/predict",
        json={"species": "ball_python", "sire": "Pastel het Clown", "dam": "het Clown"},
    ).json()
    assert body["outcome_count"] == len(body["outcomes"]) == 4
    assert body["omitted_probability"] == "0"


def test_clutch_odds_over_too_many_parent_genotypes_are_refused(
    client: TestClient[Litestar],
) -> None:
    possible = "50% het Clown 50% het Pied 50% het Albino 50% het Lavender Albino 50% het Ghost"
    detail = refused(
        client.post(
            "/genetics/predict",
            json={"species": "ball_python", "sire": possible, "dam": possible, "clutch_size": 6},
        ),
        "sire",
    )
    assert "1,024 combinations" in detail
    # the same pairing without clutch odds is one cross: answered
    answered = client.post(
        "/genetics/predict", json={"species": "ball_python", "sire": possible, "dam": possible}
    )
    assert answered.status_code == 200, answered.text


def test_clutch_odds_over_too_many_outcomes_are_refused(client: TestClient[Litestar]) -> None:
    # 3^7 x 4 = 8,748 outcomes (listed as the top 10), times 4 x 4 parent genotypes
    sire = "Pastel Spider Mojave Enchi Fire Cinnamon Vanilla 50% het Clown 50% het Pied"
    detail = refused(
        client.post(
            "/genetics/predict",
            json={
                "species": "ball_python",
                "sire": sire,
                "dam": sire,
                "clutch_size": 6,
                "top": 10,
            },
        ),
        "clutch_size",
    )
    assert "without `clutch_size`" in detail


def test_proving_a_het_over_too_many_parent_genotypes_is_refused(
    client: TestClient[Litestar],
) -> None:
    possible = "50% het Clown 50% het Pied 50% het Albino 50% het Lavender Albino 50% het Ghost"
    detail = refused(
        client.post(
            "/genetics/het-probability",
            json={
                "species": "ball_python",
                "animal": possible,
                "mate": possible,
                "gene": "Clown",
                "offspring": ["Normal"] * 4,
            },
        ),
        "sire",
    )
    assert "proving out a het" in detail


def test_a_prediction_by_animal_ids_is_bounded_too(sqlite_client: TestClient[Litestar]) -> None:
    breeder = Breeder(sqlite_client, __import__("uuid").uuid4())
    sire = breeder.add(sex="male", morph=ELEVEN)
    dam = breeder.add(sex="female", morph=ELEVEN)
    ids = {"sire_id": sire["id"], "dam_id": dam["id"]}
    refused(breeder.post("/genetics/predict", json=ids), "top")
    answered = breeder.post("/genetics/predict", json={**ids, "top": 5})
    assert answered.status_code == 200, answered.text
    assert answered.json()["outcome_count"] == 3**11


async def test_predictions_run_on_their_own_threads_not_the_event_loop() -> None:
    predictions = Predictions()
    loop_thread = threading.current_thread()
    ran_on = await predictions.compute(threading.current_thread)
    assert ran_on is not loop_thread
    assert ran_on.name.startswith("predictions")
    predictions.close()


async def test_the_loop_keeps_serving_while_a_prediction_computes() -> None:
    predictions = Predictions()
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "done"

    work = asyncio.ensure_future(predictions.compute(slow))
    await asyncio.to_thread(started.wait, 5)
    ticks = 0
    for _ in range(3):  # the loop runs other coroutines meanwhile
        await asyncio.sleep(0)
        ticks += 1
    assert ticks == 3
    assert not work.done()
    release.set()
    assert await work == "done"
    predictions.close()


async def test_the_prediction_cache_is_bounded_by_memory() -> None:
    predictions = Predictions(PredictionLimits(), cache_bytes=1_500, cache_entry_bytes=1_000)
    crosses = ["Pastel", "Spider", "Pastel Spider", "Mojave", "Enchi", "Clown", "het Clown"]
    for sire in crosses:
        body = await predictions.from_morphs(
            "ball_python", sire, "Normal", viable_only=False, clutch_size=None, top=None
        )
        msgspec.json.decode(body)
    assert predictions.cache.size <= 1_500
    assert 0 < len(predictions.cache) < len(crosses)
    big = await predictions.from_morphs(
        "ball_python", ELEVEN, ELEVEN, viable_only=False, clutch_size=None, top=100
    )
    assert len(big) > 1_000
    assert predictions.cache.get(("ball_python", ELEVEN, ELEVEN, False, None, 100)) is None
    predictions.close()
