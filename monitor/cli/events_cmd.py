"""``monitor events list|show|ack|mute``: the events alerts come from, for people on call.

``ack`` holds an event's reminders (its resolution is still posted); ``mute --for 2h`` holds
every alert of the event until then. Both only change what is sent: transitions and their
outbox rows are still recorded (as ``suppressed``, with the reason).
"""

from __future__ import annotations

import argparse
import getpass
import json
from typing import Any, Protocol

from monitor.app import open_store
from monitor.cli.common import Context, add_format_options, resolve_time, warn_unknown_probes
from monitor.cli.output import write_json, write_json_lines, write_table
from monitor.clock import SystemClock
from monitor.config.timeparse import parse_duration
from monitor.errors import UsageError
from monitor.storage.base import Closing, EventAdmin
from monitor.storage.params import EventFilter
from monitor.views.event import event_detail_view, event_view

ACTIVE = ("suspected", "open")


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser("events", parents=[common], help="list, show, ack or mute events")
    actions = parser.add_subparsers(dest="events_action", metavar="ACTION")
    actions.required = True

    listing = actions.add_parser(
        "list",
        parents=[common],
        help="events, most recently seen first",
        description="Events, most recently seen first (default: open and suspected ones).",
    )
    listing.add_argument(
        "--probe", action="append", default=[], metavar="NAME", help="only this probe (repeatable)"
    )
    listing.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="NAME",
        help="only this target (repeatable)",
    )
    listing.add_argument(
        "--state",
        action="append",
        default=[],
        choices=("suspected", "open", "resolved"),
        help="only events in this state (repeatable; default: suspected and open)",
    )
    listing.add_argument(
        "--severity",
        action="append",
        default=[],
        choices=("info", "warning", "breaking"),
        help="only events of this severity (repeatable)",
    )
    listing.add_argument("--all", action="store_true", help="include resolved events")
    listing.add_argument("--since", default=None, metavar="T", help="last seen since (2h, ISO)")
    listing.add_argument("--limit", type=int, default=50, help="at most N events (default: 50)")
    add_format_options(listing, ("table", "json"))
    listing.set_defaults(handler=handle_list)

    show = actions.add_parser(
        "show", parents=[common], help="an event with its transitions and deliveries"
    )
    show.add_argument("event", metavar="EVENT", help="event id (or a unique prefix)")
    add_format_options(show, ("table", "json"))
    show.set_defaults(handler=handle_show)

    ack = actions.add_parser(
        "ack", parents=[common], help="acknowledge: hold reminders (the resolution still posts)"
    )
    ack.add_argument("event", metavar="EVENT", help="event id (or a unique prefix)")
    ack.add_argument("--by", default=None, help="who acknowledges (default: the OS user)")
    add_format_options(ack, ("table", "json"))
    ack.set_defaults(handler=handle_ack)

    mute = actions.add_parser(
        "mute", parents=[common], help="hold every alert of an event for a while"
    )
    mute.add_argument("event", metavar="EVENT", help="event id (or a unique prefix)")
    how = mute.add_mutually_exclusive_group(required=True)
    how.add_argument("--for", dest="duration", metavar="DURATION", help="e.g. 30m, 2h, 1d")
    how.add_argument("--off", action="store_true", help="lift the mute")
    mute.add_argument("--reason", default=None, help="shown in `events show` and history")
    add_format_options(mute, ("table", "json"))
    mute.set_defaults(handler=handle_mute)


class EventStore(EventAdmin, Closing, Protocol):
    """The events commands act on events, then close the store they opened."""


def _store(ctx: Context, *, must_exist: bool = False) -> EventStore:
    return open_store(ctx.load(), ctx.env, SystemClock(), must_exist=must_exist)


def handle_list(ctx: Context) -> int:
    a = ctx.args
    warn_unknown_probes(ctx, a.probe, ctx.load())
    states = tuple(a.state) or (() if a.all else ACTIVE)
    flt = EventFilter(
        probes=tuple(a.probe),
        targets=tuple(a.target),
        states=states,
        severities=tuple(a.severity),
        since=resolve_time(a.since, SystemClock().now()),
        limit=max(1, a.limit),
    )
    store = _store(ctx, must_exist=True)
    try:
        views = [event_view(r) for r in store.query_events(flt)]
    finally:
        store.close()
    if a.format == "json":
        write_json_lines(views, ctx.stdout)
        return 0
    write_table(
        [
            (
                v["event_id"],
                v["state"],
                v["severity"],
                v["probe"],
                v["kind"],
                v["path"] or "(body)",
                v["category"],
                v["last_seen"],
                v["run_count"],
                _notes(v),
            )
            for v in views
        ],
        (
            "event id",
            "state",
            "severity",
            "probe",
            "kind",
            "path",
            "category",
            "last seen",
            "runs",
            "notes",
        ),
        ctx.stdout,
        empty="no events" + ("" if a.all or a.state else " open or suspected (see --all)"),
    )
    return 0


def _value(value: Any) -> str:
    """A before/after value for people: JSON-like, "(none)" for a missing one (never None)."""
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _notes(view: dict[str, Any]) -> str:
    notes = []
    if view["acked_at"]:
        notes.append(f"acked by {view['acked_by']}")
    if view["muted_until"]:
        notes.append(f"muted until {view['muted_until']}")
    return "; ".join(notes) or "-"


def handle_show(ctx: Context) -> int:
    store = _store(ctx, must_exist=True)
    try:
        view = event_detail_view(store.event_detail(ctx.args.event))
    finally:
        store.close()
    if ctx.args.format == "json":
        write_json(view, ctx.stdout)
        return 0
    out = ctx.stdout
    out.write(f"event {view['event_id']}  [{view['state']}]  {view['severity']}\n")
    out.write(f"  {view['probe']} @ {view['target']}: {view['message']}\n")
    where = f"  {view['kind']} {view['path'] or '(body)'}"
    if view["before"] is None and view["after"] is None:  # a health event: no before/after
        out.write(where + "\n")
    else:
        out.write(f"{where}: {_value(view['before'])} -> {_value(view['after'])}\n")
    out.write(f"  category {view['category']}, verdict {view['verdict']}\n")
    out.write(
        f"  first seen {view['first_seen']}, last seen {view['last_seen']}, "
        f"in {view['run_count']} run(s); last trace {view['last_trace_id'] or '-'}, "
        f"request {view['last_request_id'] or '-'}\n"
    )
    if view["acked_at"] or view["muted_until"]:
        out.write(f"  {_notes(view)}{': ' + view['mute_reason'] if view['mute_reason'] else ''}\n")
    out.write("\ntransitions:\n")
    write_table(
        [
            (
                t["at"],
                t["from"] or "-",
                t["to"],
                t["reason"],
                "yes" if t["notify"] else "no",
                t["trace_id"],
            )
            for t in view["transitions"]
        ],
        ("at", "from", "to", "reason", "alert", "trace id"),
        out,
    )
    out.write("\ndeliveries:\n")
    write_table(
        [
            (
                d["sink"],
                d["reason"],
                d["state"],
                d["attempts"],
                d["delivered_at"],
                d["ref"],
                d["note"],
            )
            for d in view["deliveries"]
        ],
        ("sink", "reason", "state", "attempts", "delivered", "ref", "note"),
        out,
        empty="  none (nothing to alert yet, or no sink routed)",
    )
    return 0


def handle_ack(ctx: Context) -> int:
    by = ctx.args.by or ctx.env.get("USER") or _os_user()
    store = _store(ctx)
    try:
        view = event_view(store.ack_event(ctx.args.event, by=by, now=SystemClock().now()))
    finally:
        store.close()
    if ctx.args.format == "json":
        write_json(view, ctx.stdout)
    else:
        ctx.stdout.write(
            f"{view['event_id']} acknowledged by {by}: reminders are held; "
            "the resolution will still be posted\n"
        )
    return 0


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def handle_mute(ctx: Context) -> int:
    a = ctx.args
    until = None
    if not a.off:
        try:
            until = SystemClock().now() + parse_duration(a.duration)
        except ValueError as exc:
            raise UsageError(f"--for: {exc}") from None
    store = _store(ctx)
    try:
        view = event_view(store.mute_event(a.event, until=until, reason=a.reason))
    finally:
        store.close()
    if a.format == "json":
        write_json(view, ctx.stdout)
    elif until is None:
        ctx.stdout.write(f"{view['event_id']}: mute lifted\n")
    else:
        ctx.stdout.write(
            f"{view['event_id']} muted until {view['muted_until']}: its alerts are recorded, "
            "not sent\n"
        )
    return 0
