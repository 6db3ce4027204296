"""The README's first journey through the API, run as written: its ``sh`` blocks, in order, by
bash with ``curl`` and ``jq``, against ``reptidex up`` as a real process (the only change: the
services' addresses and the mail outbox, which the blocks take from the environment)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ci_gate import unavailable
from platform_process import clean_environment, free_port_block, running_platform

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## A first journey through the API"

pytestmark = pytest.mark.slow


def journey_blocks(text: str) -> list[str]:
    """The ``sh`` blocks of the README's journey section, in order."""
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start : end if end >= 0 else None]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


@dataclass(frozen=True)
class Journey:
    """What the journey printed, and the platform's data folder."""

    output: str
    data_dir: Path


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    if missing:
        unavailable(f"the README's journey needs {', '.join(missing)} (apt-get install curl jq)")
    folder = tmp_path_factory.mktemp("journey")
    data_dir = folder / "data"
    base = free_port_block()
    environ = clean_environment(data_dir, {"REPTIDEX_LOG_LEVEL": "WARNING"})
    with running_platform(base, environ, folder / "platform.log"):
        shell = {
            **environ,
            "CORE": f"http://127.0.0.1:{base}",
            "ANIMAL": f"http://127.0.0.1:{base + 1}",
            "OUTBOX": str(data_dir / "mail-outbox"),
        }
        script = "\n".join(journey_blocks(README.read_text(encoding="utf-8")))
        ran = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=folder,
            env=shell,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ran.returncode == 0, f"the journey stopped:\n{ran.stdout}\n{ran.stderr}"
        yield Journey(ran.stdout, data_dir)


def test_the_section_has_every_step() -> None:
    script = "\n".join(journey_blocks(README.read_text(encoding="utf-8")))
    for step in ("/auth/register", "/auth/verify-email", "/auth/login", "/orgs",
                 "/auth/switch-organisation", "/animals", "/genetics/predict",
                 "/breeding/pairs", "/breeding/clutches", "/lineage/"):  # fmt: skip
        assert step in script, step


def test_the_address_is_confirmed_from_the_outbox(journey: Journey) -> None:
    assert '"email_verified":true' in journey.output
    assert any((journey.data_dir / "mail-outbox").glob("*verify_email*.eml"))


def test_the_prediction_is_printed_in_exact_fractions(journey: Journey) -> None:
    printed = set(journey.output.splitlines())
    assert {"1/4 Pastel Clown", "1/4 Pastel", "1/4 Clown", "1/4 Normal"} <= printed


def test_the_hatchlings_lineage_names_its_parents(journey: Journey) -> None:
    lines = journey.output.splitlines()
    assert "S Apollo Pastel" in lines
    assert "D Athena Clown" in lines
    assert any(line.startswith(" BP-") and line.endswith(" Pastel Clown") for line in lines)
