"""repti-web's collection in headless Chromium against `reptidex up` (SQLite, in-process
events, local files): a breeder checks a CSV collection (the dry run shows the row that cannot
be read), imports the corrected file, searches and filters the list, logs two weights and sees
them drawn and tabled, uploads a photo and sees its thumbnail, sees the pedigree chart and the
kept het odds with their reason, and changes the animal's morph (read as it is typed). Every
page passes the automated accessibility check and fits a phone's screen."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from test_web_acceptance import Journey, Platform, cells

from accessibility import violations
from chromium import Browser, require_chromium
from platform_process import WEB_OFFSET, clean_environment, free_port_block, running_platform

pytestmark = pytest.mark.slow

HEADER = "code,name,species,sex,morph,hatch_date,sire_code,dam_code\n"
BROKEN = HEADER + "AP-1,Apollo,ball_python,male,Clown,,,\nNV-1,Nova,ball_python,female,Pastle,,,\n"
CLEAN = (
    HEADER
    + "AP-1,Apollo,ball_python,male,Clown,2022-05-01,,\n"
    + "NV-1,Nova,ball_python,female,Pastel,2022-06-01,,\n"
    + "KD-1,Kid,ball_python,female,Pastel,2025-06-01,AP-1,NV-1\n"
)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    require_chromium()
    folder = tmp_path_factory.mktemp("web-collection")
    environ = clean_environment(folder / "data", {"REPTIDEX_LOG_LEVEL": "WARNING"})
    base = free_port_block()
    with running_platform(base, environ, folder / "platform.log"):
        yield Platform(f"http://127.0.0.1:{base + WEB_OFFSET}", folder / "data")


def choose_file(browser: Browser, selector: str, path: Path) -> None:
    """Put ``path`` into the file field ``selector``, as a breeder choosing it would."""
    root = browser.send("DOM.getDocument")["root"]["nodeId"]
    node = browser.send("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
    browser.send("DOM.setFileInputFiles", files=[str(path)], nodeId=node)


def test_a_breeder_imports_searches_logs_and_photographs(
    platform: Platform, tmp_path: Path
) -> None:
    broken, clean, photo = tmp_path / "broken.csv", tmp_path / "clean.csv", tmp_path / "kid.png"
    broken.write_text(BROKEN, "utf-8")
    clean.write_text(CLEAN, "utf-8")
    picture = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 90, 40)).save(picture, "PNG")
    photo.write_bytes(picture.getvalue())

    with Browser(timeout=60) as browser:
        journey = Journey(browser, platform)
        journey.join("Cleo")

        journey.open("/animals")
        journey.click("#import-link")
        choose_file(browser, "#file", broken)
        journey.click("#check-import")
        assert "1 of 2 rows have problems" in browser.text
        problem = cells(browser, "#import-problems")[0]
        assert problem[:3] == ["3", "NV-1", "morph"]
        choose_file(browser, "#file", clean)
        journey.click("#check-import")
        assert "All 3 rows can be imported." in browser.text
        journey.click("#import-animals")
        assert browser.path == "/animals?done=imported"
        assert "The animals are imported." in browser.text
        assert len(cells(browser, "#animals")) == 3

        journey.fill(q="Kid")
        journey.click("#apply-filters")
        assert [row[1] for row in cells(browser, "#animals")] == ["Kid KD-1"]
        journey.open("/animals?sex=male")
        assert [row[1] for row in cells(browser, "#animals")] == ["Apollo AP-1"]

        journey.open("/animals?q=Kid")
        journey.click("#animals a")
        kid = browser.path
        journey.fill(kind="weight", occurred_on="2026-01-10", grams="120")
        journey.click("#add-log")
        assert "The log entry is added." in browser.text
        journey.fill(kind="weight", occurred_on="2026-02-10", grams="155.5")
        journey.click("#add-log")
        assert browser.evaluate("document.querySelectorAll('svg.chart circle').length") == 2
        assert cells(browser, "#weights")[1][:3] == ["2026-02-10", "155.5", "+35.5"]
        journey.fill(kind="weight", occurred_on="2026-02-11", grams="heavy")
        browser.click("#add-log")  # refused (422): checked here, not as a page that worked
        assert browser.status == 422
        journey.problems += violations(browser)
        assert "Enter the weight in grams" in browser.evaluate(
            "document.querySelector('#grams-error').innerText"
        )

        journey.open(kid)
        choose_file(browser, "#photo", photo)
        journey.click("#upload-photo")
        assert "The photo is uploaded." in browser.text
        loaded = (
            "[...document.querySelectorAll('#photos img, #pedigree-chart')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        journey.wait_for(loaded)

        deadline = time.monotonic() + 20  # the het odds are kept in the background
        while "het Clown" not in browser.evaluate("document.querySelector('#het-odds').innerText"):
            assert time.monotonic() < deadline, browser.evaluate(
                "document.querySelector('#het-odds').innerText"
            )
            time.sleep(0.5)
            browser.open(platform.web + kid)
        assert "Clown" in browser.evaluate("document.querySelector('.why').innerText")

        journey.click("#edit-animal")
        journey.fill(morph="Pastel het Clown")
        browser.evaluate("document.querySelector('#morph').dispatchEvent(new Event('input'))")
        journey.wait_for(
            "document.querySelector('#morph-reading').innerText.trim() === "
            "'Read as Pastel het Clown'"
        )
        journey.click("#save-animal")
        assert "The changes are saved." in browser.text
        assert "Pastel het Clown" in browser.evaluate(
            "document.querySelector('#animal-facts').innerText"
        )

        journey.open("/animals")  # the list shows the photo's thumbnail
        journey.wait_for(
            "[...document.querySelectorAll('#animals img.thumb')]"
            ".some(i => i.complete && i.naturalWidth > 0)"
        )

    assert journey.problems == [], "\n".join(journey.problems)
