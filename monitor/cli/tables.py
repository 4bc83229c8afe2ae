"""Readable tables of runs, shared by ``check`` and ``history``.

Columns have names (the JSON/CSV field names): ``--columns`` picks them for the table and the
CSV, ``--wide`` shows every one uncut. The table's default columns fit a terminal, cutting
long cells with ``…``; the CSV's default columns never change (scripts read them).
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from monitor.cli.output import Colour, write_table
from monitor.errors import UsageError

Getter = Callable[[dict[str, Any]], Any]


def _when(text: str | None) -> str | None:
    return text.replace("T", " ").replace("Z", "")[:19] if text else None


def _slot(v: dict[str, Any]) -> str | None:
    # a skipped manual run (no slot) was due when it was asked for
    skipped = v["outcome"] == "skipped"
    return _when(v.get("slot_at") or (v["started_at"] if skipped else None))


def _findings(v: dict[str, Any]) -> str:
    if v["outcome"] == "skipped":
        return f"skipped: {v.get('note') or 'no reason recorded'}"
    return findings_summary(v["findings"])


# name -> (table header, the table's value). A skipped run was never started: its row shows
# the slot it stood for and why it was skipped, not the moment the skip was recorded.
RUN_COLUMNS: dict[str, tuple[str, Getter]] = {
    "slot_at": ("slot (UTC)", _slot),
    "started_at": (
        "started (UTC)",
        lambda v: None if v["outcome"] == "skipped" else _when(v["started_at"]),
    ),
    "probe": ("probe", lambda v: v["probe"]),
    "target": ("target", lambda v: v["target"]),
    "trigger": ("trigger", lambda v: v["trigger"]),
    "outcome": ("outcome", lambda v: v["outcome"]),
    "status_code": ("status", lambda v: v["status_code"]),
    "latency_ms": ("ms", lambda v: v["latency_ms"]),
    "attempts": ("attempts", lambda v: v.get("attempts")),
    "category": ("category", lambda v: v["category"]),
    "verdict": ("verdict", lambda v: v["verdict"]),
    "findings": ("findings", _findings),
    "run_id": ("run id", lambda v: v["run_id"]),
    "trace_id": ("trace id", lambda v: v.get("trace_id")),
    "request_id": ("request id", lambda v: v.get("request_id")),
    "note": ("note", lambda v: v.get("note")),
}
TABLE_COLUMNS = (
    "slot_at",
    "started_at",
    "probe",
    "outcome",
    "status_code",
    "latency_ms",
    "category",
    "verdict",
    "findings",
    "run_id",
    "trace_id",
)
HEADERS = tuple(RUN_COLUMNS[c][0] for c in TABLE_COLUMNS)
NEVER_CUT = frozenset({"slot_at", "started_at", "outcome", "status_code", "latency_ms"})
OUTCOME_COLOURS = {"pass": "32", "drift": "33", "fail": "31", "skipped": "2"}


def add_column_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--columns",
        metavar="A,B,C",
        type=_column_list,
        help="the columns to show, for the table and the CSV: " + ",".join(RUN_COLUMNS),
    )
    parser.add_argument(
        "--wide", action="store_true", help="every column, nothing cut to the terminal's width"
    )


def _column_list(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in RUN_COLUMNS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown column {', '.join(unknown) or '(none)'}; columns: {', '.join(RUN_COLUMNS)}"
        )
    return names


def chosen_columns(args: argparse.Namespace, default: Sequence[str]) -> tuple[str, ...]:
    if getattr(args, "columns", None):
        return tuple(args.columns)
    if getattr(args, "wide", False):
        return tuple(RUN_COLUMNS)
    return tuple(default)


def csv_rows(views: list[dict[str, Any]], columns: Sequence[str]) -> list[dict[str, Any]]:
    """The CSV's values: the JSON fields as they are, ``findings`` as the table sums them."""
    for name in columns:
        if name not in RUN_COLUMNS:
            raise UsageError(f"unknown column {name!r}")
    return [{**v, "findings": _findings(v)} for v in views]


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


def run_row(v: dict[str, Any], columns: Sequence[str] = TABLE_COLUMNS) -> tuple[Any, ...]:
    return tuple(RUN_COLUMNS[c][1](v) for c in columns)


def outcome_colour(columns: Sequence[str]) -> Colour:
    """ANSI colour for the outcome cell (green pass, yellow drift, red fail, dim skipped)."""
    at = columns.index("outcome") if "outcome" in columns else -1

    def paint(index: int, value: str, padded: str) -> str:
        code = OUTCOME_COLOURS.get(value) if index == at else None
        return f"\033[{code}m{padded}\033[0m" if code else padded

    return paint


def run_rows_table(
    views: list[dict[str, Any]],
    out: TextIO,
    *,
    columns: Sequence[str] = TABLE_COLUMNS,
    wide: bool = False,
    colour: bool = False,
) -> None:
    write_table(
        [run_row(v, columns) for v in views],
        [RUN_COLUMNS[c][0] for c in columns],
        out,
        empty="no runs",
        width=0 if wide else None,
        keep={i for i, c in enumerate(columns) if c in NEVER_CUT},
        colour=outcome_colour(columns) if colour else None,
    )
