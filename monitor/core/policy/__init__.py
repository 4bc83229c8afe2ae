"""Decisions around a call, not about its answer: retry (``retry``), the per-target circuit
breaker (``breaker``), budgets (``budget``), why admission refused a run (``refusal``), capped
decompression (``inflate``) and what storage may keep (``redact``).

May import: the stdlib and ``core``'s root modules. Never ``core.shape`` or ``core.stream``,
nothing outside ``core`` but the root's errors, clock and ids.
"""
