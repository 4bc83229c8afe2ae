"""A scheduled slot is claimed exactly once, on every storage backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.storage import create_store
from monitor.storage.records import RunClaim

SLOT = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)


def claim(run_id: str) -> RunClaim:
    return RunClaim(
        run_id=run_id,
        probe="chat-basic",
        target="sim",
        kind="chat_completion",
        trigger="schedule",
        slot_at=SLOT,
        started_at=SLOT,
        claimed_by="test",
        lease_until=SLOT + timedelta(minutes=1),
        request_hash="h",
        config_hash="c",
    )


def test_the_first_claim_of_a_slot_wins_and_the_second_is_refused(db_url: str) -> None:
    store = create_store(db_url, lambda: "id", auto_upgrade=db_url.startswith("sqlite"))
    try:
        assert store.claim_run(claim("01a2-first")) is True
        assert store.claim_run(claim("01a2-second")) is False
    finally:
        store.close()
