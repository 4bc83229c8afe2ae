"""The dead man's switch: while the monitor is healthy, it pings a URL every
``alerts.deadman.every``, so an external checker (healthchecks.io, Dead Man's Snitch, Cronitor,
an uptime check) alerts when the pings stop. That covers the one failure the monitor cannot
report itself: being down, or unable to reach its database.

Healthy means the loop is running (there is a ping at all), the database answers, and none of
the monitor's own health events is open (a stale probe, a failing sink). When it is not
healthy, no ping goes out, and the reason is logged when it changes. The silence then looks
like what it is. The ping URL holds a credential and is never logged.

Every replica pings: the checker hears from the monitor as long as one replica is healthy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from monitor.alerts.httpsend import HttpClient, new_client
from monitor.blocking import BlockingPool
from monitor.core.policy.redact import scrub
from monitor.storage.base import SelfWatchLedger

log = logging.getLogger("monitor.selfcheck.deadman")


class DeadmanSwitch:
    def __init__(
        self,
        *,
        url: str,
        store: SelfWatchLedger,
        db: BlockingPool,
        every: timedelta,
        client: HttpClient | None = None,
    ) -> None:
        self.url = url
        self.store = store
        self.db = db
        self.every = every
        self.client = client or new_client()
        self.withheld: str | None = None  # why the last tick sent no ping

    async def tick(self) -> bool:
        """Ping if healthy; True when the checker answered 2xx."""
        reason = await self._unhealthy()
        if reason is not None:
            if reason != self.withheld:
                log.warning("dead man's switch: not pinging: %s", reason)
            self.withheld = reason
            return False
        if self.withheld is not None:
            log.info("dead man's switch: healthy again, pinging")
            self.withheld = None
        return await asyncio.to_thread(self._ping)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # a ping must never stop the monitor
                log.exception("dead man's switch: tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.every.total_seconds())

    def close(self) -> None:
        self.client.close()

    async def _unhealthy(self) -> str | None:
        try:
            open_events = await self.db.run(self.store.open_self_events)
        except Exception as exc:
            return f"the database does not answer ({type(exc).__name__})"
        if open_events:
            first = open_events[0]
            more = f" (and {len(open_events) - 1} more)" if len(open_events) > 1 else ""
            return f"{first.kind} is open for {first.probe} @ {first.target}{more}"
        return None

    def _ping(self) -> bool:
        try:
            response = self.client.get(self.url)
        except Exception as exc:  # httpx errors quote the URL: scrub it
            parts = urlsplit(self.url)
            text = scrub(f"{type(exc).__name__}: {exc}", [self.url, parts.path, parts.query])
            log.warning("dead man's switch: ping failed: %s", text)
            return False
        if not 200 <= response.status_code < 300:
            log.warning("dead man's switch: the checker answered HTTP %d", response.status_code)
            return False
        return True
