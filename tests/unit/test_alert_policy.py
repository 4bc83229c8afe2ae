"""Alert policy and routing, pure: severities to sink kinds, route tables, owners, suppression."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.alerts.policy import (
    Window,
    allowed,
    suppression_reason,
    waits_for_opening,
    windows_from_config,
)
from monitor.alerts.routing import route, route_owner, select_sinks
from monitor.config.schema import MaintenanceWindow, RouteConfig, RouteMatch
from monitor.core.alert_payload import AlertPayload
from monitor.storage.records import AlertContext, OutboxItem

T0 = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)
SINKS = ["console", "slack", "pagerduty", "webhook"]
SEED_ROUTES = [
    RouteConfig(
        match=RouteMatch(category=["endpoint_mismatch", "auth_mismatch"]),
        sinks=["slack", "pagerduty"],
        owner="platform",
    ),
    RouteConfig(
        match=RouteMatch(category=["request_schema_mismatch", "response_parser_mismatch"]),
        sinks=["webhook"],
        owner="application team",
    ),
    RouteConfig(
        match=RouteMatch(category=["usage_billing_assumption"]), sinks=["console"], owner="FinOps"
    ),
]


def ctx(
    category: str = "endpoint_mismatch", severity: str = "breaking", probe: str = "p"
) -> AlertContext:
    return AlertContext(
        probe=probe, target="t", category=category, severity=severity, reason="opened"
    )


def item(reason: str = "opened", at: datetime = T0, **kw: Any) -> OutboxItem:
    payload = AlertPayload.from_json(
        {
            "event": {"probe": "p", "target": "t"},
            "transition": {"reason": reason, "at": at.isoformat()},
        }
    )
    return OutboxItem(
        id="o",
        sink="slack",
        event_id="e",
        transition_id="x",
        attempts=0,
        idempotency_key="k",
        external_ref=None,
        payload=payload,
        **kw,
    )


def test_breaking_pages_and_posts_warning_only_posts_info_never_alerts() -> None:
    assert [s for s in SINKS if allowed("breaking", s)] == SINKS
    assert [s for s in SINKS if allowed("warning", s)] == ["console", "slack", "webhook"]
    assert [s for s in SINKS if allowed("info", s)] == []


def test_without_routes_every_alert_goes_to_every_sink_the_policy_allows() -> None:
    assert route(ctx(), [], SINKS) == SINKS
    assert select_sinks(ctx(severity="warning"), [], SINKS) == ["console", "slack", "webhook"]


def test_routes_follow_the_seeds_owner_column() -> None:
    assert select_sinks(ctx("auth_mismatch"), SEED_ROUTES, SINKS) == ["slack", "pagerduty"]
    assert select_sinks(ctx("response_parser_mismatch"), SEED_ROUTES, SINKS) == ["webhook"]
    assert route_owner(ctx("usage_billing_assumption"), SEED_ROUTES) == "FinOps"
    assert select_sinks(ctx("unknown_external_behavior"), SEED_ROUTES, SINKS) == []
    assert route_owner(ctx("unknown_external_behavior"), SEED_ROUTES) is None


def test_all_conditions_of_a_route_must_hold() -> None:
    rule = RouteConfig(match=RouteMatch(severity=["breaking"], probe=["chat"]), sinks=["slack"])
    assert route(ctx(probe="chat"), [rule], SINKS) == ["slack"]
    assert route(ctx(probe="other"), [rule], SINKS) == []
    assert route(ctx(probe="chat", severity="warning"), [rule], SINKS) == []


def test_self_watch_alerts_reach_every_other_sink_when_no_route_takes_them() -> None:
    meta = ctx("monitor_health")
    assert select_sinks(meta, SEED_ROUTES, SINKS, exclude=frozenset({"slack"})) == [
        "console",
        "pagerduty",
        "webhook",
    ]


def test_a_muted_event_is_suppressed_until_the_mute_ends() -> None:
    muted = item(muted_until=T0 + timedelta(hours=2), mute_reason="ticket 1")
    assert (
        suppression_reason(muted, T0, [])
        == f"muted until {(T0 + timedelta(hours=2)).isoformat()}: ticket 1"
    )
    assert suppression_reason(muted, T0 + timedelta(hours=3), []) is None


def test_acknowledging_holds_reminders_but_not_the_resolution() -> None:
    acked = {"acked_at": T0, "opening_state": "delivered"}
    assert suppression_reason(item("reminder", **acked), T0, []) is not None
    assert suppression_reason(item("resolved", **acked), T0, []) is None


def test_a_maintenance_window_covers_its_targets_and_time_only() -> None:
    window = Window(
        T0 - timedelta(hours=1), T0 + timedelta(hours=1), None, frozenset({"t"}), "upgrade"
    )
    assert "upgrade" in str(suppression_reason(item(), T0, [window]))
    elsewhere = Window(window.start, window.end, None, frozenset({"other"}), "")
    assert suppression_reason(item(), T0, [elsewhere]) is None
    over = Window(T0 - timedelta(hours=2), T0 - timedelta(hours=1), None, None, "")
    assert suppression_reason(item(), T0, [over]) is None


def test_a_recurring_window_covers_each_occurrence_for_its_duration() -> None:
    weekly = MaintenanceWindow(
        cron="0 22 * * SUN", duration=timedelta(minutes=90), targets=["t"], reason="vendor"
    )
    (window,) = windows_from_config([weekly])
    sunday = datetime(2026, 5, 10, 22, 0, tzinfo=UTC)  # a Sunday
    for at, covered in (
        (sunday - timedelta(minutes=1), False),
        (sunday, True),
        (sunday + timedelta(minutes=89), True),
        (sunday + timedelta(minutes=90), False),  # [start, end)
        (sunday + timedelta(days=1, minutes=30), False),  # Monday, same hour
        (sunday + timedelta(days=7, minutes=30), True),  # next Sunday
    ):
        assert window.covers("p", "t", at) is covered, at
    assert not window.covers("p", "other", sunday)
    why = suppression_reason(item(at=sunday + timedelta(minutes=5)), T0, [window])
    assert why == (
        "maintenance window 2026-05-10T22:00:00+00:00 – 2026-05-10T23:30:00+00:00 "
        "(every '0 22 * * SUN' for 1h30m): vendor"
    )


def test_a_recurring_window_crosses_midnight() -> None:
    nightly = MaintenanceWindow(cron="30 23 * * *", duration=timedelta(hours=1))
    (window,) = windows_from_config([nightly])
    assert window.covers("p", "t", datetime(2026, 5, 9, 0, 15, tzinfo=UTC))
    assert not window.covers("p", "t", datetime(2026, 5, 9, 0, 30, tzinfo=UTC))


def test_a_resolution_of_an_event_never_announced_on_the_sink_is_not_sent() -> None:
    assert suppression_reason(item("resolved", opening_state="suppressed"), T0, []) is not None
    assert suppression_reason(item("accepted", opening_state=None), T0, []) is not None
    assert suppression_reason(item("resolved", opening_state="delivered"), T0, []) is None
    # A reminder after a suppressed opening announces the event instead.
    assert suppression_reason(item("reminder", opening_state="suppressed"), T0, []) is None


def test_follow_ups_wait_while_their_opening_is_on_its_way() -> None:
    assert waits_for_opening(item("resolved", opening_state="pending"))
    assert waits_for_opening(item("reminder", opening_state="sending"))
    assert not waits_for_opening(item("opened", opening_state=None))
    assert not waits_for_opening(item("resolved", opening_state="failed"))


def test_back_to_back_recurring_occurrences_leave_no_gap() -> None:
    hourly = MaintenanceWindow(cron="0 * * * *", duration=timedelta(hours=1))
    (window,) = windows_from_config([hourly])
    on_the_hour = datetime(2026, 5, 8, 10, 0, tzinfo=UTC)
    assert window.occurrence(on_the_hour) == (on_the_hour, on_the_hour + timedelta(hours=1))
    overlapping = MaintenanceWindow(cron="0 * * * *", duration=timedelta(minutes=90))
    (window,) = windows_from_config([overlapping])
    half_past = on_the_hour + timedelta(minutes=30)
    # 09:00-10:30 has just ended ([start, end)); 10:00-11:30 covers it
    assert window.occurrence(half_past) == (on_the_hour, on_the_hour + timedelta(minutes=90))


def test_self_watch_alerts_no_route_takes_skip_the_team_channels() -> None:
    health = AlertContext(
        probe="p", target="t", category="monitor_health", severity="breaking", reason="opened"
    )
    routes = [
        RouteConfig(
            match=RouteMatch(category=["usage_billing_assumption"]), sinks=["slack:#finops"]
        )
    ]
    sinks = ["slack", "pagerduty", "slack:#finops"]
    assert select_sinks(health, routes, sinks) == ["slack", "pagerduty"]
    explicit = [
        *routes,
        RouteConfig(match=RouteMatch(category=["monitor_health"]), sinks=["slack:#finops"]),
    ]
    assert select_sinks(health, explicit, sinks) == ["slack:#finops"]
