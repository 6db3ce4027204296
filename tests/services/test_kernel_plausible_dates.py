"""Implausible dates (years 0001, 9999 and the like) are refused by every service: the kernel's
one bound, the decoding of its two types, and a walk over every service's request schemas that
fails when a date is taken any other way."""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar, get, post
from litestar.params import FromQuery, JSONBody
from litestar.testing import TestClient

from reptidex.domain.errors import InvalidInput
from reptidex.domain.plausible_dates import EARLIEST, check_plausible, implausible, latest
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.plausible_dates import PlausibleDate, PlausibleDateTime
from reptidex.services.kernel.settings import Settings
from reptidex.services.registry import APP_FACTORIES

TODAY = dt.date(2026, 12, 7)


@pytest.mark.parametrize(
    "value",
    [
        dt.date(1, 1, 1),
        dt.date(1899, 12, 31),
        dt.date(9999, 12, 31),
        dt.date(2036, 12, 8),
        dt.datetime(1, 1, 1, 12, 0),
        dt.datetime(9999, 12, 31, tzinfo=dt.UTC),
        # in UTC this is still 1899
        dt.datetime(1900, 1, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=5))),
    ],
)
def test_the_bound_refuses(value: dt.date) -> None:
    assert implausible(value, today=TODAY) == (
        "not a plausible date: use one from 1900-01-01 to 2036-12-07"
    )
    with pytest.raises(InvalidInput) as refused:
        check_plausible(value, "hatch_date", today=TODAY)
    assert set(refused.value.field_errors) == {"hatch_date"}


@pytest.mark.parametrize(
    "value",
    [EARLIEST, TODAY, latest(TODAY), dt.datetime(2036, 12, 7, 23, 59, tzinfo=dt.UTC)],
)
def test_the_bound_accepts(value: dt.date) -> None:
    assert implausible(value, today=TODAY) is None


class Clutch(msgspec.Struct, forbid_unknown_fields=True):
    laid_on: PlausibleDate
    checked_at: PlausibleDateTime | None = None
    candled_on: list[PlausibleDate] = []


@post("/clutches", status_code=200)
async def add_clutch(data: JSONBody[Clutch]) -> dict[str, str]:
    return {
        "laid_on": f"{type(data.laid_on).__name__} {data.laid_on}",
        "checked_at": f"{type(data.checked_at).__name__} {data.checked_at}",
    }


@get("/clutches")
async def clutches(since: FromQuery[PlausibleDate | None] = None) -> dict[str, str]:
    return {"since": f"{type(since).__name__} {since}"}


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    kernel = build_kernel(service_spec("animal"), make_settings())
    with TestClient(create_service_app(kernel, [add_clutch, clutches])) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"laid_on": "0001-01-01"}, "laid_on"),
        ({"laid_on": "9999-12-31"}, "laid_on"),
        ({"laid_on": "2024-05-01", "checked_at": "0001-01-01T00:00:00Z"}, "checked_at"),
        ({"laid_on": "2024-05-01", "candled_on": ["2024-05-20", "9999-01-01"]}, "candled_on[1]"),
    ],
)
def test_an_implausible_date_is_a_422_naming_the_field(
    client: TestClient[Litestar], body: dict[str, Any], field: str
) -> None:
    response = client.post("/clutches", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    (error,) = response.json()["errors"]
    assert error["field"] == field
    assert "not a plausible date" in error["message"]


def test_a_plausible_date_arrives_as_a_plain_date(client: TestClient[Litestar]) -> None:
    body = {"laid_on": "2024-05-01", "checked_at": "2024-05-02T10:00:00+02:00"}
    assert client.post("/clutches", json=body).json() == {
        "laid_on": "date 2024-05-01",
        "checked_at": "datetime 2024-05-02 10:00:00+02:00",
    }
    assert client.get("/clutches?since=2024-01-01").json() == {"since": "date 2024-01-01"}
    refused = client.get("/clutches?since=0001-01-01")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "since"
    assert client.post("/clutches", json={"laid_on": "01/05/2024"}).status_code in (400, 422)


def test_openapi_shows_the_types_as_iso_strings(client: TestClient[Litestar]) -> None:
    document = client.get("/schema/openapi.json").json()
    fields = document["components"]["schemas"]["Clutch"]["properties"]
    assert fields["laid_on"]["type"] == "string"
    assert fields["laid_on"]["format"] == "date"
    assert "1900-01-01" in fields["laid_on"]["description"]
    assert {"type": "string", "format": "date-time"}.items() <= next(
        option for option in fields["checked_at"]["oneOf"] if option.get("type") == "string"
    ).items()


# --- every service takes its dates through the two types ---------------------------------


def _raw_dates(annotation: Any, seen: set[int], where: str) -> Iterator[str]:
    """Where ``annotation`` (recursively: unions, containers, Struct fields) holds a standard
    ``date`` or ``datetime`` instead of the kernel's two types."""
    if annotation in (dt.date, dt.datetime):
        yield where
        return
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        if id(annotation) in seen:
            return
        seen.add(id(annotation))
        hints = typing.get_type_hints(annotation, include_extras=True)
        for name, hint in hints.items():
            if name in annotation.__struct_fields__:
                yield from _raw_dates(hint, seen, f"{annotation.__name__}.{name}")
        return
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _raw_dates(typing.get_args(annotation)[0], seen, where)
    elif origin is not None or isinstance(annotation, types.UnionType):
        for argument in typing.get_args(annotation):
            yield from _raw_dates(argument, seen, where)


CHECKED_BY_THE_DOMAIN = {"Medication.until"}
"""Dates of domain Structs that are request bodies too (and stored as they are): their use case
checks them with ``check_plausible`` (tested with the use case)."""


def test_every_service_takes_dates_through_the_bound(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    raw: list[str] = []
    for service, factory in APP_FACTORIES.items():
        app = factory(settings)
        for route in app.routes:
            for handler in getattr(route, "route_handlers", ()):
                for name, parameter in handler.parsed_fn_signature.parameters.items():
                    where = f"{service} {handler.handler_name}({name})"
                    raw.extend(_raw_dates(parameter.annotation, set(), where))
    unchecked = sorted(set(raw) - CHECKED_BY_THE_DOMAIN)
    assert not unchecked, f"dates taken without the plausible bound: {unchecked}"
