"""A run's life: the scheduler and its slots, admission (breaker, budgets), the pipeline that
claims, probes, judges and records one run, the rows it returns, the spool (and its replay) for
runs the database could not take, the reaper that takes over dead replicas' claims, and retention.

May import: core, contract, config, probes, storage, telemetry, and the root's errors, clock, ids,
blocking. Never alerts, selfcheck, views, cli or api.
"""

# Defaults the CLI shows in ``--help``: here, in a module that imports nothing, so that showing
# them loads neither the service nor the store.
SHUTDOWN_GRACE_S = 10.0  # how long runs in flight may finish after SIGTERM (`run`)
BATCH_SIZE = 500  # rows per retention transaction (`prune --batch-size`)
