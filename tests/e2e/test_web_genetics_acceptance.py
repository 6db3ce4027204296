"""The genetics calculator and the breeding extras of repti-web in headless Chromium against
`reptidex up` (SQLite, in-process events): a visitor without an account crosses two morphs
(the genes suggested as the morph is typed), reads the exact odds, the clutch odds and a het
proof, and reopens the result from its link; a breeder ranks their pairings for a target
morph, pairs the best, records a clutch and reads the season's statistics with their charts.
Every page passes the automated accessibility check and fits a phone's screen."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from test_web_acceptance import Journey, Platform, cells

from accessibility import violations
from chromium import Browser, require_chromium
from platform_process import WEB_OFFSET, clean_environment, free_port_block, running_platform

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    require_chromium()
    folder = tmp_path_factory.mktemp("web-genetics")
    environ = clean_environment(folder / "data", {"REPTIDEX_LOG_LEVEL": "WARNING"})
    base = free_port_block()
    with running_platform(base, environ, folder / "platform.log"):
        yield Platform(f"http://127.0.0.1:{base + WEB_OFFSET}", folder / "data")


def suggested(journey: Journey, field: str, typed: str) -> list[str]:
    """The options offered under ``field`` once ``typed`` is typed into it."""
    journey.fill(**{field: typed})
    journey.browser.evaluate(
        f"document.querySelector('#{field}').dispatchEvent(new Event('input'))"
    )
    options = f"[...document.querySelectorAll('#{field}-genes option')].map(o => o.value)"
    journey.wait_for(f"{options}.length > 0 && {options}.every(v => v.startsWith({typed!r}))")
    return list(journey.browser.evaluate(options))


def test_a_visitor_crosses_two_morphs_and_shares_the_result(platform: Platform) -> None:
    with Browser(timeout=60) as browser:
        journey = Journey(browser, platform)
        journey.open("/")
        journey.click("nav a[href='/genetics']")
        assert "Pastel het Clown" in suggested(journey, "sire", "Pastel het Cl")
        journey.fill(sire="Pastel het Clown", dam="Clown", eggs="4")
        journey.click("#predict-button")
        expected = [
            ["Clown", "1/4", "25%", "", ""],
            ["Normal", "1/4", "25%", "het Clown", ""],
            ["Pastel", "1/4", "25%", "het Clown", ""],
            ["Pastel Clown", "1/4", "25%", "", ""],
        ]
        assert cells(browser, "#prediction") == expected
        assert cells(browser, "#clutch-odds")[0] == ["Clown", "175/256", "68.36%"]

        link = browser.path
        assert link.startswith("/genetics?")
        browser.open(platform.web + link)  # the link alone gives the same result
        assert cells(browser, "#prediction") == expected

        journey.fill(sire="Pastel het Clown", dam="66% het Clown", eggs="")
        journey.click("#predict-button")
        assert cells(browser, "#prediction")[0] == [
            "Normal",
            "5/12",
            "41.67%",
            "",
            "60% het Clown (3/5)",
        ]

        journey.click("a[href^='/genetics/het-proof']")
        journey.fill(animal="66% het Clown", mate="Clown", gene="Clown", offspring="6 x Normal")
        journey.click("#prove-button")
        assert browser.evaluate("document.querySelector('#prior').innerText") == "2/3 (66.67%)"
        assert browser.evaluate("document.querySelector('#posterior').innerText") == (
            "1/33 (3.03%)"
        )

        big = "Pastel Enchi Fire Yellow Belly Mojave Cinnamon het Clown het Pied het Axanthic"
        journey.open("/genetics?" + urlencode({"sire": big, "dam": big}))
        capped = browser.evaluate("document.querySelector('#capped').innerText")
        assert capped.startswith("This pairing has 5,832 possible outcomes; one prediction lists")
        assert "The 100 most likely are shown; the other 5,732 together weigh" in capped
        assert len(cells(browser, "#prediction")) == 100

        journey.open("/genetics?sire=Banana&dam=Normal")  # a male of unknown maker phase
        assert len(cells(browser, "#phase-sire-1")) > 0
        assert len(cells(browser, "#phase-sire-2")) > 0
        journey.problems += violations(browser)

        journey.open("/genetics?sire=Pastel&dam=Clwn")
        assert "did you mean Clown?" in browser.evaluate(
            "document.querySelector('#dam-error').innerText"
        )

    assert journey.problems == [], "\n".join(journey.problems)


def test_a_breeder_plans_a_pairing_and_reads_the_season(platform: Platform) -> None:
    with Browser(timeout=60) as browser:
        journey = Journey(browser, platform)
        journey.join("Cleo")
        journey.add_animal("Apollo", "male", "Pastel het Clown", "Pastel het Clown")
        journey.add_animal("Athena", "female", "Clown", "Clown")

        journey.open("/breeding/pairs")
        journey.click("#plan-link")
        journey.fill(target="Pastel Clown")
        journey.click("#plan-button")
        ranked = cells(browser, "#plan")
        assert len(ranked) == 1
        assert ranked[0][1].startswith("Apollo (")  # the name and the code
        assert ranked[0][2].startswith("Athena (")
        assert ranked[0][3:6] == ["1/4", "25%", "0.00%"]
        assert "1 pairing considered" in browser.text

        journey.click("#pair-1")
        assert browser.path.startswith("/breeding/pairs/")
        journey.fill(laid_on="2026-05-01", eggs="6")
        journey.click("#record-clutch")

        journey.open("/breeding/pairs")
        journey.click("#statistics-link")
        season = cells(browser, "#statistics")
        assert len(season) == 1
        assert season[0][1:4] == ["1", "1", "6"]
        assert browser.evaluate("document.querySelectorAll('svg[role=img]').length") == 2
        browser.fill("#group", "female")
        journey.click("#group-button")
        assert cells(browser, "#statistics")[0][0] == "Athena"

    assert journey.problems == [], "\n".join(journey.problems)
