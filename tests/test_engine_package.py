"""``import reptidex.engine`` is the library's front door: both parts, loaded when first used."""

from __future__ import annotations

import subprocess
import sys

import pytest

import reptidex.engine as engine


def test_both_parts_are_reached_from_the_package() -> None:
    assert engine.genetics.load_catalog("ball_python").id == "ball_python"
    assert engine.pedigree.Pedigree([engine.pedigree.Animal("A")]).ids == ("A",)
    assert {"genetics", "pedigree"} <= set(dir(engine))
    assert engine.__doc__ is not None
    assert "reptidex.engine.genetics" in engine.__doc__


def test_a_part_is_imported_only_when_first_used() -> None:
    code = (
        "import sys, reptidex.engine as e; "
        "print('reptidex.engine.pedigree' in sys.modules, 'reptidex.engine.genetics' in sys.modules); "
        "e.genetics; print('reptidex.engine.pedigree' in sys.modules, 'reptidex.engine.genetics' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False", "True"]


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(
        AttributeError, match=r"^module 'reptidex\.engine' has no attribute 'nothing'$"
    ):
        engine.nothing  # noqa: B018
