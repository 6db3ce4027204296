"""The README's configuration table is the one the settings' declarations generate, and every
setting the README and docs/ name is one the platform reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reptidex.services.kernel.setting_declarations import markdown_table
from reptidex.services.kernel.settings import DECLARATIONS, KNOWN_ENV_VARS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_configuration_table_is_generated_from_the_declarations() -> None:
    assert README.count("| variable | default | meaning |") == 1
    assert markdown_table(DECLARATIONS) in README, (
        "README.md's configuration table differs from the declarations: replace it with the "
        "output of `reptidex settings --markdown`"
    )


@pytest.mark.parametrize(
    "page",
    [
        ROOT / "README.md",
        *sorted((ROOT / "docs").glob("*.md")),
        *sorted((ROOT / "docs" / "runbooks").glob("*.md")),
    ],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_every_setting_named_is_a_known_one(page: Path) -> None:
    # A name with a placeholder (`REPTIDEX_<SERVICE>_URL`, `REPTIDEX_STRIPE_PRICE_*`) is not matched.
    named = set(re.findall(r"\bREPTIDEX_[A-Z0-9_]+\b(?![<*])", page.read_text(encoding="utf-8")))
    assert not named - KNOWN_ENV_VARS, f"{page.name} names unknown settings"


def test_quick_start_has_exactly_two_commands() -> None:
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", README, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["./dev up", "./dev test"]
