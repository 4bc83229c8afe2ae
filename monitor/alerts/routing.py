"""Which sinks an alert goes to, and whose problem it is. Pure: config and context in.

With no ``routes`` every alert goes to every configured sink. Routes match on category,
severity and probe (all given conditions must hold); the sinks of every matching route are
used, in route order. The policy then drops what a severity may not reach (``policy.allowed``).
The owner shown in an alert is the first matching route's ``owner``, else the probe's.
Self-watch alerts (the monitor's own health) never go nowhere: when no route takes them they
go to every sink, so a silent monitor cannot look healthy because of a routing table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from monitor.alerts.policy import allowed
from monitor.config.schema import RouteConfig, slack_channel_of
from monitor.core.alert_payload import AlertPayload
from monitor.core.model import SELF_CATEGORY
from monitor.storage.records import AlertContext


class Routable(Protocol):
    """What a route matches on: an ``AlertContext`` (a transition being written) or an
    ``AlertEvent`` (a payload being delivered) alike."""

    @property
    def probe(self) -> str: ...
    @property
    def category(self) -> str | None: ...
    @property
    def severity(self) -> str: ...


def _matches(rule: RouteConfig, context: Routable) -> bool:
    match = rule.match
    if match.category is not None and context.category not in match.category:
        return False
    if match.severity is not None and context.severity not in match.severity:
        return False
    return match.probe is None or context.probe in match.probe


def route(context: AlertContext, routes: Sequence[RouteConfig], sinks: Sequence[str]) -> list[str]:
    if not routes:
        return list(sinks)
    chosen: list[str] = []
    for rule in routes:
        if _matches(rule, context):
            chosen.extend(s for s in rule.sinks if s in sinks and s not in chosen)
    return chosen


def select_sinks(
    context: AlertContext,
    routes: Sequence[RouteConfig],
    sinks: Sequence[str],
    exclude: frozenset[str] = frozenset(),
) -> list[str]:
    """Routing, then the severity policy. ``exclude``: sinks that must not carry this alert
    (a delivery-failure meta-alert never goes to the sink that fails)."""
    available = [s for s in sinks if s not in exclude]
    chosen = route(context, routes, available)
    if not chosen and context.category == SELF_CATEGORY:
        # every configured sink, not a route's team channels (the monitor's health is not
        # theirs, and they share the bot of ``slack``, failing with it)
        chosen = [s for s in available if slack_channel_of(s) is None]
    return [s for s in chosen if allowed(context.severity, s)]


def route_owner(context: Routable, routes: Sequence[RouteConfig]) -> str | None:
    for rule in routes:
        if rule.owner and _matches(rule, context):
            return rule.owner
    return None


def with_route_owner(payload: AlertPayload, routes: Sequence[RouteConfig]) -> AlertPayload:
    """The alert payload with the owner the routing table gives it (``probe_owner`` keeps the
    probe's own)."""
    owner = route_owner(payload.event, routes)
    return payload if owner is None else payload.with_owner(owner)
