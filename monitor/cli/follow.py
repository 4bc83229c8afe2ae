"""``monitor history --follow``: the recent runs, oldest first, then each new run as it is stored.

Polls the store (another process writes it). A run is stored when it completes, so a run that
started before the newest one shown may appear later: every poll looks back ``LOOK_BACK`` from
the newest start seen and drops the runs already shown. Ends with Ctrl-C (exit 130).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol, TextIO

from monitor.cli.output import cell, write_csv, write_json_lines
from monitor.cli.tables import HEADERS, csv_rows, run_row
from monitor.storage.params import RunFilter
from monitor.views.run import run_view

LOOK_BACK = timedelta(minutes=10)  # longer than any probe's timeout with its retries
POLL_S = 2.0
BATCH = 500


class RunSource(Protocol):
    def list_runs(self, flt: RunFilter) -> list[dict[str, Any]]: ...


def follow_runs(
    store: RunSource,
    flt: RunFilter,
    emit: Callable[[list[dict[str, Any]]], None],
    sleep: Callable[[float], None],
    *,
    interval: float = POLL_S,
) -> None:
    """Emit ``flt``'s runs oldest first, then poll for new ones until ``sleep`` raises."""
    rows = list(reversed(store.list_runs(flt)))
    seen = {r["id"] for r in rows}
    newest: datetime | None = max((r["started_at"] for r in rows), default=flt.since)
    emit([run_view(r) for r in rows])
    while True:
        sleep(interval)
        since = newest - LOOK_BACK if newest is not None else None
        polled = store.list_runs(replace(flt, since=since, until=None, limit=BATCH))
        fresh = [r for r in reversed(polled) if r["id"] not in seen]
        if not fresh:
            continue
        seen.update(r["id"] for r in fresh)
        newest = max([r["started_at"] for r in fresh] + ([newest] if newest else []))
        emit([run_view(r) for r in fresh])


class Printer:
    """Writes followed runs in the chosen format: a table's header once, fixed widths."""

    WIDTHS = (19, 19, 16, 7, 6, 6, 24, 19, 40, 36, 32)

    def __init__(self, fmt: str, out: TextIO, csv_columns: Sequence[str]) -> None:
        self.fmt, self.out, self.csv_columns = fmt, out, csv_columns
        self.started = False

    def __call__(self, views: list[dict[str, Any]]) -> None:
        if self.fmt == "json":
            write_json_lines(views, self.out)
        elif self.fmt == "csv":
            rows = csv_rows(views, self.csv_columns)
            write_csv(rows, self.csv_columns, self.out, header=not self.started)
        else:
            if not self.started:
                self._line([h.upper() for h in HEADERS])
            for view in views:
                self._line([cell(v) for v in run_row(view)])
        self.started = True
        self.out.flush()

    def _line(self, cells: Sequence[str]) -> None:
        padded = [c.ljust(w) for c, w in zip(cells, self.WIDTHS, strict=True)]
        self.out.write("  ".join(padded).rstrip() + "\n")
