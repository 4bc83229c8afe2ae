"""Which sinks an alert goes to. Pure: config and the alert context in, sink names out.

With no ``routes`` every alert goes to every configured sink. Routes match on category,
severity and probe (all given conditions must hold); the sinks of every matching route are used.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.config.schema import RouteConfig
from monitor.storage.records import AlertContext


def route(context: AlertContext, routes: Sequence[RouteConfig], sinks: Sequence[str]) -> list[str]:
    if not routes:
        return list(sinks)
    chosen: list[str] = []
    for rule in routes:
        match = rule.match
        if match.category is not None and context.category not in match.category:
            continue
        if match.severity is not None and context.severity not in match.severity:
            continue
        if match.probe is not None and context.probe not in match.probe:
            continue
        chosen.extend(s for s in rule.sinks if s in sinks and s not in chosen)
    return chosen
