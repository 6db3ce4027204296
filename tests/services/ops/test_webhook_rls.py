"""Webhooks under PostgreSQL's row-level security, with repti-ops connected as its non-owner
role: through the API (subscribing, delivering to a local receiver, redelivering, deleting),
then directly as that role: an organisation reads and changes only its own subscriptions,
reads and adds only its own deliveries and never changes one; the delivery worker reads every
organisation's rows and may record attempts, nothing else. Every policy is needed: loosened
one at a time (``rls_mutation``), each fails the direct checks."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from ops_testkit import bearer, mint_token
from webhook_receiver import Receiver, receiving

from core_tokens import StaticKeys
from reptidex.domain.events import new_event
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import load_settings
from reptidex.services.ops.app import create_app
from rls_mutation import non_owner_database, require_policies_needed
from service_database import assert_row_security_applies, asyncpg_dsn

TABLES = ("webhook_subscription", "webhook_delivery")
HOOKS = "/integrations/webhooks"


@dataclass(frozen=True)
class Hooks:
    """Alpha's two webhooks (one with deliveries, one without), beta's one, and a deleted
    webhook of alpha's; written through the API as the role."""

    owner_url: str
    role_url: str
    alpha: uuid.UUID
    beta: uuid.UUID
    alpha_quiet: uuid.UUID
    beta_hook: uuid.UUID
    deleted: uuid.UUID

    async def checks(self) -> None:
        """The direct checks on this data."""
        await _checks(self)


@pytest.fixture(scope="module")
def hooks(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hooks]:
    alpha, beta = uuid.uuid4(), uuid.uuid4()
    with non_owner_database(postgres_server, "ops") as (owner_url, role_url):
        settings = load_settings(
            {
                "REPTIDEX_DATA_DIR": str(tmp_path_factory.mktemp("data")),
                "REPTIDEX_LOG_FORMAT": "json",
                "REPTIDEX_OPS_DATABASE_URL": role_url,
                "REPTIDEX_WEBHOOK_ALLOW_LOCAL": "true",
            }
        )
        receiver = Receiver()
        app = create_app(settings, authenticator=Authenticator(StaticKeys()))
        with receiving(receiver) as url, TestClient(app) as client:
            ids = _through_the_api(client, receiver, url, alpha, beta)
        yield Hooks(owner_url, role_url, alpha, beta, *ids)


def _through_the_api(
    client: TestClient[Litestar], receiver: Receiver, url: str, alpha: uuid.UUID, beta: uuid.UUID
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    a_admin, b_admin = bearer(mint_token(alpha, "admin")), bearer(mint_token(beta, "owner"))

    def create(headers: dict[str, str], kinds: list[str]) -> str:
        answer = client.post(HOOKS, json={"url": url, "event_kinds": kinds}, headers=headers)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["webhook"]["id"])

    alpha_hook = create(a_admin, ["animal.*"])
    alpha_quiet = create(a_admin, ["order.refunded"])
    beta_hook = create(b_admin, ["animal.updated"])
    doomed = create(a_admin, ["animal.updated"])
    bus = kernel_of(client.app).events.bus
    with client.portal() as portal:
        for organisation in (alpha, beta):
            event = new_event("animal.updated", producer="animal", organisation_id=organisation)
            portal.call(bus.publish, event)
    receiver.wait_for(3)  # alpha's two animal webhooks, beta's one
    log = _settled(client, a_admin, alpha_hook)
    again = client.post(
        f"{HOOKS}/{alpha_hook}/deliveries/{log[0]['id']}/redeliver", headers=a_admin
    )
    assert again.status_code == 202, again.text
    receiver.wait_for(4)
    _settled(client, a_admin, alpha_hook, 2)
    _settled(client, a_admin, doomed)
    assert client.get(HOOKS, headers=b_admin).json()["items"][0]["id"] == beta_hook
    assert client.get(f"{HOOKS}/{alpha_hook}", headers=b_admin).status_code == 404
    assert client.delete(f"{HOOKS}/{doomed}", headers=a_admin).status_code == 204
    return uuid.UUID(alpha_quiet), uuid.UUID(beta_hook), uuid.UUID(doomed)


def _settled(
    client: TestClient[Litestar], headers: dict[str, str], webhook_id: str, count: int = 1
) -> list[dict[str, object]]:
    deadline = time.monotonic() + 10
    while True:
        items = client.get(f"{HOOKS}/{webhook_id}/deliveries", headers=headers).json()["items"]
        if len(items) >= count and all(i["status"] == "delivered" for i in items):
            return list(items)
        assert time.monotonic() < deadline, items
        time.sleep(0.05)


def test_the_api_works_as_the_role_and_the_role_is_bound(hooks: Hooks) -> None:
    asyncio.run(hooks.checks())


def test_every_policy_is_needed(hooks: Hooks) -> None:
    result = asyncio.run(require_policies_needed(hooks.owner_url, hooks.checks, tables=TABLES))
    # 7 policy expressions (migration ops_0005w) and 2 tables under RLS: all killed
    assert sorted(result.killed) == sorted(
        [
            "webhook_subscription_tenant USING (true)",
            "webhook_subscription_tenant WITH CHECK (true)",
            "webhook_subscription_worker_read USING (true)",
            "webhook_delivery_read USING (true)",
            "webhook_delivery_insert WITH CHECK (true)",
            "webhook_delivery_worker_read USING (true)",
            "webhook_delivery_worker_update USING (true)",
            "webhook_subscription: row level security disabled",
            "webhook_delivery: row level security disabled",
        ]
    )
    assert result.survived == []


async def _outcome(connection: asyncpg.Connection, statement: str, *args: object) -> str:
    """What ``statement`` did, or ``refused`` (row-level security or a grant), inside a
    savepoint undone at once."""
    await connection.execute("SAVEPOINT attempt")
    try:
        return str(await connection.execute(statement, *args))
    except asyncpg.InsufficientPrivilegeError:
        return "refused"
    finally:
        await connection.execute("ROLLBACK TO SAVEPOINT attempt")


async def _scope(connection: asyncpg.Connection, setting: str, value: str) -> None:
    await connection.execute(f"SELECT set_config('reptidex.{setting}', $1, true)", value)


INSERT_WEBHOOK = (
    "INSERT INTO webhook_subscription (id, created_at, updated_at, organisation_id, url, "
    "event_kinds, description, secret_ciphertext, secret_key, secret_version) VALUES "
    "($1, now(), now(), $2, 'https://h.example/', '[\"animal.*\"]', '', '\\x00', 'local', 1)"
)
INSERT_DELIVERY = (
    "INSERT INTO webhook_delivery (id, created_at, updated_at, webhook_id, organisation_id, "
    "event_id, event_type, body, status, attempts) VALUES "
    "($1, now(), now(), $2, $3, $1, 'animal.updated', '\\x7b7d', 'pending', 0)"
)


async def _checks(hooks: Hooks) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(hooks.role_url))
    try:
        for table in TABLES:
            await assert_row_security_applies(connection, table)
        await _unscoped(connection)
        await _tenant(connection, hooks)
        await _worker(connection, hooks)
    finally:
        await connection.close()


async def _unscoped(connection: asyncpg.Connection) -> None:
    async with connection.transaction():
        for table in TABLES:
            assert await connection.fetchval(f"SELECT count(*) FROM {table}") == 0, table
        assert await _outcome(connection, "UPDATE webhook_delivery SET attempts = 99") == "UPDATE 0"
        assert await _outcome(connection, "DELETE FROM webhook_subscription") == "DELETE 0"


async def _tenant(connection: asyncpg.Connection, hooks: Hooks) -> None:
    alpha, beta = hooks.alpha, hooks.beta
    async with connection.transaction():
        await _scope(connection, "organisation_id", str(alpha))
        webhooks = await connection.fetch("SELECT id, organisation_id FROM webhook_subscription")
        assert {r["organisation_id"] for r in webhooks} == {alpha}
        assert len(webhooks) == 2
        deliveries = await connection.fetch("SELECT organisation_id FROM webhook_delivery")
        assert {r["organisation_id"] for r in deliveries} == {alpha}
        assert len(deliveries) == 2  # the delivery and its redelivery; the deleted webhook's went

        # its own rows: a webhook added, changed, deleted (each undone)
        assert await _outcome(connection, INSERT_WEBHOOK, uuid.uuid4(), alpha) == "INSERT 0 1"
        quiet = hooks.alpha_quiet
        change = "UPDATE webhook_subscription SET description = 'x' WHERE id = $1"
        assert await _outcome(connection, change, quiet) == "UPDATE 1"
        remove = "DELETE FROM webhook_subscription WHERE id = $1"
        assert await _outcome(connection, remove, quiet) == "DELETE 1"
        assert await _outcome(connection, INSERT_DELIVERY, uuid.uuid4(), quiet, alpha) == (
            "INSERT 0 1"
        )

        # another organisation's: never
        assert await _outcome(connection, INSERT_WEBHOOK, uuid.uuid4(), beta) == "refused"
        give = "UPDATE webhook_subscription SET organisation_id = $2 WHERE id = $1"
        assert await _outcome(connection, give, quiet, beta) == "refused"
        assert await _outcome(connection, remove, hooks.beta_hook) == "DELETE 0"
        assert await _outcome(connection, INSERT_DELIVERY, uuid.uuid4(), hooks.beta_hook, beta) == (
            "refused"
        )
        # a delivery names its webhook with the webhook's own organisation
        await connection.execute("SAVEPOINT mixed")
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await connection.execute(INSERT_DELIVERY, uuid.uuid4(), hooks.beta_hook, alpha)
        await connection.execute("ROLLBACK TO SAVEPOINT mixed")

        # deliveries are never changed nor removed by an organisation
        assert await _outcome(connection, "UPDATE webhook_delivery SET attempts = 99") == "UPDATE 0"
        assert await _outcome(connection, "UPDATE webhook_delivery SET body = '\\x00'") == "refused"
        assert await _outcome(connection, "DELETE FROM webhook_delivery") == "refused"

    async with connection.transaction():
        await _scope(connection, "organisation_id", str(beta))
        webhooks = await connection.fetch("SELECT organisation_id FROM webhook_subscription")
        assert [r["organisation_id"] for r in webhooks] == [beta]
        deliveries = await connection.fetch("SELECT organisation_id FROM webhook_delivery")
        assert [r["organisation_id"] for r in deliveries] == [beta]


async def _worker(connection: asyncpg.Connection, hooks: Hooks) -> None:
    async with connection.transaction():
        await _scope(connection, "worker", "webhook_delivery")
        webhooks = await connection.fetch("SELECT organisation_id FROM webhook_subscription")
        assert sorted(str(r["organisation_id"]) for r in webhooks) == sorted(
            [str(hooks.alpha), str(hooks.alpha), str(hooks.beta)]
        )
        orphans = await connection.fetchval(
            "SELECT count(*) FROM webhook_delivery WHERE webhook_id = $1", hooks.deleted
        )
        assert (orphans, await connection.fetchval("SELECT count(*) FROM webhook_delivery")) == (
            0,
            3,
        )
        # it records attempts, and nothing else
        record = "UPDATE webhook_delivery SET attempts = 7, last_error = 'x'"
        assert await _outcome(connection, record) == "UPDATE 3"
        for statement in (
            "UPDATE webhook_delivery SET event_type = 'order.paid'",
            "UPDATE webhook_delivery SET organisation_id = webhook_subscription.organisation_id "
            "FROM webhook_subscription",
            "DELETE FROM webhook_delivery",
        ):
            assert await _outcome(connection, statement) == "refused", statement
        assert await _outcome(connection, INSERT_WEBHOOK, uuid.uuid4(), hooks.alpha) == "refused"
        assert await _outcome(
            connection, INSERT_DELIVERY, uuid.uuid4(), hooks.alpha_quiet, hooks.alpha
        ) == ("refused")
        change = "UPDATE webhook_subscription SET description = 'x'"
        assert await _outcome(connection, change) == "UPDATE 0"
        assert await _outcome(connection, "DELETE FROM webhook_subscription") == "DELETE 0"
