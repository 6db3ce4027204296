"""Date and date-time inputs bounded to plausible days, in one place for every service.

A request schema (a msgspec Struct of a body, or a query parameter) types a date a caller gives
as :class:`PlausibleDate` and a date-time as :class:`PlausibleDateTime` (the domain's marker
types, for its own Structs that are request bodies too) instead of
``datetime.date`` / ``datetime.datetime``. The kernel decodes both (:data:`TYPE_DECODERS`):
the ISO 8601 text msgspec reads for the standard type, then the bound of
:mod:`reptidex.domain.plausible_dates`; a value outside it is refused with 422 problem+json
naming the field. The decoded value is a plain ``date`` / ``datetime``. OpenAPI shows them as
``string`` of format ``date`` / ``date-time`` (:class:`PlausibleDateSchema`).
``tests/services/test_kernel_plausible_dates.py`` fails when a service takes a date another way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from reptidex.domain.plausible_dates import (
    EARLIEST,
    YEARS_AHEAD,
    PlausibleDate,
    PlausibleDateTime,
    implausible,
)

__all__ = ["TYPE_DECODERS", "PlausibleDate", "PlausibleDateSchema", "PlausibleDateTime"]


_STANDARD: dict[type, type] = {PlausibleDate: dt.date, PlausibleDateTime: dt.datetime}


def _is_plausible_type(kind: Any) -> bool:
    return kind in _STANDARD


def _decode(kind: type, value: Any) -> dt.date:
    standard = _STANDARD[kind]
    try:
        decoded = value if type(value) is standard else msgspec.convert(value, standard)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None
    assert isinstance(decoded, dt.date)
    reason = implausible(decoded)
    if reason is not None:
        raise ValueError(reason)
    return decoded


TYPE_DECODERS: Sequence[tuple[Callable[[Any], bool], Callable[[type, Any], Any]]] = (
    (_is_plausible_type, _decode),
)
"""The decoders every service app installs."""

_BOUND = f"from {EARLIEST.isoformat()} to {YEARS_AHEAD} years after today (UTC)"


class PlausibleDateSchema(OpenAPISchemaPlugin):
    """OpenAPI for the two types: ISO strings, with the bound in their description."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        """Whether the field is one of the two types."""
        return _is_plausible_type(field_definition.annotation)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        """A ``string`` of format ``date`` or ``date-time``."""
        if field_definition.annotation is PlausibleDate:
            return Schema(
                type=OpenAPIType.STRING, format=OpenAPIFormat.DATE, description=f"A date {_BOUND}."
            )
        return Schema(
            type=OpenAPIType.STRING,
            format=OpenAPIFormat.DATE_TIME,
            description=f"An RFC 3339 date-time, its day {_BOUND}.",
        )
