"""A hostile sink's ``Retry-After`` (issue #16): ``inf`` and ``1e300`` used to crash delivery with
``OverflowError``, ``999999999`` parked the alert for 31 years while the self-watch said no sink
was failing. Against the webhook stand-in, with the test's clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from monitor.core.policy.retry import MAX_RETRY_AFTER_S, parse_retry_after
from tests.alerts.conftest import Drifted
from tests.fakes.clock import FakeClock
from tests.fakes.http_fake import Reply
from tests.fakes.webhook_receiver import WebhookReceiver


@pytest.mark.parametrize("value", ["inf", "1e300", "nan", "-5", "Infinity", "9" * 400])
def test_an_unreadable_retry_after_backs_off_instead_of_crashing(
    drifted: Drifted, webhook: WebhookReceiver, clock: FakeClock, value: str
) -> None:
    async def scenario() -> None:
        async with drifted(webhook=webhook) as h:
            webhook.answer("hook", Reply(429, "slow down", {"Retry-After": value}))
            assert await h.deliver() == 0
            row = next(r for r in h.outbox() if r["sink"] == "webhook")
            assert row["state"] == "pending"
            wait = row["next_attempt_at"] - clock.now()
            assert timedelta(seconds=1) <= wait <= timedelta(hours=1)
            clock.advance(wait.total_seconds())
            assert await h.deliver() == 1

    asyncio.run(scenario())


def test_a_years_long_retry_after_is_capped_and_the_sink_counts_as_failing(
    drifted: Drifted, webhook: WebhookReceiver, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with drifted(webhook=webhook) as h:
            webhook.answer("hook", Reply(429, "slow down", {"Retry-After": "999999999"}))
            assert await h.deliver() == 0
            row = next(r for r in h.outbox() if r["sink"] == "webhook")
            assert row["next_attempt_at"] == clock.now() + timedelta(hours=1)  # the default cap
            store = h.app.store
            health = store.sink_health("webhook", clock.now(), timedelta(minutes=15))
            assert health.failing
            assert "held back until" in health.reason
            opened = [
                e
                for e in store.list_events(states=("open",))
                if e.kind == "delivery-failing" and e.target == "webhook"
            ]
            assert len(opened) == 1  # what `monitor alert status` lists as a failing sink
            clock.advance(3600)
            assert await h.deliver() >= 1
            assert not store.sink_health("webhook", clock.now(), timedelta(minutes=15)).failing

    asyncio.run(scenario())


def test_the_cap_is_alerts_max_retry_after(
    drifted: Drifted, webhook: WebhookReceiver, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with drifted(webhook=webhook) as h:
            h.app.dispatcher.max_retry_after = timedelta(minutes=2)
            webhook.answer("hook", Reply(503, "busy", {"Retry-After": "600"}))
            await h.deliver()
            row = next(r for r in h.outbox() if r["sink"] == "webhook")
            assert row["next_attempt_at"] == clock.now() + timedelta(minutes=2)

    asyncio.run(scenario())


def test_one_parser_reads_delta_seconds_and_dates_and_refuses_the_rest() -> None:
    now = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("1.5", now) == 1.5
    assert parse_retry_after("Fri, 08 May 2026 14:00:30 GMT", now) == 30.0
    assert parse_retry_after("Fri, 08 May 2026 14:00:30 -0000", now) == 30.0
    assert parse_retry_after("999999999", now) == MAX_RETRY_AFTER_S
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now) == MAX_RETRY_AFTER_S
    for bad in ("inf", "1e300", "nan", "-1", "", "soon", "9" * 400, "x" * 1000):
        assert parse_retry_after(bad, now) is None, bad
