"""Baseline maintenance commands: accept the current shape as a new version, or reset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.storage.tables import BaselineRow, Evidence, Run

baselines = BaselineRow.__table__  # type: ignore[attr-defined]
runs = Run.__table__  # type: ignore[attr-defined]
evidence = Evidence.__table__  # type: ignore[attr-defined]


def reset_baselines(conn: Connection, probe: str, now: datetime) -> int:
    """Supersede every learning or active baseline of the probe: the next runs relearn."""
    result = conn.execute(
        sa.update(baselines)
        .where(baselines.c.probe == probe, baselines.c.state.in_(("learning", "active")))
        .values(state="superseded", superseded_at=now, note="reset")
    )
    return int(result.rowcount)


def accept_latest_shape(conn: Connection, probe: str, now: datetime) -> dict[str, Any] | None:
    """Adopt the shape of the probe's latest completed run as a new active baseline version.

    The previous version of the same class is kept (superseded) so history still explains
    the findings it produced.
    """
    latest = conn.execute(
        sa.select(runs.c.id, runs.c.request_hash, runs.c.status_code, evidence.c.shape)
        .join(evidence, evidence.c.run_id == runs.c.id)
        .where(
            runs.c.probe == probe,
            runs.c.state == "completed",
            evidence.c.shape.is_not(None),
        )
        .order_by(runs.c.started_at.desc())
        .limit(1)
    ).first()
    if latest is None or latest.shape is None:
        return None
    response_class = "success" if (latest.status_code or 0) < 400 else "error"
    version = (
        conn.execute(
            sa.select(sa.func.max(baselines.c.version)).where(
                baselines.c.probe == probe, baselines.c.response_class == response_class
            )
        ).scalar_one_or_none()
        or 0
    ) + 1
    conn.execute(
        sa.update(baselines)
        .where(
            baselines.c.probe == probe,
            baselines.c.response_class == response_class,
            baselines.c.state.in_(("learning", "active")),
        )
        .values(state="superseded", superseded_at=now, note=f"superseded by v{version}")
    )
    values = {
        "probe": probe,
        "request_hash": latest.request_hash or "",
        "response_class": response_class,
        "version": version,
        "state": "active",
        "shape": latest.shape,
        "samples": int(latest.shape.get("samples", 1)),
        "source": "accepted",
        "started_at": now,
        "activated_at": now,
        "note": f"accepted from run {latest.id}",
    }
    conn.execute(baselines.insert().values(**values))
    return values
