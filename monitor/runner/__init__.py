"""A run's life: the scheduler and its slots, admission (breaker, budgets), the pipeline that
claims, probes, judges and records one run (its prepared probes, its ``RunRecorder``), the
``RunResult`` it returns, the spool (and its replay) for runs the database could not take, the
reaper that takes over dead replicas' claims, and retention.

May import: core, contract, config, probes, storage, telemetry, views (a result's JSON view),
and the root's errors, clock, ids, blocking. Never alerts, selfcheck, cli or api.
"""
