"""repti-web's store, community and settings in headless Chromium against `reptidex up`
(SQLite, in-process events, local files): a breeder lists an animal, changes its price in the
store, withdraws it and puts it back on sale, adds a supply and changes its stock, finds the
listing with the marketplace's gene filter and in the global search, reads the notifications
with the header's live unread count and the forums, and opens every settings page (invites a
keeper, sees the plan, the widgets' snippets and their live preview). Every page passes the
automated accessibility check and fits a phone's screen."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from test_web_acceptance import Journey, Platform, cells

from chromium import Browser, require_chromium
from platform_process import WEB_OFFSET, clean_environment, free_port_block, running_platform

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    require_chromium()
    folder = tmp_path_factory.mktemp("web-store-community-settings")
    environ = clean_environment(folder / "data", {"REPTIDEX_LOG_LEVEL": "WARNING"})
    base = free_port_block()
    with running_platform(base, environ, folder / "platform.log"):
        yield Platform(f"http://127.0.0.1:{base + WEB_OFFSET}", folder / "data")


def test_a_breeder_keeps_a_store_reads_the_community_and_sets_up(platform: Platform) -> None:
    with Browser(timeout=60) as browser:
        journey = Journey(browser, platform)
        journey.join("Cleo")
        journey.add_animal("Orion", "male", "Clown", "Clown")
        journey.click("#list-for-sale")
        journey.fill(price="420", country="FR")
        journey.click("#publish-listing")
        listing_id = browser.path.rsplit("/", 1)[1]

        journey.open("/store")
        assert (
            browser.evaluate(f"document.querySelector('#listing-{listing_id} .state').innerText")
            == "On sale"
        )
        journey.fill(**{f"price-{listing_id}": "399.50"})
        journey.click(f"#listing-{listing_id} form[action$='/price'] button")
        assert "The price is changed." in browser.text
        assert "399.50 EUR" in browser.text
        journey.click(f"#hidden-{listing_id}")
        assert "withdrawn from the marketplace" in browser.text
        assert (
            browser.evaluate(f"document.querySelector('#listing-{listing_id} .state').innerText")
            == "Withdrawn"
        )
        journey.click(f"#available-{listing_id}")
        assert "The listing is on sale." in browser.text

        journey.open("/store/inventory")
        journey.fill(name="Frozen rats, M", kind="feeder", price="2.50", stock="30")
        journey.click("#add-supply")
        assert "The supply is added." in browser.text
        assert cells(browser, "#supplies")[0][1:5] == ["2.50 EUR", "30", "0", "0"]
        journey.fill(
            **{
                browser.evaluate(
                    "document.querySelector('#supplies input[name=stock_change]').id"
                ): "-5"
            }
        )
        journey.click("#supplies form button")
        assert cells(browser, "#supplies")[0][2] == "25"

        organisation = browser.evaluate(
            "document.querySelector('#organisation-switcher option:checked').value"
        )
        journey.open(f"/marketplace/sellers/{organisation}")  # the public storefront
        assert cells(browser, "#seller-supplies")[0][1:] == ["2.50 EUR", "25"]
        assert browser.evaluate(
            "[...document.querySelectorAll('#seller-listings a')].map(a => a.pathname)"
        ) == [f"/marketplace/listings/{listing_id}"]

        journey.open("/marketplace")
        journey.fill(gene="clown", zygosity="visual", sort="-price")
        journey.click("#filter-button")
        assert browser.evaluate(
            "[...document.querySelectorAll('#listings a')].map(a => a.pathname)"
        ) == [f"/marketplace/listings/{listing_id}"]
        journey.fill(gene="clown", zygosity="het")
        journey.click("#filter-button")
        assert "0 listings" in browser.text

        deadline = time.monotonic() + 20
        while True:  # the search index follows the listing's events
            journey.open("/search?q=Clown")
            found = browser.evaluate(
                "[...document.querySelectorAll('#search-results a')].map(a => a.pathname)"
            )
            if f"/marketplace/listings/{listing_id}" in found:
                break
            assert time.monotonic() < deadline, browser.text
            time.sleep(0.5)

        journey.open("/notifications")
        journey.wait_for("document.querySelector('#unread-count').innerText.includes('unread')")
        journey.open("/community/forums")
        assert "Forums" in browser.text

        journey.open("/settings")
        assert "Cleo's Pythons (owner)" in browser.text
        journey.click("a[href='/settings/members']")
        keeper = f"keeper-{uuid.uuid4().hex[:6]}@example.org"
        journey.fill(email=keeper, role="viewer")
        journey.click("#send-invitation")
        assert "The invitation is mailed." in browser.text
        assert f"{keeper} as viewer" in browser.text
        journey.click("#invitations form button")
        assert "The invitation is revoked." in browser.text
        journey.click("a[href='/settings/billing']")
        assert "Plan" in browser.text
        browser.events.clear()
        journey.click("a[href='/settings/embeds']")
        assert browser.evaluate(
            "document.querySelector('textarea[id^=snippet-]').value"
        ).startswith("<iframe")
        preview = browser.evaluate("document.querySelector('iframe.preview').src")
        assert preview.startswith(platform.web.rsplit(":", 1)[0] + ":")  # repti-media's port
        assert "/embed/available/" in preview
        deadline = time.monotonic() + 10
        while not any(  # the page's policy let the preview open at that address
            event.get("method") == "Page.frameNavigated"
            and event["params"]["frame"].get("parentId")
            and event["params"]["frame"]["url"] == preview
            for event in browser.events
        ):
            assert time.monotonic() < deadline, "the preview never opened"
            browser.evaluate("1")  # lets the events of the page arrive

    assert journey.problems == [], "\n".join(journey.problems)
    assert len(journey.checked) >= 12
