"""Issue 19's acceptance, as a new user tries it: `reptidex up` as a real process (SQLite,
in-process events, local files) and the web application driven in headless Chromium.

A breeder opens the front page, signs up, opens the link of the mail in the outbox, confirms,
signs in, creates an organisation, adds a Pastel het Clown male (the form reads the morph as it
is typed) and a Clown female, pairs them and sees the predicted clutch with exact odds and
percentages, records a clutch and two hatchlings, downloads a hatchling's certificate and lists
it for sale; a second breeder finds it in the marketplace and buys it. Every page on the way
passes the automated accessibility check and fits a phone's screen.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from accessibility import page_url, phone_overflow, violations
from chromium import Browser, require_chromium
from platform_process import WEB_OFFSET, clean_environment, free_port_block, running_platform

pytestmark = pytest.mark.slow

PASSWORD = "basking-under-the-heat-lamp"


@dataclass(frozen=True)
class Platform:
    """The running platform: the web application's address and the data folder."""

    web: str
    data_dir: Path


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    require_chromium()
    folder = tmp_path_factory.mktemp("web-acceptance")
    environ = clean_environment(folder / "data", {"REPTIDEX_LOG_LEVEL": "WARNING"})
    base = free_port_block()
    with running_platform(base, environ, folder / "platform.log"):
        yield Platform(f"http://127.0.0.1:{base + WEB_OFFSET}", folder / "data")


class Journey:
    """A browser walking the web application, checking every page it reaches."""

    def __init__(self, browser: Browser, platform: Platform) -> None:
        self.browser = browser
        self.platform = platform
        self.problems: list[str] = []
        self.checked: set[str] = set()

    def check(self) -> None:
        """Check the page shown, once per route."""
        route = re.sub(r"[0-9a-f-]{36}", "ID", self.browser.path.split("?")[0])
        if route in self.checked:
            return
        self.checked.add(route)
        assert self.browser.status < 400, (self.browser.path, self.browser.text)
        self.problems += violations(self.browser)
        overflow = phone_overflow(self.browser)
        if overflow:
            self.problems.append(f"{self.browser.path}: {overflow}px wider than a phone")

    def open(self, path: str) -> None:
        self.browser.open(self.platform.web + path)
        self.check()

    def click(self, selector: str) -> None:
        self.browser.click(selector)
        self.check()

    def fill(self, **fields: str) -> None:
        for name, value in fields.items():
            self.browser.fill(f"#{name}", value)

    def wait_for(self, expression: str, within: float = 10) -> Any:
        deadline = time.monotonic() + within
        while not (value := self.browser.evaluate(expression)):
            assert time.monotonic() < deadline, f"never true: {expression}"
            time.sleep(0.1)
        return value

    def mailed_link(self, email: str, kind: str) -> str:
        deadline = time.monotonic() + 15
        while True:
            for mail in (self.platform.data_dir / "mail-outbox").glob(f"*{kind}*.eml"):
                text = mail.read_text("utf-8")
                if re.search(rf"^To: {re.escape(email)}$", text, re.MULTILINE):
                    link = re.search(r"^(http\S+)$", text, re.MULTILINE)
                    assert link is not None, text
                    return link.group(1)
            assert time.monotonic() < deadline, f"no {kind} mail to {email}"
            time.sleep(0.1)

    def join(self, name: str) -> str:
        """Sign up, confirm from the mail, sign in and create an organisation."""
        email = f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.org"
        self.open("/")
        self.click("a.button[href='/sign-up']")
        self.fill(email=email, display_name=name, password=PASSWORD)
        self.click("#sign-up-button")
        assert "Check your mail" in self.browser.text
        link = self.mailed_link(email, "verify_email")
        assert link.startswith(self.platform.web + "/account/verify-email?token=")
        self.browser.open(link)
        self.check()
        self.click("#confirm-button")
        assert "Your address is confirmed" in self.browser.text
        self.click("main a.button[href='/sign-in']")
        self.fill(email=email, password=PASSWORD)
        self.click("#sign-in-button")
        assert self.browser.path == "/?done=signed-in"
        self.click("main a.button[href='/organisations/new']")
        self.fill(name=f"{name}'s Pythons")
        self.click("#create-organisation")
        assert "Your organisation is created" in self.browser.text
        assert (
            self.browser.evaluate(
                "document.querySelector('#organisation-switcher option:checked').textContent"
            )
            == f"{name}'s Pythons"
        )
        return email

    def add_animal(self, name: str, sex: str, morph: str, read_as: str) -> None:
        self.open("/animals/new")
        self.fill(name=name, sex=sex, morph=morph)
        self.browser.evaluate("document.querySelector('#morph').dispatchEvent(new Event('input'))")
        reading = self.wait_for("document.querySelector('#morph-reading').innerText.trim()")
        assert reading == f"Read as {read_as}"
        self.click("#add-animal")
        assert "The animal is added." in self.browser.text

    def fetched(self, path: str) -> dict[str, Any]:
        """What the page's own fetch of ``path`` gets (with the page's cookies)."""
        script = (
            f"fetch({path!r}).then(async r => ({{status: r.status, type: r.headers.get("
            "'content-type'), disposition: r.headers.get('content-disposition'), "
            "head: new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5))}))"
        )
        result = self.browser.send(
            "Runtime.evaluate", expression=script, awaitPromise=True, returnByValue=True
        )
        value: dict[str, Any] = result["result"]["value"]
        return value


def cells(browser: Browser, selector: str) -> list[list[str]]:
    return list(browser.evaluate(
        f"[...document.querySelectorAll('{selector} tbody tr')]"
        ".map(r => [...r.cells].map(c => c.innerText.trim()))"
    ))  # fmt: skip


def test_the_checker_finds_what_a_page_breaks() -> None:
    require_chromium()
    with Browser() as browser:
        browser.open(page_url(
            "<html><head><title>t</title><style>a:focus-visible{outline:2px solid}</style></head>"
            "<body><a href='#m'>Skip</a><nav>n</nav><main id='m'><h1>A</h1><h3>skipped</h3>"
            "<input id='q'><p style='color:#bbb'>faint</p><img src='x.png'></main></body></html>"
        ))  # fmt: skip
        found = "\n".join(violations(browser))
    assert "html has no lang" in found
    assert "heading level skipped" in found
    assert "form control without a label" in found
    assert "too low" in found
    assert "image without alt" in found


def test_a_breeder_sells_a_hatchling_that_another_buys(platform: Platform) -> None:
    with Browser(timeout=60) as browser:
        journey = Journey(browser, platform)
        journey.join("Ada")

        journey.add_animal("Apollo", "male", "pastel het clown", "Pastel het Clown")
        assert "Pastel" in browser.evaluate("document.querySelector('.phenotype').innerText")
        journey.add_animal("Athena", "female", "Clown", "Clown")

        journey.open("/breeding/pairs")
        journey.click("#pair-button")
        assert cells(browser, "#prediction") == [
            ["Clown", "1/4", "25%", ""],
            ["Normal", "1/4", "25%", "Clown"],
            ["Pastel", "1/4", "25%", "Clown"],
            ["Pastel Clown", "1/4", "25%", ""],
        ]
        journey.fill(laid_on="2026-05-01", eggs="6")
        journey.click("#record-clutch")
        journey.fill(hatched_on="2026-06-25")
        journey.fill(**{"morph-0": "Pastel Clown", "sex-0": "female", "morph-1": "Pastel",
                        "sex-1": "male"})  # fmt: skip
        journey.click("#register-hatchlings")
        assert "2 hatched" in browser.text
        journey.click("#hatchlings li:first-child a")
        hatchling = browser.path
        assert browser.evaluate("document.querySelector('.phenotype').innerText") == "Pastel Clown"

        certificate = journey.fetched(f"{hatchling}/certificate")
        assert certificate["status"] == 200
        assert certificate["type"] == "application/pdf"
        assert certificate["disposition"].startswith("attachment; filename=")
        assert certificate["head"] == "%PDF-"

        journey.click("#list-for-sale")
        journey.fill(price="349.99", country="DE", description="Feeds on frozen/thawed.")
        journey.click("#publish-listing")
        listing = browser.path
        assert "349.99 EUR" in browser.text
        assert "This is your listing." in browser.text
        journey.click("#sign-out")

        journey.join("Bea")
        journey.open("/marketplace")
        journey.fill(q="Pastel Clown")
        journey.click("#search-button")
        assert browser.evaluate(
            "[...document.querySelectorAll('#listings a')].map(a => a.pathname)"
        ) == [listing]
        journey.click("#listings a")
        journey.click("#buy-button")
        assert "Your order is placed." in browser.text
        assert browser.evaluate("document.querySelector('#order-state').innerText") == "pending"
        journey.open("/orders")
        assert cells(browser, "#orders")[0][1:] == ["349.99 EUR", "pending"]

    assert journey.problems == [], "\n".join(journey.problems)
    assert len(journey.checked) >= 15
