"""Tenant isolation in PostgreSQL: the service as a non-owner role under row-level security.

First through the API with the service connected as that role (it must scope every
transaction itself), then by connecting as the role directly: one organisation cannot read
another's private rows nor change any of its rows. Every policy is needed: loosened one at a
time (``rls_mutation``), each fails the direct checks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from animal_testkit import Breeder, animal_client, transfer
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from test_animal_transfer_offers_api import expire

from reptidex.adapters.sql.animal.lineage import SqlLineageRecords
from reptidex.services.kernel.settings import Settings, load_settings
from rls_mutation import non_owner_database, require_policies_needed
from service_database import assert_row_security_applies, asyncpg_dsn

TENANT_TABLES = (
    "animal",
    "animal_id_code",
    "animal_transfer",
    "animal_transfer_offer",
    "breeding_pair",
    "clutch",
    "husbandry_log",
)
"""The tables these checks cover (the outbox's policies: test_sql_row_security_forced.py)."""


@dataclass(frozen=True)
class Tenancy:
    """Three organisations' collections, written through the API as the non-owner role."""

    owner_url: str
    role_url: str
    alpha: uuid.UUID
    beta: uuid.UUID
    gamma: uuid.UUID

    async def checks(self) -> None:
        """The direct checks on this data."""
        await _direct_checks(self.role_url, self.alpha, self.beta, self.gamma)


@pytest.fixture(scope="module")
def tenancy(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tenancy]:
    """The module's data, set up once; the API's isolation is asserted on the way."""
    with non_owner_database(postgres_server, "animal") as (owner_url, role_url):
        settings = load_settings(
            {
                "REPTIDEX_DATA_DIR": str(tmp_path_factory.mktemp("data")),
                "REPTIDEX_LOG_FORMAT": "json",
                "REPTIDEX_ANIMAL_DATABASE_URL": role_url,
            }
        )
        with animal_client(settings) as client:
            alpha, beta, gamma = _trade_through_the_api(client)
        # the worker, as the same role, expires the one offer past its end by then
        assert expire(role_url, dt.datetime.now(dt.UTC) + dt.timedelta(days=2)) == 1
        yield Tenancy(owner_url, role_url, alpha, beta, gamma)


def test_isolation_through_the_api_and_directly(tenancy: Tenancy) -> None:
    asyncio.run(tenancy.checks())


def test_every_policy_is_needed(tenancy: Tenancy) -> None:
    result = asyncio.run(
        require_policies_needed(tenancy.owner_url, tenancy.checks, tables=TENANT_TABLES)
    )
    # 26 policy expressions (migrations 0005, 0006, 0010 and 0014's read of the family-upkeep
    # function) and 7 tables under RLS, all killed
    assert (len(result.killed), result.survived) == (33, []), result


def _trade_through_the_api(client: TestClient[Litestar]) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Three breeders' collections, a pair, a clutch, a log and a sale, through the API."""
    from test_animal_lineage_origin import hatch

    alpha = Breeder(client, uuid.uuid4())
    beta = Breeder(client, uuid.uuid4())
    gamma = Breeder(client, uuid.uuid4())
    gamma.add(name="G own", sex="male")
    a_sire = alpha.add(name="A sire", sex="male", morph="Clown", visibility="lineage_only")
    a_dam = alpha.add(name="A dam", sex="female", morph="het Clown")
    a_kid = alpha.add(name="A kid", sex="female", sire_id=a_sire["id"], dam_id=a_dam["id"])
    b_secret = beta.add(name="B secret", sex="male")
    b_star = beta.add(name="B star", sex="female", visibility="public")
    assert client.get(f"/public/animals/{b_star['id']}").json()["name"] == "B star"
    assert client.get(f"/public/animals/{b_secret['id']}").status_code == 404
    pair = alpha.post("/breeding/pairs", json={"sire_id": a_sire["id"], "dam_id": a_dam["id"]})
    assert pair.status_code == 201, pair.text
    # a clutch whose one hatchling is private: no other organisation may read it
    hatch(alpha, a_sire["id"], a_dam["id"], "2025-02-02", name="A hatchling")
    weight = {"occurred_on": "2026-01-01", "details": {"kind": "weight", "grams": 50}}
    assert alpha.post(f"/animals/{a_kid['id']}/logs", json=weight).status_code == 201

    listed = beta.get("/animals", params={"sort": "name"}).json()["items"]
    assert [a["name"] for a in listed] == ["B secret", "B star"]
    assert beta.get(f"/animals/{a_dam['id']}").status_code == 404
    assert alpha.get(f"/animals/{b_secret['id']}").status_code == 404
    assert beta.patch(f"/animals/{a_dam['id']}", json={"name": "x"}).status_code == 404
    assert beta.get("/breeding/pairs").json() == []
    assert beta.get("/breeding/clutches").json() == []
    lineage = alpha.get(f"/lineage/{a_kid['id']}").json()
    assert lineage["inbreeding"]["coefficient"] == 0.0
    # the lineage's one statement sets the organisation before it reads: the caller's own
    # private animals (the kid, its dam) show in full
    assert [(p["animal"]["name"], p["animal"]["own"]) for p in lineage["tree"]] == [
        ("A kid", True),
        ("A sire", True),
        ("A dam", True),
    ]
    assert beta.get(f"/lineage/{a_kid['id']}").status_code == 404

    # beta accepts the kid (and its log) from alpha, and then sees its lineage-only sire;
    # before that, beta cannot read the kid, nor take the offer alpha may only withdraw
    offered = alpha.post(
        f"/animals/{a_kid['id']}/transfer",
        json={"organisation_id": str(beta.organisation_id), "share_lineage": False},
    )
    assert offered.status_code == 201, offered.text
    offer = f"/animals/transfer-offers/{offered.json()['id']}"
    assert beta.get(f"/animals/{a_kid['id']}").status_code == 404
    assert beta.post(f"{offer}/withdraw").status_code == 403
    assert alpha.post(f"{offer}/accept").status_code == 403
    assert gamma.get(offer).status_code == 404
    moved = beta.post(f"{offer}/accept")
    assert moved.status_code == 201, moved.text
    assert alpha.get(f"/animals/{a_kid['id']}").status_code == 404
    assert len(beta.get(f"/animals/{a_kid['id']}/logs").json()) == 1
    tree = beta.get(f"/lineage/{a_kid['id']}").json()["tree"]
    names = {p["line"]: (p["animal"]["name"], p["animal"]["restricted"]) for p in tree}
    # the private dam is invisible to beta's transaction: a restricted position
    assert names == {"": ("A kid", False), "S": ("A sire", False), "D": (None, True)}
    assert len(alpha.get("/animals/transfers").json()) == 1
    _offer_in_every_state(alpha, beta, a_dam, a_sire)
    return alpha.organisation_id, beta.organisation_id, gamma.organisation_id


def _offer_in_every_state(
    alpha: Breeder, beta: Breeder, a_dam: dict[str, Any], a_sire: dict[str, Any]
) -> None:
    """Besides the accepted offer: one declined, one withdrawn, one pending and one that the
    worker expires (alpha's to beta, each)."""

    def offered(animal: dict[str, Any], **fields: object) -> str:
        body = {"organisation_id": str(beta.organisation_id), **fields}
        made = alpha.post(f"/animals/{animal['id']}/transfer", json=body)
        assert made.status_code == 201, made.text
        return f"/animals/transfer-offers/{made.json()['id']}"

    assert beta.post(f"{offered(a_dam)}/decline").status_code == 200
    assert alpha.post(f"{offered(a_dam)}/withdraw").status_code == 200
    offered(a_dam)  # pending, for 14 days
    offered(a_sire, expires_in_days=1)
    states = sorted(o["status"] for o in beta.get("/animals/transfer-offers").json())
    assert states == ["accepted", "declined", "pending", "pending", "withdrawn"]


WORKER = "worker"
"""In place of an organisation: a transaction of the transfer offer expiry worker."""


async def _outcome(
    connection: asyncpg.Connection,
    organisation: uuid.UUID | str | None,
    statement: str,
    *args: Any,
) -> str:
    """What ``statement`` does in a transaction of ``organisation`` (``None``: of none;
    :data:`WORKER`: the expiry worker's), rolled back: its status (``UPDATE 0``), or
    ``refused`` by row-level security."""
    transaction = connection.transaction()
    await transaction.start()
    try:
        if organisation == WORKER:
            await connection.execute(
                "SELECT set_config('reptidex.worker', 'transfer_offer_expiry', true)"
            )
        elif organisation is not None:
            await connection.execute(
                "SELECT set_config('reptidex.organisation_id', $1, true)", str(organisation)
            )
        try:
            status: str = await connection.execute(statement, *args)
        except asyncpg.InsufficientPrivilegeError as exc:
            return "refused" if "row-level security" in str(exc) else f"denied: {exc}"
        return status
    finally:
        await transaction.rollback()


async def _visible(connection: asyncpg.Connection, organisation: uuid.UUID | str | None) -> Any:
    """What a transaction of ``organisation`` reads: animals by name, the other tables' counts."""
    async with connection.transaction():
        if organisation == WORKER:
            await connection.execute(
                "SELECT set_config('reptidex.worker', 'transfer_offer_expiry', true)"
            )
        elif organisation is not None:
            await connection.execute(
                "SELECT set_config('reptidex.organisation_id', $1, true)", str(organisation)
            )
        names = {r["name"] for r in await connection.fetch("SELECT name FROM animal")}
        counts = [await connection.fetchval(f"SELECT count(*) FROM {table}") for table in COUNTED]
        return names, dict(zip(COUNTED, counts, strict=True))


COUNTED = (
    "animal_id_code",
    "breeding_pair",
    "clutch",
    "husbandry_log",
    "animal_transfer",
    "animal_transfer_offer",
)
# A copy of beta's public animal with another id, code and organisation.
COPY_ANIMAL = (
    "INSERT INTO animal SELECT copy.* FROM animal original, jsonb_populate_record("
    "NULL::animal, to_jsonb(original) || jsonb_build_object("
    "'id', $1::uuid, 'code', 'COPY', 'organisation_id', $2::uuid)) copy "
    "WHERE original.name = 'B star'"
)
ID_CODE = (
    "INSERT INTO animal_id_code (id, organisation_id, next_number, created_at, updated_at) "
    "VALUES (gen_random_uuid(), $1, 1, now(), now())"
)
# A copy of the declined offer, of another animal, with the status given.
COPY_OFFER = (
    "INSERT INTO animal_transfer_offer SELECT (jsonb_populate_record("
    "NULL::animal_transfer_offer, to_jsonb(o) || jsonb_build_object('id', gen_random_uuid(), "
    "'animal_id', gen_random_uuid(), 'status', $1::text))).* "
    "FROM animal_transfer_offer o WHERE o.status = 'declined'"
)
SET_STATUS = "UPDATE animal_transfer_offer SET status = $1 WHERE status = $2"
# reads no column, so only the update policies apply (not the read ones)
SET_EVERY_STATUS = "UPDATE animal_transfer_offer SET status = $1"
# A copy of the transfer the transaction reads, with another id and no reference (same
# seller and buyer).
COPY_TRANSFER = (
    "INSERT INTO animal_transfer SELECT (jsonb_populate_record(NULL::animal_transfer, "
    "to_jsonb(t) || jsonb_build_object('id', gen_random_uuid(), 'reference', NULL))).* "
    "FROM animal_transfer t"
)


async def _direct_checks(url: str, alpha: uuid.UUID, beta: uuid.UUID, gamma: uuid.UUID) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await assert_row_security_applies(connection, "animal")
        await _reads_stay_in_the_own_organisation(connection, alpha, beta, gamma)
        await _writes_stay_in_the_own_organisation(connection, alpha, beta)
        await _inserts_stay_in_the_own_organisation(connection, alpha, beta)
        await _each_party_answers_only_its_part_of_an_offer(connection, alpha, beta)
        # the setting is per transaction: it does not leak into the next one
        names = {r["name"] for r in await connection.fetch("SELECT name FROM animal")}
        assert names == {"A sire", "B star"}
    finally:
        await connection.close()


async def _reads_stay_in_the_own_organisation(
    connection: asyncpg.Connection, alpha: uuid.UUID, beta: uuid.UUID, gamma: uuid.UUID
) -> None:
    """Each organisation reads its own rows, lineage-only and public animals, and the
    transfers it is party to; without an organisation, only those animals."""
    public = {"A sire", "B star"}
    expected: dict[uuid.UUID | str | None, tuple[set[str], tuple[int, ...]]] = {
        None: (public, (0, 0, 0, 0, 0, 0)),
        # alpha's five offers to beta: accepted, declined, withdrawn, pending, expired
        alpha: (public | {"A dam", "A hatchling"}, (1, 1, 1, 0, 1, 5)),
        # beta accepted the kid (with its log) from alpha
        beta: (public | {"B secret", "A kid"}, (1, 0, 0, 1, 1, 5)),
        gamma: (public | {"G own"}, (1, 0, 0, 0, 0, 0)),
        # the expiry worker reads the pending and the expired offers, nothing else private
        WORKER: (public, (0, 0, 0, 0, 0, 2)),
    }
    for organisation, (names, counts) in expected.items():
        assert await _visible(connection, organisation) == (
            names,
            dict(zip(COUNTED, counts, strict=True)),
        ), organisation


async def _writes_stay_in_the_own_organisation(
    connection: asyncpg.Connection, alpha: uuid.UUID, beta: uuid.UUID
) -> None:
    """Nobody changes, removes or takes another organisation's rows, even those it reads,
    nor hands its own rows to another organisation (outside a transfer)."""
    elsewhere = uuid.uuid4()
    for organisation, statement, args, outcome in (
        (
            beta,
            "UPDATE animal SET name = 'stolen' WHERE organisation_id = $1",
            (alpha,),
            "UPDATE 0",
        ),
        # alpha's lineage-only sire is readable, yet cannot be taken
        (beta, "UPDATE animal SET organisation_id = $1 WHERE name = 'A sire'", (beta,), "UPDATE 0"),
        (beta, "DELETE FROM animal WHERE organisation_id = $1", (alpha,), "DELETE 0"),
        (
            beta,
            "UPDATE animal SET organisation_id = $1 WHERE name = 'B secret'",
            (alpha,),
            "refused",
        ),
        # PostgreSQL checks an updated row against the read policy too: only a row that
        # stays readable (a public one) tells the update's own check apart
        (
            beta,
            "UPDATE animal SET organisation_id = $1, code = 'GIVEN' WHERE name = 'B star'",
            (alpha,),
            "refused",
        ),
        (
            beta,
            "UPDATE breeding_pair SET notes = 'x' WHERE organisation_id = $1",
            (alpha,),
            "UPDATE 0",
        ),
        (alpha, "UPDATE breeding_pair SET organisation_id = $1", (elsewhere,), "refused"),
        (alpha, "UPDATE clutch SET organisation_id = $1", (elsewhere,), "refused"),
        (beta, "UPDATE husbandry_log SET organisation_id = $1", (elsewhere,), "refused"),
        (beta, "UPDATE animal_id_code SET organisation_id = $1", (elsewhere,), "refused"),
        # (into an organisation with no counter yet: its one row per organisation is unique)
        (beta, ID_CODE, (elsewhere,), "refused"),
        (elsewhere, ID_CODE, (elsewhere,), "INSERT 0 1"),
        # a transfer is recorded by its seller only, and never changed or removed
        (alpha, COPY_TRANSFER, (), "INSERT 0 1"),
        (beta, COPY_TRANSFER, (), "refused"),
        (alpha, "UPDATE animal_transfer SET to_organisation_id = $1", (elsewhere,), "UPDATE 0"),
        (alpha, "DELETE FROM animal_transfer", (), "DELETE 0"),
    ):
        assert await _outcome(connection, organisation, statement, *args) == outcome, statement


async def _inserts_stay_in_the_own_organisation(
    connection: asyncpg.Connection, alpha: uuid.UUID, beta: uuid.UUID
) -> None:
    """An animal row may be inserted into the transaction's organisation and no other."""
    for organisation, into, outcome in (
        (beta, beta, "INSERT 0 1"),  # the statement itself is sound
        (beta, alpha, "refused"),  # into another organisation's collection
        (None, alpha, "refused"),  # without an organisation (the row it copies is public)
        (None, beta, "refused"),
    ):
        assert await _outcome(connection, organisation, COPY_ANIMAL, uuid.uuid4(), into) == outcome
    assert await connection.fetchval("SELECT count(*) FROM animal WHERE code = 'COPY'") == 0


async def _each_party_answers_only_its_part_of_an_offer(
    connection: asyncpg.Connection, alpha: uuid.UUID, beta: uuid.UUID
) -> None:
    """The sender (alpha) makes offers and withdraws them, the receiver (beta) accepts or
    declines, the worker expires; each only while pending, none rewrites the parties, none
    deletes an offer."""
    elsewhere = uuid.uuid4()
    for organisation, statement, args, outcome in (
        # only the sender offers, and only a pending offer
        (alpha, COPY_OFFER, ("pending",), "INSERT 0 1"),
        (beta, COPY_OFFER, ("pending",), "refused"),
        (alpha, COPY_OFFER, ("accepted",), "refused"),
        # each party's own answer to the pending offer
        (alpha, SET_STATUS, ("withdrawn", "pending"), "UPDATE 1"),
        (beta, SET_STATUS, ("accepted", "pending"), "UPDATE 1"),
        (beta, SET_STATUS, ("declined", "pending"), "UPDATE 1"),
        (WORKER, SET_STATUS, ("expired", "pending"), "UPDATE 1"),
        # not the other party's answer
        (alpha, SET_STATUS, ("accepted", "pending"), "refused"),
        (beta, SET_STATUS, ("withdrawn", "pending"), "refused"),
        (WORKER, SET_EVERY_STATUS, ("accepted", None), "refused"),
        # a closed offer stays closed
        (alpha, SET_STATUS, ("withdrawn", "declined"), "UPDATE 0"),
        (beta, SET_STATUS, ("declined", "withdrawn"), "UPDATE 0"),
        (WORKER, SET_EVERY_STATUS, ("expired", None), "UPDATE 1"),
        # nobody else answers, nor without an organisation
        (elsewhere, SET_STATUS, ("withdrawn", "pending"), "UPDATE 0"),
        (None, SET_EVERY_STATUS, ("expired", None), "UPDATE 0"),
        # the parties and the animal are not the application's to rewrite; nor is a deletion
        (beta, "UPDATE animal_transfer_offer SET from_organisation_id = $1", (beta,), "denied"),
        (alpha, "UPDATE animal_transfer_offer SET to_organisation_id = $1", (elsewhere,), "denied"),
        (alpha, "DELETE FROM animal_transfer_offer", (), "DELETE 0"),
        (beta, "DELETE FROM animal_transfer_offer", (), "DELETE 0"),
    ):
        bound = args[:1] if statement == SET_EVERY_STATUS else args
        found = await _outcome(connection, organisation, statement, *bound)
        assert found.split(":")[0] == outcome, (organisation, statement, args, found)


def test_the_lineage_statement_leaves_no_organisation_on_the_connection(
    make_settings: Callable[..., Settings], app_role_url: str
) -> None:
    settings = make_settings(animal_database_url=app_role_url)
    with animal_client(settings) as client:
        alpha = Breeder(client, uuid.uuid4())
        sire = alpha.add(name="Sire", sex="male")
        kid = alpha.add(name="Kid", sex="female", sire_id=sire["id"])

    async def check() -> None:
        # one pooled connection: the lineage's, then the next checkout's
        engine = create_async_engine(app_role_url, pool_size=1, max_overflow=0)
        try:
            records = SqlLineageRecords(engine)
            rows = await records.lineage_records(
                alpha.organisation_id, uuid.UUID(str(kid["id"])), ancestors=5, descendants=3
            )
            assert {r.name for r in rows} == {"Sire", "Kid"}
            async with engine.connect() as connection:
                setting = await connection.scalar(
                    text("SELECT current_setting('reptidex.organisation_id', true)")
                )
                assert not setting
                assert await connection.scalar(text("SELECT count(*) FROM animal")) == 0
            # another organisation's lineage read sees nothing private of alpha's
            assert (
                await records.lineage_records(
                    uuid.uuid4(), uuid.UUID(str(kid["id"])), ancestors=5, descendants=3
                )
                == []
            )
        finally:
            await engine.dispose()

    asyncio.run(check())


def test_a_service_reads_public_lineages_under_rls_and_buyers_see_the_clutch_of_origin(
    make_settings: Callable[..., Settings], app_role_url: str
) -> None:
    from test_animal_lineage_origin import hatch, ok, service_headers

    settings = make_settings(animal_database_url=app_role_url)
    with animal_client(settings) as client:
        seller = Breeder(client, uuid.uuid4())
        buyer = Breeder(client, uuid.uuid4())
        sire = seller.add(name="Sire", sex="male", visibility="lineage_only")
        dam = seller.add(name="Dam", sex="female")  # private
        clutch, baby = hatch(seller, sire["id"], dam["id"], "2025-02-02", name="Baby")
        ok(seller.patch(f"/animals/{baby['id']}", json={"visibility": "public"}))
        # a service binds no organisation: the policies show lineage-only and public rows
        body = ok(client.get(f"/lineage/{baby['id']}", headers=service_headers()))
        assert [(p["line"], p["animal"]["name"]) for p in body["tree"]] == [
            ("", "Baby"),
            ("S", "Sire"),
            ("D", None),
        ]
        # the clutch is the seller's; readable through the public animal hatched from it
        assert body["origin"]["clutch"] == {
            "id": clutch["id"],
            "laid_on": "2025-02-02",
            "organisation_id": str(seller.organisation_id),
        }
        assert body["origin"]["breeder_organisation_id"] == str(seller.organisation_id)
        private = seller.add(name="Private", sex="male", sire_id=sire["id"])
        assert client.get(f"/lineage/{private['id']}", headers=service_headers()).status_code == 404
        assert client.get(f"/lineage/{sire['id']}", headers=service_headers()).status_code == 404
        # sold privately: the buyer (another organisation) still reads its clutch of origin
        ok(seller.patch(f"/animals/{baby['id']}", json={"visibility": "private"}))
        transfer(seller, baby, buyer)
        origin = ok(buyer.get(f"/lineage/{baby['id']}"))["origin"]
        assert origin["breeder_organisation_id"] == str(seller.organisation_id)
        assert origin["keeper_organisation_id"] == str(buyer.organisation_id)
        assert origin["clutch"]["laid_on"] == "2025-02-02"
        # the buyer lists no clutch of the seller's all the same
        assert ok(buyer.get("/breeding/clutches")) == []
        assert buyer.get(f"/breeding/clutches/{clutch['id']}").status_code == 404
        assert client.get(f"/lineage/{baby['id']}", headers=service_headers()).status_code == 404


def test_services_list_shared_animals_under_rls(
    make_settings: Callable[..., Settings], app_role_url: str
) -> None:
    from test_animal_shared_api import check_listing

    with animal_client(make_settings(animal_database_url=app_role_url)) as client:
        check_listing(client, Breeder(client, uuid.uuid4()), Breeder(client, uuid.uuid4()))
