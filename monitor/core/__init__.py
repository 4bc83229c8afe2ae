"""The pure core: observations in, findings, outcomes and event transitions out.

Nothing in this package performs I/O or imports an HTTP, database, Slack, OpenTelemetry or
scheduler library (``tests/unit/test_core_is_pure.py`` keeps it so). Time arrives as arguments.
"""
