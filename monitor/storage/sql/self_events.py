"""Events the monitor raises about itself: a probe gone stale, a sink failing.

They go through the same pure ``core.events.advance`` as drift (with a gate that opens on the
first sighting: the watcher's own threshold — 3× the interval, a permanent failure — already
happened) and the same transitions and outbox rows, so they thread, route and resolve like any
other alert. Written under the probe's lock, so replicas watching together write one event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.core.events import EventGate, advance
from monitor.core.model import SELF_CATEGORY
from monitor.storage.params import SelfObservation
from monitor.storage.records import AlertRouter
from monitor.storage.sql.convert import event_from_row, event_state_values
from monitor.storage.sql.events_write import enqueue_alerts, insert_transition
from monitor.storage.sql.runs import lock_probe
from monitor.storage.sql.tables import events_table as events
from monitor.storage.sql.tables import runs_table
from monitor.storage.status_records import ProbeRef, SelfEvent

SELF_GATE = EventGate(open_after=1, window=1, resolve_after=1)


def observe_self(
    conn: Connection,
    obs: SelfObservation,
    now: datetime,
    router: AlertRouter,
    new_id: Callable[[], str],
) -> list[str]:
    """Advance the event for ``obs``; returns the outbox ids written."""
    lock_probe(conn, obs.probe)
    row = (
        conn.execute(sa.select(events).where(events.c.active_fingerprint == obs.fingerprint))
        .mappings()
        .first()
    )
    before = event_from_row(row) if row is not None else None
    after, transitions = advance(
        before, seen=obs.seen, now=now, gate=SELF_GATE, fingerprint=obs.fingerprint
    )
    if after is None or after == before:
        return []
    transitions = [
        replace(t, reason=obs.resolve_reason) if t.reason == "resolved" else t for t in transitions
    ]
    values = event_state_values(after)
    if obs.seen:
        values.update(message=obs.message, severity=obs.severity)
    if row is None:
        event_id = new_id()
        conn.execute(
            events.insert().values(
                id=event_id,
                probe=obs.probe,
                target=obs.target,
                response_class="health",
                kind=obs.kind,
                path="",
                category=obs.category,
                verdict=obs.verdict,
                **{"message": obs.message, "severity": obs.severity, **values},
            )
        )
    else:
        event_id = row["id"]
        conn.execute(sa.update(events).where(events.c.id == event_id).values(**values))
    outbox_ids: list[str] = []
    for transition in transitions:
        transition_id = insert_transition(conn, transition, event_id, new_id)
        if transition.notify:
            outbox_ids += enqueue_alerts(
                conn,
                event_id=event_id,
                transition=transition,
                transition_id=transition_id,
                run=None,
                findings=[],
                probe_info=dict(obs.probe_info),
                router=router,
                new_id=new_id,
            )
    return outbox_ids


def open_self_events(conn: Connection) -> list[SelfEvent]:
    """The monitor's own open health events (a stale probe, a failing sink): kind, probe,
    target, message."""
    query = sa.select(events.c.kind, events.c.probe, events.c.target, events.c.message).where(
        events.c.active_fingerprint.is_not(None),
        events.c.category == SELF_CATEGORY,
        events.c.state == "open",
    )
    return [SelfEvent(**r) for r in conn.execute(query).mappings()]


def active_stale_events(conn: Connection) -> list[ProbeRef]:
    """Probe and target of every ``monitor-stale`` event not yet resolved (few: one per probe,
    found through the unique ``active_fingerprint`` index's non-null rows)."""
    query = sa.select(events.c.probe, events.c.target).where(
        events.c.active_fingerprint.is_not(None), events.c.kind == "monitor-stale"
    )
    return [ProbeRef(**r) for r in conn.execute(query).mappings()]


def last_completed_runs(conn: Connection, probes: Sequence[str]) -> dict[str, datetime]:
    """When each probe last finished a run that reached its target (skipped runs do not count:
    a probe skipped for hours is as silent as a dead one).

    One newest-first walk of ``ix_runs_probe_started_at`` per probe: a ``max()`` grouped over
    all runs read the whole table (0.8 s at a million runs) every 30 s on SQLite's one thread.
    """
    runs = runs_table
    out: dict[str, datetime] = {}
    for probe in probes:
        query = (
            sa.select(runs.c.finished_at)
            .where(
                runs.c.probe == probe,
                runs.c.state == "completed",
                runs.c.outcome.in_(("pass", "drift", "fail")),
            )
            .order_by(runs.c.started_at.desc())
            .limit(1)
        )
        at = conn.execute(query).scalar_one_or_none()
        if at is not None:
            out[probe] = at
    return out
