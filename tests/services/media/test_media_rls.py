"""repti-media's tenant tables under row-level security, as its non-owner role: first through
the API (uploads, signed URLs, widget settings and views, the GDPR port), then by connecting
as the role. An organisation reads and changes its own files, anyone reads public ones, a
checked signed URL reads its one file; widget settings are read by anyone and written by
their organisation; a widget shown counts views of its organisation alone. Every policy is
needed: loosened in turn (``rls_mutation``), each fails the direct checks."""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar.testing import TestClient
from media_testkit import (
    Breeding,
    EveryAnimal,
    FixedPlans,
    Member,
    eventually,
    media_token,
    photo,
)

from core_tokens import StaticKeys
from reptidex.services.kernel.app import components_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import load_settings
from reptidex.services.media.app import create_app
from reptidex.services.media.wiring import MediaComponents
from rls_mutation import non_owner_database, require_policies_needed
from service_database import assert_row_security_applies, asyncpg_dsn, statement_outcome

TABLES = ("media_file", "media_embed_settings", "media_embed_view")


@dataclass(frozen=True)
class Files:
    """Two organisations' files, widget settings and views, made through the API as the
    role."""

    owner_url: str
    role_url: str
    alpha: uuid.UUID
    beta: uuid.UUID
    alpha_private: uuid.UUID
    beta_private: uuid.UUID
    beta_public: uuid.UUID
    uploader: uuid.UUID
    """Who uploaded every file (the GDPR port's subject)."""

    async def checks(self) -> None:
        """The direct checks on this data."""
        await _direct_checks(self)


def _settings(database_url: str, data_dir: Path) -> Any:
    return load_settings(
        {
            "REPTIDEX_DATA_DIR": str(data_dir),
            "REPTIDEX_LOG_FORMAT": "json",
            "REPTIDEX_MEDIA_DATABASE_URL": database_url,
            "REPTIDEX_DATABASE_OWNER_ALLOWED": "true",
        }
    )


def _through_the_api(client: TestClient[Any], uploader: uuid.UUID) -> dict[str, uuid.UUID]:
    """The data, made and read through the API; returns the ids the direct checks need."""
    alpha, beta = Member(client), Member(client)  # organisations exist in tokens alone
    user = {"sub": str(uploader)}
    alpha_headers = _headers(alpha.organisation_id, **user)
    beta_headers = _headers(beta.organisation_id, **user)

    def upload(headers: dict[str, str], visibility: str, size: tuple[int, int]) -> uuid.UUID:
        answer = client.post(
            "/upload",
            files={"file": ("photo.jpg", photo(size), "application/octet-stream")},
            data={"visibility": visibility},
            headers=headers,
        )
        assert answer.status_code == 201, answer.text
        return uuid.UUID(answer.json()["id"])

    alpha_private = upload(alpha_headers, "private", (64, 48))
    alpha_gone = upload(alpha_headers, "private", (65, 48))
    beta_private = upload(beta_headers, "private", (66, 48))
    beta_public = upload(beta_headers, "public", (67, 48))

    info = "/media/{}/info"
    assert client.get(info.format(alpha_private), headers=alpha_headers).status_code == 200
    assert client.get(info.format(alpha_private), headers=beta_headers).status_code == 404
    assert client.get(info.format(alpha_private)).status_code == 404
    assert client.get(info.format(beta_public), headers=alpha_headers).status_code == 200
    assert client.get(info.format(beta_public)).status_code == 200

    signed = client.post(f"/media/{alpha_private}/signed-url", headers=alpha_headers)
    assert signed.status_code == 201, signed.text
    url = signed.json()["url"]
    fetched = client.get(url)  # anonymous: the signature alone admits the record
    assert fetched.status_code == 200, fetched.text
    assert fetched.headers["content-type"].startswith("image/")
    forged = url[: -len("0000")] + "0000"
    assert client.get(forged).status_code == 401
    assert client.get(f"/media/{alpha_private}").status_code == 404  # no signature, no token

    assert client.delete(f"/media/{beta_private}", headers=alpha_headers).status_code == 404
    assert client.delete(f"/media/{alpha_gone}", headers=alpha_headers).status_code == 204

    admin = _headers(alpha.organisation_id, role="admin")
    origins = {"allowed_origins": ["https://alpha.example"]}
    assert client.put("/embed/settings", json=origins, headers=admin).status_code == 200
    beta_viewer = _headers(beta.organisation_id, role="viewer")
    assert client.get("/embed/settings", headers=beta_viewer).json() == {"allowed_origins": []}

    for organisation in (alpha.organisation_id, beta.organisation_id):
        breeding = Breeding(client)
        breeding.organisation_id = organisation
        profile = f"/embed/profile/{breeding.animal(f'Shown {organisation.hex[:4]}')}"
        eventually(functools.partial(_shown, client, profile))
        client.get(profile)
    alpha_viewer = _headers(alpha.organisation_id, role="viewer")
    for headers in (alpha_viewer, beta_viewer):
        views = client.get("/embed/stats", headers=headers).json()["views"]
        assert [v["views"] for v in views] == [2]  # its own widget's views alone

    personal_data = components_of(client.app, MediaComponents).personal_data
    with client.portal() as portal:
        exported = portal.call(personal_data.export, uploader)
    assert len(exported["uploads"]) == 3  # of both organisations
    return {
        "alpha": alpha.organisation_id,
        "beta": beta.organisation_id,
        "alpha_private": alpha_private,
        "beta_private": beta_private,
        "beta_public": beta_public,
    }


def _shown(client: TestClient[Any], url: str) -> bool:
    return bool(client.get(url).status_code == 200)


def _headers(organisation: uuid.UUID, role: str = "member", **claims: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {media_token(organisation, role, **claims)}"}


@pytest.fixture(scope="module")
def files(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Files]:
    """The module's data, set up once through the API as the role."""
    uploader = uuid.uuid4()
    with non_owner_database(postgres_server, "media") as (owner_url, role_url):
        settings = _settings(role_url, tmp_path_factory.mktemp("data"))
        app = create_app(
            settings,
            authenticator=Authenticator(StaticKeys()),
            plans=FixedPlans(),
            animals=EveryAnimal(),
            backfill_on_start=False,
        )
        with TestClient(app) as client:
            ids = _through_the_api(client, uploader)
        yield Files(owner_url, role_url, uploader=uploader, **ids)


def test_isolation_through_the_api_and_directly(files: Files) -> None:
    asyncio.run(files.checks())


def test_every_policy_is_needed(files: Files) -> None:
    result = asyncio.run(require_policies_needed(files.owner_url, files.checks, tables=TABLES))
    # 14 policy expressions (the settings' read admits all: nothing to loosen) and 3 tables
    assert (len(result.killed), len(result.survived)) == (17, 0), result


async def _outcome(
    connection: asyncpg.Connection, statement: str, *args: Any, **settings: uuid.UUID | str
) -> Any:
    return await statement_outcome(connection, statement, *args, settings=settings)


async def _direct_checks(data: Files) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(data.role_url))
    try:
        for table in TABLES:
            await assert_row_security_applies(connection, table)
        await _files(connection, data)
        await _settings_rows(connection, data)
        await _views(connection, data)
    finally:
        await connection.close()


async def _files(connection: asyncpg.Connection, data: Files) -> None:
    alpha, beta = {"organisation_id": data.alpha}, {"organisation_id": data.beta}
    count = "SELECT count(*) FROM media_file"
    assert await _outcome(connection, count, **alpha) == 2  # its private one, beta's public one
    assert await _outcome(connection, count, **beta) == 2  # its two
    assert await _outcome(connection, count) == 1  # the public one
    signed = await _outcome(connection, count, signed_file=data.alpha_private)
    assert signed == 2  # the public one and the signed one
    assert await _outcome(connection, count, worker="personal_data") == 3
    insert = (
        "INSERT INTO media_file (id, organisation_id, filename, content_type, size, sha256, "
        "source_sha256, blob_key, visibility, thumbnails, created_at, updated_at) VALUES "
        "(gen_random_uuid(), $1, 'x.png', 'image/png', 1, 'a', 'a', 'k', 'private', '[]', "
        "now(), now())"
    )
    assert await _outcome(connection, insert, data.beta, **alpha) == "refused"
    assert await _outcome(connection, insert, data.alpha, **alpha) == "INSERT 0 1"
    assert await _outcome(connection, insert, data.alpha) == "refused"
    forget = "UPDATE media_file SET uploaded_by = NULL WHERE organisation_id = $1"
    assert await _outcome(connection, forget, data.beta, **alpha) == "UPDATE 0"
    assert await _outcome(connection, forget, data.alpha, **alpha) == "UPDATE 1"
    assert await _outcome(connection, forget, data.beta, worker="personal_data") == "UPDATE 2"
    give = "UPDATE media_file SET organisation_id = $1"  # reads no column: no SELECT rule
    assert await _outcome(connection, give, data.beta, **alpha) == "refused"
    delete = "DELETE FROM media_file WHERE organisation_id = $1"
    assert await _outcome(connection, delete, data.beta, **alpha) == "DELETE 0"
    assert await _outcome(connection, delete, data.beta, signed_file=data.beta_private) == (
        "DELETE 0"
    )
    assert await _outcome(connection, delete, data.alpha, **alpha) == "DELETE 1"


async def _settings_rows(connection: asyncpg.Connection, data: Files) -> None:
    alpha, beta = {"organisation_id": data.alpha}, {"organisation_id": data.beta}
    count = "SELECT count(*) FROM media_embed_settings"
    assert await _outcome(connection, count) == 1  # alpha's, read by anyone
    insert = (
        "INSERT INTO media_embed_settings (id, organisation_id, allowed_origins, created_at, "
        "updated_at) VALUES (gen_random_uuid(), $1, '[]', now(), now())"
    )
    assert await _outcome(connection, insert, data.beta, **alpha) == "refused"
    assert await _outcome(connection, insert, data.beta) == "refused"
    assert await _outcome(connection, insert, data.beta, **beta) == "INSERT 0 1"
    clear = "UPDATE media_embed_settings SET allowed_origins = '[]' WHERE organisation_id = $1"
    assert await _outcome(connection, clear, data.alpha, **beta) == "UPDATE 0"
    assert await _outcome(connection, clear, data.alpha) == "UPDATE 0"
    assert await _outcome(connection, clear, data.alpha, **alpha) == "UPDATE 1"
    give = "UPDATE media_embed_settings SET organisation_id = $1"
    assert await _outcome(connection, give, data.beta, **alpha) == "refused"
    delete = "DELETE FROM media_embed_settings"
    assert await _outcome(connection, delete, **alpha) == "DELETE 0"


async def _views(connection: asyncpg.Connection, data: Files) -> None:
    alpha, beta = {"organisation_id": data.alpha}, {"organisation_id": data.beta}
    total = "SELECT coalesce(sum(views), 0) FROM media_embed_view"
    assert await _outcome(connection, total, **alpha) == 2
    assert await _outcome(connection, total, **beta) == 2
    assert await _outcome(connection, total) == 0
    assert await _outcome(connection, total, widget_views_of=data.beta) == 2
    insert = (
        "INSERT INTO media_embed_view (id, organisation_id, widget, subject_id, day, views, "
        "created_at, updated_at) VALUES (gen_random_uuid(), $1, 'profile', gen_random_uuid(), "
        "current_date, 1, now(), now())"
    )
    assert await _outcome(connection, insert, data.alpha, **alpha) == "refused"
    assert await _outcome(connection, insert, data.alpha, widget_views_of=data.beta) == "refused"
    assert await _outcome(connection, insert, data.alpha, widget_views_of=data.alpha) == (
        "INSERT 0 1"
    )
    reset = "UPDATE media_embed_view SET views = 7"  # reads no column: UPDATE's rule alone
    assert await _outcome(connection, reset, **alpha) == "UPDATE 0"
    assert await _outcome(connection, reset, widget_views_of=data.alpha) == "UPDATE 1"
    give = "UPDATE media_embed_view SET organisation_id = $1"
    assert await _outcome(connection, give, data.beta, widget_views_of=data.alpha) == "refused"
    delete = "DELETE FROM media_embed_view"
    assert await _outcome(connection, delete, widget_views_of=data.alpha) == "DELETE 0"
    assert await _outcome(connection, delete, **alpha) == "DELETE 0"
