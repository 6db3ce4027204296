"""Acceptance in a real browser: a page served from another port embeds the profile card and the
pedigree widgets by iframe and by script tag; headless Chromium (Debian's ``chromium``) loads it.

The host page reads the widgets' Shadow DOM text into the page (``--dump-dom`` cannot see inside
shadow roots) and records any ``alert``; the screenshot is checked for the iframes' content.
Skips when ``chromium`` is not installed (``apt-get install -y chromium``).
"""

from __future__ import annotations

import io
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from media_testkit import HostPage, MediaServer, chromium_report, widgets_page
from PIL import Image, ImageStat

from chromium import CHROMIUM, require_chromium
from reptidex.services.kernel.settings import Settings

pytestmark = pytest.mark.slow

EVIL = "<script>alert(1)</script>"


def test_widgets_render_on_another_site_in_chromium(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    if CHROMIUM is None:
        require_chromium()
    assert CHROMIUM is not None
    organisation, animal, sire, dam = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with MediaServer(make_settings()) as media:

        def summary(animal_id: uuid.UUID, name: str) -> dict[str, Any]:
            return {"animal_id": str(animal_id), "code": f"RX-{str(animal_id)[:4]}", "name": name,
                    "species": "ball_python", "sex": "male", "phenotype": "Banana Clown",
                    "status": "for_sale", "visibility": "public"}  # fmt: skip

        media.publish("animal.created", organisation, summary(sire, "Sire Sunny"))
        media.publish("animal.created", organisation, summary(dam, "Dam Dusk"))
        media.publish("animal.created", organisation, summary(animal, EVIL))
        media.publish(
            "lineage.changed",
            organisation,
            {"animal_id": str(animal), "sire_id": str(sire), "dam_id": str(dam)},
        )
        deadline = time.monotonic() + 10
        while "Dam Dusk" not in httpx.get(f"{media.url}/embed/pedigree/{animal}").text:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with HostPage(widgets_page(media.url, animal)) as url:
            shot = tmp_path / "breeder.png"
            lines, report = chromium_report(url, shot)
    assert EVIL in lines["s1"]  # the name, drawn as text inside the Shadow DOM
    assert "Banana Clown" in lines["s1"]
    assert "Sire Sunny" in lines["s2"]
    assert "Dam Dusk" in lines["s2"]
    assert "rgb(255, 0, 0)" not in report  # the page's red does not leak into the widgets
    assert "ALERT FIRED" not in report
    image = Image.open(io.BytesIO(shot.read_bytes())).convert("RGB")
    assert image.size == (420, 1500)
    profile_frame = image.crop((8, 60, 412, 300))  # the first iframe's area
    assert ImageStat.Stat(profile_frame.convert("L")).stddev[0] > 5  # drawn, not blank
    pedigree_frame = image.crop((8, 330, 412, 700))
    assert ImageStat.Stat(pedigree_frame.convert("L")).mean[0] < 120  # the dark theme
    shutil.copy(shot, Path("/tmp/reptidex-media-widgets.png"))
