"""Mypy reads the tests as pytest imports them, so that a helper imported by module name
(``from media_testkit import ...``) is checked rather than silently taken as ``Any``."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_test_directory_is_a_base_of_mypys_path() -> None:
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    directories = {
        path.parent.relative_to(ROOT).as_posix()
        for path in (ROOT / "tests").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    missing = sorted(directories - set(mypy["mypy_path"]))
    assert not missing, f"add to [tool.mypy] mypy_path in pyproject.toml: {', '.join(missing)}"
    assert mypy["explicit_package_bases"] is True
    assert {"tests", "benchmarks"} <= set(mypy["files"])
