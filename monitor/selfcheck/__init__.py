"""The monitor watching itself: self-watch (stale probes, failing sinks become events), the dead
man's switch (an external checker pinged while healthy), health (heartbeats, liveness, readiness).

May import: alerts (routing, http sending), storage, config, telemetry and the root's modules.
"""
