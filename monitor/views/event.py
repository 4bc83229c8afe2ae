"""One JSON view of an event (``monitor events list|show --json``; the API may reuse it).

Fields (add, never rename): event_id, fingerprint, probe, target, state, severity, kind, path,
category, verdict, message, before, after, first_seen, last_seen, opened_at, resolved_at,
run_count, last_run_id, last_trace_id, last_request_id, acked_at, acked_by, muted_until,
mute_reason; ``show`` adds transitions [{at, from, to, reason, notify, run_id, trace_id}] and
deliveries [{sink, reason, state, attempts, created_at, delivered_at, ref, note}].
"""

from __future__ import annotations

from typing import Any

from monitor.config.timeparse import iso_z
from monitor.storage.event_records import EventDetail, StoredEvent


def event_view(row: StoredEvent) -> dict[str, Any]:
    return {
        "event_id": row.id,
        "fingerprint": row.fingerprint,
        "probe": row.probe,
        "target": row.target,
        "state": row.state,
        "severity": row.severity,
        "kind": row.kind,
        "path": row.path,
        "category": row.category,
        "verdict": row.verdict,
        "message": row.message,
        "before": row.before,
        "after": row.after,
        "first_seen": iso_z(row.first_seen),
        "last_seen": iso_z(row.last_seen),
        "opened_at": iso_z(row.opened_at),
        "resolved_at": iso_z(row.resolved_at),
        "run_count": row.run_count,
        "last_run_id": row.last_run_id,
        "last_trace_id": row.last_trace_id,
        "last_request_id": row.last_request_id,
        "acked_at": iso_z(row.acked_at),
        "acked_by": row.acked_by,
        "muted_until": iso_z(row.muted_until),
        "mute_reason": row.mute_reason,
    }


def event_detail_view(detail: EventDetail) -> dict[str, Any]:
    view = event_view(detail.event)
    view["transitions"] = [
        {
            "at": iso_z(t.at),
            "from": t.from_state,
            "to": t.to_state,
            "reason": t.reason,
            "notify": bool(t.notify),
            "run_id": t.run_id,
            "trace_id": t.trace_id,
        }
        for t in detail.transitions
    ]
    view["deliveries"] = [
        {
            "sink": d.sink,
            "reason": d.reason,
            "state": d.state,
            "attempts": d.attempts,
            "created_at": iso_z(d.created_at),
            "delivered_at": iso_z(d.delivered_at),
            "ref": d.external_ref,
            "note": d.last_error,
        }
        for d in detail.deliveries
    ]
    return view
