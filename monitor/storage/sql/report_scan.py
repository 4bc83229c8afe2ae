"""One streamed pass over a report window: totals, the status-code timeline and the baselines
in force, together (the SQLite path; PostgreSQL aggregates in the server, ``report_sql``).

Why one pass in Python and not three GROUP BYs or window functions: on SQLite each scan of a
day of runs costs ~150 ms and ``lag``/``lead`` ~3 us a row, which put a 24-hour report at 2 s
for 144 000 runs (BENCHMARKS.md). Plain columns are read once, in the order of
``ix_runs_started_at`` (``started_at, id``): ordering by probe first cost SQLite a sort of the
whole day (~100 ms). Each probe's stretches, baselines and usage samples are kept apart while
the rows stream (memory stays O(probes + stretches)) and put in probe order at the end, so the
result is the one a probe-ordered scan gives. The same pass counts runs per probe and
``ledger_digest`` (``report_ledgers``). Only the start times of the stretch ends and of each
digest group's first and last run are read back afterwards.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.storage.sql.report_ledgers import Groups
from monitor.storage.sql.tables import runs_table as runs

SAMPLE_IDS = 5
TOTAL_KEYS = (
    "runs", "pass", "drift", "fail", "skipped", "requests", "attempts", "ok2xx",
    "usage_present", "prompt_tokens", "completion_tokens", "probes",
)  # fmt: skip


class _ProbeScan:
    """What one probe's rows add up to; plain attributes because this runs per row."""

    __slots__ = ("baselines", "current", "digests", "segments", "usage_absent")

    def __init__(self) -> None:
        self.segments: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None
        self.baselines: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.usage_absent: list[str] = []
        self.digests: dict[str, list[Any]] = {}  # digest -> [count, first id, last id]


def scan_window(conn: Connection, where: list[Any]) -> dict[str, Any]:
    query = (
        sa.select(
            runs.c.probe,
            runs.c.status_code,
            runs.c.id,
            runs.c.outcome,
            runs.c.attempts,
            runs.c.prompt_tokens,
            runs.c.completion_tokens,
            runs.c.baseline_class,
            runs.c.baseline_version,
            runs.c.baseline_state,
            runs.c.ledger_digest,
        )
        .where(*where)
        .order_by(runs.c.started_at, runs.c.id)
    )
    outcomes: dict[Any, int] = {}
    attempts_sum = ok2xx = usage_present = prompt_sum = completion_sum = undigested = 0
    probes: dict[str, _ProbeScan] = {}
    for (
        probe,
        status,
        run_id,
        outcome,
        attempts,
        prompt,
        completion,
        b_cls,
        b_ver,
        b_state,
        digest,
    ) in conn.execute(query):
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        scan = probes.get(probe)
        if scan is None:
            scan = probes[probe] = _ProbeScan()
        if outcome == "skipped":
            continue
        attempts_sum += attempts or 0
        if status is not None and 200 <= status < 300:
            ok2xx += 1
            if prompt is not None:
                usage_present += 1
            elif len(scan.usage_absent) < SAMPLE_IDS:
                scan.usage_absent.append(run_id)
        if digest is None:
            undigested += 1
        else:
            seen = scan.digests.get(digest)
            if seen is None:
                seen = scan.digests[digest] = [0, run_id, run_id]
            seen[0] += 1
            seen[2] = run_id
        if prompt:
            prompt_sum += prompt
        if completion:
            completion_sum += completion
        if b_ver is not None:
            key = (probe, b_cls, b_ver, b_state)
            baseline = scan.baselines.get(key)
            if baseline is None:
                baseline = scan.baselines[key] = {
                    "probe": probe,
                    "baseline_class": b_cls,
                    "baseline_version": b_ver,
                    "baseline_state": b_state,
                    "count": 0,
                    "first_id": run_id,
                }
            baseline["count"] += 1
        current = scan.current
        if current is None or current["status_code"] != status:
            current = scan.current = {
                "probe": probe,
                "status_code": status,
                "first_id": run_id,
                "count": 0,
            }
            scan.segments.append(current)
        current["last_id"] = run_id
        current["count"] += 1
    ordered = [probes[p] for p in sorted(probes)]
    skipped = outcomes.get("skipped", 0)
    totals = {
        "runs": sum(outcomes.values()),
        "pass": outcomes.get("pass", 0),
        "drift": outcomes.get("drift", 0),
        "fail": outcomes.get("fail", 0),
        "skipped": skipped,
        "requests": sum(outcomes.values()) - skipped,
        "attempts": attempts_sum,
        "ok2xx": ok2xx,
        "usage_present": usage_present,
        "prompt_tokens": prompt_sum,
        "completion_tokens": completion_sum,
        "probes": len(probes),
    }
    segments = [segment for scan in ordered for segment in scan.segments]
    baselines = {k: v for scan in ordered for k, v in scan.baselines.items()}
    groups: Groups = {
        (probe, digest): {
            "probe": probe,
            "digest": digest,
            "count": count,
            "first_id": first_id,
            "last_id": last_id,
        }
        for probe, scan in probes.items()
        for digest, (count, first_id, last_id) in scan.digests.items()
    }
    _add_times(conn, [*segments, *groups.values()])
    return {
        "totals": totals,
        "timeline": segments,
        "baselines": [baselines[k] for k in sorted(baselines, key=_sortable)],
        "usage_absent_ids": [i for scan in ordered for i in scan.usage_absent][:SAMPLE_IDS],
        "digest_groups": groups,
        "undigested": undigested,
    }


def _sortable(key: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("" if part is None else f"{part:>12}" for part in key)


def _add_times(conn: Connection, segments: list[dict[str, Any]]) -> None:
    """Start times of the first and last run of each stretch or digest group."""
    wanted = sorted({s["first_id"] for s in segments} | {s["last_id"] for s in segments})
    times: dict[str, Any] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = conn.execute(sa.select(runs.c.id, runs.c.started_at).where(runs.c.id.in_(chunk)))
        times.update((row_id, at) for row_id, at in rows)
    for segment in segments:
        segment["first_at"] = times[segment["first_id"]]
        segment["last_at"] = times[segment["last_id"]]
