"""``deploy/backup.sh`` backs up every service's database through the ``migrate`` job with a
command the CLI accepts, and prunes old backups only when every backup succeeded (run here
with a stand-in ``docker`` that records its arguments)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from reptidex.cli import build_parser
from reptidex.services.kernel.catalog import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "backup.sh"

STAND_IN = """#!/bin/sh
printf '%s\\n' "$*" >> "$DOCKER_LOG"
case "$*" in *"db backup ${FAIL_SERVICE:-none} "*) exit 1;; esac
"""


def _run(tmp_path: Path, fail: str = "") -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    docker = bin_dir / "docker"
    docker.write_text(STAND_IN)
    docker.chmod(0o755)
    log = tmp_path / "docker.log"
    log.unlink(missing_ok=True)
    environment = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "DOCKER_LOG": str(log),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "KEEP_DAYS": "14",
        "FAIL_SERVICE": fail,
    }
    done = subprocess.run(
        ["sh", str(SCRIPT)], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    return done, log.read_text().splitlines()


@pytest.fixture
def old_backup(tmp_path: Path) -> Path:
    """A backup file 30 days old in the backup folder."""
    folder = tmp_path / "backups"
    folder.mkdir()
    old = folder / "core-2000-01-01.backup"
    old.write_bytes(b"old")
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    return old


def test_every_service_is_backed_up_and_old_backups_pruned(
    tmp_path: Path, old_backup: Path
) -> None:
    done, calls = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    backed_up = []
    for call in calls:
        words = call.split()
        assert words[:6] == [
            "compose",
            "-f",
            "deploy/docker-compose.yml",
            "run",
            "--rm",
            "--no-deps",
        ]
        assert f"{tmp_path / 'backups'}:/backups" in words
        assert words[words.index("reptidex") - 1] == "migrate"  # the owner's URLs
        args = build_parser().parse_args(words[words.index("reptidex") + 1 :])
        assert (args.command, args.db_command) == ("db", "backup")
        assert args.to.parent == Path("/backups")
        backed_up.append(args.service)
    assert backed_up == list(SERVICE_NAMES)
    assert not old_backup.exists()


def test_a_failed_backup_exits_1_and_prunes_nothing(tmp_path: Path, old_backup: Path) -> None:
    done, calls = _run(tmp_path, fail="media")
    assert done.returncode == 1
    assert "backup of media failed" in done.stderr
    assert len(calls) == len(SERVICE_NAMES)  # the others are still backed up
    assert old_backup.exists()
