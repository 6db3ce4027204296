"""Helpers of the repti-media tests: tokens as repti-core signs them, the app on a database,
images made on the spot, and a fake lineage source."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import html
import io
import struct
import subprocess
import threading
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from chromium import CHROMIUM
from core_tokens import StaticKeys, signed_token
from platform_process import free_port as _free_port
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.errors import PlanUnknown
from reptidex.domain.events.envelope import new_event
from reptidex.domain.media.lineage import LineageSnapshot
from reptidex.domain.media.ports import PlanSource
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings
from reptidex.services.media.app import create_app


def media_token(
    organisation_id: uuid.UUID | None, role: str | None = "member", **extra: Any
) -> str:
    """An access token signed as core signs them (a user's, or a service's with ``svc``)."""
    claims: dict[str, Any] = {}
    if organisation_id is not None:
        claims["org"] = str(organisation_id)
    if role is not None:
        claims["role"] = role
    return signed_token(**claims, **extra)


@dataclass
class Member:
    """A member of an organisation with the client of repti-media."""

    client: TestClient[Litestar]
    organisation_id: uuid.UUID = field(default_factory=uuid.uuid4)
    role: str = "member"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {media_token(self.organisation_id, self.role)}"}

    def upload(self, content: bytes, filename: str = "photo.jpg", **form: str) -> Any:
        return self.client.post(
            "/upload",
            files={"file": (filename, content, "application/octet-stream")},
            data=form,
            headers=self.headers,
        )

    def get(self, url: str, **headers: str) -> Any:
        return self.client.get(url, headers={**self.headers, **headers})


class EveryAnimal:
    """repti-animal answering "yours" for every animal (media's own copy still refuses
    another organisation's)."""

    async def holds(self, animal_id: uuid.UUID, credential: str | None) -> bool:
        return True


class FixedPlans:
    """Every organisation on one plan (``None``: billing off, no plan restricts; ``PlanUnknown``:
    raised, as when repti-core is unreachable)."""

    def __init__(self, plan: str | PlanUnknown | None = None) -> None:
        self.plan = plan

    async def plan_of(self, organisation_id: uuid.UUID, credential: str | None) -> str | None:
        if isinstance(self.plan, PlanUnknown):
            raise self.plan
        return self.plan


def media_app(settings: Settings, **options: Any) -> Litestar:
    """repti-media on ``settings``' database (migrated first); no repti-core is asked for plans
    unless ``plans`` is given, nor repti-animal for a backfill unless ``backfill_on_start`` is."""
    upgrade("media", settings.database_url("media"))
    plans: PlanSource = FixedPlans()
    options.setdefault("plans", plans)
    # no repti-animal: the caller holds every animal unless a test says otherwise
    options.setdefault("animals", EveryAnimal())
    options.setdefault("backfill_on_start", False)  # no repti-animal to ask in most tests
    return create_app(settings, authenticator=Authenticator(StaticKeys()), **options)


def media_client(settings: Settings, **options: Any) -> TestClient[Litestar]:
    """A test client of :func:`media_app`."""
    return TestClient(media_app(settings, **options), raise_server_exceptions=False)


@contextlib.asynccontextmanager
async def served(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of ``app`` (started, stopped at the end) whose requests the app serves
    on the test's own event loop, side by side: a test sees whether the loop stays free while a
    request is worked on. (Litestar's ``AsyncTestClient`` serves one request at a time, on a
    thread of its own.)"""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar types ASGI more narrowly than httpx
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://media") as c:
        yield c


def photo(
    size: tuple[int, int] = (640, 480), *, kind: str = "JPEG", exif: bytes | None = None
) -> bytes:
    """A photo with a gradient (so it is not blank), optionally with EXIF."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    buffer = io.BytesIO()
    options: dict[str, Any] = {} if exif is None else {"exif": exif}
    image.save(buffer, kind, **options)
    return buffer.getvalue()


@functools.cache
def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid black PNG of ``width`` × ``height`` pixels in a few dozen kilobytes: a
    decompression bomb (written row by row, never held decoded)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then one bit per pixel
    rows, rest = divmod(height, 1000)
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row * 1000) for _ in range(rows))
    pixels += packer.compress(row * rest) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def gps_exif() -> bytes:
    """EXIF with a GPS position (51°30'N 0°7'W), a camera make and an orientation."""
    exif = Image.Exif()
    exif[0x010F] = "SnakeCam"  # Make
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 0.0)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 0.0)
    return exif.tobytes()


EVIL_NAME = "<script>alert(1)</script>"


def founder_pedigree(generations: int = 5) -> tuple[Any, str]:
    """A complete pedigree of ``generations`` with one ancestor repeated (a half-sibling
    mating two generations back) and a name that tries script injection; returns it and the
    root's id."""
    from reptidex.engine.pedigree import Animal, Pedigree

    records: dict[str, Animal] = {}
    counter = iter(range(1, 10_000))

    def grow(depth: int) -> str:
        ident = f"A{next(counter):03d}"
        if depth == 0:
            records[ident] = Animal(ident)
            return ident
        sire, dam = grow(depth - 1), grow(depth - 1)
        records[ident] = Animal(ident, sire=sire, dam=dam)
        return ident

    root = grow(generations)
    # the dam's sire is the sire's sire: pedigree collapse
    sire, dam = records[root].sire, records[root].dam
    assert sire is not None
    assert dam is not None
    grandsire = records[sire].sire
    records[dam] = Animal(dam, sire=grandsire, dam=records[dam].dam)
    return Pedigree(records.values()), root


class FakeLineageSource:
    """Lineages computed by the engine from :func:`founder_pedigree`, as repti-animal would
    report them; ``restricted`` ids show as private, ``calls`` counts fetches."""

    def __init__(self, generations: int = 6, *, animal_id: uuid.UUID | None = None) -> None:
        self.pedigree, self.root = founder_pedigree(generations)
        self.animal_id = animal_id or uuid.uuid4()
        self.ids = {ident: str(uuid.uuid5(self.animal_id, ident)) for ident in self.pedigree.ids}
        self.ids[self.root] = str(self.animal_id)
        self.names = {ident: f"Name {ident}" for ident in self.pedigree.ids}
        self.names[self.pedigree.parents(self.root)[0] or ""] = EVIL_NAME
        self.restricted: set[str] = set()
        self.calls = 0
        self.credentials: list[str | None] = []

    def uuid_of(self, ident: str) -> str:
        return self.ids[ident]

    async def lineage(
        self, animal_id: uuid.UUID, generations: int, *, credential: str | None
    ) -> LineageSnapshot:
        from reptidex.domain.errors import NotFound
        from reptidex.domain.media.lineage import ChartAnimal, LineagePosition
        from reptidex.engine.pedigree import inbreeding, pedigree_tree

        self.calls += 1
        self.credentials.append(credential)
        if animal_id != self.animal_id:
            raise NotFound("No such animal.")
        tree = pedigree_tree(self.pedigree, self.root, generations)
        coefficient = float(inbreeding(self.pedigree)[self.root])
        positions = []
        for node in tree.nodes:
            if node.id in self.restricted:
                animal = ChartAnimal(restricted=True)
            else:
                animal = ChartAnimal(
                    id=self.ids[node.id],
                    code=node.id,
                    name=self.names[node.id],
                    species="ball_python",
                    sex="male" if node.line.endswith("S") else "female",
                    morph="Pastel Clown",
                    hets=("pied",) if node.position % 3 == 0 else (),
                    hatch_date=dt.date(2024 - node.generation * 2, 5, 1),
                    public=True,
                )
            positions.append(
                LineagePosition(node.position, node.generation, node.line, node.repeat_of, animal)
            )
        return LineageSnapshot(
            self.animal_id,
            generations,
            tuple(positions),
            coefficient,
            generations,
            breeder="Scales & Tails",
            clutch="2024-07",
        )


class HostPage:
    """A breeder's page served by a plain HTTP server on its own port (another origin)."""

    def __init__(self, document: str) -> None:
        body = document.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = self.path.split("?")[0] == "/breeder.html"
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body if found else b"not found")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/breeder.html"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def widgets_page(media: str, animal: uuid.UUID) -> str:
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


def chromium_report(url: str, screenshot: Path) -> tuple[dict[str, str], str]:
    """Load ``url`` (a :func:`widgets_page`) in headless Chromium: the widgets' text read from
    their Shadow DOM by the page, by placeholder id, the whole report, and a screenshot."""
    assert CHROMIUM is not None
    common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              "--virtual-time-budget=6000", "--window-size=420,1500"]  # fmt: skip
    dom = subprocess.run(
        [*common, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    subprocess.run(
        [*common, f"--screenshot={screenshot}", url], capture_output=True, timeout=120, check=True
    )
    report = html.unescape(dom.split('<pre id="report">', 1)[1].split("</pre>", 1)[0])
    lines = dict(line.split("|", 1) for line in report.splitlines() if "|" in line)
    return lines, report


class MediaServer:
    """repti-media served by uvicorn on a free port, in a thread with its own event loop."""

    def __init__(self, settings: Settings, **options: Any) -> None:
        upgrade("media", settings.database_url("media"))
        options.setdefault("plans", FixedPlans())
        options.setdefault("animals", EveryAnimal())
        options.setdefault("backfill_on_start", False)
        self.app = create_app(settings, authenticator=Authenticator(StaticKeys()), **options)
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
        bus = kernel_of(self.app).events.bus
        asyncio.run_coroutine_threadsafe(bus.publish(event), self.loop).result(timeout=10)


class Breeding:
    """An organisation whose animals repti-animal announces by events."""

    def __init__(self, client: TestClient[Litestar]) -> None:
        self.client = client
        self.organisation_id = uuid.uuid4()

    def publish(self, event_type: str, payload: dict[str, Any]) -> None:
        event = new_event(
            event_type, producer="animal", payload=payload, organisation_id=self.organisation_id
        )
        with self.client.portal() as portal:
            portal.call(kernel_of(self.client.app).events.bus.publish, event)

    def animal(
        self,
        name: str | None,
        *,
        visibility: str = "public",
        status: str = "active",
        sire: str | None = None,
        dam: str | None = None,
        event: str = "animal.created",
        animal_id: str | None = None,
        **genetics: Any,
    ) -> str:
        """Announce an animal; ``genetics`` adds payload fields such as ``hets`` and
        ``possible_hets`` (``[[gene, "2/3"], …]``), which events before 2026-12-06 lack."""
        animal_id = animal_id or str(uuid.uuid4())
        self.publish(
            event,
            {
                "animal_id": animal_id,
                "code": f"RX-{animal_id[:4]}",
                "name": name,
                "species": "ball_python",
                "sex": "female",
                "phenotype": "Pastel Clown",
                "status": status,
                "visibility": visibility,
                **genetics,
            },
        )
        if sire or dam:
            self.publish(
                "lineage.changed",
                {"animal_id": animal_id, "sire_id": sire, "dam_id": dam,
                 "previous_sire_id": None, "previous_dam_id": None},
            )  # fmt: skip
        return animal_id


def eventually(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not check():
        assert time.monotonic() < deadline, "the events were not applied in time"
        time.sleep(0.02)
