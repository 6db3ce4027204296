"""Metrics adapters: Prometheus collectors behind the telemetry port."""
