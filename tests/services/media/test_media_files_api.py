"""repti-media files over HTTP: upload, sniffing, limits, EXIF, thumbnails, dedupe, delivery
(ETag, Range, cache headers), privacy and signed URLs, deletion."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from media_testkit import FixedPlans, Member, gps_exif, media_client, photo
from PIL import Image

from reptidex.adapters.plans.core_http import CorePlanSource
from reptidex.domain.errors import PlanUnknown
from reptidex.domain.events.envelope import DomainEvent
from reptidex.services.kernel.app import components_of, kernel_of
from reptidex.services.kernel.settings import Settings
from reptidex.services.media.wiring import MediaComponents

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_upload_strips_gps_exif_and_makes_thumbnails(member: Member) -> None:
    original = photo((800, 600), exif=gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the input has GPS
    response = member.upload(original, "snake.jpg", visibility="private")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["content_type"] == "image/jpeg"
    assert (body["width"], body["height"]) == (800, 600)
    assert [t["size"] for t in body["thumbnails"]] == [128, 256, 512]
    stored = member.get(body["url"])
    assert stored.status_code == 200
    assert stored.headers["content-type"].startswith("image/jpeg")
    image = Image.open(io.BytesIO(stored.content))
    assert not image.getexif()
    assert b"SnakeCam" not in stored.content
    assert b"Exif" not in stored.content
    thumb = member.get(body["thumbnails"][1]["url"])
    assert thumb.status_code == 200
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 256


def test_type_is_sniffed_not_trusted(member: Member) -> None:
    png = photo(kind="PNG")
    response = member.upload(png, "looks-like.jpg")
    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"
    pdf = member.upload(PDF, "papers.pdf")
    assert pdf.status_code == 201
    assert pdf.json()["content_type"] == "application/pdf"
    assert pdf.json()["thumbnails"] == []
    assert member.get(pdf.json()["url"]).content == PDF


def test_svg_unknown_broken_and_empty_uploads_are_refused(member: Member) -> None:
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'
    for content, reason in [
        (svg, "SVG"),
        (b"MZ\x90\x00 not an image", "not a JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "does not decode"),
    ]:
        response = member.upload(content, "x.png")
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert reason in response.json()["detail"]
    empty = member.upload(b"", "empty.jpg")
    assert empty.status_code == 422, empty.status_code
    missing = member.client.post("/upload", data={"visibility": "public"}, headers=member.headers)
    # no file part: the form is refused whole, with no field error to carry (those are 422)
    assert missing.status_code == 400, missing.status_code
    assert "errors" not in missing.json() or not missing.json()["errors"]
    assert missing.headers["content-type"].startswith("application/problem+json")
    bad = member.upload(photo(), visibility="everyone")
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_size_limit_per_type(member: Member) -> None:
    big_gif = b"GIF89a" + b"\x00" * (10 * 1024 * 1024 + 10)
    response = member.upload(big_gif, "big.gif")
    assert response.status_code == 413
    assert "10 MiB" in response.json()["detail"]
    huge = b"%PDF-" + b"0" * (27 * 1024 * 1024)
    assert member.upload(huge, "huge.pdf").status_code == 413


def test_uploading_needs_a_member_token(client: TestClient[Litestar]) -> None:
    anonymous = client.post("/upload", files={"file": ("a.jpg", photo(), "image/jpeg")})
    assert anonymous.status_code == 401
    viewer = Member(client, role="viewer")
    assert viewer.upload(photo()).status_code == 403


def test_identical_bytes_are_stored_once_per_organisation(
    member: Member, client: TestClient[Litestar], tmp_path: Path
) -> None:
    content = photo()
    first = member.upload(content).json()
    second = member.upload(content).json()
    assert first["id"] != second["id"]
    assert (first["deduplicated"], second["deduplicated"]) == (False, True)
    assert first["sha256"] == second["sha256"]
    other = Member(client).upload(content).json()
    assert other["deduplicated"] is False
    media_root = tmp_path / "data" / "media"
    originals = [p for p in media_root.rglob("*.jpg") if p.name.count(".") == 1]
    assert len(originals) == 2  # one per organisation

    # deleting one record keeps the bytes the other still uses
    assert member.client.delete(f"/media/{first['id']}", headers=member.headers).status_code == 204
    assert member.get(f"/media/{first['id']}").status_code == 404
    assert member.get(f"/media/{second['id']}").status_code == 200
    assert member.client.delete(f"/media/{second['id']}", headers=member.headers).status_code == 204
    assert len([p for p in media_root.rglob("*") if p.is_file()]) == 4  # only the other org's
    assert member.client.delete(f"/media/{second['id']}", headers=member.headers).status_code == 404


def test_etag_last_modified_and_conditional_requests(member: Member) -> None:
    body = member.upload(photo()).json()
    first = member.get(body["url"])
    assert first.headers["etag"] == f'"{body["sha256"]}"'
    assert first.headers["accept-ranges"] == "bytes"
    assert first.headers["cache-control"] == "private, max-age=300"
    assert first.headers["last-modified"].endswith("GMT")
    assert member.get(body["url"], **{"If-None-Match": first.headers["etag"]}).status_code == 304
    later = member.get(body["url"], **{"If-Modified-Since": first.headers["last-modified"]})
    assert later.status_code == 304
    assert member.get(body["url"], **{"If-None-Match": '"other"'}).status_code == 200


def test_range_requests(member: Member) -> None:
    body = member.upload(photo((1200, 900))).json()
    whole = member.get(body["url"]).content
    size = len(whole)
    part = member.get(body["url"], Range="bytes=10-99")
    assert part.status_code == 206
    assert part.content == whole[10:100]
    assert part.headers["content-range"] == f"bytes 10-99/{size}"
    tail = member.get(body["url"], Range="bytes=-16")
    assert tail.status_code == 206
    assert tail.content == whole[-16:]
    open_ended = member.get(body["url"], Range=f"bytes={size - 5}-")
    assert open_ended.content == whole[-5:]
    outside = member.get(body["url"], Range=f"bytes={size}-")
    assert outside.status_code == 416
    assert outside.headers["content-range"] == f"bytes */{size}"
    assert outside.headers["content-type"].startswith("application/problem+json")
    multi = member.get(body["url"], Range="bytes=0-1,4-5")
    assert multi.status_code == 200
    assert multi.content == whole
    stale = member.get(body["url"], Range="bytes=0-9", **{"If-Range": '"stale"'})
    assert stale.status_code == 200


def test_private_files_need_the_organisation_or_a_signed_url(
    member: Member, client: TestClient[Litestar]
) -> None:
    body = member.upload(photo(), visibility="private").json()
    assert client.get(body["url"]).status_code == 404
    assert Member(client).get(body["url"]).status_code == 404
    signed = client.post(f"{body['url']}/signed-url?ttl=60", headers=member.headers)
    assert signed.status_code == 201, signed.text
    url = signed.json()["url"]
    delivered = client.get(url)
    assert delivered.status_code == 200
    assert delivered.headers["content-type"].startswith("image/jpeg")
    assert delivered.content == member.get(body["url"]).content  # the file's own bytes
    assert Image.open(io.BytesIO(delivered.content)).size == (body["width"], body["height"])
    assert client.get(url.replace("signature=", "signature=0")).status_code == 401
    assert client.get(url.replace("signature=", "signature=%C3%A9")).status_code == 401
    file_id = uuid.UUID(body["id"])
    signer = components_of(client.app, MediaComponents).adapters.signer
    expired = int(time.time()) - 1
    stale = (
        f"/media/{file_id}?expires={expired}&signature={signer.sign(file_id, 'original', expired)}"
    )
    assert client.get(stale).status_code == 401
    assert client.get(f"/media/{file_id}?expires=1").status_code == 422
    thumb = client.get(url.replace("variant=original", "variant=thumb-128"))
    assert thumb.status_code == 401  # the signature covers the variant
    assert (
        Member(client)
        .client.post(f"{body['url']}/signed-url", headers=Member(client).headers)
        .status_code
        == 404
    )


def test_a_signed_url_delivers_the_exact_bytes_of_a_private_file(
    member: Member, client: TestClient[Litestar]
) -> None:
    body = member.upload(PDF, "papers.pdf", visibility="private").json()  # stored verbatim
    signed = client.post(f"{body['url']}/signed-url?ttl=60", headers=member.headers)
    assert signed.status_code == 201, signed.text
    delivered = client.get(signed.json()["url"])
    assert delivered.status_code == 200
    assert delivered.headers["content-type"].startswith("application/pdf")
    assert delivered.content == PDF


def test_public_files_are_open_and_cacheable(member: Member, client: TestClient[Litestar]) -> None:
    body = member.upload(photo(), visibility="public").json()
    response = client.get(body["url"])
    assert response.status_code == 200
    assert "public" in response.headers["cache-control"]
    assert client.get(f"{body['url']}/info").json()["id"] == body["id"]
    assert client.get(f"/media/{uuid.uuid4()}").status_code == 404
    bad_id = client.get("/media/not-a-uuid")  # no route matches a path id that is no UUID
    assert bad_id.status_code == 404, bad_id.status_code
    assert client.get(f"{body['url']}?variant=thumb-999").status_code == 422


def test_upload_and_delete_publish_events(
    make_settings: Callable[..., Settings],
) -> None:
    seen: list[DomainEvent] = []

    async def collect(event: DomainEvent) -> None:
        seen.append(event)

    test_client = media_client(make_settings())
    kernel_of(test_client.app).events.subscribe("file.*", collect)
    with test_client:
        member = Member(test_client)
        body = member.upload(photo(), visibility="public").json()
        test_client.delete(body["url"], headers=member.headers)
        deadline = time.monotonic() + 5
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert [e.type for e in seen] == ["file.uploaded", "file.deleted"]
    assert seen[0].payload["file_id"] == body["id"]
    assert seen[0].payload["visibility"] == "public"
    assert seen[0].organisation_id == member.organisation_id
    assert seen[1].payload["bytes_removed"] is True


def test_openapi_documents_the_file_endpoints(client: TestClient[Litestar]) -> None:
    schema = client.get("/schema/openapi.json").json()
    assert {"/upload", "/media/{file_id}", "/media/{file_id}/signed-url"} <= set(schema["paths"])
    fetch = schema["paths"]["/media/{file_id}"]["get"]
    assert {"206", "304", "416"} <= set(fetch["responses"])
    upload = schema["paths"]["/upload"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    # A public file needs no token; one that is sent is verified: the token is optional.
    optional: list[dict[str, list[str]]] = [{}, {"bearer": []}]
    assert fetch["security"] == optional
    assert schema["paths"]["/media/{file_id}/info"]["get"]["security"] == optional
    assert upload["security"] == [{"bearer": []}]


def test_files_on_postgresql(
    make_settings: Callable[..., Settings], postgres_database: str
) -> None:
    with media_client(make_settings(media_database_url=postgres_database)) as test_client:
        member = Member(test_client)
        content = photo()
        first = member.upload(content, visibility="public").json()
        second = member.upload(content).json()
        assert second["deduplicated"] is True
        assert test_client.get(first["url"], headers={"Range": "bytes=0-3"}).content[:2] == (
            b"\xff\xd8"
        )
        assert test_client.get(second["url"]).status_code == 404  # private
        for body in (first, second):
            deleted = test_client.delete(body["url"], headers=member.headers)
            assert deleted.status_code == 204
        assert test_client.get(first["url"]).status_code == 404


def test_files_in_s3_when_configured(
    make_settings: Callable[..., Settings], s3_endpoint: str
) -> None:
    import boto3

    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket="reptidex-files"
    )
    settings = make_settings(
        blob_store="s3",
        s3_bucket="reptidex-files",
        s3_prefix="media",
        s3_endpoint_url=s3_endpoint,
        s3_region="us-east-1",
    )
    with media_client(settings) as test_client:
        member = Member(test_client)
        body = member.upload(photo(), visibility="public").json()
        assert test_client.get(body["url"], headers={"Range": "bytes=0-1"}).content == b"\xff\xd8"
        listed = boto3.client(
            "s3", endpoint_url=s3_endpoint, region_name="us-east-1"
        ).list_objects_v2(Bucket="reptidex-files", Prefix=f"media/{member.organisation_id.hex}/")
        assert listed["KeyCount"] == 4  # the image and three thumbnails
    assert not (settings.data_dir / "media").exists()


def test_plan_limits(make_settings: Callable[..., Settings]) -> None:
    with media_client(make_settings(), plans=FixedPlans("free")) as test_client:
        member = Member(test_client)
        gif = b"GIF89a" + b"\x00" * (6 * 1024 * 1024)
        refused = member.upload(gif, "big.gif")
        assert refused.status_code == 413
        assert "5 MiB on the free plan" in refused.json()["detail"]
        assert member.upload(photo(), "small.jpg").status_code == 201
    with media_client(make_settings(), plans=FixedPlans("breeder")) as test_client:
        refused = Member(test_client).upload(gif, "big.gif")
        assert refused.status_code == 422  # within the breeder's 10 MiB: it is decoded, and fails
        assert "does not decode" in refused.json()["detail"]


class CorePeer:
    def __init__(self, *answers: httpx.Response | Exception, billing: bool = True) -> None:
        self.billing = billing
        self.answers = list(answers)
        self.calls: list[dict[str, object]] = []

    async def get(self, service: str, path: str, **kwargs: object) -> httpx.Response:
        assert service == "core"
        if path == "/billing/plans":
            return httpx.Response(200, json={"billing_enabled": self.billing, "plans": []})
        assert path == "/config/features"
        self.calls.append(kwargs)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_core_plan_source_reads_and_remembers_the_plan() -> None:
    organisation = uuid.uuid4()
    peer = CorePeer(httpx.Response(200, json={"plan": "keeper", "entitlements": {}}))
    now = [0.0]
    plans = CorePlanSource(lambda: peer, ttl=60, clock=lambda: now[0])
    assert await plans.plan_of(organisation, "token") == "keeper"
    assert await plans.plan_of(organisation, "token") == "keeper"
    assert len(peer.calls) == 1
    assert peer.calls[0]["headers"] == {"Authorization": "Bearer token"}
    now[0] = 61
    peer.answers += [httpx.ConnectError("down"), httpx.Response(401), httpx.Response(200, json={})]
    for _ in range(3):  # cannot be told: refused (fail closed), and not remembered
        with pytest.raises(PlanUnknown):
            await plans.plan_of(organisation, "token")
    with pytest.raises(PlanUnknown):  # no token to ask with
        await CorePlanSource(lambda: peer).plan_of(organisation, None)
    off = CorePeer(billing=False)  # billing switched off: no plan restricts anything
    assert await CorePlanSource(lambda: off).plan_of(organisation, "token") is None
    assert await CorePlanSource(lambda: off).plan_of(organisation, None) is None
    assert off.calls == []
    for answer in (httpx.Response(503), httpx.ConnectError("down")):  # billing's status unknown
        with pytest.raises(PlanUnknown):
            await CorePlanSource(partial(UnknownBilling, answer)).plan_of(organisation, "token")


class UnknownBilling:
    """A repti-core whose ``/billing/plans`` answers ``answer`` (raised when an exception)."""

    def __init__(self, answer: httpx.Response | Exception) -> None:
        self.answer = answer

    async def get(self, service: str, path: str, **kwargs: object) -> httpx.Response:
        assert (service, path) == ("core", "/billing/plans")
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_plan_limited_actions_are_refused_while_the_plan_cannot_be_told(
    make_settings: Callable[..., Settings],
) -> None:
    unknown = FixedPlans(PlanUnknown("The plan cannot be told just now.", retry_after=30))
    with media_client(make_settings(), plans=unknown) as test_client:
        member = Member(test_client)
        refused = member.upload(b"%PDF-" + b"0" * (11 * 1024 * 1024), "big.pdf")
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.headers["retry-after"] == "30"
        assert "at most 10 MiB is accepted" in refused.json()["detail"]
        assert member.upload(photo(), "small.jpg").status_code == 201
