"""A run's life: the scheduler and its slots, admission (breaker, budgets), the pipeline that
claims, probes, judges and records one run (``deps``: what it is given; its prepared probes and
its ``RunRecorder``), the ``RunResult`` it returns (``result``), the spool (and its replay) for
runs the database could not take, the reaper that takes over dead replicas' claims, and retention.

May import: core, config, contract, probes, storage, telemetry, views (a result's JSON view)
and the root's modules. Never alerts, selfcheck, report, api, app, service or cli.
"""

# Defaults the CLI shows in ``--help``: here, in a module that imports nothing, so that showing
# them loads neither the service nor the store.
SHUTDOWN_GRACE_S = 10.0  # how long runs in flight may finish after SIGTERM (`run`)
BATCH_SIZE = 500  # rows per retention transaction (`prune --batch-size`)
