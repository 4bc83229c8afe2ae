"""Output for humans (aligned tables) and for scripts (JSON lines, CSV)."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable, Collection, Sequence
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
    "slot_at",
    "note",
)


def write_json_lines(rows: Sequence[dict[str, Any]], out: TextIO) -> None:
    for row in rows:
        out.write(json.dumps(row, default=to_jsonable, ensure_ascii=False) + "\n")


def write_json(value: Any, out: TextIO) -> None:
    out.write(json.dumps(value, default=to_jsonable, ensure_ascii=False, indent=2) + "\n")


def write_csv(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], out: TextIO, *, header: bool = True
) -> None:
    writer = csv.writer(out)
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in columns])


ELLIPSIS = "…"
MIN_CELL = 6  # a truncated cell keeps this much (a run id prefix this long still resolves)
Colour = Callable[[int, str, str], str]  # (column, value, padded cell) -> cell to print


def terminal_width(out: TextIO) -> int | None:
    """The width a table must fit when ``out`` is a terminal (``COLUMNS`` wins, as in
    ``shutil``); None for pipes and files, which get every character."""
    isatty = getattr(out, "isatty", None)
    if not (callable(isatty) and isatty()):
        return None
    return shutil.get_terminal_size().columns


def fit_widths(
    widths: Sequence[int], headers: Sequence[str], limit: int, keep: Collection[int] = ()
) -> list[int]:
    """Narrow the widest columns (not those in ``keep``) one character at a time until the
    row fits ``limit``; never below the header or ``MIN_CELL``."""
    out = list(widths)
    floor = [max(len(h), MIN_CELL) for h in headers]
    while sum(out) + 2 * (len(out) - 1) > limit:
        narrowable = [i for i in range(len(out)) if i not in keep and out[i] > floor[i]]
        if not narrowable:
            break
        widest = max(narrowable, key=lambda i: out[i])
        out[widest] -= 1
    return out


def truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + ELLIPSIS


def write_table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    out: TextIO,
    *,
    empty: str = "",
    width: int | None = None,
    keep: Collection[int] = (),
    colour: Colour | None = None,
) -> None:
    """Aligned columns. On a terminal (or with ``width``) long cells are cut with ``…`` so a
    row fits; ``width=0`` never cuts (``--wide``). ``keep``: columns never cut."""
    if not rows:
        if empty:
            out.write(empty + "\n")
        return
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    limit = terminal_width(out) if width is None else width
    if limit:
        widths = fit_widths(widths, headers, limit, keep)
    out.write(
        "  ".join(
            truncate(h.upper(), w).ljust(w) for h, w in zip(headers, widths, strict=True)
        ).rstrip()
    )
    out.write("\n")
    for row in cells:
        shown = []
        for i, (value, w) in enumerate(zip(row, widths, strict=True)):
            padded = truncate(value, w).ljust(w)
            shown.append(colour(i, value, padded) if colour else padded)
        out.write("  ".join(shown).rstrip() + "\n")


def cell(value: Any) -> str:
    """A value as a table shows it."""
    return _cell(value)


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


def shown(value: Any, none: str = "-") -> str:
    """A value for a sentence: ``none`` for a missing one, never Python's ``None``."""
    return none if value is None or value == "" else str(value)
