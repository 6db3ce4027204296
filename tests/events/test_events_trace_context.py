"""An event takes the trace context of the span it is staged in, and its consumer joins it."""

from __future__ import annotations

import msgspec
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import format_span_id, format_trace_id, get_current_span

from reptidex.adapters.events.trace_context import (
    current_trace_context,
    event_context,
    with_trace_context,
)
from reptidex.domain.events import new_event

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_outside_a_span_an_event_is_left_as_it_is() -> None:
    event = new_event("animal.created", producer="animal")
    assert current_trace_context() == {}
    assert with_trace_context(event) is event


def test_inside_a_span_an_event_carries_its_traceparent() -> None:
    tracer = TracerProvider().get_tracer("test")
    event = new_event("animal.created", producer="animal")
    with tracer.start_as_current_span("POST /animals") as span:
        stamped = with_trace_context(event)
    context = span.get_span_context()
    trace, parent = format_trace_id(context.trace_id), format_span_id(context.span_id)
    assert list(stamped.trace_context) == ["traceparent"]
    assert stamped.trace_context["traceparent"].startswith(f"00-{trace}-{parent}-")
    assert stamped.id == event.id


def test_a_context_an_event_carries_already_is_kept() -> None:
    tracer = TracerProvider().get_tracer("test")
    event = msgspec.structs.replace(
        new_event("animal.created", producer="animal"), trace_context={"traceparent": TRACEPARENT}
    )
    with tracer.start_as_current_span("relay"):
        assert with_trace_context(event) is event


def test_a_consumer_span_is_a_child_of_the_producers() -> None:
    tracer = TracerProvider().get_tracer("test")
    event = msgspec.structs.replace(
        new_event("animal.created", producer="animal"), trace_context={"traceparent": TRACEPARENT}
    )
    with tracer.start_as_current_span("handle", context=event_context(event)):
        context = get_current_span().get_span_context()
    assert format_trace_id(context.trace_id) == TRACEPARENT.split("-")[1]
    assert event_context(new_event("animal.created", producer="animal")) == {}
