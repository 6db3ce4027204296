"""The admin dashboard over HTTP, with repti-core behind it: signing in (platform
administrators only), the session cookie, CSRF on every form, and each page and action."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from dashboard_testkit import HOME, DashboardPlatform, csrf_of, dashboard_platform
from gdpr_platform import PASSWORD
from sqlalchemy.ext.asyncio import async_sessionmaker

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.ops.audit_trail import append_record
from reptidex.adapters.sql.ops.uptime import SqlUptimeLog
from reptidex.domain.audit import AuditRecord
from reptidex.domain.monitoring.uptime import record_sample
from reptidex.services.core.wiring import CoreComponents
from reptidex.services.kernel.app import components_of, kernel_of
from reptidex.services.kernel.settings import Settings
from reptidex.services.ops.dashboard.desk import SIGN_IN_ATTEMPTS

PAGES = ["", "/errors", "/users", "/organisations", "/flags", "/audit", "/backlogs", "/figures"]
EVIL = "<script>alert(1)</script>"


@pytest.fixture
async def platform(make_settings: Callable[..., Settings]) -> AsyncIterator[DashboardPlatform]:
    async with dashboard_platform(make_settings()) as running:
        yield running


async def keep(platform: DashboardPlatform, *records: AuditRecord) -> None:
    """Append ``records`` to ops' trail, as its consumer would."""
    engine = create_engine(platform.settings.database_url("ops"))
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            for record in records:
                await append_record(session, record)
    finally:
        await engine.dispose()


def record(
    service: str, kind: str, action: str, *, after: dict[str, object] | None = None,
    at: dt.datetime | None = None, organisation_id: uuid.UUID | None = None,
) -> AuditRecord:  # fmt: skip
    return AuditRecord(
        id=uuid.uuid4(),
        occurred_at=at or dt.datetime.now(dt.UTC),
        service=service,
        organisation_id=organisation_id,
        resource_kind=kind,
        resource_id=str(uuid.uuid4()),
        action=action,
        after=after or {"name": "x"},
    )


async def test_anonymous_visitors_are_sent_to_sign_in(platform: DashboardPlatform) -> None:
    for page in PAGES:
        response = await platform.ops.get(f"{HOME}{page}")
        assert response.status_code == 303, page
        assert response.headers["location"] == f"{HOME}/sign-in"
    posted = await platform.ops.post(f"{HOME}/users/{uuid.uuid4()}/suspend", data={})
    assert posted.status_code == 303


async def test_sign_in_page_headers_and_cookie(platform: DashboardPlatform) -> None:
    form = await platform.ops.get(f"{HOME}/sign-in")
    assert form.status_code == 200
    policy = form.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # no script allowed from anywhere
    assert "<script" not in form.text
    assert form.headers["x-frame-options"] == "DENY"
    cookie = form.headers["set-cookie"].lower()
    assert all(flag in cookie for flag in ("secure", "httponly", "samesite=strict"))
    assert "path=/admin/dashboard" in cookie


async def test_sign_in_form_without_its_token_is_403(platform: DashboardPlatform) -> None:
    await platform.account("root@example.org", admin=True)
    form = await platform.ops.get(f"{HOME}/sign-in")
    credentials = {"email": "root@example.org", "password": PASSWORD}
    missing = await platform.ops.post(f"{HOME}/sign-in", data=credentials)
    assert missing.status_code == 403
    wrong = await platform.ops.post(
        f"{HOME}/sign-in", data={**credentials, "csrf_token": csrf_of(form.text) + "x"}
    )
    assert wrong.status_code == 403
    assert "reptidex_admin=" not in wrong.headers.get("set-cookie", "")


async def test_wrong_password_and_non_admins_get_no_session(platform: DashboardPlatform) -> None:
    await platform.account("ann@example.org")
    wrong = await platform.sign_in("ann@example.org", "not-the-password-at-all")
    assert wrong.status_code == 401, wrong.text
    assert "The email address or the password is wrong." in wrong.text
    non_admin = await platform.sign_in("ann@example.org")
    assert non_admin.status_code == 403
    assert "not a platform administrator" in non_admin.text
    assert "reptidex_admin=" not in non_admin.headers.get("set-cookie", "")
    assert (await platform.ops.get(f"{HOME}/users")).status_code == 303


async def test_admin_signs_in_searches_and_suspends(platform: DashboardPlatform) -> None:
    ann = await platform.account("ann@example.org")
    await platform.account("bob@example.org")
    await platform.admin_signed_in()
    found = await platform.ops.get(f"{HOME}/users", params={"q": "ANN"})
    assert found.status_code == 200
    assert "ann@example.org" in found.text
    assert "bob@example.org" not in found.text
    assert "default-src 'none'" in found.headers["content-security-policy"]
    token = csrf_of(found.text)
    refused = await platform.ops.post(f"{HOME}/users/{ann}/suspend", data={"q": "ann"})
    assert refused.status_code == 403
    suspended = await platform.ops.post(
        f"{HOME}/users/{ann}/suspend", data={"q": "ann", "csrf_token": token}
    )
    assert suspended.status_code == 303
    page = await platform.ops.get(suspended.headers["location"])
    assert "The account is suspended" in page.text
    assert f'id="user-{ann}"' in page.text
    row = page.text.split(f'id="user-{ann}"', 1)[1].split("</tr>", 1)[0]
    assert "suspended" in row
    login = await platform.core.post(
        "/auth/login", json={"email": "ann@example.org", "password": PASSWORD}
    )
    assert login.status_code == 403
    reinstated = await platform.ops.post(
        f"{HOME}/users/{ann}/reinstate", data={"csrf_token": token}
    )
    assert reinstated.status_code == 303
    login = await platform.core.post(
        "/auth/login", json={"email": "ann@example.org", "password": PASSWORD}
    )
    assert login.status_code == 200


async def test_grant_and_revoke_admin(platform: DashboardPlatform) -> None:
    ann = await platform.account("ann@example.org")
    await platform.admin_signed_in()
    token = await platform.csrf()
    granted = await platform.ops.post(f"{HOME}/users/{ann}/grant-admin", data={"csrf_token": token})
    assert granted.status_code == 303
    page = await platform.ops.get(granted.headers["location"])
    assert "now a platform administrator" in page.text
    row = page.text.split(f'id="user-{ann}"', 1)[1].split("</tr>", 1)[0]
    assert ">admin<" in row
    revoked = await platform.ops.post(
        f"{HOME}/users/{ann}/revoke-admin", data={"csrf_token": token}
    )
    assert revoked.status_code == 303
    unknown = await platform.ops.post(f"{HOME}/users/{ann}/delete", data={"csrf_token": token})
    assert unknown.status_code == 404


async def test_acting_on_your_own_account_is_refused(platform: DashboardPlatform) -> None:
    own = await platform.admin_signed_in()
    token = await platform.csrf()
    response = await platform.ops.post(f"{HOME}/users/{own}/suspend", data={"csrf_token": token})
    assert response.status_code == 409
    assert "own account" in response.text
    assert 'id="signed-in-as"' in response.text  # the error page keeps the menu


async def test_output_is_escaped(platform: DashboardPlatform) -> None:
    registered = await platform.core.post(
        "/auth/register",
        json={"email": "evil@example.org", "password": PASSWORD, "display_name": EVIL},
    )
    assert registered.status_code == 202
    await platform.admin_signed_in()
    page = await platform.ops.get(f"{HOME}/users", params={"q": "evil"})
    assert EVIL not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_organisations_page(platform: DashboardPlatform) -> None:
    await platform.admin_signed_in()
    login = await platform.core.post(
        "/auth/login", json={"email": "root@example.org", "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (
        await platform.core.post("/orgs/", json={"name": "Sunny Scales"}, headers=headers)
    ).is_success
    page = await platform.ops.get(f"{HOME}/organisations", params={"q": "sunny"})
    assert page.status_code == 200
    assert "Sunny Scales" in page.text


async def test_health_shows_every_service_graded_and_bounded(platform: DashboardPlatform) -> None:
    await platform.admin_signed_in()
    page = await platform.ops.get(HOME)
    assert page.status_code == 200
    assert '<p id="platform-status" class="status-red">' in page.text
    table = page.text.split('<table id="health">', 1)[1].split("</table>", 1)[0]
    rows = {
        chunk.split("<td>", 1)[1].split("</td>", 1)[0]: chunk
        for chunk in table.split('<tr class="status-')[1:]
    }
    assert set(rows) == {"core", "animal", "commerce", "media", "community", "ops"}
    assert rows["core"].startswith("green")
    assert rows["animal"].startswith("red")
    assert "cannot connect: animal is down" in rows["animal"]
    assert rows["ops"].startswith("amber")  # its peers but core are down; its database works
    assert "<strong>database</strong>: ok" in rows["ops"]


async def test_health_shows_uptime_per_day(platform: DashboardPlatform) -> None:
    await platform.admin_signed_in()
    now = dt.datetime.now(dt.UTC)
    engine = create_engine(platform.settings.database_url("ops"))
    try:
        log = SqlUptimeLog(async_sessionmaker(engine))
        for light in ("green", "amber", "red", "green"):  # 3 of 4 up
            await record_sample(log, now, {"core": light}, 90)
        await record_sample(log, now - dt.timedelta(days=1), {"core": "red"}, 90)
    finally:
        await engine.dispose()
    page = await platform.ops.get(HOME)
    assert page.status_code == 200
    table = page.text.split('<table id="uptime">', 1)[1].split("</table>", 1)[0]
    rows = {row.split("<td>", 2)[1].split("</td>")[0]: row for row in table.split("<tr>")[2:]}
    assert list(rows) == ["core", "animal", "commerce", "media", "community", "ops"]
    cells = [c.split("</td>")[0] for c in rows["core"].split("<td>")[2:]]
    assert cells[0] == "60.00 %"  # 3 of 5 over the 14 days
    assert cells[-2:] == ["0.0", "75.0"]  # yesterday, today
    assert set(cells[1:-2]) == {"–"}  # no samples
    assert "–" in rows["animal"]


async def test_recent_errors_of_every_service_filtered_by_service(
    platform: DashboardPlatform,
) -> None:
    await platform.admin_signed_in()
    core_errors = kernel_of(platform.core_app).errors
    for request_id in ("req-1", "req-2"):  # a repeat: one row, counted twice
        core_errors.record(
            LookupError(f"no row for {EVIL} password=hunter2"),
            route="/orgs/{organisation_id}",
            method="GET",
            request_id=request_id,
        )
    kernel_of(platform.ops.app).errors.record(
        RuntimeError("ops broke"), route="/audit/logs", method="GET", request_id="req-ops"
    )
    page = await platform.ops.get(f"{HOME}/errors")
    assert page.status_code == 200
    table = page.text.split('<table id="errors">', 1)[1]
    rows = table.split("<tr>")[2:]
    assert len(rows) == 2
    assert "ops broke" in rows[0]  # the most recently seen first
    core_row = rows[1]
    assert "<strong>LookupError</strong>" in core_row
    assert "GET /orgs/{organisation_id}" in core_row
    assert "<td>2</td>" in core_row
    assert "req-2" in core_row
    assert "hunter2" not in page.text
    assert EVIL not in page.text
    assert "animal: errors not readable" in page.text  # unreachable, said so
    only_core = await platform.ops.get(f"{HOME}/errors", params={"service": "core"})
    assert "LookupError" in only_core.text
    assert "ops broke" not in only_core.text
    assert "animal" not in only_core.text.split("</select>", 1)[1]
    bad = await platform.ops.get(f"{HOME}/errors", params={"service": "nowhere"})
    assert bad.status_code in (400, 422)


async def test_flags_are_listed_and_switched(platform: DashboardPlatform) -> None:
    await platform.admin_signed_in()
    login = await platform.core.post(
        "/auth/login", json={"email": "root@example.org", "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    created = await platform.core.post(
        "/config/flags/", json={"key": "new-pedigree", "description": "Charts"}, headers=headers
    )
    assert created.status_code == 201, created.text
    page = await platform.ops.get(f"{HOME}/flags")
    assert "new-pedigree" in page.text
    token = csrf_of(page.text)
    missing = await platform.ops.post(f"{HOME}/flags/new-pedigree", data={"enabled": "true"})
    assert missing.status_code == 403
    switched = await platform.ops.post(
        f"{HOME}/flags/new-pedigree", data={"enabled": "true", "csrf_token": token}
    )
    assert switched.status_code == 303
    flag = await platform.core.get("/config/flags/new-pedigree", headers=headers)
    assert flag.json()["flag"]["enabled"] is True


async def test_audit_trail_with_filters(platform: DashboardPlatform) -> None:
    alpha = uuid.uuid4()
    await keep(
        platform,
        record("animal", "animal", "created", organisation_id=alpha, after={"name": EVIL}),
        record("commerce", "listing", "created"),
    )
    await platform.admin_signed_in()
    everything = await platform.ops.get(f"{HOME}/audit")
    assert "2 records" in everything.text
    assert EVIL not in everything.text
    narrowed = await platform.ops.get(
        f"{HOME}/audit", params={"service": "animal", "organisation_id": str(alpha)}
    )
    assert "1 records" in narrowed.text
    assert "listing" not in narrowed.text.split("<tbody>", 1)[1]
    bad = await platform.ops.get(f"{HOME}/audit", params={"actor_id": "not-an-id"})
    assert bad.status_code == 422
    assert "Actor is not an id" in bad.text


async def test_backlogs_page(platform: DashboardPlatform) -> None:
    await platform.admin_signed_in()
    page = await platform.ops.get(f"{HOME}/backlogs")
    assert page.status_code == 200
    outboxes = page.text.split('id="outboxes"', 1)[1].split("</table>", 1)[0]
    ops_row = outboxes.split("<td>ops</td>", 1)[1].split("</tr>", 1)[0]
    assert "<td>0</td>" in ops_row  # its own relay: nothing pending
    assert "ConnectError" in outboxes.split("<td>animal</td>", 1)[1].split("</tr>", 1)[0]
    assert "in-process bus" in page.text


async def test_business_figures_per_day(platform: DashboardPlatform) -> None:
    day = dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC)
    await keep(
        platform,
        record("core", "organisation", "created", at=day),
        record("animal", "animal", "created", at=day),
        record("animal", "animal", "created", at=day),
        record("commerce", "order", "place", at=day),
        record(
            "commerce",
            "payment",
            "succeeded",
            at=day,
            after={"amount_amount": 15000, "currency": "EUR"},
        ),
        record("animal", "animal", "created", at=day - dt.timedelta(days=1)),
    )
    await platform.admin_signed_in()
    page = await platform.ops.get(
        f"{HOME}/figures", params={"since": "2026-11-30", "until": "2026-11-30"}
    )
    assert page.status_code == 200
    row = page.text.split("<td>2026-11-30</td>", 1)[1].split("</tr>", 1)[0]
    cells = [cell.split("</td>")[0] for cell in row.split("<td>")[1:]]
    assert cells == ["0", "1", "2", "0", "1", "150.00"]
    reversed_span = await platform.ops.get(
        f"{HOME}/figures", params={"since": "2026-12-01", "until": "2026-11-30"}
    )
    assert reversed_span.status_code == 422


async def test_sign_out_ends_the_session(platform: DashboardPlatform) -> None:
    await platform.admin_signed_in()
    token = await platform.csrf()
    refused = await platform.ops.post(f"{HOME}/sign-out", data={})
    assert refused.status_code == 403
    out = await platform.ops.post(f"{HOME}/sign-out", data={"csrf_token": token})
    assert out.status_code == 303
    assert out.headers["location"] == f"{HOME}/sign-in"
    assert (await platform.ops.get(f"{HOME}/users")).status_code == 303


async def test_sign_in_attempts_are_limited_per_address(platform: DashboardPlatform) -> None:
    # Not an address: core refuses it before its own per-account backoff, so ops' limit shows.
    statuses = [
        (await platform.sign_in("not-an-address", "not-the-password-at-all")).status_code
        for _ in range(SIGN_IN_ATTEMPTS)
    ]
    assert statuses == [401] * SIGN_IN_ATTEMPTS
    refused = await platform.sign_in("not-an-address", "not-the-password-at-all")
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.text
    assert int(refused.headers["retry-after"]) > 0


async def test_pages_are_not_in_the_openapi_document(platform: DashboardPlatform) -> None:
    schema = await platform.ops.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert not [path for path in schema.json()["paths"] if path.startswith("/admin/dashboard")]
    assert "/audit/logs" in schema.json()["paths"]


@pytest.fixture
async def short_tokens(
    make_settings: Callable[..., Settings],
) -> AsyncIterator[DashboardPlatform]:
    """Access tokens of 30 s: each dashboard request refreshes its session's token at core."""
    async with dashboard_platform(make_settings(access_token_ttl="30")) as running:
        yield running


async def test_a_revoked_right_ends_the_session_at_the_next_refresh(
    short_tokens: DashboardPlatform,
) -> None:
    platform = short_tokens
    await platform.admin_signed_in()
    assert (await platform.ops.get(f"{HOME}/users")).status_code == 200  # refreshed, still admin
    accounts = components_of(platform.core_app, CoreComponents).identity.accounts
    await accounts.set_platform_admin("root@example.org", False)
    refused = await platform.ops.get(f"{HOME}/users")
    assert refused.status_code == 403
    assert "not a platform administrator" in refused.text
    assert (await platform.ops.get(f"{HOME}/users")).status_code == 303  # the session is gone


async def test_a_suspended_administrator_is_signed_out(short_tokens: DashboardPlatform) -> None:
    platform = short_tokens
    await platform.admin_signed_in()
    await platform.account("other@example.org", admin=True)
    login = await platform.core.post(
        "/auth/login", json={"email": "other@example.org", "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    root = (await platform.core.get("/admin/users", params={"q": "root"}, headers=headers)).json()
    suspended = await platform.core.put(
        f"/admin/users/{root['items'][0]['id']}/suspension", headers=headers
    )
    assert suspended.status_code == 200, suspended.text
    response = await platform.ops.get(f"{HOME}/users")
    assert response.status_code == 303
    assert response.headers["location"] == f"{HOME}/sign-in"
