"""HTTP side of telemetry: ``POST /telemetry`` takes a batch of counters and timings."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

import msgspec
from litestar import Controller, Request, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from reptidex.domain.telemetry import Measurement, MeasurementKind, Source, TelemetryIngest
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_auth

# Generous outer bounds so a huge body is refused while decoding; the use case applies the
# real limits with a field error per problem.
_MAX_DECODED = 1000

TelemetryDep: TypeAlias = Injected[TelemetryIngest]


class MeasurementBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One counter increment (``value`` > 0) or one timing (``value`` in seconds)."""

    kind: Literal["counter", "timing"]
    name: Annotated[str, msgspec.Meta(max_length=200)]
    value: float
    labels: Annotated[dict[str, str], msgspec.Meta(max_length=50)] = {}


class TelemetryBatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Measurements reported together."""

    measurements: Annotated[list[MeasurementBody], msgspec.Meta(max_length=_MAX_DECODED)]


class TelemetryAccepted(msgspec.Struct, frozen=True):
    """How many measurements were aggregated."""

    accepted: int


class TelemetryController(Controller):
    """Telemetry ingest for signed-in clients and services."""

    path = "/telemetry"
    tags = ("telemetry",)
    security = BEARER

    @post(
        "/",
        summary="Report counters and timings",
        status_code=HTTP_202_ACCEPTED,
        guards=[requires_auth],
        description="Exposed on /metrics as reptidex_telemetry_<name>_total (counters) and "
        "reptidex_telemetry_<name>_seconds (timings), with a source label.",
    )
    async def report(
        self,
        data: JSONBody[TelemetryBatch],
        telemetry: TelemetryDep,
        principal: CurrentPrincipal,
        request: Request[Any, Any, Any],
    ) -> TelemetryAccepted:
        """Validate and aggregate a batch; rate-limited per caller."""
        source = Source.SERVICE if principal.is_service else Source.CLIENT
        measurements = [
            Measurement(
                kind=MeasurementKind(body.kind),
                name=body.name,
                value=body.value,
                labels=body.labels,
            )
            for body in data.measurements
        ]
        accepted = telemetry.accept(principal.subject, source, measurements)
        return TelemetryAccepted(accepted=accepted)
