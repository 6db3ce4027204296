"""The README documents every setting the platform reads."""

from __future__ import annotations

import re
from pathlib import Path

from reptidex.services.kernel.catalog import SERVICES
from reptidex.services.kernel.settings import KNOWN_ENV_VARS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def documented(name: str) -> bool:
    for spec in SERVICES:
        name = name.replace(spec.env_prefix, "REPTIDEX_<SERVICE>_")
    if name in README:
        return True
    # A row may list sibling variables by their suffix, e.g. `_BREEDER` after `..._KEEPER`.
    suffix = "_" + name.rsplit("_", 1)[-1]
    stem = name.rsplit("_", 1)[0]
    return f"`{suffix}`" in README and stem in README


def test_every_setting_is_in_the_readme() -> None:
    missing = sorted(name for name in KNOWN_ENV_VARS if not documented(name))
    assert not missing, f"README lacks: {', '.join(missing)}"


def test_quick_start_has_exactly_two_commands() -> None:
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", README, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["./dev up", "./dev test"]
