"""``monitor alert status``: pending, failed, suppressed and delivered alerts per sink, the
latest failures, and whether the monitor's own health events (a stale probe, a failing sink)
are open. Reads the database only: safe to run next to ``monitor run``."""

from __future__ import annotations

import argparse
from typing import Any

from monitor.app import open_store
from monitor.cli.common import Context, add_format_options
from monitor.cli.output import write_json, write_table
from monitor.clock import SystemClock
from monitor.config.crossrefs import SINK_NAMES
from monitor.config.schema import Config, slack_channel_of
from monitor.storage.params import EventFilter
from monitor.storage.status_records import Delivery, SinkStatus
from monitor.views.event import event_view

SELF_KINDS = ("monitor-stale", "delivery-failing")


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser("alert", parents=[common], help="alert delivery status")
    actions = parser.add_subparsers(dest="alert_action", metavar="ACTION")
    actions.required = True
    status = actions.add_parser(
        "status",
        parents=[common],
        help="pending, failed and delivered alerts per sink",
        description="Alerts per sink (pending, sending, delivered, failed, suppressed), the "
        "latest failed or waiting alerts, and the monitor's own open health events.",
    )
    status.add_argument("--limit", type=int, default=10, help="failed/pending alerts to list")
    add_format_options(status, ("table", "json"))
    status.set_defaults(handler=handle_status)


def configured_sinks(config: Config) -> list[str]:
    alerts = config.alerts
    names = [n for n in SINK_NAMES if n != "console" and getattr(alerts, n) is not None]
    if alerts.console is not None or not names:
        names.insert(0, "console")
    if alerts.slack is not None:  # a route's other channels: sinks of their own
        names += [s for r in config.routes for s in r.sinks if slack_channel_of(s)]
    return list(dict.fromkeys(names))


def handle_status(ctx: Context) -> int:
    loaded = ctx.load()
    config = loaded.config
    store = open_store(loaded, ctx.env, SystemClock(), must_exist=True)
    try:
        per_sink = {row.sink: row for row in store.alert_status()}
        waiting = store.list_deliveries(
            states=("failed", "pending", "sending"), limit=max(1, ctx.args.limit)
        )
        health = [
            event_view(e)
            for e in store.query_events(EventFilter(states=("open",), limit=200))
            if e.kind in SELF_KINDS
        ]
    finally:
        store.close()
    sinks: list[dict[str, Any]] = []
    configured = configured_sinks(config)
    for name in dict.fromkeys([*configured, *per_sink]):
        row = per_sink.get(name) or SinkStatus(name)
        sinks.append(
            {
                "sink": name,
                "configured": name in configured,
                **{
                    s: row.count(s)
                    for s in ("pending", "sending", "delivered", "failed", "suppressed")
                },
                "oldest_pending_at": row.oldest_pending_at,
                "last_delivered_at": row.last_delivered_at,
                "last_error": row.last_error,
            }
        )
    if ctx.args.format == "json":
        write_json(
            {"sinks": sinks, "waiting": [_waiting(w) for w in waiting], "health": health},
            ctx.stdout,
        )
        return 0
    out = ctx.stdout
    write_table(
        [
            (
                s["sink"] + ("" if s["configured"] else " (not configured)"),
                s["pending"],
                s["sending"],
                s["delivered"],
                s["failed"],
                s["suppressed"],
                s["oldest_pending_at"],
                s["last_delivered_at"],
                s["last_error"],
            )
            for s in sinks
        ],
        (
            "sink",
            "pending",
            "sending",
            "delivered",
            "failed",
            "suppressed",
            "oldest pending",
            "last delivered",
            "last error",
        ),
        out,
    )
    if waiting:
        out.write("\nfailed or waiting alerts (newest first):\n")
        write_table(
            [
                (
                    w.sink,
                    w.state,
                    w.probe,
                    w.kind,
                    w.reason,
                    w.attempts,
                    w.created_at,
                    w.last_error,
                )
                for w in waiting
            ],
            ("sink", "state", "probe", "kind", "alert", "attempts", "created", "error"),
            out,
        )
    out.write("\n")
    if health:
        for event in health:
            out.write(
                f"OPEN {event['kind']}: {event['probe']} @ {event['target']}: {event['message']}\n"
            )
    else:
        out.write("monitor health: no stale probe, no failing sink\n")
    return 0


def _waiting(row: Delivery) -> dict[str, Any]:
    return {
        "outbox_id": row.id,
        "sink": row.sink,
        "state": row.state,
        "event_id": row.event_id,
        "probe": row.probe,
        "kind": row.kind,
        "reason": row.reason,
        "attempts": row.attempts,
        "created_at": row.created_at,
        "next_attempt_at": row.next_attempt_at,
        "permanent": bool(row.permanent),
        "error": row.last_error,
    }
