"""GDPR across the platform: a keeper exports their data (a zip of every service's JSON),
then erases it; afterwards no service returns their personal data, they cannot sign in, their
address is gone, and the audit trail keeps the events under a pseudonym and still verifies. A
service that is down during the erasure is asked again until it answers."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from gdpr_platform import PASSWORD, GdprPlatform, eventually, gdpr_platform
from ops_testkit import change
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.ops.audit_personal_data import SqlAuditPersonalData
from reptidex.adapters.sql.ops.audit_trail import SqlChainSource, append_record, scope_session
from reptidex.domain.audit import record_of
from reptidex.domain.audit.verification import verify_trail
from reptidex.domain.privacy.inventory import exported_parts
from reptidex.services.kernel.settings import Settings


@pytest.fixture
async def platform(make_settings: Callable[..., Settings]) -> AsyncIterator[GdprPlatform]:
    async with gdpr_platform(make_settings()) as running:
        yield running


async def _seed_audit(settings: Settings, user: uuid.UUID, email: str) -> None:
    """What core and animal would have recorded: the account's creation (with its address)
    and an animal the keeper changed."""
    engine = create_engine(settings.database_url("ops"))
    try:
        async with AsyncSession(engine) as session, session.begin():
            for event in (
                change(None, kind="user", resource_id=str(user), action="created",
                       before={}, after={"email": email, "display_name": None}, service="core",
                       actor_id=user),
                change(uuid.uuid4(), actor_id=user, before={"name": "Old"},
                       after={"name": "Sunny"}),
                change(uuid.uuid4(), actor_id=uuid.uuid4(), kind="membership",
                       resource_id="m1", after={"user_id": str(user), "role": "owner"},
                       before={}, service="core"),
            ):  # fmt: skip
                await append_record(session, record_of(event))
    finally:
        await engine.dispose()


async def _tamper(settings: Settings, *, email: str, forged: str) -> None:
    engine = create_engine(settings.database_url("ops"))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE audit_record SET after = replace(after, :old, :new)"),
                {"old": email, "new": forged},
            )
    finally:
        await engine.dispose()


async def _verify(settings: Settings) -> Any:
    engine = create_engine(settings.database_url("ops"))
    try:
        async with AsyncSession(engine) as session, session.begin():
            await scope_session(session, None)
            return await verify_trail(SqlChainSource(session))
    finally:
        await engine.dispose()


async def _finished(platform: GdprPlatform, request_id: str, headers: dict[str, str]) -> Any:
    async def check() -> Any:
        response = await platform.ops.get(f"/admin/gdpr/requests/{request_id}", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        return body if body["status"] != "pending" else None

    return await eventually(check)


async def _port(platform: GdprPlatform, service: str, user: uuid.UUID) -> dict[str, Any]:
    """What ``service`` answers ops' export port about ``user`` now."""
    headers = {"Authorization": f"Bearer {await platform.router_token()}"}
    response = await platform.clients[service].post(
        "/internal/personal-data/export", json={"user_id": str(user)}, headers=headers
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def _ops_holds(settings: Settings, user: uuid.UUID) -> dict[str, Any]:
    """What repti-ops' own holder (the audit trail) finds about ``user`` now."""
    engine = create_engine(settings.database_url("ops"))
    try:
        return await SqlAuditPersonalData(async_sessionmaker(engine)).export(user)
    finally:
        await engine.dispose()


async def test_a_keeper_exports_then_erases_their_data(platform: GdprPlatform) -> None:
    email = f"ann-{uuid.uuid4().hex[:6]}@example.org"
    user, headers = await platform.keeper(email)
    upload = await platform.upload(headers)
    listing = await platform.list_animal(headers)
    await _seed_audit(platform.settings, user, email)

    started = await platform.ops.post("/admin/gdpr/export", json={}, headers=headers)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "pending"
    assert started.json()["archive_url"] is None
    export = await _finished(platform, started.json()["id"], headers)
    assert export["status"] == "completed"
    assert [t["service"] for t in export["tasks"]] == [
        "core", "animal", "media", "commerce", "community", "ops"
    ]  # fmt: skip
    archive = await platform.ops.get(export["archive_url"], headers=headers)
    assert archive.status_code == 200
    assert archive.headers["content-type"] == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(archive.content))
    assert sorted(files.namelist()) == [
        "animal.json", "commerce.json", "community.json", "core.json", "media.json", "ops.json",
        "request.json",
    ]  # fmt: skip
    core = json.loads(files.read("core.json"))["data"]
    assert core["account"]["email"] == email
    assert "password_hash" not in core["account"]
    assert [m["role"] for m in core["memberships"]] == ["owner"]
    assert core["sessions"], "the sign-in session"
    media = json.loads(files.read("media.json"))["data"]
    assert [u["id"] for u in media["uploads"]] == [upload["id"]]
    commerce = json.loads(files.read("commerce.json"))["data"]
    assert [x["id"] for x in commerce["listings"]] == [listing["id"]]
    community = json.loads(files.read("community.json"))["data"]
    assert set(community) == {"forums", "notifications", "advertising"}
    assert (community["forums"]["member"], community["forums"]["posts"]) == (None, [])
    audit = json.loads(files.read("ops.json"))["data"]["audit_records"]
    assert {(r["resource_kind"], r["action"]) for r in audit} >= {
        ("user", "created"), ("animal", "updated"), ("membership", "updated")
    }  # fmt: skip
    assert json.loads(files.read("request.json"))["user_id"] == str(user)
    # every part of personal data the inventory names is one its service exports
    exported = {
        "core": core, "media": media, "commerce": commerce, "community": community
    }  # fmt: skip
    for service, data in exported.items():
        assert exported_parts(service) <= set(data), service

    admin = await platform.admin()

    async def export_audited() -> Any:
        page = await platform.ops.get(
            "/audit/logs", params={"resource_kind": "gdpr_request"}, headers=admin
        )
        read = await platform.ops.get(
            "/audit/logs", params={"resource_id": str(user), "action": "accessed"}, headers=admin
        )
        return [r["action"] for r in page.json()["items"]] == ["export_requested"] and [
            (r["actor_id"], r["after"]["purpose"]) for r in read.json()["items"]
        ] == [(str(user), "gdpr_export")]  # the download, as the user's access to their data

    await eventually(export_audited)
    erased = await platform.ops.post("/admin/gdpr/erase", json={}, headers=headers)
    assert erased.status_code == 202, erased.text
    body = await _finished(platform, erased.json()["id"], headers)
    assert body["status"] == "completed"
    counts = {t["service"]: t["erased"] for t in body["tasks"]}
    assert counts["core"]["accounts"] == 1
    assert counts["core"]["memberships"] == 1
    assert counts["media"] == {"uploads_unattributed": 1}
    assert counts["commerce"] == {
        "listings_pseudonymised": 1,
        "orders_pseudonymised": 0,
        "order_steps_pseudonymised": 0,
        "supplies_pseudonymised": 0,
        "supply_reservations_pseudonymised": 0,
    }
    assert set(counts["community"].values()) == {0}
    # and the export's own records: asked for, and downloaded
    assert counts["ops"]["audit_records_pseudonymised"] == 5

    # nobody signs in as them, and no service answers with their data
    login = await platform.core.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 401
    account = (await _port(platform, "core", user))["account"]
    assert account["email"].endswith("@erased.invalid")
    assert account["display_name"] is None
    assert (await _port(platform, "core", user))["memberships"] == []
    assert (await _port(platform, "core", user))["sessions"] == []
    assert (await _port(platform, "media", user))["uploads"] == []
    assert (await _port(platform, "commerce", user))["listings"] == []
    assert (await _ops_holds(platform.settings, user))["audit_records"] == []

    # the trail keeps the events, under the pseudonym, and still verifies
    trail = (await platform.ops.get("/audit/logs", params={"limit": 500}, headers=admin)).json()
    text = json.dumps(trail)
    assert email not in text
    assert str(user) not in text
    pseudonym = trail["items"][-1]["actor_id"]
    assert pseudonym not in (None, str(user))
    assert trail["items"][-1]["after"]["email"] == "<erased>"
    verdict = await _verify(platform.settings)
    assert verdict.intact, verdict.broken
    # a pseudonymised record changed again (not by an erasure) breaks the chain there
    await _tamper(platform.settings, email="<erased>", forged="ann@example.org")
    broken = await _verify(platform.settings)
    assert broken.broken is not None
    assert "was changed" in broken.broken.reason
    # the earlier export's data went with the rest
    gone = await platform.ops.get(export["archive_url"], headers=admin)
    assert gone.status_code == 409
    assert gone.headers["content-type"] == "application/problem+json"


async def test_a_service_down_during_an_erasure_is_retried_until_it_answers(
    platform: GdprPlatform,
) -> None:
    email = f"bob-{uuid.uuid4().hex[:6]}@example.org"
    user, headers = await platform.keeper(email)
    await platform.upload(headers)
    platform.router.down.add("media")
    erased = await platform.ops.post("/admin/gdpr/erase", json={}, headers=headers)
    assert erased.status_code == 202
    url = f"/admin/gdpr/requests/{erased.json()['id']}"

    async def media_failed_twice() -> Any:
        body = (await platform.ops.get(url, headers=headers)).json()
        tasks = {t["service"]: t for t in body["tasks"]}
        return body if tasks["media"]["attempts"] >= 2 else None

    waiting = await eventually(media_failed_twice)
    tasks = {t["service"]: t for t in waiting["tasks"]}
    assert waiting["status"] == "pending"
    assert tasks["media"]["state"] == "pending"
    assert "did not answer" in tasks["media"]["last_error"]
    assert tasks["media"]["next_attempt_at"] is not None
    assert {tasks[s]["state"] for s in ("core", "animal", "ops")} == {"done"}

    platform.router.down.discard("media")
    done = await _finished(platform, erased.json()["id"], headers)
    media = next(t for t in done["tasks"] if t["service"] == "media")
    assert (done["status"], media["state"], media["last_error"]) == ("completed", "done", None)
    assert media["erased"] == {"uploads_unattributed": 1}
    assert (await _port(platform, "media", user))["uploads"] == []
    assert (await _port(platform, "commerce", user))["listings"] == []
