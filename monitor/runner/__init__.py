"""A run's life: the scheduler and its slots, admission (breaker, budgets), the pipeline that
claims, probes, judges and records one run (``deps``: what it is given; its prepared probes and
its ``RunRecorder``), the ``RunResult`` it returns (``result``), the spool (and its replay) for
runs the database could not take, the reaper that takes over dead replicas' claims, and retention.

May import: core, config, contract, probes, storage, telemetry, views (a result's JSON view)
and the root's modules. Never alerts, selfcheck, report, api, app, service or cli.
"""
