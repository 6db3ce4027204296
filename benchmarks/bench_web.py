"""Benchmark of repti-web: how long its pages take for a collection of 1,000 animals.

Run ``python benchmarks/bench_web.py`` (``--quick`` for a short smoke run). Nothing to install:
it starts ``reptidex up`` (the embedded default: SQLite, in-process events, local files) in a
scratch folder and stops it afterwards.

What it does:

1. Registers a breeder (confirming the address from the mail outbox), creates an organisation
   and adds ``--animals`` animals (1,000) through repti-animal's API, with a pair and a listing.
2. Signs in to the web application as a browser does (the sign-in form with its CSRF token;
   the session cookie).
3. Asks for each page ``--requests`` times (200) from one client, one request after the
   other, interleaving the pages round by round: the front page (the overview), the collection,
   an animal, the breeding page (its forms list every male and female), a pair with its
   predicted clutch, the marketplace, the genetics calculator with a cross and its clutch
   odds, the breeding statistics per female (with their charts), and, as a baseline, the web
   application's ``/health`` (no call to any service).
4. Asks repti-animal's API directly for what the heaviest pages ask it (the collection's first
   100 animals, an animal, a pair with its prediction), to tell the web application's share
   of a page's time from the services'.
5. Prints each page's latency percentiles and the target: p95 under 100 ms.

Each page's time includes its calls to the services (each page makes one to four), all
served by the same process, on the same machine as the client.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from loadkit import free_port, percentile, verdict

PASSWORD = "basking-under-the-heat-lamp"
MORPHS = ("Normal", "Pastel", "het Clown", "Clown", "Pastel het Clown", "Spider", "Pied")
TARGET_MS = 100.0


def start_platform(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    """``reptidex up`` in ``folder``; its port base (the web application is one below)."""
    while True:
        base = free_port()
        if base + 6 < 65536 and base > 1025:
            break
    environ = {k: v for k, v in os.environ.items() if not k.startswith("REPTIDEX_")}
    environ |= {"REPTIDEX_DATA_DIR": str(folder / "data"), "REPTIDEX_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "reptidex", "up", "--port-base", str(base)],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "platform.log").open("wb"),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if all(
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
                for port in range(base - 1, base + 6)
            ):
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise SystemExit(f"reptidex up did not start; see {folder / 'platform.log'}")


def mail_token(folder: Path, email: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for mail in (folder / "data" / "mail-outbox").glob("*verify_email*.eml"):
            text = mail.read_text("utf-8")
            if f"To: {email}" in text:
                found = re.search(r"^Token: (\S+)$", text, re.MULTILINE)
                if found:
                    return found.group(1)
        time.sleep(0.1)
    raise SystemExit(f"no verification mail to {email}")


def seed(folder: Path, base: int, animals: int) -> tuple[str, dict[str, str], dict[str, str]]:
    """A breeder with ``animals`` animals, a pair and a listing: their email, the ids and
    their API token's header."""
    core = httpx.Client(base_url=f"http://127.0.0.1:{base}", timeout=30)
    animal = httpx.Client(base_url=f"http://127.0.0.1:{base + 1}", timeout=30)
    commerce = httpx.Client(base_url=f"http://127.0.0.1:{base + 2}", timeout=30)
    email = f"bench-{uuid.uuid4().hex[:8]}@example.org"
    core.post("/auth/register", json={"email": email, "password": PASSWORD}).raise_for_status()
    verified = core.post("/auth/verify-email", json={"token": mail_token(folder, email)})
    verified.raise_for_status()
    login = core.post("/auth/login", json={"email": email, "password": PASSWORD}).json()
    auth = {"Authorization": f"Bearer {login['access_token']}"}
    organisation = core.post("/orgs/", json={"name": "Bench Pythons"}, headers=auth).json()
    switched = core.post(
        "/auth/switch-organisation", json={"organisation_id": organisation["id"]}, headers=auth
    ).json()
    auth = {"Authorization": f"Bearer {switched['access_token']}"}
    ids: list[str] = []
    for index in range(animals):
        body = {"species": "ball_python", "sex": ("male", "female")[index % 2],
                "morph": MORPHS[index % len(MORPHS)], "name": f"Animal {index:04d}"}  # fmt: skip
        added = animal.post("/animals", json=body, headers=auth)
        added.raise_for_status()
        ids.append(added.json()["id"])
    pair = animal.post("/breeding/pairs", json={"sire_id": ids[4], "dam_id": ids[3]}, headers=auth)
    pair.raise_for_status()
    listing = commerce.post(
        "/marketplace/listings",
        json={"animal_id": ids[2], "title": "Clown female", "country": "DE", "publish": True,
              "price": {"amount": 35000, "currency": "EUR"}},
        headers=auth,
    )  # fmt: skip
    listing.raise_for_status()
    return email, {"animal": ids[len(ids) // 2], "pair": pair.json()["id"]}, auth


def signed_in(base: int, email: str) -> httpx.Client:
    """A client signed in to the web application, as a browser is."""
    web = httpx.Client(base_url=f"http://127.0.0.1:{base - 1}", timeout=30, follow_redirects=True)
    form = web.get("/sign-in").text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form)
    assert token is not None
    signed = web.post(
        "/sign-in", data={"email": email, "password": PASSWORD, "_csrf_token": token.group(1)}
    )
    assert signed.status_code == 200, signed.text[-500:]
    assert "Bench Pythons" in signed.text, signed.text[-500:]
    return web


def measure(web: httpx.Client, pages: dict[str, str], requests: int) -> dict[str, list[float]]:
    """Each page's latencies in milliseconds, the pages interleaved round by round."""
    times: dict[str, list[float]] = {name: [] for name in pages}
    for name, path in pages.items():  # warm up
        assert web.get(path).status_code == 200, (name, path)
    for _ in range(requests):
        for name, path in pages.items():
            started = time.perf_counter()
            answer = web.get(path)
            times[name].append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, (name, answer.status_code)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--animals", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    animals, requests = (100, 20) if args.quick else (args.animals, args.requests)
    with tempfile.TemporaryDirectory(prefix="reptidex-bench-web-") as scratch:
        folder = Path(scratch)
        process, base = start_platform(folder)
        try:
            started = time.perf_counter()
            email, ids, auth = seed(folder, base, animals)
            print(f"seeded {animals} animals in {time.perf_counter() - started:.1f} s")
            web = signed_in(base, email)
            pages = {
                "baseline: /health": "/health",
                "overview /": "/",
                "collection /animals": "/animals",
                "an animal": f"/animals/{ids['animal']}",
                "breeding /breeding/pairs": "/breeding/pairs",
                "a pair with its prediction": f"/breeding/pairs/{ids['pair']}",
                "marketplace": "/marketplace",
                "calculator with a cross": "/genetics?sire=Pastel+het+Clown&dam=66%25+het+Clown"
                "&eggs=6",
                "statistics per female": "/breeding/statistics?group=female",
            }
            times = measure(web, pages, requests)
            api = httpx.Client(base_url=f"http://127.0.0.1:{base + 1}", headers=auth, timeout=30)
            calls = {
                "api: GET /animals?limit=100": "/animals?limit=100",
                "api: GET /animals/{id}": f"/animals/{ids['animal']}",
                "api: GET /breeding/pairs/{id}": f"/breeding/pairs/{ids['pair']}",
            }
            times |= measure(api, calls, requests)
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(f"{'page':32} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    worst = 0.0
    for name, values in times.items():
        p95 = percentile(values, 95)
        if not name.startswith("baseline"):
            worst = max(worst, p95)
        print(f"{name:32} {len(values):>9} {percentile(values, 50):>8.1f} {p95:>8.1f} "
              f"{percentile(values, 99):>8.1f}")  # fmt: skip
    print(f"target: every page's p95 under {TARGET_MS:.0f} ms: {verdict(worst < TARGET_MS)} "
          f"(slowest p95 {worst:.1f} ms)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
