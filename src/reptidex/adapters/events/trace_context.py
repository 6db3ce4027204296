"""An event's trace context: the W3C ``traceparent`` of the span it was created in.

The outbox writer stamps it on each event (:func:`with_trace_context`); the consumer side reads
it back (:func:`event_context`) so that its handling joins the producer's trace. Outside a
traced span (tracing off) nothing is stamped and the event is left as it is.
"""

from __future__ import annotations

import msgspec
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from reptidex.domain.events import DomainEvent

_PROPAGATOR = TraceContextTextMapPropagator()


def current_trace_context() -> dict[str, str]:
    """The ``traceparent`` (and ``tracestate``) of the current span; empty outside a span."""
    carrier: dict[str, str] = {}
    if trace.get_current_span().get_span_context().is_valid:
        _PROPAGATOR.inject(carrier)
    return carrier


def with_trace_context(event: DomainEvent) -> DomainEvent:
    """``event`` carrying the current span's context, unless it carries one already."""
    if event.trace_context:
        return event
    carrier = current_trace_context()
    return msgspec.structs.replace(event, trace_context=carrier) if carrier else event


def event_context(event: DomainEvent) -> Context:
    """The producer's context ``event`` carries (an empty context when it carries none)."""
    return _PROPAGATOR.extract(event.trace_context)
