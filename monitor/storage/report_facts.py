"""``ReportFacts``: what the database says about one report window, as typed records.

Built by the store (``storage.sql.report_queries``, which counts in plain dicts while it scans
and hands over the result through ``ReportFacts.from_dict``) and read by ``monitor.report``,
which turns each fact into statements. Only the ledger and the contract reference a run group
shares stay free-form: they are the JSON the evidence stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Segment:
    """A stretch of one probe's runs answering with the same status (None: no HTTP answer)."""

    probe: str
    status_code: int | None
    count: int
    first_id: str
    last_id: str
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True)
class BaselineUse:
    """Runs of a probe compared with one baseline version."""

    probe: str
    baseline_class: str
    baseline_version: int
    baseline_state: str
    count: int
    first_id: str


@dataclass(frozen=True, kw_only=True)
class RunGroup:
    """Runs (or findings) sharing a key, counted, with their first few run ids. The key fields a
    query does not group by stay None (findings: kind, path, category, verdict; account answers:
    status_code)."""

    count: int
    first_at: datetime
    run_ids: tuple[str, ...]
    outcome: str | None = None
    category: str | None = None
    verdict: str | None = None
    kind: str | None = None
    path: str | None = None
    status_code: int | None = None


@dataclass(frozen=True, kw_only=True)
class FailureGroup(RunGroup):
    """Failed or drifted runs by outcome, category and verdict, with the last of them."""

    last_at: datetime


@dataclass(frozen=True)
class RunBrief:
    id: str
    probe: str
    started_at: datetime
    outcome: str | None
    status_code: int | None
    category: str | None
    verdict: str | None
    trace_id: str | None


@dataclass(frozen=True)
class Episode:
    """A probe's first and last failing run of the window and the pass that followed, if any."""

    probe: str
    first: RunBrief
    last: RunBrief
    recovered: RunBrief | None


@dataclass(frozen=True)
class Sample:
    """How many runs, and the first few of them."""

    count: int
    run_ids: tuple[str, ...]


@dataclass(frozen=True)
class AccountFacts:
    """Rate-limit and billing signals: 402/429 answers and usage/billing findings."""

    statuses: tuple[RunGroup, ...]
    findings: tuple[RunGroup, ...]


@dataclass(frozen=True)
class LedgerGroup:
    """Runs sharing one ledger digest (in order of their first run), with the ledger and contract
    reference they share."""

    count: int
    run_ids: tuple[str, ...]
    ledger: Any  # free-form JSON from the evidence
    contract: dict[str, Any] | None


@dataclass(frozen=True)
class ReportFacts:
    totals: Mapping[str, int]  # runs, pass, drift, fail, skipped, requests, attempts, tokens…
    timeline: tuple[Segment, ...]
    baselines: tuple[BaselineUse, ...]
    usage_absent_ids: tuple[str, ...]
    failures: tuple[FailureGroup, ...]
    episodes: tuple[Episode, ...]
    open_questions: tuple[RunGroup, ...]
    account_questions: Sample
    account: AccountFacts
    ledgers: tuple[LedgerGroup, ...]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ReportFacts:
        """From the plain form the SQL layer counts in (and older callers built by hand)."""
        return cls(
            totals=dict(d["totals"]),
            timeline=tuple(_segment(s) for s in d["timeline"]),
            baselines=tuple(BaselineUse(**b) for b in d["baselines"]),
            usage_absent_ids=tuple(d["usage_absent_ids"]),
            failures=tuple(_failure(g) for g in d["failures"]),
            episodes=tuple(_episode(e) for e in d["episodes"]),
            open_questions=tuple(_group(g) for g in d["open_questions"]),
            account_questions=Sample(
                d["account_questions"]["count"], tuple(d["account_questions"]["run_ids"])
            ),
            account=AccountFacts(
                tuple(_group(g) for g in d["account"]["statuses"]),
                tuple(_group(g) for g in d["account"]["findings"]),
            ),
            ledgers=tuple(
                LedgerGroup(g["count"], tuple(g["run_ids"]), g["ledger"], g.get("contract"))
                for g in d["ledgers"]
            ),
        )


_SEGMENT = ("probe", "status_code", "count", "first_id", "last_id", "first_at", "last_at")
_GROUP_KEYS = ("outcome", "category", "verdict", "kind", "path", "status_code")


def _segment(s: Mapping[str, Any]) -> Segment:
    # PostgreSQL's segments carry their running number (``grp``), which only orders them there
    return Segment(**{k: s[k] for k in _SEGMENT})


def _keys(g: Mapping[str, Any]) -> dict[str, Any]:
    return {k: g[k] for k in _GROUP_KEYS if k in g}


def _group(g: Mapping[str, Any]) -> RunGroup:
    return RunGroup(
        count=g["count"], first_at=g["first_at"], run_ids=tuple(g["run_ids"]), **_keys(g)
    )


def _failure(g: Mapping[str, Any]) -> FailureGroup:
    return FailureGroup(
        count=g["count"],
        first_at=g["first_at"],
        last_at=g["last_at"],
        run_ids=tuple(g["run_ids"]),
        **_keys(g),
    )


def _brief(b: Mapping[str, Any]) -> RunBrief:
    return RunBrief(**{k: b[k] for k in RunBrief.__dataclass_fields__})


def _episode(e: Mapping[str, Any]) -> Episode:
    rec = e.get("recovered")
    return Episode(e["probe"], _brief(e["first"]), _brief(e["last"]), _brief(rec) if rec else None)
