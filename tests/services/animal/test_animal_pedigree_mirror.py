"""The pedigree mirror: lineages read from memory are exactly the records the one recursive
statement returns under row-level security, for every caller, before and after changes made
anywhere; and the mirror answers only while that is sure.

First the walk itself against a brute-force reading of the policy (hypothesis), then the
mirror on a real PostgreSQL database as the service's non-owner role, fed by the real change
notices, compared with the statement record for record; then the service's wiring.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import msgspec
import pytest
from animal_testkit import (
    Breeder,
    animal_client,
    animal_components,
    lineage_record,
    transfer,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from reptidex.adapters.sql.animal.animal_changes import AnimalChange, AnimalChangeListener
from reptidex.adapters.sql.animal.lineage import SqlLineageRecords
from reptidex.adapters.sql.animal.pedigree_mirror import SqlPedigreeMirror
from reptidex.domain.animals.lineage import LineageEntry, LineageRecord, lineage_of
from reptidex.domain.animals.pedigree_mirror import PedigreeMirror
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.errors import NotFound
from reptidex.services.animal.lineage import AnimalViewCache, encode_lineage, lineage_view
from reptidex.services.kernel.settings import Settings
from service_database import asyncpg_dsn

ORGS = [uuid.UUID(int=1000 + n) for n in range(3)]
VIEWERS: list[uuid.UUID | None] = [*ORGS, None]
VISIBILITIES = ("private", "lineage_only", "public")
DEPTHS = ((5, 3), (1, 0), (2, 1), (20, 20))


# --- the walk, against the policy read literally -----------------------------------------


def record(
    n: int, organisation: uuid.UUID, visibility: str, sire: uuid.UUID | None, dam: uuid.UUID | None
) -> LineageRecord:
    return lineage_record(
        uuid.UUID(int=n), organisation, sire, dam, visibility=visibility, code=f"A{n}"
    )


@st.composite
def collections_of_records(draw: st.DrawFn) -> list[LineageRecord]:
    """Animals of three organisations, each with parents among the earlier ones (or a parent
    that is not recorded at all)."""
    count = draw(st.integers(1, 18))
    records: list[LineageRecord] = []
    for n in range(count):
        parents: list[uuid.UUID | None] = []
        for _ in range(2):
            choice = draw(st.integers(-2, n - 1)) if n else -1
            parents.append(
                None if choice == -1 else uuid.UUID(int=999) if choice == -2 else records[choice].id
            )
        records.append(
            record(
                n + 1, draw(st.sampled_from(ORGS)), draw(st.sampled_from(VISIBILITIES)), *parents
            )
        )
    return records


def reference(
    records: list[LineageRecord], viewer: uuid.UUID | None, root: uuid.UUID, up: int, down: int
) -> set[uuid.UUID]:
    """The ids the statement returns, by following every path through visible animals."""
    by_id = {r.id: r for r in records}

    def visible(ident: uuid.UUID | None) -> bool:
        shown = by_id.get(ident) if ident is not None else None
        return shown is not None and (
            shown.organisation_id == viewer or shown.visibility != "private"
        )

    if not visible(root):
        return set()
    found: set[uuid.UUID] = set()

    def ancestors(ident: uuid.UUID, depth: int) -> None:
        found.add(ident)
        if depth < up:
            for parent in (by_id[ident].sire_id, by_id[ident].dam_id):
                if visible(parent):
                    ancestors(parent, depth + 1)  # type: ignore[arg-type]

    def descendants(ident: uuid.UUID, depth: int) -> None:
        found.add(ident)
        if depth < down:
            for child in records:
                if ident in (child.sire_id, child.dam_id) and visible(child.id):
                    descendants(child.id, depth + 1)

    ancestors(root, 0)
    descendants(root, 0)
    return found


def mirror_of(records: Iterable[LineageRecord]) -> PedigreeMirror:
    """A mirror holding the shared layer and every organisation's layer of ``records``."""
    held = list(records)
    mirror = PedigreeMirror()
    mirror.replace_layer(None, [r for r in held if r.visibility != "private"], {})
    for organisation in ORGS:
        mirror.replace_layer(
            organisation, [r for r in held if r.organisation_id == organisation], {}
        )
    return mirror


@settings(max_examples=60, deadline=None)
@given(collections_of_records())
def test_the_walk_returns_what_the_policy_lets_each_caller_read(
    records: list[LineageRecord],
) -> None:
    mirror = mirror_of(records)
    for viewer in VIEWERS:
        for root in [r.id for r in records] + [uuid.UUID(int=999)]:
            for up, down in DEPTHS[:3]:
                got = mirror.lineage_records(viewer, root, up, down)
                assert got is not None
                assert {r.id for r in got} == reference(records, viewer, root, up, down)
                assert len(got) == len({r.id for r in got})


@settings(max_examples=60, deadline=None)
@given(collections_of_records(), st.data())
def test_applied_changes_leave_what_loading_afresh_would_hold(
    records: list[LineageRecord], data: st.DataObject
) -> None:
    """Renames, new parents, new visibility or keeper, deletions and new animals, applied
    layer by layer as the adapter applies a notice, end where a fresh load would."""
    mirror = mirror_of(records)
    after = {r.id: r for r in records}
    changed: set[uuid.UUID] = set()
    for target in data.draw(st.lists(st.sampled_from(records), max_size=5)):
        action = data.draw(st.sampled_from(["rename", "orphan", "visibility", "keeper", "delete"]))
        changed.add(target.id)
        if action == "delete":
            after.pop(target.id, None)
            continue
        current = after.get(target.id, target)
        after[target.id] = {
            "rename": lambda r: r._replace(code=r.code + "'"),
            "orphan": lambda r: r._replace(sire_id=None),
            "visibility": lambda r: r._replace(visibility=data.draw(st.sampled_from(VISIBILITIES))),
            "keeper": lambda r: r._replace(organisation_id=data.draw(st.sampled_from(ORGS))),
        }[action](current)
    if len(records) > 0 and data.draw(st.booleans()):
        newborn = record(500, ORGS[0], "public", records[-1].id, None)
        after[newborn.id] = newborn
        changed.add(newborn.id)
    final = list(after.values())
    mirror.update(
        None, changed, [r for r in final if r.id in changed and r.visibility != "private"]
    )
    for organisation in ORGS:
        mirror.update(
            organisation,
            changed,
            [r for r in final if r.id in changed and r.organisation_id == organisation],
        )
    fresh = mirror_of(final)
    for viewer in VIEWERS:
        for root in after:
            # the same records (their order is free: a lineage does not depend on it)
            assert sorted(mirror.lineage_records(viewer, root, 4, 4) or []) == sorted(
                fresh.lineage_records(viewer, root, 4, 4) or []
            )


def test_a_caller_whose_layer_is_not_held_gets_no_answer() -> None:
    mirror = PedigreeMirror()
    assert mirror.lineage_records(None, uuid.UUID(int=1), 5, 3) is None  # no shared layer
    mirror.replace_layer(None, [], {})
    assert mirror.lineage_records(None, uuid.UUID(int=1), 5, 3) == []  # unknown animal
    assert mirror.lineage_records(ORGS[0], uuid.UUID(int=1), 5, 3) is None
    mirror.replace_layer(ORGS[0], [record(1, ORGS[0], "private", None, None)], {})
    assert [r.code for r in mirror.lineage_records(ORGS[0], uuid.UUID(int=1), 5, 3) or []] == ["A1"]
    with pytest.raises(ValueError, match="not among the ids"):
        mirror.update(ORGS[0], {uuid.UUID(int=2)}, [record(1, ORGS[0], "private", None, None)])


# --- on PostgreSQL, as the service's role, fed by the real notices -------------------------


async def wait_for(condition: Callable[[], bool], message: str, within: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, message
        await asyncio.sleep(0.02)


class Running:
    """A mirror running with a real change listener on the app role's engine."""

    def __init__(self, engine: AsyncEngine, url: str, **options: Any) -> None:
        self.mirror = SqlPedigreeMirror(engine, retry=0.05, **options)
        self.listener = AnimalChangeListener(
            url, self.mirror.changed, self.mirror.listening, retry=0.05
        )
        self.heard: list[AnimalChange] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Running:
        def hear(change: AnimalChange) -> None:
            self.heard.append(change)
            self.mirror.changed(change)

        self.listener._on_change = hear  # record what the notices say, too
        self._tasks = [
            asyncio.create_task(self.listener.run()),
            asyncio.create_task(self.mirror.run()),
        ]
        await wait_for(lambda: self.mirror.settled, "the listener never connected")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def held(self, viewer: uuid.UUID | None, root: uuid.UUID) -> None:
        """Ask until the layers ``viewer`` needs are held and every change is applied."""
        await wait_for(
            lambda: self.mirror.lineage_records(viewer, root, 1, 0) is not None,
            "the mirror never answered",
        )


@pytest.fixture
async def app_engine(app_role_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(app_role_url, pool_size=3, max_overflow=0)
    try:
        yield engine
    finally:
        await engine.dispose()


async def owner_sql(url: str, statement: str, *arguments: Any) -> None:
    import asyncpg

    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute(statement, *arguments)
    finally:
        await connection.close()


async def build_collections(
    make_settings: Callable[..., Settings], app_role_url: str, owner_url: str
) -> dict[str, Any]:
    """Three organisations with animals of every visibility, a clutch of origin and a sold
    animal, made through the API; then parents across organisations (as sales leave them)."""
    with animal_client(make_settings(animal_database_url=app_role_url)) as client:
        built = _through_the_api(client)
    named = built["named"]
    for child, column, parent in [
        ("B kid", "sire_id", "A sire"),
        ("C kid", "dam_id", "A kid"),
        ("B grandkid", "dam_id", "C kid"),
    ]:
        await owner_sql(
            owner_url,
            f"UPDATE animal SET {column} = $2 WHERE id = $1",
            uuid.UUID(str(named[child]["id"])),
            uuid.UUID(str(named[parent]["id"])),
        )
    return built


def _through_the_api(client: TestClient[Any]) -> dict[str, Any]:
    alpha, beta, gamma = (Breeder(client, o) for o in ORGS)
    a_sire = alpha.add(name="A sire", sex="male", visibility="lineage_only")
    a_dam = alpha.add(name="A dam", sex="female")
    b_star = beta.add(name="B star", sex="female", visibility="public")
    b_secret = beta.add(name="B secret", sex="male")
    c_male = gamma.add(name="C male", sex="male", visibility="public")
    clutch = alpha.post(
        "/breeding/clutches",
        json={
            "dam_id": a_dam["id"],
            "sire_ids": [a_sire["id"]],
            "laid_on": "2025-03-01",
            "eggs": 4,
        },
    )
    assert clutch.status_code == 201, clutch.text
    hatched = alpha.post(
        f"/breeding/clutches/{clutch.json()['id']}/hatchlings",
        json={
            "hatchlings": [{"name": "A kid", "sex": "female"}],
            "hatched_on": "2025-05-20",
        },
    )
    assert hatched.status_code == 201, hatched.text
    a_kid = hatched.json()[0]
    shown = alpha.patch(f"/animals/{a_kid['id']}", json={"visibility": "public"})
    assert shown.status_code == 200, shown.text
    b_kid = beta.add(name="B kid", sex="male", dam_id=b_star["id"])
    c_kid = gamma.add(name="C kid", sex="female", sire_id=c_male["id"], visibility="public")
    b_grandkid = beta.add(name="B grandkid", sire_id=b_secret["id"])
    transfer(alpha, a_kid, gamma)
    animals = [a_sire, a_dam, b_star, b_secret, c_male, a_kid, b_kid, c_kid, b_grandkid]
    return {
        "ids": [uuid.UUID(str(a["id"])) for a in animals],
        "named": {a["name"]: a for a in animals},
    }


async def assert_same_as_the_statement(
    engine: AsyncEngine, mirror: SqlPedigreeMirror, ids: list[uuid.UUID]
) -> None:
    statement = SqlLineageRecords(engine)
    for viewer in VIEWERS:
        for root in ids:
            for up, down in DEPTHS:
                expected = await statement.lineage_records(
                    viewer, root, ancestors=up, descendants=down
                )
                got = mirror.lineage_records(viewer, root, up, down)
                assert got is not None, "the mirror stopped answering"
                assert sorted(got) == sorted(expected), (viewer, root, up, down)


async def test_the_mirror_reads_what_the_statement_reads_before_and_after_changes(
    make_settings: Callable[..., Settings],
    app_role_url: str,
    postgres_database: str,
    app_engine: AsyncEngine,
) -> None:
    built = await build_collections(make_settings, app_role_url, postgres_database)
    ids: list[uuid.UUID] = built["ids"]
    async with Running(app_engine, app_role_url) as running:
        for viewer in VIEWERS:
            await running.held(viewer, ids[0])
        assert set(running.mirror.mirror.layers) == {None, *ORGS}
        await assert_same_as_the_statement(app_engine, running.mirror, ids)

        named = built["named"]
        kid, secret, star = (
            uuid.UUID(str(named[n]["id"])) for n in ("A kid", "B secret", "B star")
        )
        newborn = uuid.uuid4()
        for statement, arguments in [
            ("UPDATE animal SET name = 'Renamed' WHERE id = $1", (kid,)),
            ("UPDATE animal SET visibility = 'public' WHERE id = $1", (secret,)),
            ("UPDATE animal SET visibility = 'private' WHERE id = $1", (star,)),
            (
                "UPDATE animal SET organisation_id = $2, code = 'MOVED-1' WHERE id = $1",
                (kid, ORGS[1]),
            ),
            (
                "UPDATE animal SET sire_id = NULL WHERE id = $1",
                (uuid.UUID(str(named["C kid"]["id"])),),
            ),
            (
                "INSERT INTO animal SELECT (jsonb_populate_record(NULL::animal, "
                "to_jsonb(a) || jsonb_build_object('id', $2::uuid, 'code', 'NEW-1', "
                "'sire_id', a.id, 'dam_id', NULL, 'clutch_id', NULL))).* FROM animal a "
                "WHERE a.id = $1",
                (secret, newborn),
            ),
            ("DELETE FROM animal WHERE id = $1", (uuid.UUID(str(named["B grandkid"]["id"])),)),
            ("UPDATE clutch SET laid_on = '2025-03-09'", ()),
        ]:
            heard = len(running.heard)
            await owner_sql(postgres_database, statement, *arguments)
            await wait_for(
                lambda heard=heard: len(running.heard) > heard,  # type: ignore[misc]
                f"no notice for {statement}",
            )
            await wait_for(lambda: running.mirror.settled, "the change was never applied")
            await assert_same_as_the_statement(app_engine, running.mirror, [*ids, newborn])
        # the notices name the organisations before and after (animal_0008)
        assert any(set(c.organisations) == {ORGS[1], ORGS[2]} for c in running.heard)


@pytest.fixture
async def built(
    make_settings: Callable[..., Settings], app_role_url: str, postgres_database: str
) -> dict[str, Any]:
    """The three organisations' animals (see :func:`build_collections`)."""
    return await build_collections(make_settings, app_role_url, postgres_database)


async def test_a_change_is_not_answered_from_memory_until_it_is_applied(
    app_role_url: str, app_engine: AsyncEngine, built: dict[str, Any]
) -> None:
    ids = built["ids"]
    async with Running(app_engine, app_role_url) as running:
        await running.held(ORGS[0], ids[0])
        mirror = running.mirror
        mirror.changed(AnimalChange([ids[0]], [ORGS[0]]))  # as a commit of this process
        assert not mirror.settled
        assert mirror.lineage_records(ORGS[0], ids[0], 5, 3) is None
        await wait_for(lambda: mirror.settled, "never applied")
        assert mirror.lineage_records(ORGS[0], ids[0], 5, 3) is not None
        mirror.listening(False)  # the listener lost: everything dropped, nothing answered
        assert mirror.mirror.layers == []
        assert not mirror.settled
        assert mirror.lineage_records(ORGS[0], ids[0], 5, 3) is None


async def test_layers_beyond_the_limit_are_dropped_or_never_loaded(
    app_role_url: str, app_engine: AsyncEngine, built: dict[str, Any]
) -> None:
    ids = built["ids"]
    async with Running(app_engine, app_role_url) as running:
        await running.held(ORGS[1], ids[0])
        shared, beta = running.mirror.mirror.size(None), running.mirror.mirror.size(ORGS[1])
    alpha = 2  # A sire and A dam (A kid was sold)
    assert beta > alpha
    async with Running(app_engine, app_role_url, max_animals=shared + beta) as running:
        mirror = running.mirror
        await running.held(ORGS[0], ids[0])
        assert set(mirror.mirror.layers) == {None, ORGS[0]}
        await running.held(ORGS[1], ids[0])  # it fits only without alpha's: that one goes
        assert set(mirror.mirror.layers) == {None, ORGS[1]}
        assert mirror.mirror.total <= shared + beta
    async with Running(app_engine, app_role_url, max_animals=shared + alpha) as running:
        mirror = running.mirror
        await running.held(ORGS[0], ids[0])
        deferred = mirror.deferred
        for _ in range(20):  # beta's layer can never fit: the statement answers for beta
            assert mirror.lineage_records(ORGS[1], ids[0], 5, 3) is None
            await asyncio.sleep(0.01)
        assert mirror.deferred == deferred + 20
        assert ORGS[1] not in mirror.mirror.layers
        assert mirror.lineage_records(ORGS[0], ids[0], 5, 3) is not None  # alpha still is
    async with Running(app_engine, app_role_url, max_animals=shared - 1) as running:
        for _ in range(10):  # not even the shared layer fits: nothing is ever held
            assert running.mirror.lineage_records(None, ids[0], 5, 3) is None
            await asyncio.sleep(0.02)
        assert running.mirror.mirror.layers == []


# --- the service's wiring ----------------------------------------------------------------


def test_the_service_answers_lineages_from_the_mirror_and_reports_it(
    make_settings: Callable[..., Settings], app_role_url: str
) -> None:
    with animal_client(make_settings(animal_database_url=app_role_url)) as client:
        breeder = Breeder(client, ORGS[0])
        sire = breeder.add(name="Sire", sex="male")
        kid = breeder.add(name="Kid", sire_id=sire["id"])
        mirror = animal_components(client.app).lineage.mirror
        assert mirror is not None
        asked = iter(range(1, 21))  # each a new lineage (the lineage cache answers repeats)

        def answered_from_memory() -> bool:
            before = mirror.answered
            response = breeder.get(f"/lineage/{kid['id']}?generations={next(asked)}")
            assert response.status_code == 200
            return mirror.answered > before

        while not answered_from_memory():  # the first asks for the layers, loaded meanwhile
            time.sleep(0.2)
        # a change of this process shows at once, whichever way the next lineage is read
        renamed = breeder.patch(f"/animals/{sire['id']}", json={"name": "Renamed"})
        assert renamed.status_code == 200
        tree = breeder.get(f"/lineage/{kid['id']}?descendants=7").json()["tree"]
        assert [p["animal"]["name"] for p in tree] == ["Kid", "Renamed"]
        text = client.get("/metrics").text
        figures = {
            line.split("{")[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("reptidex_pedigree_mirror_")
        }
        assert figures["reptidex_pedigree_mirror_answered_total"] >= 1
        assert figures["reptidex_pedigree_mirror_animals"] >= 2
        assert figures["reptidex_pedigree_mirror_layers"] == 2


def test_the_mirror_can_be_turned_off(
    make_settings: Callable[..., Settings], postgres_database: str
) -> None:
    settings = make_settings(animal_database_url=postgres_database, lineage_mirror_animals="0")
    with animal_client(settings) as client:
        assert animal_components(client.app).lineage.mirror is None
        breeder = Breeder(client, ORGS[0])
        kid = breeder.add(name="Kid")
        assert breeder.get(f"/lineage/{kid['id']}").status_code == 200
        assert "reptidex_pedigree_mirror_" not in client.get("/metrics").text


# --- encoded views kept across requests ----------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(collections_of_records())
def test_a_lineage_encoded_with_kept_views_is_the_documented_view(
    records: list[LineageRecord],
) -> None:
    mirror = mirror_of(records)
    views = AnimalViewCache(mirror.holds_record, max_entries=7)  # small: it empties itself
    for viewer in VIEWERS:
        actor = None if viewer is None else Actor(organisation_id=viewer)
        for root in [r.id for r in records]:
            rows = mirror.lineage_records(viewer, root, 4, 4)
            assert rows is not None
            try:
                result = lineage_of(rows, actor, root, 4, 4)
            except NotFound:
                continue
            expected = msgspec.json.encode(lineage_view(result))
            assert encode_lineage(result, views) == expected
            assert encode_lineage(result, views) == expected  # from the kept views
            assert len(views) <= 7


def test_only_records_the_mirror_holds_keep_their_views() -> None:
    held = record(1, ORGS[0], "private", None, None)
    mirror = PedigreeMirror()
    mirror.replace_layer(ORGS[0], [held], {})
    views = AnimalViewCache(mirror.holds_record)
    views.of(LineageEntry(held._replace(code="read by a query"), True))
    assert len(views) == 0  # a record of one request: encoded, not kept
    views.of(LineageEntry(held, True))
    assert len(views) == 1


def test_a_changed_record_gets_a_view_of_its_own() -> None:
    views = AnimalViewCache(lambda _record: True)
    before = record(1, ORGS[0], "public", None, None)
    after = before._replace(code="Renamed")
    assert b'"A1"' in bytes(views.of(LineageEntry(before, True)))
    assert b'"Renamed"' in bytes(views.of(LineageEntry(after, True)))
    public = msgspec.json.decode(bytes(views.of(LineageEntry(after, False))))
    assert public["own"] is False
    assert public["code"] == "Renamed"
    # a public animal shows what it carries, as its profile does; never its status
    assert (public["hets"], public["possible_hets"], public["status"]) == ([], [], None)
