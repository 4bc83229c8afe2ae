"""Output for humans (aligned tables) and for scripts (JSON lines, CSV)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

from monitor.views.jsonable import to_jsonable

# A run as one CSV row (``history --format csv``); ``check`` leaves out ``trigger`` (always
# ``manual`` there). Scripts read these columns by name and position: only ever append.
RUN_CSV_COLUMNS = (
    "run_id",
    "probe",
    "target",
    "trigger",
    "started_at",
    "outcome",
    "status_code",
    "latency_ms",
    "attempts",
    "request_id",
    "trace_id",
    "category",
    "verdict",
)


def write_json_lines(rows: Sequence[dict[str, Any]], out: TextIO) -> None:
    for row in rows:
        out.write(json.dumps(row, default=to_jsonable, ensure_ascii=False) + "\n")


def write_json(value: Any, out: TextIO) -> None:
    out.write(json.dumps(value, default=to_jsonable, ensure_ascii=False, indent=2) + "\n")


def write_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str], out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in columns])


def write_table(
    rows: Sequence[Sequence[Any]], headers: Sequence[str], out: TextIO, *, empty: str = ""
) -> None:
    if not rows:
        if empty:
            out.write(empty + "\n")
        return
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    out.write("  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    out.write("\n")
    for row in cells:
        out.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:.0f}" if value >= 100 else f"{value:.1f}"
    if isinstance(value, list | dict):
        return json.dumps(value, default=to_jsonable)
    return str(value)
