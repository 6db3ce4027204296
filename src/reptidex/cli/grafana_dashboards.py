"""Grafana dashboards generated from the SLO file: one per service, the SLOs, the business.

* ``reptidex-<service>.json``: the service's RED figures (request rate, 5xx share, p50/p95/p99
  latency, slowest routes), its database pool, its outbox (pending, oldest, published, failed)
  and its events published by type;
* ``reptidex-slos.json``: per service and objective, the error budget left over the period, the
  burn rates over each recorded window, and the objectives' bad-event shares;
* ``reptidex-business.json``: new breeders (organisations), animals, breeding pairs, clutches,
  listings and orders, counted from the events the services publish, and the paid orders'
  amounts by currency.

``reptidex.json`` (the overview, all services on one board) is written by hand. Every panel
reads the provisioned Prometheus datasource (uid ``reptidex-prometheus``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from reptidex.cli.prometheus_rules import Slos, regex_literal

DATASOURCE = {"type": "prometheus", "uid": "reptidex-prometheus"}
RATE = "$__rate_interval"
BUSINESS_EVENTS: tuple[tuple[str, str], ...] = (
    ("New breeders (organisations)", "user.organisation_created"),
    ("New accounts", "user.registered"),
    ("Animals added", "animal.created"),
    ("Breeding pairs", "breeding.pair_created"),
    ("Clutches recorded", "breeding.clutch_recorded"),
    ("Listings created", "listing.created"),
    ("Orders placed", "order.placed"),
    ("Orders paid", "order.paid"),
)
"""The business figures: a title and the event type counted."""


@dataclass(frozen=True, slots=True)
class Panel:
    """A panel: its title, what it shows, its queries (expression, legend) and its unit."""

    title: str
    description: str
    queries: Sequence[tuple[str, str]]
    unit: str = "short"
    kind: str = "timeseries"
    width: int = 12


def _panel(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    options: dict[str, Any]
    if panel.kind == "timeseries":
        options = {
            "legend": {"displayMode": "table", "placement": "right", "calcs": ["lastNotNull"]},
            "tooltip": {"mode": "multi", "sort": "desc"},
        }
        custom: dict[str, Any] = {"drawStyle": "line", "fillOpacity": 10, "showPoints": "never"}
    else:
        options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}
        custom = {}
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": panel.unit, "custom": custom}, "overrides": []},
        "options": options,
        "targets": [
            {
                "refId": chr(ord("A") + index),
                "datasource": DATASOURCE,
                "expr": expr,
                "legendFormat": legend,
                "range": panel.kind == "timeseries",
                "instant": panel.kind != "timeseries",
            }
            for index, (expr, legend) in enumerate(panel.queries)
        ],
    }


def _layout(panels: Sequence[Panel]) -> Iterator[dict[str, Any]]:
    x = y = 0
    for panel_id, panel in enumerate(panels, start=1):
        if x + panel.width > 24:
            x, y = 0, y + 8
        yield _panel(panel, panel_id, x, y)
        x += panel.width


def dashboard(
    uid: str,
    title: str,
    description: str,
    panels: Sequence[Panel],
    *,
    time_from: str = "now-6h",
    templating: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A dashboard document of ``panels``, laid out two to a row."""
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["reptidex", "generated"],
        "timezone": "browser",
        "editable": False,
        "graphTooltip": 1,
        "refresh": "1m",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": time_from, "to": "now"},
        "templating": {"list": list(templating)},
        "annotations": {"list": []},
        "links": [{"type": "dashboards", "tags": ["reptidex"], "title": "ReptiDex"}],
        "panels": list(_layout(panels)),
    }


def service_panels(service: str, excluded: Sequence[str]) -> list[Panel]:
    """A service's RED figures, database pool, outbox and published events."""
    selector = f'service="{service}"'
    users = selector + (
        f',route!~"{"|".join(regex_literal(route) for route in excluded)}"' if excluded else ""
    )
    requests = f"reptidex_http_requests_total{{{users}}}"
    buckets = f"reptidex_http_request_duration_seconds_bucket{{{users}}}"
    latency = [
        (f"histogram_quantile({q}, sum by (le) (rate({buckets}[{RATE}])))", f"p{round(q * 100)}")
        for q in (0.5, 0.95, 0.99)
    ]
    return [
        Panel(
            "Request rate by status",
            "Requests per second, by status (probes and scrapes left out).",
            [(f"sum by (status) (rate({requests}[{RATE}]))", "{{status}}")],
            unit="reqps",
        ),
        Panel(
            "Error rate (5xx share)",
            "The share of requests answered with a 5xx status (the errors objective: under 1%).",
            [
                (
                    f'sum(rate(reptidex_http_requests_total{{{users},status=~"5.."}}[{RATE}]))'
                    f" / sum(rate({requests}[{RATE}]))",
                    "5xx share",
                )
            ],
            unit="percentunit",
        ),
        Panel(
            "Latency p50 / p95 / p99",
            "Request duration quantiles (the latency objective: p95 under 500 ms).",
            latency,
            unit="s",
        ),
        Panel(
            "Slowest routes (p95)",
            "The p95 duration of each route template.",
            [
                (
                    f"topk(10, histogram_quantile(0.95, sum by (le, method, route) "
                    f"(rate({buckets}[{RATE}]))))",
                    "{{method}} {{route}}",
                )
            ],
            unit="s",
        ),
        Panel(
            "Database pool",
            "Connections in use, idle and the pool's size (all in use: requests wait).",
            [
                (f"sum(reptidex_db_pool_checkedout{{{selector}}})", "in use"),
                (f"sum(reptidex_db_pool_checkedin{{{selector}}})", "idle"),
                (f"sum(reptidex_db_pool_size{{{selector}}})", "size"),
            ],
        ),
        Panel(
            "Outbox backlog",
            "Events committed but not yet published, and the age of the oldest.",
            [
                (f"sum(reptidex_outbox_pending{{{selector}}})", "pending"),
                (f"max(reptidex_outbox_lag_seconds{{{selector}}})", "oldest (s)"),
            ],
        ),
        Panel(
            "Outbox relay",
            "Events published to the bus and failed publishes, per second.",
            [
                (f"sum(rate(reptidex_outbox_published_total{{{selector}}}[{RATE}]))", "published"),
                (f"sum(rate(reptidex_outbox_failures_total{{{selector}}}[{RATE}]))", "failures"),
            ],
            unit="ops",
        ),
        Panel(
            "Events published by type",
            "Domain events the relay published, per second, by type.",
            [
                (
                    f"sum by (type) (rate(reptidex_events_published_total{{{selector}}}[{RATE}]))",
                    "{{type}}",
                )
            ],
            unit="ops",
        ),
        Panel(
            "Dead letters",
            "Events the bus gave up delivering (the Redis bus's stream is shared by all).",
            [(f"max by (bus) (reptidex_event_dead_letters{{{selector}}})", "{{bus}}")],
        ),
        Panel(
            "Availability (scrapes)",
            "Whether Prometheus reaches the service's /metrics (1 up, 0 down).",
            [(f'up{{job="{service}"}}', "{{instance}}")],
        ),
    ]


def slo_panels(slos: Slos) -> list[Panel]:
    """Per objective: the budget left, the burn rates, the bad-event share against the goal."""
    panels = []
    for kind in ("availability", "errors", "latency"):
        selector = f'slo="{kind}",service=~"$service"'
        panels.append(
            Panel(
                f"{kind.capitalize()}: error budget left ({slos.period})",
                f"The share of the {kind} objective's {slos.period} budget not yet spent.",
                [(f"reptidex:slo_budget_remaining:ratio{{{selector}}}", "{{service}}")],
                unit="percentunit",
                kind="bargauge",
            )
        )
        panels.append(
            Panel(
                f"{kind.capitalize()}: burn rate",
                "How many times faster than the period allows the budget burns (1: exactly "
                "spent at the period's end); the fast alert fires above "
                f"{slos.burn_alerts[0].burn_rate:g} over both of its windows.",
                [
                    (
                        f"reptidex:slo_burn_rate:rate{window}{{{selector}}}",
                        f"{{{{service}}}} {window}",
                    )
                    for window in ("1h", "6h")
                ],
            )
        )
    panels.append(
        Panel(
            "Objectives",
            "Each service's objectives.",
            [('reptidex:slo_objective:ratio{service=~"$service"}', "{{service}} {{slo}}")],
            unit="percentunit",
            kind="stat",
            width=24,
        )
    )
    return panels


def business_panels() -> list[Panel]:
    """The business figures, from the published events and the paid orders' amounts."""
    panels = [
        Panel(
            f"{title} per day",
            f"`{event_type}` events published, per day.",
            [
                (
                    f'sum(increase(reptidex_events_published_total{{type="{event_type}"}}[1d]))',
                    title,
                )
            ],
        )
        for title, event_type in BUSINESS_EVENTS
    ]
    panels.append(
        Panel(
            "Paid orders: amount per day, by currency (minor units)",
            "The prices of the orders paid, in minor units (cents) of each currency.",
            [
                (
                    "sum by (currency) (increase(reptidex_orders_paid_amount_minor_total[1d]))",
                    "{{currency}}",
                )
            ],
        )
    )
    panels.append(
        Panel(
            "Platform fees per day, by currency (minor units)",
            "The platform's fees on the orders paid, in minor units of each currency.",
            [
                (
                    "sum by (currency) (increase(reptidex_orders_platform_fee_minor_total[1d]))",
                    "{{currency}}",
                )
            ],
        )
    )
    return panels


def _service_variable(slos: Slos) -> dict[str, Any]:
    values = ",".join(slos.services)
    return {
        "name": "service",
        "label": "Service",
        "type": "custom",
        "query": values,
        "includeAll": True,
        "multi": True,
        "allValue": "|".join(slos.services),
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "options": [],
    }


def dashboards(slos: Slos) -> dict[str, dict[str, Any]]:
    """Every generated dashboard, by file name."""
    documents = {
        f"reptidex-{service}.json": dashboard(
            f"reptidex-{service}",
            f"ReptiDex {service}",
            f"repti-{service}: requests, errors, latency, database pool and background work.",
            service_panels(service, slos.excluded_routes),
            time_from="now-3h",
        )
        for service in slos.services
    }
    documents["reptidex-slos.json"] = dashboard(
        "reptidex-slos",
        "ReptiDex SLOs",
        "Error budgets and burn rates of the availability, errors and latency objectives.",
        slo_panels(slos),
        time_from="now-7d",
        templating=[_service_variable(slos)],
    )
    documents["reptidex-business.json"] = dashboard(
        "reptidex-business",
        "ReptiDex business",
        "New breeders, animals, pairs, clutches, listings, orders and revenue, from the events.",
        business_panels(),
        time_from="now-30d",
    )
    return documents


def render_dashboards(slos: Slos) -> dict[str, str]:
    """Every generated dashboard's JSON text, by file name."""
    return {
        name: json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        for name, document in dashboards(slos).items()
    }
