"""Each sink against its stand-in, one delivery at a time: what it sends, and how it reads
errors (transient or permanent), including a slow server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from monitor.alerts.base import Delivery
from monitor.alerts.slack import SlackSink, build_client
from monitor.alerts.webhook import WebhookSink
from monitor.errors import DeliveryError
from monitor.storage.records import OutboxItem
from tests.fakes.clock import FakeClock
from tests.fakes.http_fake import Reply
from tests.fakes.slack_api import TOKEN, SlackApi, ok_false
from tests.fakes.webhook_receiver import SECRET, WebhookReceiver
from tests.unit.test_alert_render import payload


def delivery(
    reason: str = "opened",
    *,
    thread_ref: str | None = None,
    unknown: bool = False,
    members: tuple[dict[str, Any], ...] = (),
) -> Delivery:
    body = payload(reason)
    item = OutboxItem(
        id="o1",
        sink="slack",
        event_id="0196-ev",
        transition_id="t1",
        attempts=0,
        idempotency_key="key-1",
        external_ref=None,
        payload=body,
    )
    return Delivery(
        sink="slack",
        key="key-1",
        items=(item,),
        payloads=(body,),
        thread_ref=thread_ref,
        thread_events=members,
        unknown_outcome=unknown,
    )


def _sink(slack: SlackApi, channel: str = "C0ALERTS01", timeout_s: int = 10) -> SlackSink:
    return SlackSink(build_client(TOKEN, slack.api_url, timeout_s), channel)


def test_an_accepted_baseline_resolves_in_the_thread_and_redraws_the_opening(
    slack: SlackApi,
) -> None:
    sink = _sink(slack)
    root = sink.deliver(delivery())
    assert root is not None
    member = {"id": "0196-ev", "probe": "chat", "state": "resolved", "target": "comet"}
    reply = sink.deliver(delivery("accepted", thread_ref=root, members=(member,)))
    (message,) = slack.thread(root)
    assert message.ts == reply
    assert "ACCEPTED" in message.all_text
    assert "(baseline accepted)" in message.all_text
    redrawn = slack.find(root).all_text
    assert "ACCEPTED" in redrawn
    assert "✅" in redrawn


@pytest.mark.parametrize(
    ("reply", "permanent", "retry_after"),
    [
        (ok_false("channel_not_found"), True, None),
        (ok_false("some_new_error"), True, None),
        (ok_false("internal_error"), False, None),
        (Reply(500, "upstream"), False, None),
        (ok_false("ratelimited", 429, **{"Retry-After": "12"}), False, 12.0),
    ],
)
def test_slack_errors_say_whether_retrying_can_help(
    slack: SlackApi, reply: Reply, permanent: bool, retry_after: float | None
) -> None:
    slack.answer("chat.postMessage", reply)
    with pytest.raises(DeliveryError) as caught:
        _sink(slack).deliver(delivery())
    assert caught.value.permanent is permanent
    assert caught.value.retry_after == retry_after


def test_a_slow_slack_is_a_transient_timeout(slack: SlackApi) -> None:
    slack.answer("chat.postMessage", Reply(200, {"ok": True, "ts": "1.1"}, delay=5))
    with pytest.raises(DeliveryError) as caught:
        _sink(slack, timeout_s=1).deliver(delivery())
    assert caught.value.permanent is False
    assert "timed out" in str(caught.value)


def test_a_resend_after_an_unknown_outcome_reuses_the_message_slack_already_has(
    slack: SlackApi,
) -> None:
    first = _sink(slack).deliver(delivery())
    again = _sink(slack).deliver(delivery(unknown=True))  # a new process, same key
    assert again == first
    assert len(slack.calls("chat.postMessage")) == 1


def test_without_a_channel_id_an_unknown_outcome_is_simply_resent(slack: SlackApi) -> None:
    sink = _sink(slack, channel="#alerts")
    sink.deliver(delivery())
    _sink(slack, channel="#alerts").deliver(delivery(unknown=True))
    assert len(slack.top_level()) == 2  # at-least-once: the documented duplicate


def test_webhook_posts_are_signed_and_carry_the_idempotency_key(
    webhook: WebhookReceiver,
) -> None:
    clock = FakeClock()
    with httpx.Client() as client:
        WebhookSink(client, webhook.url, SECRET, clock).deliver(delivery())
        (request,) = webhook.requests
        assert request.headers["idempotency-key"] == "key-1"
        assert request.headers["x-monitor-timestamp"] == str(int(clock.now().timestamp()))
        assert webhook.signature_ok(request)
        with pytest.raises(DeliveryError) as caught:
            WebhookSink(client, webhook.url, None, clock).deliver(delivery())
    assert caught.value.permanent is True  # the receiver rejects unsigned posts (401)
    assert "HTTP 401" in str(caught.value)
