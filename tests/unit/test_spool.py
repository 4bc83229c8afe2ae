"""The spool keeps runs the database could not take, losslessly and in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.core.observation import AttemptRecord, Observation, StreamCapture, TransportFailure
from monitor.runner.spool import (
    Spool,
    decode_claim,
    decode_observation,
    encode_claim,
    encode_observation,
)
from monitor.storage.records import RunClaim

T0 = datetime(2026, 5, 8, 14, 8, tzinfo=UTC)


def _observation() -> Observation:
    return Observation(
        probe="chat",
        target="sim",
        method="POST",
        url="http://sim/v1/chat/completions",
        started_at=T0,
        latency_ms=12.5,
        request_headers={"authorization": "Bearer ***"},
        request_body={"model": "m", "messages": []},
        status_code=200,
        response_headers={"content-type": "application/json"},
        body=b'{"a": "\\u00e9"}\xff',
        attempts=(AttemptRecord(1, "response", 200, 12.0, started_ms=0.5),),
        stream=StreamCapture(events=("{}", "[DONE]"), done_seen=True, gaps_ms=(1.0, 2.0)),
        failure=TransportFailure("timeout", "late", retryable=True),
    )


def test_observations_and_claims_round_trip_exactly() -> None:
    obs = _observation()
    assert decode_observation(encode_observation(obs)) == obs
    claim = RunClaim(
        "r1",
        "chat",
        "sim",
        "chat_completion",
        "schedule",
        T0,
        T0,
        "w",
        T0 + timedelta(seconds=60),
        "h",
        "c",
    )
    assert decode_claim(encode_claim(claim)) == claim


def test_spooled_runs_come_back_oldest_first_and_can_be_removed(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    assert spool.pending() == []
    for minute in (2, 1):
        started = (T0 + timedelta(minutes=minute)).isoformat()
        spool.put({"claim": {"started_at": started, "run_id": f"r{minute}"}, "observation": {}})
    paths = spool.pending()
    assert [spool.load(p)["claim"]["run_id"] for p in paths] == ["r1", "r2"]
    spool.remove(paths[0])
    assert len(spool.pending()) == 1
    assert not list((tmp_path / "spool").glob("*.tmp"))


def test_the_key_fingerprint_an_observation_carries_survives_the_spool() -> None:
    obs = replace(_observation(), key_fingerprint="bd381ad8")
    assert decode_observation(encode_observation(obs)).key_fingerprint == "bd381ad8"
