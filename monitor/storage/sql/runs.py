"""Claiming and recording runs: the write path of ``run_once``.

A run is claimed (a row keyed by ``(probe, slot_at)``, inserted only if absent), executed
outside any transaction, then completed in ONE transaction that also writes its evidence,
findings, baseline, event state, transitions and outbox rows. Judging happens inside that
transaction on freshly loaded state, serialized per probe (SQLite: BEGIN IMMEDIATE;
PostgreSQL: an advisory transaction lock), so two processes never judge against stale state.
Completing a run is conditional on still owning its claim (``state = 'claimed'`` and
``claimed_by`` = us): a replica whose lease expired and whose slot another replica took over
gets ``ClaimLost`` and its whole transaction rolls back, so a slot is completed once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from monitor.core.baseline import BaselineRecord
from monitor.core.judge import Judgement, ProbeState
from monitor.core.model import ResponseClass, Severity
from monitor.errors import ClaimLost
from monitor.storage.records import AlertRouter, Judge, RecordedRun, RunClaim, RunCompletion
from monitor.storage.sql.convert import baseline_from_row, baseline_values, event_from_row
from monitor.storage.sql.digest import ledger_digest
from monitor.storage.sql.events_write import write_events
from monitor.storage.sql.tables import baselines_table as baselines
from monitor.storage.sql.tables import events_table as events
from monitor.storage.sql.tables import evidence_table as evidence
from monitor.storage.sql.tables import findings_table as findings_t
from monitor.storage.sql.tables import runs_table as runs


def claim_run(conn: Connection, claim: RunClaim) -> bool:
    values = {
        "id": claim.run_id,
        "probe": claim.probe,
        "target": claim.target,
        "kind": claim.kind,
        "trigger": claim.trigger,
        "slot_at": claim.slot_at,
        "state": "claimed",
        "claimed_by": claim.claimed_by,
        "lease_until": claim.lease_until,
        "started_at": claim.started_at,
        "request_hash": claim.request_hash,
        "config_hash": claim.config_hash,
        "attempts": 0,
    }
    if claim.slot_at is None:
        conn.execute(runs.insert().values(**values))
        return True
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    # RETURNING, not rowcount: SQLAlchemy reports -1 for an INSERT's rowcount on psycopg
    stmt = dialect.insert(runs).values(**values).on_conflict_do_nothing().returning(runs.c.id)
    return conn.execute(stmt).first() is not None


def lock_probe(conn: Connection, probe: str) -> None:
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(probe.encode()).digest()[:8], "big", signed=True)
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def load_state(conn: Connection, probe: str, request_hash: str) -> ProbeState:
    rows = conn.execute(
        sa.select(baselines).where(baselines.c.probe == probe).order_by(baselines.c.version)
    ).mappings()
    current: dict[ResponseClass, BaselineRecord] = {}
    next_version: dict[ResponseClass, int] = {}
    for row in rows:
        cls = ResponseClass(row["response_class"])
        next_version[cls] = max(next_version.get(cls, 1), row["version"] + 1)
        if row["request_hash"] == request_hash and row["state"] in ("learning", "active"):
            current[cls] = baseline_from_row(row)
    active = conn.execute(
        sa.select(events).where(events.c.probe == probe, events.c.active_fingerprint.is_not(None))
    ).mappings()
    last_pass_key = conn.execute(
        sa.select(evidence.c.key_fingerprint)
        .select_from(runs.outerjoin(evidence, evidence.c.run_id == runs.c.id))
        .where(runs.c.probe == probe, runs.c.outcome == "pass")
        .order_by(runs.c.slot_at.desc())
        .limit(1)
    ).scalar()
    return ProbeState(
        baselines=current,
        events={row["fingerprint"]: event_from_row(row) for row in active},
        next_version=next_version,
        last_pass_key=last_pass_key,
    )


def record_run(
    conn: Connection,
    completion: RunCompletion,
    judge: Judge,
    router: AlertRouter,
    new_id: Callable[[], str],
) -> RecordedRun:
    claim = completion.claim
    lock_probe(conn, claim.probe)
    state = load_state(conn, claim.probe, claim.request_hash)
    judgement = judge(state)
    baseline = judgement.baseline
    if baseline is not None and judgement.baseline_changed:
        _save_baseline(conn, baseline)
    _complete_run_row(conn, completion, judgement)
    _insert_evidence(conn, completion, judgement)
    _insert_findings(conn, completion, judgement)
    outbox_ids = write_events(conn, completion, judgement, state, router, new_id)
    return RecordedRun(
        run_id=claim.run_id,
        judgement=judgement,
        outbox_ids=tuple(outbox_ids),
        baseline_state=baseline.state if baseline else None,
        baseline_version=baseline.version if baseline else None,
    )


def _save_baseline(conn: Connection, record: BaselineRecord) -> None:
    values = baseline_values(record)
    key = (
        (baselines.c.probe == record.probe)
        & (baselines.c.response_class == record.response_class.value)
        & (baselines.c.version == record.version)
    )
    if conn.execute(sa.update(baselines).where(key).values(**values)).rowcount == 0:
        conn.execute(baselines.insert().values(**values, source="learned"))


def _ledger(judgement: Judgement) -> list[dict[str, str]]:
    return [entry.to_json() for entry in judgement.ledger]


def _usage(document: Any) -> dict[str, Any] | None:
    if isinstance(document, dict) and isinstance(document.get("usage"), dict):
        return dict(document["usage"])
    return None


INT32 = 2**31 - 1  # PostgreSQL INTEGER


def _served_model(document: dict[str, Any]) -> str | None:
    model = document.get("model")
    return model[:200] if isinstance(model, str) else None  # the column holds 200


def _int_or_none(value: Any) -> int | None:
    """A token count as the target reported it, if it can be one (a target can send any
    number; a negative or absurd one is kept in the evidence's usage, not in the run row, so
    the token budget never counts it: ``usage-arithmetic-mismatch``)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= INT32:
        return value
    return None


def _owned(claim: RunClaim) -> Any:
    """The run row, only while ``claim`` still owns it."""
    return sa.and_(
        runs.c.id == claim.run_id,
        runs.c.state == "claimed",
        runs.c.claimed_by == claim.claimed_by,
    )


def _complete_run_row(conn: Connection, completion: RunCompletion, judgement: Judgement) -> None:
    obs = completion.observation
    document = judgement.document if isinstance(judgement.document, dict) else {}
    usage = _usage(document) or {}
    lead = next((f for f in judgement.findings if f.severity is Severity.BREAKING), None)
    baseline = judgement.baseline
    result = conn.execute(
        sa.update(runs)
        .where(_owned(completion.claim))
        .values(
            state="completed",
            lease_until=None,
            finished_at=completion.finished_at,
            outcome=judgement.outcome.value,
            status_code=obs.status_code,
            latency_ms=round(obs.latency_ms, 3),
            attempts=len(obs.attempts) or 1,
            request_id=completion.request_id,
            trace_id=completion.trace_id,
            span_id=completion.span_id,
            category=judgement.category.value if judgement.category else None,
            verdict=judgement.verdict.value if judgement.verdict else None,
            baseline_class=baseline.response_class.value if baseline else None,
            baseline_state=baseline.state if baseline else None,
            baseline_version=baseline.version if baseline else None,
            served_model=_served_model(document),
            prompt_tokens=_int_or_none(usage.get("prompt_tokens")),
            completion_tokens=_int_or_none(usage.get("completion_tokens")),
            error=lead.message[:500] if lead and judgement.outcome.value == "fail" else None,
            ledger_digest=ledger_digest(_ledger(judgement), completion.contract_ref),
        )
    )
    if result.rowcount != 1:
        raise ClaimLost(completion.claim.run_id, completion.claim.claimed_by)


def _insert_evidence(conn: Connection, completion: RunCompletion, judgement: Judgement) -> None:
    obs = completion.observation
    document = judgement.document if isinstance(judgement.document, dict) else {}
    fingerprint = document.get("system_fingerprint")
    conn.execute(
        evidence.insert().values(
            run_id=completion.claim.run_id,
            method=obs.method,
            url=obs.url,
            key_fingerprint=completion.key_fingerprint,
            request_headers=obs.request_headers,
            request_body=obs.request_body,
            response_headers=obs.response_headers,
            body=obs.body,
            body_size=len(obs.body),
            body_truncated=obs.body_truncated,
            shape=judgement.shape.to_json() if judgement.shape else None,
            attempts=[a.to_json() for a in obs.attempts],
            usage=_usage(document),
            system_fingerprint=fingerprint if isinstance(fingerprint, str) else None,
            monitor_version=completion.monitor_version,
            stream=obs.stream.to_json() if obs.stream is not None else None,
            extra=completion.evidence_extra or None,
            contract=completion.contract_ref,
            ledger=_ledger(judgement) or None,
        )
    )


def _insert_findings(conn: Connection, completion: RunCompletion, judgement: Judgement) -> None:
    if not judgement.findings:
        return
    claim = completion.claim
    conn.execute(
        findings_t.insert(),
        [
            {
                "run_id": claim.run_id,
                "probe": claim.probe,
                "at": claim.started_at,
                "kind": f.kind,
                "path": f.path,
                "severity": f.severity.value,
                "source": f.source.value,
                "category": f.category.value,
                "verdict": f.verdict.value,
                "response_class": f.response_class.value,
                "message": f.message,
                "before": f.before,
                "after": f.after,
                "fingerprint": f.fingerprint(claim.probe),
            }
            for f in judgement.findings
        ],
    )


def complete_skipped(conn: Connection, claim: RunClaim, finished_at: datetime, reason: str) -> None:
    if not _complete(conn, claim, finished_at, outcome="skipped", attempts=0, note=str(reason)):
        raise ClaimLost(claim.run_id, claim.claimed_by)


def complete_unrecordable(
    conn: Connection, claim: RunClaim, finished_at: datetime, reason: str
) -> bool:
    """Close a run whose result the database refused (not an outage: retrying cannot help), so
    it is a visible failed run instead of a claim the reaper would re-run forever."""
    return _complete(
        conn,
        claim,
        finished_at,
        outcome="fail",
        error=reason[:500],
        note="the result could not be stored",
        ledger_digest=ledger_digest(None, None),  # no evidence: nothing for the report
    )


def _complete(conn: Connection, claim: RunClaim, finished_at: datetime, **values: Any) -> bool:
    """Complete our claimed run with ``values``; False when the claim is no longer ours."""
    result = conn.execute(
        sa.update(runs)
        .where(_owned(claim))
        .values(state="completed", lease_until=None, finished_at=finished_at, **values)
    )
    return bool(result.rowcount == 1)
