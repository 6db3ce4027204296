"""Acceptance in a real browser: a page served from another port embeds the profile card and the
pedigree widgets by iframe and by script tag; headless Chromium (Debian's ``chromium``) loads it.

The host page reads the widgets' Shadow DOM text into the page (``--dump-dom`` cannot see inside
shadow roots) and records any ``alert``; the screenshot is checked for the iframes' content.
Skips when ``chromium`` is not installed (``apt-get install -y chromium``).
"""

from __future__ import annotations

import asyncio
import html
import io
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from media_testkit import StaticKeys
from PIL import Image, ImageStat

from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.events.envelope import new_event
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.events import events_of
from reptidex.services.kernel.settings import Settings
from reptidex.services.media.app import create_app

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EVIL = "<script>alert(1)</script>"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MediaServer:
    """repti-media served by uvicorn on a free port, in a thread with its own event loop."""

    def __init__(self, settings: Settings) -> None:
        upgrade("media", settings.database_url("media"))
        self.app = create_app(settings, authenticator=Authenticator(StaticKeys()))
        self.port = _free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(self.server.serve(),), daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> MediaServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "repti-media did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)

    def publish(self, event_type: str, organisation_id: uuid.UUID, payload: dict[str, Any]) -> None:
        event = new_event(
            event_type, producer="animal", payload=payload, organisation_id=organisation_id
        )
        bus = events_of(self.app).bus
        asyncio.run_coroutine_threadsafe(bus.publish(event), self.loop).result(timeout=10)


@pytest.fixture
def host_page() -> Iterator[Callable[[str], str]]:
    """A static page server on another port; returns a function that serves a page's HTML."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path.split("?")[0])
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"not found")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", _free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def serve(document: str) -> str:
        pages["/breeder.html"] = document.encode()
        return f"http://127.0.0.1:{server.server_address[1]}/breeder.html"

    yield serve
    server.shutdown()


def _page(media: str, animal: uuid.UUID) -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body {{ font-family: serif; color: red; margin: 8px; }} .rdx {{ color: red !important; }}</style>
<script>window.alert = function () {{ document.title = "ALERT FIRED"; }};</script>
</head><body>
<h1>Our snakes</h1>
<iframe id="f1" src="{media}/embed/profile/{animal}" style="width:100%;height:260px;border:0"></iframe>
<iframe id="f2" src="{media}/embed/pedigree/{animal}?generations=2&theme=dark"
  style="width:100%;height:420px;border:0"></iframe>
<div id="s1" data-reptidex-widget="profile" data-reptidex-id="{animal}"></div>
<div id="s2" data-reptidex-widget="pedigree" data-reptidex-id="{animal}" data-generations="2"></div>
<pre id="report"></pre>
<script src="{media}/embed/loader.js" async></script>
<script>
  setTimeout(function () {{
    var parts = ["s1", "s2"].map(function (id) {{
      var root = document.getElementById(id).shadowRoot;
      var card = root && root.querySelector(".rdx");
      var text = card ? card.textContent.replace(/\\s+/g, " ") : "NO WIDGET";
      return id + "|" + text + "|colour=" +
        (card ? getComputedStyle(card).color : "none");
    }});
    document.getElementById("report").textContent = parts.join("\\n") + "\\ntitle=" + document.title;
  }}, 1500);
</script>
</body></html>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_widgets_render_on_another_site_in_chromium(
    make_settings: Callable[..., Settings], host_page: Callable[[str], str], tmp_path: Path
) -> None:
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
        url = host_page(_page(media.url, animal))
        deadline = time.monotonic() + 10
        import httpx

        while "Dam Dusk" not in httpx.get(f"{media.url}/embed/pedigree/{animal}").text:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        shot = tmp_path / "breeder.png"
        common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                  "--virtual-time-budget=6000", "--window-size=420,1500"]  # fmt: skip
        dom = subprocess.run(
            [*common, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
        ).stdout
        subprocess.run(
            [*common, f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True
        )
    report = html.unescape(dom.split('<pre id="report">', 1)[1].split("</pre>", 1)[0])
    lines = dict(line.split("|", 1) for line in report.splitlines() if "|" in line)
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
