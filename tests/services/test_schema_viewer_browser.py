"""The API documentation in headless Chromium: ``/schema`` of a service served over a real
socket renders its operations with the viewer's files from the service itself (this machine
reaches no CDN, so a viewer loaded from one would show nothing)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import pytest
from litestar.testing import TestClient

from chromium import Browser, require_chromium
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.settings import Settings
from reptidex.services.registry import APP_FACTORIES
from threaded_server import served

pytestmark = pytest.mark.slow


def test_the_schema_page_shows_the_operations_in_a_browser(
    make_settings: Callable[..., Settings],
) -> None:
    require_chromium()
    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    with served(APP_FACTORIES["animal"](settings)) as url, Browser() as browser:
        browser.open(f"{url}/schema")
        deadline = time.monotonic() + 20
        while not browser.evaluate("document.querySelectorAll('.opblock').length"):
            assert time.monotonic() < deadline, browser.text[:500]
            time.sleep(0.1)
        shown = browser.text
        assert "repti-animal" in shown
        assert "/animals" in shown
        assert "/health/deep" in shown
        loaded = browser.evaluate(
            "JSON.stringify(performance.getEntriesByType('resource').map(e => e.name))"
        )
        assert all(name.startswith(url) for name in json.loads(loaded)), loaded


def test_the_schema_page_names_nothing_outside_the_service(
    make_settings: Callable[..., Settings],
) -> None:
    # the browser fetches the icon late, so the check above may not see it: read the page
    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    with TestClient(APP_FACTORIES["animal"](settings)) as client:
        page = client.get("/schema").text
    assert re.findall(r"(?:src|href)=['\"]([^'\"]+)", page)
    assert not re.findall(r"(?:src|href)=['\"](?:https?:)?//", page)
    assert "/schema/assets/favicon-32x32.png" in page
