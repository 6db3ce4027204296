"""Paging shared by the list endpoints: ``limit``/``offset`` in, items with ``total`` out."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

T = TypeVar("T")

Limit = Annotated[int, QueryParameter(ge=1, le=500, description="Items per page (1-500).")]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000_000, description="Items to skip.")]


class Page(msgspec.Struct, Generic[T], frozen=True):
    """One page of a list: its items, how many there are in all, and where the page starts."""

    items: list[T]
    total: int
    limit: int
    offset: int
