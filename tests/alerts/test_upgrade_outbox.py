"""Rolling upgrades: an outbox row the previous release wrote (its recorded payload, see
``tests/fixtures/upgrade/PROVENANCE.md``) is delivered by this release, and the webhook body
carries that payload key for key, in order — the bytes receivers verify signatures over."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import sqlalchemy as sa

from monitor.simulator import Simulator
from monitor.storage.sql.tables import OutboxRow
from tests.alerts.conftest import Harness, one_probe, sink_env
from tests.fakes.clock import FakeClock
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.unit.test_upgrade_records import recorded_payloads


def _old_opening() -> dict[str, Any]:
    return next(
        p
        for p in recorded_payloads()
        if (p["transition"]["reason"], p["event"]["kind"]) == ("opened", "property-removed")
    )


def test_an_outbox_row_written_by_the_previous_release_is_delivered_unchanged(
    sim: Simulator, sim_url: str, db: str, clock: FakeClock, webhook: WebhookReceiver
) -> None:
    old = _old_opening()

    async def scenario() -> list[str]:
        async with Harness(one_probe(sim_url, db, webhook=webhook), sink_env(), clock) as h:
            await h.open_drift(sim)
            pending = [r["id"] for r in h.outbox() if r["state"] == "pending"]
            table = OutboxRow.__table__  # type: ignore[attr-defined]
            with h.app.store.engine.begin() as conn:  # as the previous release left them
                conn.execute(sa.update(table).where(table.c.id.in_(pending)).values(payload=old))
            clock.advance(60)
            await h.deliver()
            return pending

    pending = asyncio.run(scenario())
    assert pending
    bodies = webhook.bodies()
    assert bodies
    alerts = [alert for body in bodies for alert in body["alerts"]]
    assert len(alerts) == len(pending)
    for alert in alerts:
        assert json.dumps(alert) == json.dumps(old)
    assert all(webhook.signature_ok(r) for r in webhook.requests)
