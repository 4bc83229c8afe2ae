"""The monitor watching itself: self-watch (stale probes, failing sinks become events), the dead
man's switch (an external checker pinged while healthy), health (heartbeats, liveness, readiness).

May import: core, config, storage, telemetry, alerts (routing, HTTP sending), runner (a probe's
schedule, to know when it is overdue) and the root's modules. Never views, report, api, app,
service or cli.
"""
