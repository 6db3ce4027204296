"""CSV text the reader may trip on: a bad file is a 422 problem, never a 500 (found by the fuzz:
a carriage return inside an unquoted cell raised the csv module's own error)."""

from __future__ import annotations

import pytest

from reptidex.domain.animals.collection_csv import read_rows
from reptidex.domain.errors import InvalidInput


@pytest.mark.parametrize(
    "text",
    [
        "species,name\nball_python,Ze\rus\n",
        "species,name\r\nball_python,Zeus\rball_python,Hera\r\n",
        'species,name\nball_python,"Ze\nus"\n',
    ],
)
def test_carriage_returns_and_quoted_newlines_are_read(text: str) -> None:
    rows = read_rows(text)
    assert rows
    assert rows[0].draft.species == "ball_python"  # a bare carriage return ends a line, as in CSV


def test_a_cell_over_the_readers_limit_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="cannot be read"):
        read_rows("species,notes\nball_python," + "x" * 200_000)
