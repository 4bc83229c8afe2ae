"""Observability of the monitor itself: the tracer provider and OTEL exporters (``tracing``),
attribute names (``semconv``), the run span and the delivery span, Prometheus metrics, logs and
the observers a run notifies.

May import: core (for the vocabulary), config, storage (the metrics collector reads it) and the
root's modules. Never probes, runner, alerts, selfcheck, views, report, api, app, service or cli.
"""
