"""The shape of a listing's terms as a seller writes them (msgspec constraints), shared by the
API's request bodies and the CSV import of listings."""

from __future__ import annotations

from typing import Annotated

import msgspec

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
Description = Annotated[str, msgspec.Meta(max_length=5000)]
Region = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Country = Annotated[
    str,
    msgspec.Meta(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2", examples=["DE"]),
]
