"""The issue's acceptance, tried as a new user would: accounts and tokens from repti-core
(served over real HTTP), repti-animal verifying them against core's JWKS.

Log in, add a male and a female, pair them and see the predicted clutch and COI, record a
clutch and hatch three babies, see a hatchling's 3-generation lineage, import a 50-animal CSV
with two bad rows (the dry run lists both, nothing is written), export it back, and show that a
second organisation sees none of it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from litestar.testing import AsyncTestClient

from reptidex.adapters.identity.passwords import Argon2PasswordHasher
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.animal.app import create_app as create_animal_app
from reptidex.services.core.app import create_app as create_core_app
from reptidex.services.core.identity import IdentityOverrides
from reptidex.services.kernel.settings import Settings

PASSWORD = "basking-under-the-heat-lamp"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _mailed_token(data_dir: Path, kind: str, to: str) -> str:
    deadline = time.monotonic() + 10
    while True:
        for path in sorted((data_dir / "mail-outbox").glob(f"*-{kind}-*.eml"), reverse=True):
            text = path.read_text("utf-8")
            if re.search(rf"^To: {re.escape(to)}$", text, re.MULTILINE):
                match = re.search(r"^Token: (\S+)$", text, re.MULTILINE)
                assert match, text
                return match.group(1)
        assert time.monotonic() < deadline, f"no {kind} mail to {to}"
        time.sleep(0.05)


async def _breeder(core: httpx.AsyncClient, data_dir: Path, email: str, farm: str) -> str:
    """Register, verify, log in, create an organisation; the access token in it."""
    response = await core.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 202, response.text
    token = await asyncio.to_thread(_mailed_token, data_dir, "verify_email", email)
    assert (await core.post("/auth/verify-email", json={"token": token})).is_success
    login = await core.post("/auth/login", json={"email": email, "password": PASSWORD})
    access = login.json()["access_token"]
    headers = {"Authorization": f"Bearer {access}"}
    organisation = (await core.post("/orgs", json={"name": farm}, headers=headers)).json()
    switched = await core.post(
        "/auth/switch-organisation", json={"organisation_id": organisation["id"]}, headers=headers
    )
    assert switched.status_code == 200, switched.text
    token_text: str = switched.json()["access_token"]
    return token_text


@pytest.fixture
async def services(
    make_settings: Callable[..., Settings],
) -> AsyncIterator[tuple[AsyncTestClient[Any], str, str]]:
    port = _free_port()
    settings = make_settings(core_url=f"http://127.0.0.1:{port}")
    upgrade("core", settings.database_url("core"))
    upgrade("animal", settings.database_url("animal"))
    identity = IdentityOverrides(
        hasher=Argon2PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_core_app(settings, identity=identity),
            host="127.0.0.1",
            port=port,
            log_config=None,
        )
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),))
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.02)
        assert server.started
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as core:
            first = await _breeder(core, settings.data_dir, "ada@example.org", "Ada's Pythons")
            second = await _breeder(core, settings.data_dir, "bo@example.org", "Bo's Boas")
        async with AsyncTestClient(create_animal_app(settings)) as animal:
            yield animal, first, second
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join)
        loop.close()


def _csv(bad: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "name", "species", "sex", "morph", "sire_code", "dam_code"])
    writer.writerow(["IM-01", "Import sire", "ball_python", "male", "Pied", "", ""])
    writer.writerow(["IM-02", "Import dam", "ball_python", "female", "het Pied", "", ""])
    for n in range(3, 51):
        sex = "male" if n % 2 else "female"
        writer.writerow([f"IM-{n:02d}", f"Kid {n}", "ball_python", sex, "Normal", "IM-01", "IM-02"])
    text = out.getvalue()
    if bad:
        text = text.replace(
            "IM-10,Kid 10,ball_python,female,Normal", "IM-10,Kid 10,ball_python,female,Nromal"
        )
        text = text.replace(
            "IM-20,Kid 20,ball_python,female,Normal,IM-01,IM-02",
            "IM-20,Kid 20,ball_python,female,Normal,IM-02,IM-01",
        )
    return text


async def test_a_new_breeder_end_to_end(services: tuple[AsyncTestClient[Any], str, str]) -> None:
    animal, first, second = services
    me = {"Authorization": f"Bearer {first}"}
    other = {"Authorization": f"Bearer {second}"}

    async def call(
        method: str, url: str, status: int, headers: dict[str, str] = me, **kw: Any
    ) -> Any:
        response = await animal.request(method, url, headers=headers, **kw)
        assert response.status_code == status, response.text
        return (
            response.json()
            if response.headers.get("content-type", "").startswith("application/json")
            else response.text
        )

    male = await call(
        "POST",
        "/animals",
        201,
        json={
            "species": "ball_python",
            "name": "Zeus",
            "sex": "male",
            "morph": "Pastel het Clown",
            "hatch_date": "2021-05-01",
        },
    )
    female = await call(
        "POST",
        "/animals",
        201,
        json={
            "species": "ball_python",
            "name": "Hera",
            "sex": "female",
            "morph": "Clown",
            "hatch_date": "2021-06-01",
        },
    )
    pair = await call(
        "POST",
        "/breeding/pairs",
        201,
        json={"sire_id": male["id"], "dam_id": female["id"], "season": "2026"},
    )
    assert pair["prospective_coi"] == 0.0
    assert {o["phenotype"] for o in pair["prediction"]["outcomes"]} == {
        "Clown",
        "Pastel Clown",
        "Normal",
        "Pastel",
    }
    clutch = await call(
        "POST",
        "/breeding/clutches",
        201,
        json={"pair_id": pair["id"], "laid_on": "2026-04-02", "eggs": 5, "fertile": 4, "slugs": 1},
    )
    babies = await call(
        "POST",
        f"/breeding/clutches/{clutch['id']}/hatchlings",
        201,
        json={
            "hatched_on": "2026-05-30",
            "hatchlings": [{"morph": "Clown"}, {"morph": "Pastel Clown"}, {"morph": "Pastel"}],
        },
    )
    assert [b["genotype"]["morph"] for b in babies] == ["Clown", "Pastel Clown", "Pastel het Clown"]
    lineage = await call("GET", f"/lineage/{babies[0]['id']}?generations=3", 200)
    assert [(p["line"], p["animal"]["name"]) for p in lineage["tree"]] == [
        ("", None),
        ("S", "Zeus"),
        ("D", "Hera"),
    ]
    assert lineage["completeness"] == [1.0, 0.0, 0.0]

    dry = await call("POST", "/animals/import", 200, json={"csv": _csv(bad=True), "dry_run": True})
    assert (dry["rows"], sorted(p["code"] for p in dry["problems"])) == (50, ["IM-10", "IM-20"])
    assert (await call("GET", "/animals?limit=1", 200))["total"] == 5
    done = await call(
        "POST", "/animals/import", 200, json={"csv": _csv(bad=False), "dry_run": False}
    )
    assert len(done["created"]) == 50
    exported = await call("GET", "/animals/export", 200)
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 55
    assert next(r for r in rows if r["code"] == "IM-33")["sire_code"] == "IM-01"

    assert (await call("GET", "/animals", 200, headers=other))["total"] == 0
    await call("GET", f"/animals/{male['id']}", 404, headers=other)
    await call("GET", f"/lineage/{babies[0]['id']}", 404, headers=other)
    assert await call("GET", "/breeding/pairs", 200, headers=other) == []
    assert await call("GET", "/breeding/clutches", 200, headers=other) == []
    assert (await call("GET", "/animals/export", 200, headers=other)).count("\n") == 1
