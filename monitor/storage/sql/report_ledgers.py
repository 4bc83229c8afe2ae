"""The report's assumption ledger and contract notes, counted over the whole window.

Ledgers and contract references live in ``evidence``, whose rows are ~5 kB; reading them for
a day of runs took 2-5 s cold on SQLite (BENCHMARKS.md). Each run row carries
``ledger_digest`` instead (``digest.py``: same digest, same ledger entries and contract), so
the window pass each backend already makes counts runs per probe and digest and names each
group's first and last run in time (``started_at, id``); here the groups are merged per
digest and ONE evidence row is read per digest.

Runs recorded before migration 0007 have no digest: their evidence is read and digested here,
in one streamed query that runs only when the window holds such runs.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.storage.sql.digest import ledger_digest
from monitor.storage.sql.tables import evidence_table as evidence_t
from monitor.storage.sql.tables import runs_table as runs

SAMPLE_IDS = 5
CHUNK = 500

# A digest group: {"probe", "digest", "count", "first_at", "first_id", "last_at", "last_id"},
# one per probe and digest; ``first``/``last`` in ``started_at, id`` order.
Groups = dict[tuple[str, str], dict[str, Any]]


def add_run(groups: Groups, probe: str, digest: str, run_id: str, at: datetime) -> None:
    group = groups.get((probe, digest))
    if group is None:
        groups[(probe, digest)] = {
            "probe": probe,
            "digest": digest,
            "count": 1,
            "first_at": at,
            "first_id": run_id,
            "last_at": at,
            "last_id": run_id,
        }
        return
    group["count"] += 1
    if (at, run_id) < (group["first_at"], group["first_id"]):
        group["first_at"], group["first_id"] = at, run_id
    if (at, run_id) > (group["last_at"], group["last_id"]):
        group["last_at"], group["last_id"] = at, run_id


def add_undigested(conn: Connection, where: list[Any], groups: Groups) -> None:
    """Digest, from their evidence, the window's sent runs recorded before migration 0007.
    Read as text: runs share a handful of ledgers, each decoded and digested once."""
    columns = (
        runs.c.probe,
        runs.c.id,
        runs.c.started_at,
        sa.cast(evidence_t.c.ledger, sa.Text),
        sa.cast(evidence_t.c.contract, sa.Text),
    )
    query = (
        sa.select(*columns)
        .select_from(runs.outerjoin(evidence_t, evidence_t.c.run_id == runs.c.id))
        .where(*where, runs.c.ledger_digest.is_(None), runs.c.outcome != "skipped")
        .execution_options(yield_per=CHUNK)
    )
    digests: dict[tuple[str | None, str | None], str] = {}
    for probe, run_id, at, ledger, contract in conn.execute(query):
        digest = digests.get((ledger, contract))
        if digest is None:
            digest = digests[(ledger, contract)] = ledger_digest(_json(ledger), _json(contract))
        add_run(groups, probe, digest, run_id, at)


def _json(text: str | None) -> Any:
    return json.loads(text) if text is not None else None


def ledger_facts(conn: Connection, groups: Groups) -> list[dict[str, Any]]:
    """Per digest, in order of first appearance: its number of runs, the runs to cite (the
    first and last run of each probe's group, earliest first, at most ``SAMPLE_IDS``) and the
    ledger and contract reference its runs share, read from the first run's evidence."""
    counts: dict[str, int] = {}
    ends: dict[str, set[tuple[datetime, str]]] = {}
    for g in groups.values():
        counts[g["digest"]] = counts.get(g["digest"], 0) + g["count"]
        ends.setdefault(g["digest"], set()).update(
            {(g["first_at"], g["first_id"]), (g["last_at"], g["last_id"])}
        )
    cited = {digest: sorted(runs_of) for digest, runs_of in ends.items()}
    shared = _evidence_of(conn, [first_id for (_, first_id), *_ in cited.values()])
    out = []
    for digest, ordered in cited.items():
        ledger, contract = shared.get(ordered[0][1], (None, None))
        out.append(
            {
                "count": counts[digest],
                "first_at": ordered[0][0],
                "run_ids": [run_id for _, run_id in ordered[:SAMPLE_IDS]],
                "ledger": ledger,
                "contract": contract,
            }
        )
    out.sort(key=lambda d: (d["first_at"], d["run_ids"][0]))
    return out


def _evidence_of(conn: Connection, run_ids: list[str]) -> dict[str, tuple[Any, Any]]:
    found: dict[str, tuple[Any, Any]] = {}
    for start in range(0, len(run_ids), CHUNK):
        chunk = run_ids[start : start + CHUNK]
        query = sa.select(evidence_t.c.run_id, evidence_t.c.ledger, evidence_t.c.contract).where(
            evidence_t.c.run_id.in_(chunk)
        )
        found.update(
            (run_id, (ledger, contract)) for run_id, ledger, contract in conn.execute(query)
        )
    return found
