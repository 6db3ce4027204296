"""Issue 7's acceptance, as a new user tries it: ``reptidex up`` as a real process, HTTP only.

A breeder registers, verifies, logs in and makes an organisation (repti-core), records a small
pedigree (repti-animal), uploads a photo and fetches it back with a Range request, downloads the
pedigree as SVG, PNG and PDF and the certificate (repti-media drawing repti-animal's real
lineage with the breeder's token), then opens a page served from another port that embeds the
profile card and pedigree widgets by iframe and by script tag in headless Chromium. The animal
is named ``<script>alert(1)</script>`` and must show as text, and its possible het as breeders
read it ("66% het Clown").
"""

from __future__ import annotations

import io
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from media_testkit import HostPage, chromium_report, photo, widgets_page
from PIL import Image
from pypdf import PdfReader

from chromium import CHROMIUM, require_chromium
from platform_process import clean_environment, free_port_block, running_platform

pytestmark = pytest.mark.slow

EVIL = "<script>alert(1)</script>"
EMAIL = "keeper@example.org"
PASSWORD = "warm-side-cool-side-hide"


@dataclass
class Running:
    base: int
    data_dir: Path

    def url(self, offset: int) -> str:
        return f"http://127.0.0.1:{self.base + offset}"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("media-acceptance")
    base = free_port_block()
    environ = clean_environment(
        folder / "data",
        {"REPTIDEX_LOG_LEVEL": "WARNING", "REPTIDEX_MEDIA_URL": f"http://127.0.0.1:{base + 3}"},
    )
    with running_platform(base, environ, folder / "platform.log"):
        yield Running(base, folder / "data")


def _mail_token(data_dir: Path, kind: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for path in sorted((data_dir / "mail-outbox").glob(f"*-{kind}-*.eml"), reverse=True):
            match = re.search(r"^Token: (\S+)$", path.read_text("utf-8"), re.MULTILINE)
            if match:
                return match.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no {kind} mail")


def _breeder_token(platform: Running) -> str:
    core = httpx.Client(base_url=platform.url(0), timeout=15)
    assert (
        core.post("/auth/register", json={"email": EMAIL, "password": PASSWORD}).status_code == 202
    )
    verified = core.post(
        "/auth/verify-email", json={"token": _mail_token(platform.data_dir, "verify_email")}
    )
    assert verified.status_code == 200, verified.text
    access = core.post("/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()[
        "access_token"
    ]
    headers = {"Authorization": f"Bearer {access}"}
    organisation = core.post("/orgs/", json={"name": "Scales & Tails"}, headers=headers).json()
    switched = core.post(
        "/auth/switch-organisation", json={"organisation_id": organisation["id"]}, headers=headers
    )
    assert switched.status_code == 200, switched.text
    return str(switched.json()["access_token"])


def test_a_breeder_uploads_renders_and_embeds(platform: Running, tmp_path: Path) -> None:
    token = _breeder_token(platform)
    headers = {"Authorization": f"Bearer {token}"}
    animal = httpx.Client(base_url=platform.url(1), timeout=15, headers=headers)
    media = httpx.Client(base_url=platform.url(3), timeout=30, headers=headers)

    def add(**fields: Any) -> str:
        response = animal.post(
            "/animals", json={"species": "ball_python", "visibility": "public", **fields}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    grandsire = add(name="Old Sunny", sex="male", morph="Pastel")
    sire = add(name="Sire Sunny", sex="male", sire_id=grandsire, morph="Clown")
    dam = add(name="Dam Dusk", sex="female", sire_id=grandsire, visibility="lineage_only")
    snake = add(
        name=EVIL,
        sex="female",
        sire_id=sire,
        dam_id=dam,
        hatch_date="2024-06-01",
        morph="Pastel 66% het Clown",
    )

    # a photo, fetched back whole and by range
    original = photo((1024, 768))
    uploaded = media.post(
        "/upload",
        files={"file": ("snake.jpg", original, "image/jpeg")},
        data={"visibility": "public", "animal_id": snake},
    )
    assert uploaded.status_code == 201, uploaded.text
    file_url = uploaded.json()["url"]
    whole = httpx.get(platform.url(3) + file_url).content
    part = httpx.get(platform.url(3) + file_url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == whole[100:200]

    # the pedigree from repti-animal's real lineage, in three formats, and the certificate
    svg = media.get(f"/render/pedigree/{snake}?generations=3")
    assert svg.status_code == 200, svg.text
    texts = " ".join(
        "".join(t.itertext())
        for t in ET.fromstring(svg.content).iter("{http://www.w3.org/2000/svg}text")
    )
    for name in (EVIL, "Sire Sunny", "Dam Dusk", "Old Sunny"):
        assert name in texts
    assert "repeat of" in texts
    assert b"<script>" not in svg.content
    png = media.get(f"/render/pedigree/{snake}?generations=3&format=png")
    assert Image.open(io.BytesIO(png.content)).format == "PNG"
    pdf = media.get(f"/render/pedigree/{snake}?generations=3&format=pdf")
    assert "Sire Sunny" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    certificate = media.get(f"/render/certificate/{snake}?paper=letter")
    assert certificate.status_code == 200, certificate.text
    text = PdfReader(io.BytesIO(certificate.content)).pages[0].extract_text()
    assert "Certificate of Pedigree" in text
    assert f"/embed/profile/{snake}" in text
    assert "Scales & Tails" in text  # breeder and keeper, named by repti-core

    # the widgets, fed by repti-animal's events, on another site in Chromium
    deadline = time.monotonic() + 15
    while "Dam Dusk" not in httpx.get(f"{platform.url(3)}/embed/pedigree/{snake}").text:
        assert time.monotonic() < deadline, "the animal events did not reach repti-media"
        time.sleep(0.1)
    profile = httpx.get(f"{platform.url(3)}/embed/profile/{snake}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in profile
    assert "66% het Clown" in profile  # the possible het, from repti-animal's own event
    assert f"/media/{uploaded.json()['id']}" in profile
    if CHROMIUM is None:
        require_chromium()
    with HostPage(widgets_page(platform.url(3), snake)) as url:  # type: ignore[arg-type]
        lines, report = chromium_report(url, tmp_path / "breeder.png")
    assert EVIL in lines["s1"]
    assert "66% het Clown" in lines["s1"]
    assert "66% het Clown" in lines["s2"]  # the pedigree's header
    assert "Sire Sunny" in lines["s2"]
    assert "Dam Dusk" in lines["s2"]
    assert "ALERT FIRED" not in report
