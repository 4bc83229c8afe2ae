"""The parameters a store is asked with: filters, pages, windows, claim policies and the
slots and self-watch observations it records. Plain frozen records, no SQL: the store roles of
``storage.base`` take them, each backend turns them into its own queries.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Required, TypedDict

from monitor.core.model import SELF_CATEGORY


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: ``(time, id)``; opaque to API users."""

    at: datetime
    id: str

    def encode(self) -> str:
        raw = f"{self.at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            at, _, row_id = raw.partition("|")
            parsed = datetime.fromisoformat(at)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ValueError(
                f"invalid cursor {text!r}: pass next_cursor from a previous page"
            ) from None
        if not row_id or parsed.tzinfo is None:
            raise ValueError(f"invalid cursor {text!r}: pass next_cursor from a previous page")
        return cls(parsed, row_id)


@dataclass(frozen=True)
class RunFilter:
    probes: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verdicts: tuple[str, ...] = ()
    status_codes: tuple[int, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    include_claimed: bool = False
    cursor: Cursor | None = None


@dataclass(frozen=True)
class EventFilter:
    probes: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    since: datetime | None = None  # last seen at or after
    limit: int = 100
    cursor: Cursor | None = None  # the page after this (first_seen, id)


@dataclass(frozen=True)
class Window:
    """The report's window: runs started in ``[since, until)``, optionally of one target."""

    since: datetime
    until: datetime
    target: str | None = None


@dataclass(frozen=True)
class ClaimPolicy:
    """How rows become due. ``group_hold``: an opening alert of a grouping sink waits this long
    for others of its target (``alerts.group_window``); ``flush`` skips the wait (``check``)."""

    lease: timedelta
    limit: int = 20
    group_hold: timedelta = timedelta()
    group_sinks: frozenset[str] = frozenset()
    flush: bool = False


@dataclass(frozen=True)
class SkippedSlot:
    probe: str
    target: str
    kind: str
    slot_at: datetime
    reason: str
    run_id: str
    request_hash: str
    config_hash: str


@dataclass(frozen=True)
class SelfObservation:
    """One look at one self-watch condition (``seen``: the condition holds now)."""

    fingerprint: str
    probe: str
    target: str
    kind: str
    message: str
    seen: bool
    severity: str = "breaking"
    category: str = SELF_CATEGORY
    verdict: str = "monitor_fault"
    probe_info: dict[str, Any] = field(default_factory=dict)
    # why a resolution happens when it is not that the condition cleared: ``removed`` (the
    # probe left the configuration) reads "PROBE REMOVED", not "MONITOR CAUGHT UP"
    resolve_reason: str = "resolved"


class Attempt(TypedDict, total=False):
    """One delivery attempt's outcome, as ``Outbox.record_delivery`` takes it (keywords)."""

    now: Required[datetime]
    result: Required[str]  # delivered | retry | failed | suppressed
    latency_ms: Required[float | None]
    error: str | None
    status_code: int | None
    external_ref: str | None  # the sink's id of the message (Slack's ts), for replies
    retry_at: datetime | None
    permanent: bool  # retrying cannot help
    worker: str | None  # the claim holder; None records whoever holds the row
