"""Rolling upgrades: what the previous release wrote (outbox payloads, spool files, recorded in
``tests/fixtures/upgrade/``, see its PROVENANCE.md) is read by this one, and every sink says
exactly what the previous release said of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from monitor.alerts import pagerduty, render, slack_blocks
from monitor.alerts.base import Delivery
from monitor.alerts.routing import with_route_owner
from monitor.alerts.webhook import webhook_body
from monitor.config.schema import RouteConfig
from monitor.core.alert_payload import AlertPayload
from monitor.storage.records import OutboxItem

UPGRADE = Path(__file__).parents[1] / "fixtures" / "upgrade"
ROUTES = [
    RouteConfig.model_validate(
        {
            "match": {"category": ["usage_billing_assumption"]},
            "sinks": ["webhook"],
            "owner": "billing-team",
        }
    )
]


def recorded_payloads() -> list[dict[str, Any]]:
    files = ("outbox_payloads_run.json", "outbox_payloads_accept_selfwatch.json")
    return [p for name in files for p in json.loads((UPGRADE / name).read_text())]


def renders() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((UPGRADE / "renders.json").read_text())
    return data


def _item(payload: AlertPayload, i: int) -> OutboxItem:
    return OutboxItem(
        id=f"o{i}",
        sink="webhook",
        event_id=payload.event.id,
        transition_id=payload.transition.id,
        attempts=0,
        idempotency_key=f"k{i}",
        external_ref=None,
        payload=payload,
    )


def test_the_previous_releases_payloads_cover_a_run_an_acceptance_and_the_self_watch() -> None:
    payloads = recorded_payloads()
    reasons = {(p["transition"]["reason"], p["event"]["kind"]) for p in payloads}
    assert ("opened", "property-removed") in reasons
    assert ("resolved", "probe-failing") in reasons
    assert ("accepted", "type-changed") in reasons
    assert ("opened", "monitor-stale") in reasons
    assert any(p["run"] == {} for p in payloads)
    assert any(p["run"] and p["run"]["latency_ms"] is None for p in payloads)


def test_an_old_payload_reads_back_and_writes_the_same_json_key_for_key() -> None:
    for stored in recorded_payloads():
        payload = AlertPayload.from_json(stored)
        assert json.dumps(payload.to_json()) == json.dumps(stored)


def test_a_stale_monitor_payload_has_no_run_and_an_acceptance_keeps_its_run_time() -> None:
    by_reason = {p["transition"]["reason"] + p["event"]["kind"]: p for p in recorded_payloads()}
    stale = AlertPayload.from_json(by_reason["openedmonitor-stale"])
    assert stale.run is None
    accepted = AlertPayload.from_json(by_reason["acceptedtype-changed"])
    assert accepted.run is not None
    assert accepted.run.latency_ms is None
    assert accepted.run.started_at is not None
    assert accepted.run.started_at.endswith("+00:00")


def test_every_sink_renders_an_old_payload_as_the_previous_release_did() -> None:
    expected = renders()["single"]
    stored = recorded_payloads()
    assert len(expected) == len(stored)
    for i, (raw, want) in enumerate(zip(stored, expected, strict=True)):
        routed = with_route_owner(AlertPayload.from_json(raw), ROUTES)
        assert routed.to_json() == want["routed"]
        assert render.render_text(routed) == want["text"]
        assert slack_blocks.opening(routed) == want["slack_opening"]
        assert slack_blocks.reply(routed) == want["slack_reply"]
        assert pagerduty.pagerduty_event(routed, "RKEY") == want["pagerduty"]
        delivery = Delivery("webhook", f"k{i}", (_item(routed, i),), (routed,))
        body = webhook_body(delivery)
        assert json.dumps(body) == json.dumps(want["webhook"])  # the bytes receivers sign


def test_a_routed_owner_keeps_the_probes_own_as_probe_owner() -> None:
    routed = [
        with_route_owner(AlertPayload.from_json(p), ROUTES).to_json()["probe"]
        for p in recorded_payloads()
        if p["event"]["category"] == "usage_billing_assumption"
    ]
    assert routed
    assert all(p["owner"] == "billing-team" and p["probe_owner"] == "platform-team" for p in routed)


def test_a_grouped_opening_of_old_payloads_renders_as_the_previous_release_did() -> None:
    expected = renders()["group"]
    openings = [
        with_route_owner(AlertPayload.from_json(p), ROUTES)
        for p in recorded_payloads()
        if p["transition"]["reason"] == "opened"
    ]
    assert render.render_group_text(openings) == expected["text"]
    assert slack_blocks.group_opening(openings) == expected["slack"]
    assert slack_blocks.fallback_text(openings) == expected["slack_fallback"]
    assert pagerduty.group_trigger(openings, "RKEY") == expected["pagerduty"]
    items = tuple(_item(p, i) for i, p in enumerate(openings))
    body = webhook_body(Delivery("webhook", "kg", items, tuple(openings)))
    assert json.dumps(body) == json.dumps(expected["webhook"])


def test_a_payload_written_without_probe_facts_keeps_its_empty_probe_even_when_routed() -> None:
    stored = {**recorded_payloads()[0], "probe": {}}
    payload = AlertPayload.from_json(stored)
    assert payload.to_json() == stored
    routed = with_route_owner(payload, ROUTES).to_json()["probe"]
    assert routed == {"owner": "billing-team", "probe_owner": None}
    assert AlertPayload.from_json({**stored, "probe": routed}).to_json()["probe"] == routed
