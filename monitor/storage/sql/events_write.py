"""Persist event state, transitions and the outbox rows for the alerts they cause.

Runs inside the run's transaction. An outbox row holds a snapshot of what the alert says,
so delivery (maybe in another process, maybe after a restart) needs nothing else (built by
``alert_payload``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.core.alert_payload import AlertFinding, AlertPayload, AlertRun
from monitor.core.events import Transition
from monitor.core.judge import HEALTH_KIND, Judgement, ProbeState, health_fingerprint
from monitor.core.model import EventState, Finding, Severity
from monitor.storage.records import AlertContext, AlertRouter, RunCompletion
from monitor.storage.sql.alert_payload import event_payload, run_payload
from monitor.storage.sql.convert import event_state_values
from monitor.storage.sql.tables import events_table as events
from monitor.storage.sql.tables import outbox_table as outbox
from monitor.storage.sql.tables import transitions_table as transitions_t


def idempotency_key(transition_id: str, sink: str) -> str:
    return hashlib.sha256(f"{transition_id}:{sink}".encode()).hexdigest()[:32]


def _details(finding: Finding, fingerprint: str, probe: str) -> dict[str, Any]:
    details = {
        "response_class": finding.response_class.value,
        "kind": finding.kind,
        "path": finding.path,
        "value_key": finding.value_key,
        "severity": finding.severity.value,
        "category": finding.category.value,
        "verdict": finding.verdict.value,
        "message": finding.message,
        "before": finding.before,
        "after": finding.after,
    }
    if fingerprint == health_fingerprint(probe):
        # The health event is "this probe is failing"; the failing finding explains why.
        details.update(
            response_class="health",
            kind=HEALTH_KIND,
            path="",
            value_key=None,
            severity=Severity.BREAKING.value,
        )
    return details


def write_events(
    conn: Connection,
    completion: RunCompletion,
    judgement: Judgement,
    state: ProbeState,
    router: AlertRouter,
    new_id: Callable[[], str],
) -> list[str]:
    claim = completion.claim
    ids = _active_ids(conn, claim.probe, [r.fingerprint for r in judgement.events])
    for record in judgement.events:
        finding = judgement.event_findings.get(record.fingerprint)
        values = event_state_values(record)
        if finding is not None:
            values.update(_details(finding, record.fingerprint, claim.probe))
            values.update(
                last_run_id=claim.run_id,
                last_trace_id=completion.trace_id,
                last_request_id=completion.request_id,
            )
        previous = state.events.get(record.fingerprint)
        if record.fingerprint in ids and previous is not None:
            conn.execute(
                sa.update(events).where(events.c.id == ids[record.fingerprint]).values(**values)
            )
        else:
            event_id = new_id()
            ids[record.fingerprint] = event_id
            assert finding is not None, "a new event is always seen in this run"
            conn.execute(
                events.insert().values(
                    id=event_id,
                    probe=claim.probe,
                    target=claim.target,
                    first_run_id=claim.run_id,
                    **values,
                )
            )
    outbox_ids: list[str] = []
    for transition in judgement.transitions:
        event_id = ids[transition.fingerprint]
        transition_id = insert_transition(
            conn,
            transition,
            event_id,
            new_id,
            run_id=claim.run_id,
            trace_id=completion.trace_id,
            span_id=completion.span_id,
        )
        if transition.notify:

            def payload(
                event: Any, transition: Transition = transition, tid: str = transition_id
            ) -> AlertPayload:
                return run_payload(completion, judgement, transition, tid, event)

            outbox_ids.extend(
                _enqueue(conn, transition, transition_id, event_id, router, new_id, payload)
            )
    return outbox_ids


def insert_transition(
    conn: Connection,
    transition: Transition,
    event_id: str,
    new_id: Callable[[], str],
    **moved_by: str | None,
) -> str:
    """One transition row and its id; ``moved_by``: the run, trace and span that moved it
    (``run_id``, ``trace_id``, ``span_id``), none for the monitor's own events."""
    transition_id = new_id()
    conn.execute(
        transitions_t.insert().values(
            id=transition_id,
            event_id=event_id,
            from_state=transition.from_state.value if transition.from_state else None,
            to_state=transition.to_state.value,
            reason=transition.reason,
            at=transition.at,
            notify=transition.notify,
            **moved_by,
        )
    )
    return transition_id


def _active_ids(conn: Connection, probe: str, fingerprints: list[str]) -> dict[str, str]:
    if not fingerprints:
        return {}
    rows = conn.execute(
        sa.select(events.c.id, events.c.fingerprint).where(
            events.c.probe == probe, events.c.active_fingerprint.in_(fingerprints)
        )
    )
    return {row.fingerprint: row.id for row in rows}


def _enqueue(
    conn: Connection,
    transition: Transition,
    transition_id: str,
    event_id: str,
    router: AlertRouter,
    new_id: Callable[[], str],
    payload_for: Callable[[Any], AlertPayload],
) -> list[str]:
    """Outbox rows for one notifying transition, one per routed sink (payload snapshot)."""
    event = conn.execute(sa.select(events).where(events.c.id == event_id)).mappings().one()
    context = AlertContext(
        probe=event["probe"],
        target=event["target"],
        category=event["category"],
        severity=event["severity"],
        reason=transition.reason,
    )
    payload = payload_for(event)
    # Only openings are grouped: a provider outage opens many events of one target at once.
    group_key = f"{event['target']}|opened" if transition.reason == "opened" else None
    ids = []
    for sink in router(context):
        outbox_id = new_id()
        conn.execute(
            outbox.insert().values(
                id=outbox_id,
                transition_id=transition_id,
                event_id=event_id,
                sink=sink,
                state="pending",
                attempts=0,
                idempotency_key=idempotency_key(transition_id, sink),
                next_attempt_at=transition.at,
                created_at=transition.at,
                group_key=group_key,
                payload=payload.to_json(),
            )
        )
        ids.append(outbox_id)
    return ids


def enqueue_alerts(
    conn: Connection,
    *,
    event_id: str,
    transition: Transition,
    transition_id: str,
    run: AlertRun | None,
    findings: list[AlertFinding],
    probe_info: Mapping[str, Any],
    router: AlertRouter,
    new_id: Callable[[], str],
) -> list[str]:
    """Outbox rows for a notifying transition written outside a run (the self-watch)."""

    def payload(event: Any) -> AlertPayload:
        return event_payload(event, transition, transition_id, run, findings, probe_info)

    return _enqueue(conn, transition, transition_id, event_id, router, new_id, payload)


def resolve_events(
    conn: Connection,
    event_ids: list[str],
    now: datetime,
    reason: str,
    router: AlertRouter,
    new_id: Callable[[], str],
    run: AlertRun,
    probe_info: Mapping[str, Any],
) -> list[str]:
    """Resolve events outside a run (``baseline accept``): the same transition rows and outbox
    rows as a run's, so sinks post the resolution in the event's thread. Returns outbox ids."""
    outbox_ids: list[str] = []
    for event_id in event_ids:
        row = conn.execute(sa.select(events).where(events.c.id == event_id)).mappings().one()
        was = EventState(row["state"])
        if was is EventState.RESOLVED:
            continue
        conn.execute(
            sa.update(events)
            .where(events.c.id == event_id)
            .values(state=EventState.RESOLVED.value, active_fingerprint=None, resolved_at=now)
        )
        # Like a run's resolution, only an event that alerted when it opened alerts again.
        transition = Transition(
            row["fingerprint"], was, EventState.RESOLVED, now, reason, was is EventState.OPEN
        )
        transition_id = new_id()
        conn.execute(
            transitions_t.insert().values(
                id=transition_id,
                event_id=event_id,
                from_state=was.value,
                to_state=EventState.RESOLVED.value,
                reason=reason,
                at=now,
                run_id=run.id,
                trace_id=run.trace_id,
                span_id=run.span_id,
                notify=transition.notify,
            )
        )
        if transition.notify:

            def payload(
                event: Any, transition: Transition = transition, tid: str = transition_id
            ) -> AlertPayload:
                return event_payload(event, transition, tid, run, [], probe_info)

            outbox_ids.extend(
                _enqueue(conn, transition, transition_id, event_id, router, new_id, payload)
            )
    return outbox_ids
