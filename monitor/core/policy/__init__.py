"""Decisions around a call, not about its answer: retry (``retry``), the per-target circuit
breaker (``breaker``), budgets (``budget``), capped decompression (``inflate``) and what storage
may keep (``redact``). Pure: stdlib and the rest of ``core`` only.
"""
