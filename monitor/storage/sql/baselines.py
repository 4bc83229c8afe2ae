"""Baseline maintenance: reset, accept the current shape, export and import (for review).

Versions only grow and old ones are kept (``superseded``) so history still explains the
findings they produced. ``accept`` adopts the shape of the probe's latest completed run and
resolves the open drift events that run showed (its baseline findings): the new version
explains them. Export/import use one JSON document per probe, sorted and indented, so a team
can review a baseline change in a pull request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.config.timeparse import iso_z
from monitor.core.alert_payload import AlertRun
from monitor.core.shape.stats import Shape
from monitor.errors import ImportProblem as ImportProblem  # its old home; it lives in errors now
from monitor.storage.records import AlertRouter
from monitor.storage.sql.events_write import resolve_events
from monitor.storage.sql.tables import baselines_table as baselines
from monitor.storage.sql.tables import events_table as events
from monitor.storage.sql.tables import evidence_table as evidence
from monitor.storage.sql.tables import findings_table as findings_t
from monitor.storage.sql.tables import runs_table as runs
from monitor.storage.status_records import AcceptedBaseline, AddedBaseline

EXPORT_FORMAT = "contract-monitor-baseline/1"
CURRENT = ("learning", "active")


def reset_baselines(conn: Connection, probe: str, now: datetime) -> int:
    """Supersede every learning or active baseline of the probe: the next runs relearn."""
    result = conn.execute(
        sa.update(baselines)
        .where(baselines.c.probe == probe, baselines.c.state.in_(CURRENT))
        .values(state="superseded", superseded_at=now, note="reset")
    )
    return int(result.rowcount)


def _next_version(conn: Connection, probe: str, response_class: str) -> int:
    latest = conn.execute(
        sa.select(sa.func.max(baselines.c.version)).where(
            baselines.c.probe == probe, baselines.c.response_class == response_class
        )
    ).scalar_one_or_none()
    return int(latest or 0) + 1


def _add_version(
    conn: Connection,
    *,
    probe: str,
    response_class: str,
    request_hash: str,
    shape: dict[str, Any],
    source: str,
    note: str,
    now: datetime,
) -> AddedBaseline:
    version = _next_version(conn, probe, response_class)
    conn.execute(
        sa.update(baselines)
        .where(
            baselines.c.probe == probe,
            baselines.c.response_class == response_class,
            baselines.c.state.in_(CURRENT),
        )
        .values(state="superseded", superseded_at=now, note=f"superseded by v{version}")
    )
    added = AddedBaseline(
        probe=probe,
        request_hash=request_hash,
        response_class=response_class,
        version=version,
        state="active",
        shape=shape,
        samples=int(shape.get("samples", 1)),
        source=source,
        started_at=now,
        activated_at=now,
        note=note,
    )
    conn.execute(baselines.insert().values(**asdict(added)))
    return added


def accept_latest_shape(
    conn: Connection,
    probe: str,
    now: datetime,
    *,
    router: AlertRouter | None = None,
    new_id: Callable[[], str] | None = None,
    probe_info: dict[str, Any] | None = None,
) -> AcceptedBaseline | None:
    """Adopt the latest completed run's shape as a new active version; resolve what it explains.

    The result is the new version, the events it explained (resolved) and their outbox rows.
    """
    latest = conn.execute(
        sa.select(
            runs.c.id,
            runs.c.request_hash,
            runs.c.status_code,
            runs.c.baseline_class,
            runs.c.trace_id,
            runs.c.span_id,
            runs.c.request_id,
            runs.c.outcome,
            runs.c.started_at,
            evidence.c.shape,
        )
        .join(evidence, evidence.c.run_id == runs.c.id)
        .where(runs.c.probe == probe, runs.c.state == "completed", evidence.c.shape.is_not(None))
        .order_by(runs.c.started_at.desc())
        .limit(1)
    ).first()
    if latest is None or latest.shape is None:
        return None
    # The class the run was judged in: a stream's shape is a chunk shape, whatever its status.
    response_class = latest.baseline_class or (
        "success" if (latest.status_code or 0) < 400 else "error"
    )
    values = _add_version(
        conn,
        probe=probe,
        response_class=response_class,
        request_hash=latest.request_hash or "",
        shape=latest.shape,
        source="accepted",
        note=f"accepted from run {latest.id}",
        now=now,
    )
    explained = _explained_events(conn, probe, latest.id, response_class)
    outbox_ids: list[str] = []
    if explained and router is not None and new_id is not None:
        run = AlertRun(
            id=latest.id,
            trace_id=latest.trace_id,
            span_id=latest.span_id,
            request_id=latest.request_id,
            status_code=latest.status_code,
            outcome=latest.outcome,
            # ``+00:00``, not ``Z`` like a run's: kept as alerts always showed it
            started_at=latest.started_at.isoformat() if latest.started_at else None,
            latency_ms=None,
        )
        outbox_ids = resolve_events(
            conn, explained, now, "accepted", router, new_id, run, probe_info or {}
        )
    return AcceptedBaseline(values, tuple(explained), tuple(outbox_ids))


def _explained_events(conn: Connection, probe: str, run_id: str, response_class: str) -> list[str]:
    """Open or suspected events whose drift the accepted run showed (its baseline findings)."""
    fingerprints = [
        row.fingerprint
        for row in conn.execute(
            sa.select(findings_t.c.fingerprint).where(
                findings_t.c.run_id == run_id,
                findings_t.c.source == "baseline",
                findings_t.c.response_class == response_class,
            )
        )
    ]
    if not fingerprints:
        return []
    rows = conn.execute(
        sa.select(events.c.id)
        .where(events.c.probe == probe, events.c.active_fingerprint.in_(set(fingerprints)))
        .order_by(events.c.first_seen)
    )
    return [row.id for row in rows]


def export_baselines(conn: Connection, probe: str, now: datetime) -> dict[str, Any]:
    rows = conn.execute(
        sa.select(baselines)
        .where(baselines.c.probe == probe, baselines.c.state.in_(CURRENT))
        .order_by(baselines.c.response_class, baselines.c.version)
    ).mappings()
    return {
        "format": EXPORT_FORMAT,
        "probe": probe,
        "exported_at": iso_z(now),
        "baselines": [
            {
                "response_class": row["response_class"],
                "version": row["version"],
                "state": row["state"],
                "request_hash": row["request_hash"],
                "samples": row["samples"],
                "source": row["source"],
                "shape": Shape.from_json(row["shape"]).to_json(),
            }
            for row in rows
        ],
    }


def import_baselines(
    conn: Connection, probe: str, document: Any, request_hash: str, now: datetime
) -> list[AddedBaseline]:
    """Each class in the document becomes a new active version (the current one is kept)."""
    entries = validate_export(document, probe)
    added = []
    for entry in entries:
        added.append(
            _add_version(
                conn,
                probe=probe,
                response_class=entry["response_class"],
                request_hash=request_hash,
                shape=Shape.from_json(entry["shape"]).to_json(),
                source="imported",
                note=f"imported (exported as v{entry.get('version', '?')})",
                now=now,
            )
        )
    return added


def validate_export(document: Any, probe: str) -> list[dict[str, Any]]:
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ImportProblem(f"not a baseline export: expected format {EXPORT_FORMAT!r}")
    if document.get("probe") not in (None, probe):
        raise ImportProblem(f"the export is for probe {document.get('probe')!r}, not {probe!r}")
    entries = document.get("baselines")
    if not isinstance(entries, list) or not entries:
        raise ImportProblem("the export holds no baselines")
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"baselines[{index}]"
        if not isinstance(entry, dict):
            raise ImportProblem(f"{where}: not an object")
        cls = entry.get("response_class")
        if cls not in ("success", "error", "chunk"):
            raise ImportProblem(f"{where}.response_class: {cls!r} is not success, error or chunk")
        if cls in seen:
            raise ImportProblem(f"{where}: a second {cls} baseline")
        seen.add(cls)
        shape = entry.get("shape")
        try:
            if not isinstance(shape, dict) or not isinstance(shape.get("paths"), dict):
                raise TypeError("no paths")
            Shape.from_json(shape)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise ImportProblem(f"{where}.shape: not a shape ({exc})") from None
    return entries
