"""What the pages show, read from the store and shaped by the same views the CLI and the API
use (``views.run``, ``views.evidence``, ``views.event``, ``views.diff``), so a page can never say
something ``monitor show`` or ``/api/v1`` would not. The only module of ``web`` that calls the
store; it runs in a worker thread (the event loop also runs probes)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from monitor.config.schema import Config, ProbeConfig
from monitor.config.timeparse import format_duration, iso_z
from monitor.storage.base import (
    AlertStatus,
    BaselineAdmin,
    EventAdmin,
    ReportSource,
    RunReads,
    SelfWatchLedger,
    StatusPages,
)
from monitor.storage.params import RunFilter
from monitor.storage.status_records import OutcomeBucket, RunPoint, SelfEvent
from monitor.views.diff import diff_runs
from monitor.views.event import event_detail_view, event_view
from monitor.views.evidence import run_detail
from monitor.views.run import run_view
from monitor.web.charts import Cell, Point, folded


class WebStore(
    RunReads,
    StatusPages,
    ReportSource,
    EventAdmin,
    BaselineAdmin,
    AlertStatus,
    SelfWatchLedger,
    Protocol,
):
    """What the pages read (and the ack and mute buttons change)."""


OPEN_STATES = ("suspected", "open")


SEVERITY_ORDER = ("breaking", "warning", "info")
STATE_ORDER = {"fail": 0, "drift": 1, "skipped": 2, "learning": 3, "no runs": 4, "pass": 5}


@dataclass
class ProbeRow:
    name: str
    target: str
    kind: str
    owner: str | None
    schedule: str
    state: str
    since: str | None
    cells: list[Cell | None]
    p50: float | None
    p95: float | None
    uptime: float | None
    open_events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Overview:
    now: datetime
    probes: list[ProbeRow]
    open_by_severity: dict[str, int]
    self_events: list[SelfEvent]
    failing_sinks: list[str]
    database_ok: bool


def schedule_of(probe: ProbeConfig) -> str:
    if probe.cron:
        return f"cron {probe.cron}"
    return f"every {format_duration(probe.every)}" if probe.every else "manual"


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _state(outcome: str | None, baseline_state: str | None) -> str:
    if outcome is None:
        return "skipped"
    if outcome == "pass" and baseline_state == "learning":
        return "learning"
    return outcome


STRIP_CELLS = 96  # 15-minute slices of the day
LATENCY_RUNS = 100  # p50/p95 over each probe's newest runs


def _row(
    probe: ProbeConfig,
    latest: RunPoint | None,
    cells: list[Cell | None],
    latencies: list[float],
    window_start: datetime,
) -> ProbeRow:
    state = _state(latest.outcome, latest.baseline_state) if latest else "no runs"
    since: str | None = None
    if latest is not None:
        # the current streak, to the slice: back from the newest while slices hold only it
        streak = latest.started_at
        for cell in reversed(cells):
            if cell is None:
                continue
            if cell.outcome != (latest.outcome or "skipped"):  # a slice's worst outcome
                break
            streak = min(streak, cell.at)
        since = iso_z(streak) if streak > window_start else None
    judged = sum(c.runs for c in cells if c is not None and c.outcome != "skipped")
    failed = sum(c.runs for c in cells if c is not None and c.outcome == "fail")
    return ProbeRow(
        name=probe.name,
        target=probe.target,
        kind=probe.kind,
        owner=probe.owner,
        schedule=schedule_of(probe),
        state=state,
        since=since,
        cells=cells,
        p50=_percentile(latencies, 0.5),
        p95=_percentile(latencies, 0.95),
        uptime=100.0 * (judged - failed) / judged if judged else None,
    )


def _cells(
    buckets: list[OutcomeBucket], start: datetime, span: timedelta
) -> dict[str, list[Cell | None]]:
    out: dict[str, list[Cell | None]] = {}
    for b in buckets:
        if b.index < 0:
            continue
        index = min(b.index, STRIP_CELLS - 1)  # a replica's clock a little ahead: the last slice
        row = out.setdefault(b.probe, [None] * STRIP_CELLS)
        at = start + span * index
        row[index] = folded(row[index], at, b.outcome or "skipped", b.runs, b.newest_run_id)
    return out


def timeline(
    store: WebStore, probes: list[str], since: datetime, until: datetime
) -> list[Cell | None]:
    """The probes' runs over a window as one strip: each slice drawn by its worst outcome."""
    span = (until - since) / STRIP_CELLS
    bucket_s = max(1, int(span.total_seconds()))
    buckets = store.outcome_buckets(probes, since, until, bucket_s)
    merged = [OutcomeBucket("*", b.index, b.outcome, b.runs, b.newest_run_id) for b in buckets]
    return _cells(merged, since, timedelta(seconds=bucket_s)).get("*", [None] * STRIP_CELLS)


def probe_rows(store: WebStore, probes: list[ProbeConfig], now: datetime) -> list[ProbeRow]:
    start = now - timedelta(hours=24)
    span = timedelta(hours=24) / STRIP_CELLS
    names = [p.name for p in probes]
    buckets, latest, latencies = store.status_page(
        names, start, int(span.total_seconds()), LATENCY_RUNS
    )
    cells = _cells(buckets, start, span)
    return [
        _row(
            p,
            latest.get(p.name),
            cells.get(p.name, [None] * STRIP_CELLS),
            latencies.get(p.name, []),
            start,
        )
        for p in probes
    ]


def probe_row(store: WebStore, probe: ProbeConfig, now: datetime) -> ProbeRow:
    return probe_rows(store, [probe], now)[0]


def overview(store: WebStore, config: Config, now: datetime) -> Overview:
    events = [event_view(e) for e in store.list_events(states=OPEN_STATES, limit=1000)]
    by_probe: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_probe.setdefault(event["probe"], []).append(event)
    rows = probe_rows(store, list(config.probes), now)
    for row in rows:
        row.open_events = by_probe.get(row.name, [])
    counts = Counter(e["severity"] for e in events if e["state"] == "open")
    failing = [s.sink for s in store.alert_status() if s.failed]
    return Overview(
        now=now,
        probes=rows,
        open_by_severity={s: counts.get(s, 0) for s in SEVERITY_ORDER},
        self_events=store.open_self_events(),
        failing_sinks=failing,
        database_ok=True,
    )


def probe_page(
    store: WebStore, probe: ProbeConfig, now: datetime, window: timedelta
) -> dict[str, Any]:
    window_runs = store.run_points([probe.name], now - window, limit=5000)[probe.name]
    points = [
        Point(r.started_at, r.outcome or "skipped", r.run_id, r.latency_ms) for r in window_runs
    ]
    runs = store.list_runs(RunFilter(probes=(probe.name,), since=now - window, limit=50))
    events = [event_view(e) for e in store.list_events(probes=(probe.name,), limit=50)]
    good = store.last_run(probe.name, outcomes=("pass",))
    return {
        "runs": [run_view(r) for r in runs],
        "points": points,
        "events": events,
        "baselines": [b for b in store.list_baselines(probe.name) if b.state != "superseded"],
        "last_good": run_view(good) if good else None,
    }


def run_page(store: WebStore, run_id: str) -> dict[str, Any] | None:
    row = store.get_run(run_id)
    if row is None:
        return None
    detail = run_detail(row, store.get_evidence(run_id))
    previous = store.last_run(row["probe"], before=row["started_at"])
    good = store.last_run(row["probe"], outcomes=("pass",))
    detail["previous_run_id"] = previous["id"] if previous else None
    detail["last_good_run_id"] = good["id"] if good and good["id"] != run_id else None
    return detail


def diff_page(store: WebStore, before_id: str, after_id: str) -> dict[str, Any] | None:
    before, after = store.get_run(before_id), store.get_run(after_id)
    if before is None or after is None:
        return None
    return diff_runs(before, store.get_evidence(before_id), after, store.get_evidence(after_id))


def last_good_ids(store: WebStore, probe: str) -> tuple[str | None, str | None]:
    good = store.last_run(probe, outcomes=("pass",))
    latest = store.last_run(probe)
    return (good["id"] if good else None, latest["id"] if latest else None)


def events_page(store: WebStore) -> list[dict[str, Any]]:
    return [event_view(e) for e in store.list_events(limit=200)]


def event_page(store: WebStore, ref: str) -> dict[str, Any]:
    return event_detail_view(store.event_detail(ref))
