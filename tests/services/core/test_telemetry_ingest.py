"""Telemetry: validation and bounds of a batch, aggregation into Prometheus metrics, exposure on
core's ``/metrics`` (parsed with ``prometheus_client.parser``), guards and the rate limit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from core_api_testkit import bearer, build_app
from litestar.testing import AsyncTestClient
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from reptidex.adapters.metrics.telemetry_collector import TelemetryCollector
from reptidex.domain.errors import InvalidInput, RateLimited
from reptidex.domain.telemetry import (
    BatchRateLimit,
    Measurement,
    MeasurementKind,
    Source,
    TelemetryIngest,
    TelemetryLimits,
)
from reptidex.services.kernel.settings import Settings

PROBLEM = "application/problem+json"


def counter(name: str, value: float = 1, **labels: str) -> Measurement:
    return Measurement(kind=MeasurementKind.COUNTER, name=name, value=value, labels=labels)


def timing(name: str, seconds: float, **labels: str) -> Measurement:
    return Measurement(kind=MeasurementKind.TIMING, name=name, value=seconds, labels=labels)


def samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def ingest(limits: TelemetryLimits | None = None) -> tuple[TelemetryIngest, CollectorRegistry]:
    registry = CollectorRegistry()
    collector = TelemetryCollector(limits).register(registry)
    return TelemetryIngest(collector, limits=limits, rate_limit=BatchRateLimit(1000)), registry


def test_counters_and_timings_are_aggregated_per_source_and_labels() -> None:
    use_case, registry = ingest()
    use_case.accept(
        "u1", Source.CLIENT, [counter("page_views", 2, page="animal"), timing("chart_render", 0.2)]
    )
    use_case.accept(
        "u2", Source.CLIENT, [counter("page_views", 3, page="animal"), timing("chart_render", 4.0)]
    )
    use_case.accept("svc", Source.SERVICE, [counter("page_views", 1, page="listing")])
    found = samples(registry)
    page = "reptidex_telemetry_page_views_total"
    assert found[(page, (("page", "animal"), ("source", "client")))] == 5
    assert found[(page, (("page", "listing"), ("source", "service")))] == 1
    chart = "reptidex_telemetry_chart_render_seconds"
    assert found[(f"{chart}_count", (("source", "client"),))] == 2
    assert found[(f"{chart}_sum", (("source", "client"),))] == pytest.approx(4.2)
    assert found[(f"{chart}_bucket", (("le", "0.25"), ("source", "client")))] == 1
    assert found[(f"{chart}_bucket", (("le", "5.0"), ("source", "client")))] == 2
    assert found[(f"{chart}_bucket", (("le", "+Inf"), ("source", "client")))] == 2


@pytest.mark.parametrize(
    ("measurement", "field"),
    [
        (counter("Page-Views"), "measurements[0].name"),
        (counter("x" * 64), "measurements[0].name"),
        (counter("_private"), "measurements[0].name"),
        (counter("ok", 0), "measurements[0].value"),
        (counter("ok", float("nan")), "measurements[0].value"),
        (timing("ok", -1), "measurements[0].value"),
        (timing("ok", 7200), "measurements[0].value"),
        (counter("ok", 1, a="1", b="2", c="3", d="4", e="5", f="6"), "measurements[0].labels"),
        (counter("ok", 1, Page="x"), "measurements[0].labels.Page"),
        (counter("ok", 1, source="x"), "measurements[0].labels.source"),
        (counter("ok", 1, page="x" * 65), "measurements[0].labels.page"),
    ],
)
def test_malformed_measurements_are_refused_with_field_errors(
    measurement: Measurement, field: str
) -> None:
    use_case, registry = ingest()
    with pytest.raises(InvalidInput) as raised:
        use_case.accept("u", Source.CLIENT, [measurement])
    assert field in raised.value.field_errors
    assert not any("telemetry" in name for name, _ in samples(registry))


def test_batch_size_is_bounded() -> None:
    use_case, _ = ingest(TelemetryLimits(max_batch=3))
    for batch in ([], [counter("a")] * 4):
        with pytest.raises(InvalidInput) as raised:
            use_case.accept("u", Source.CLIENT, batch)
        assert "measurements" in raised.value.field_errors


def test_series_per_metric_and_metric_count_are_bounded_and_batches_are_all_or_nothing() -> None:
    use_case, registry = ingest(TelemetryLimits(max_series_per_metric=2, max_metrics=2))
    use_case.accept(
        "u", Source.CLIENT, [counter("clicks", button="a"), counter("clicks", button="b")]
    )
    use_case.accept("u", Source.CLIENT, [counter("clicks", button="a")])  # known series: fine
    with pytest.raises(InvalidInput) as raised:
        use_case.accept(
            "u", Source.CLIENT, [counter("clicks", button="a"), counter("clicks", button="c")]
        )
    assert list(raised.value.field_errors) == ["measurements[1]"]
    key = ("reptidex_telemetry_clicks_total", (("button", "a"), ("source", "client")))
    assert samples(registry)[key] == 2  # the refused batch added nothing
    with pytest.raises(InvalidInput):
        use_case.accept("u", Source.CLIENT, [counter("clicks", colour="red")])  # other labels
    with pytest.raises(InvalidInput):
        use_case.accept("u", Source.CLIENT, [timing("clicks", 1.0, button="a")])  # other kind
    use_case.accept("u", Source.CLIENT, [counter("views")])
    with pytest.raises(InvalidInput) as raised:
        use_case.accept("u", Source.CLIENT, [counter("scrolls")])
    assert "no room" in raised.value.field_errors["measurements[0]"]


def test_the_rate_limit_is_per_reporter_and_slides() -> None:
    now = [0.0]
    limit = BatchRateLimit(2, 10, clock=lambda: now[0])
    limit.hit("a")
    limit.hit("a")
    limit.hit("b")
    with pytest.raises(RateLimited) as raised:
        limit.hit("a")
    assert 1 <= raised.value.retry_after <= 10
    now[0] = 10.5
    limit.hit("a")


async def test_post_telemetry_then_read_it_on_metrics(
    make_settings: Callable[..., Settings],
) -> None:
    app = build_app(make_settings())
    async with AsyncTestClient(app) as client:
        accepted = await client.post(
            "/telemetry/",
            json={
                "measurements": [
                    {
                        "kind": "counter",
                        "name": "pedigree_views",
                        "value": 3,
                        "labels": {"view": "tree"},
                    },
                    {"kind": "timing", "name": "search_latency", "value": 0.08},
                ]
            },
            headers=bearer("viewer"),
        )
        assert accepted.status_code == 202, accepted.text
        assert accepted.json() == {"accepted": 2}
        from_service = await client.post(
            "/telemetry/",
            json={
                "measurements": [
                    {
                        "kind": "counter",
                        "name": "pedigree_views",
                        "value": 1,
                        "labels": {"view": "tree"},
                    }
                ]
            },
            headers=bearer("media"),
        )
        assert from_service.status_code == 202
        exposition = (await client.get("/metrics")).text
    families = {f.name: f for f in text_string_to_metric_families(exposition)}
    views = families["reptidex_telemetry_pedigree_views"]
    assert views.type == "counter"
    by_source = {s.labels["source"]: s.value for s in views.samples if s.name.endswith("_total")}
    assert by_source == {"client": 3.0, "service": 1.0}
    latency = families["reptidex_telemetry_search_latency_seconds"]
    assert latency.type == "histogram"
    count = [s.value for s in latency.samples if s.name.endswith("_count")]
    assert count == [1.0]
    assert "reptidex_http_requests" in families  # the kernel's own metrics are still there


async def test_post_telemetry_needs_a_token_and_valid_input(
    make_settings: Callable[..., Settings],
) -> None:
    app = build_app(make_settings())
    good = {"measurements": [{"kind": "counter", "name": "ok", "value": 1}]}
    async with AsyncTestClient(app) as client:
        anonymous = await client.post("/telemetry/", json=good)
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"].startswith(PROBLEM)
        for body, field in [
            (
                {"measurements": [{"kind": "counter", "name": "Bad Name", "value": 1}]},
                "measurements[0].name",
            ),
            ({"measurements": [{"kind": "gauge", "name": "ok", "value": 1}]}, "kind"),
            ({"measurements": []}, "measurements"),
            (
                {
                    "measurements": [
                        {"kind": "counter", "name": "ok", "value": 1, "labels": {"x": "y" * 100}}
                    ]
                },
                "measurements[0].labels.x",
            ),
            ({"nonsense": True}, None),
        ]:
            response = await client.post("/telemetry/", json=body, headers=bearer("viewer"))
            assert response.status_code == 422, (body, response.text)
            assert response.headers["content-type"].startswith(PROBLEM)
            if field is not None:
                errors = response.json()["errors"]
                assert any(field in e["field"] + e["message"] for e in errors), errors


async def test_post_telemetry_is_rate_limited(make_settings: Callable[..., Settings]) -> None:
    app = build_app(make_settings())
    good = {"measurements": [{"kind": "counter", "name": "ok", "value": 1}]}
    async with AsyncTestClient(app) as client:
        statuses = [
            (await client.post("/telemetry/", json=good, headers=bearer("owner"))).status_code
            for _ in range(61)
        ]
        other = await client.post("/telemetry/", json=good, headers=bearer("viewer"))
        last = await client.post("/telemetry/", json=good, headers=bearer("owner"))
    assert statuses[:60] == [202] * 60
    assert statuses[60] == 429
    assert int(last.headers["retry-after"]) >= 1
    assert last.headers["content-type"].startswith(PROBLEM)
    assert other.status_code == 202
