"""One JSON view of a run, the same for ``check --json``, ``history --json`` and the API.

Fields (a contract for users' scripts; add, never rename): run_id, probe, target, trigger,
started_at, outcome, status_code, latency_ms, attempts, request_id, trace_id, category,
verdict, baseline {class, state, version}, findings [{kind, path, severity, source, category,
verdict, message, before, after}], ledger [{kind, subject, mark, reason}] (the client's
assumptions marked supported / unsupported / needs_confirmation; empty when not known).
"""

from __future__ import annotations

from typing import Any

from monitor.config.timeparse import iso_z


def finding_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": row["kind"],
        "path": row["path"],
        "severity": row["severity"],
        "source": row["source"],
        "category": row["category"],
        "verdict": row["verdict"],
        "message": row["message"],
        "before": row.get("before"),
        "after": row.get("after"),
    }


def run_view(row: dict[str, Any]) -> dict[str, Any]:
    """From a ``runs`` row (plus ``findings`` rows) or an equivalent in-memory dict."""
    return {
        "run_id": row["id"],
        "probe": row["probe"],
        "target": row["target"],
        "trigger": row["trigger"],
        "slot_at": iso_z(row.get("slot_at")),
        "started_at": iso_z(row["started_at"]),
        "outcome": row.get("outcome"),
        "status_code": row.get("status_code"),
        "latency_ms": row.get("latency_ms"),
        "attempts": row.get("attempts", 0),
        "request_id": row.get("request_id"),
        "trace_id": row.get("trace_id"),
        "category": row.get("category"),
        "verdict": row.get("verdict"),
        "baseline": {
            "class": row.get("baseline_class"),
            "state": row.get("baseline_state"),
            "version": row.get("baseline_version"),
        },
        "findings": [finding_view(f) for f in row.get("findings", [])],
        "note": row.get("note"),
        "error": row.get("error"),
        "ledger": list(row.get("ledger") or []),
    }
