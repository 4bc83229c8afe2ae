"""Readable tables of runs, shared by ``check`` and ``history``."""

from __future__ import annotations

from collections import Counter
from typing import Any, TextIO

from monitor.cli.output import write_table

HEADERS = (
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


def run_rows_table(views: list[dict[str, Any]], out: TextIO) -> None:
    rows = [
        (
            (v["started_at"] or "").replace("T", " ").replace("Z", "")[:19],
            v["probe"],
            v["outcome"],
            v["status_code"],
            v["latency_ms"],
            v["category"],
            v["verdict"],
            findings_summary(v["findings"]),
            v["run_id"],
            v.get("trace_id"),
        )
        for v in views
    ]
    write_table(rows, HEADERS, out, empty="no runs")
