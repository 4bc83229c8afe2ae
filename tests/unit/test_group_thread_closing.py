"""Which resolution of a grouped alert closes it (one Slack reply, one PagerDuty resolve):
decided by what was already delivered, never by the runs' finish times."""

from __future__ import annotations

from typing import Any

from monitor.alerts import slack_blocks
from monitor.alerts.base import Delivery
from monitor.core.alert_payload import AlertPayload
from monitor.storage.records import OutboxItem


def member(event_id: str, state: str = "resolved", **kw: Any) -> dict[str, Any]:
    return {"id": event_id, "state": state, "resolved_at": kw.pop("at", None), **kw}


def resolution(event_id: str, members: list[dict[str, Any]]) -> Delivery:
    payload = AlertPayload.from_json(
        {"event": {"id": event_id}, "transition": {"reason": "resolved", "to": "resolved"}}
    )
    item = OutboxItem(
        id=f"o-{event_id}",
        sink="slack",
        event_id=event_id,
        transition_id=f"t-{event_id}",
        attempts=0,
        idempotency_key=f"k-{event_id}",
        external_ref=None,
        payload=payload,
    )
    return Delivery(
        sink="slack",
        key=f"k-{event_id}",
        items=(item,),
        payloads=(payload,),
        thread_ref="root",
        thread_events=tuple(members),
    )


def test_nothing_closes_while_a_member_is_open() -> None:
    members = [member("a"), member("b", state="open")]
    assert not resolution("a", members).closes_thread()


def test_of_resolutions_delivered_together_exactly_one_closes() -> None:
    members = [member("a"), member("b"), member("c")]
    closing = [e for e in "abc" if resolution(e, members).closes_thread()]
    assert closing == ["c"]


def test_the_last_one_delivered_closes_whatever_its_runs_finish_time() -> None:
    # a's recovery went out first (quietly, b was open); b's run finished earlier than a's
    # (a spool replay, another replica's clock): b still closes
    members = [
        member("a", at="2026-05-08T10:00:05Z", resolution="quiet"),
        member("b", at="2026-05-08T10:00:02Z"),
    ]
    assert resolution("b", members).closes_thread()


def test_once_one_resolution_closed_the_thread_no_other_does() -> None:
    # the dispatcher's passes: c (the highest id) went out and closed; a and b come later
    members = [member("a"), member("b"), member("c", resolution="sent")]
    assert not resolution("a", members).closes_thread()
    assert not resolution("b", members).closes_thread()


def test_one_event_always_closes() -> None:
    assert resolution("a", [member("a")]).closes_thread()
    assert resolution("a", []).closes_thread()


def test_a_group_reply_says_how_many_are_still_open_and_never_claims_all_resolved_early() -> None:
    payload = AlertPayload.from_json(
        {
            "event": {"id": "a", "probe": "a", "target": "sim", "kind": "probe-failing"},
            "transition": {"reason": "resolved", "to": "resolved"},
        }
    )
    early = [member("a", target="sim"), member("b", state="open", target="sim")]
    text = str(slack_blocks.reply(payload, early))
    assert "1 of 2 events on target sim still open" in text
    assert "All 2" not in text
    done = [member("a", target="sim"), member("b", target="sim")]
    assert "All 2 events on target sim are resolved" in str(slack_blocks.reply(payload, done))
