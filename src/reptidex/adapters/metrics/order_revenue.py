"""Money taken by the marketplace, as Prometheus counters fed by commerce's published events.

The outbox relay shows every event it has published (once its pass committed) to
:meth:`PaidOrderRevenue.observe`; each ``order.paid`` adds its price and the platform's fee, in
the currency's minor units, to ``reptidex_orders_paid_amount_minor_total`` and
``reptidex_orders_platform_fee_minor_total`` (labelled with the currency). Counters start at
zero with the process, as Prometheus expects of a counter (``increase()`` spans restarts).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import msgspec
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from reptidex.domain.commerce.events import OrderChanged
from reptidex.domain.events import DomainEvent

PAID_EVENT = "order.paid"


class PaidOrderRevenue(Collector):
    """Counts the amounts of paid orders by currency (an outbox relay observer)."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._lock = threading.Lock()  # a scrape reads while the relay adds
        self._paid: Counter[str] = Counter()
        self._fees: Counter[str] = Counter()

    def observe(self, event: DomainEvent) -> None:
        """Add an ``order.paid`` event's price and fee; any other event is ignored.

        Raises:
            msgspec.ValidationError: the payload is not an order's (the relay logs it).
        """
        if event.type != PAID_EVENT:
            return
        order = msgspec.convert(event.payload, OrderChanged)
        with self._lock:
            self._paid[order.currency] += order.price_amount
            self._fees[order.currency] += order.platform_fee_amount

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            paid, fees = dict(self._paid), dict(self._fees)
        for name, documentation, amounts in (
            (
                "reptidex_orders_paid_amount_minor",
                "Prices of the orders paid, in minor units of their currency.",
                paid,
            ),
            (
                "reptidex_orders_platform_fee_minor",
                "Platform fees of the orders paid, in minor units of their currency.",
                fees,
            ),
        ):
            family = CounterMetricFamily(name, documentation, labels=["service", "currency"])
            for currency, amount in sorted(amounts.items()):
                family.add_metric([self._service, currency], float(amount))
            yield family
