"""Readable tables of runs, shared by ``check`` and ``history``."""

from __future__ import annotations

from collections import Counter
from typing import Any, TextIO

from monitor.cli.output import write_table

HEADERS = (
    "slot (UTC)",
    "started (UTC)",
    "probe",
    "outcome",
    "status",
    "ms",
    "category",
    "verdict",
    "findings",
    "run id",
    "trace id",
)


def findings_summary(findings: list[dict[str, Any]]) -> str:
    if not findings:
        return "-"
    counts = Counter(f["severity"] for f in findings)
    top = sorted(findings, key=lambda f: ("breaking", "warning", "info").index(f["severity"]))
    lead = top[0]
    where = lead["path"] or "(body)"
    tally = " ".join(
        f"{counts[s]}{s[0].upper()}" for s in ("breaking", "warning", "info") if counts[s]
    )
    more = f" +{len(findings) - 1}" if len(findings) > 1 else ""
    return f"{tally} {lead['kind']} {where}{more}"


def _when(text: str | None) -> str | None:
    return text.replace("T", " ").replace("Z", "")[:19] if text else None


def run_row(v: dict[str, Any]) -> tuple[Any, ...]:
    """A run as a table row. A skipped run was never started: its row shows the slot it
    stood for and why it was skipped, not the moment the skip was recorded."""
    skipped = v["outcome"] == "skipped"
    # a skipped manual run (no slot) was due when it was asked for
    slot = v.get("slot_at") or (v["started_at"] if skipped else None)
    return (
        _when(slot),
        None if skipped else _when(v["started_at"]),
        v["probe"],
        v["outcome"],
        v["status_code"],
        v["latency_ms"],
        v["category"],
        v["verdict"],
        f"skipped: {v.get('note') or 'no reason recorded'}"
        if skipped
        else findings_summary(v["findings"]),
        v["run_id"],
        v.get("trace_id"),
    )


def run_rows_table(views: list[dict[str, Any]], out: TextIO) -> None:
    write_table([run_row(v) for v in views], HEADERS, out, empty="no runs")
