"""The pure core: observations in, findings, outcomes and event transitions out.
Sub-folders hold the larger concerns: ``shape/`` (bodies and their shapes), ``stream/`` (SSE
streams) and ``policy/`` (decisions around a call: retry, breaker, budget, inflate, redact); the
judge (``judge``, ``answer``, ``run_events``), the vocabulary (``model``, ``taxonomy``), the
classification (``classify``, ``classify_parts``), ``events``, ``baseline``, ``assumptions``,
``overrides``, ``documented`` (the contract port) and ``evidence`` sit here.

May import: the standard library and the root's errors, clock and ids; nothing else of ours and
no HTTP, database, Slack, OpenTelemetry or scheduler library (``tests/unit/test_core_is_pure.py``
and ``tests/unit/test_layering.py`` keep it so). Time arrives as arguments.
"""
