"""The spool: completed runs the database could not take yet, kept on disk until it can.

A database outage must delay results, never drop them. When recording a run fails with a
retryable storage error, its claim and observation (no secrets: the observation never holds
one) are written as one JSON file; a replay loop claims and records them once the database
answers. Judging happens at replay, against the state the database holds then, with the
run's own finish time as ``now``. A slot another replica completed meanwhile is dropped as a
duplicate. Files are written atomically and durably (temp file, fsync, rename, fsync of the
directory: a power cut leaves the old state or the new one, never a truncated run) and
replayed oldest first. A file that cannot be read anyway (a disk error, a hand edit) is set
aside into ``set-aside/`` with a reason starting ``unreadable``; the replay goes on, and the
self-watch raises ``spool-set-aside`` while such files wait for an operator.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.core.judge import ProbeSpec
from monitor.core.observation import AttemptRecord, Observation, StreamCapture, TransportFailure
from monitor.storage.private import private_dir, write_private
from monitor.storage.records import RunClaim, RunCompletion

log = logging.getLogger("monitor.runner.spool")
MAX_SPOOLED = 10_000
SET_ASIDE = "set-aside"
UNREADABLE = "unreadable"


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def encode_observation(obs: Observation) -> dict[str, Any]:
    data = asdict(obs)
    if data.get("key_fingerprint") is None:
        # added in this release; absent, a file reads as the previous release wrote it (and that
        # release reads this one: unknown keys are ignored)
        data.pop("key_fingerprint", None)
    data["started_at"] = _dt(obs.started_at)
    data["body"] = base64.b64encode(obs.body).decode("ascii")
    return data


def _tuples(data: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}


def decode_observation(data: dict[str, Any]) -> Observation:
    failure = data.get("failure")
    stream: dict[str, Any] | None = data.get("stream")
    started_at = _parse_dt(data["started_at"])
    assert started_at is not None
    return Observation(
        probe=data["probe"],
        target=data["target"],
        method=data["method"],
        url=data["url"],
        started_at=started_at,
        latency_ms=data["latency_ms"],
        request_headers=data.get("request_headers") or {},
        request_body=data.get("request_body"),
        status_code=data.get("status_code"),
        response_headers=data.get("response_headers") or {},
        body=base64.b64decode(data.get("body") or ""),
        body_truncated=bool(data.get("body_truncated")),
        failure=TransportFailure(**failure) if failure else None,
        attempts=tuple(AttemptRecord(**a) for a in data.get("attempts") or ()),
        stream=_decode_stream(stream) if stream else None,
        headers_captured=bool(data.get("headers_captured", True)),
        key_fingerprint=data.get("key_fingerprint"),
    )


def _decode_stream(data: dict[str, Any]) -> StreamCapture:
    # JSON has no tuples: (event index, why) pairs come back as lists and must not compare
    # unequal to what the judge saw before the outage
    values = _tuples(data)
    values["errors"] = tuple((int(i), str(why)) for i, why in data.get("errors") or ())
    return StreamCapture(**values)


def encode_claim(claim: RunClaim) -> dict[str, Any]:
    data = asdict(claim)
    for key in ("slot_at", "started_at", "lease_until"):
        data[key] = _dt(data[key])
    return data


def decode_claim(data: dict[str, Any]) -> RunClaim:
    values = dict(data)
    for key in ("slot_at", "started_at", "lease_until"):
        values[key] = _parse_dt(values[key])
    return RunClaim(**values)


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def put(self, record: dict[str, Any]) -> Path:
        """Store one spooled run (``claim``, ``observation`` and metadata), atomically."""
        private_dir(self.directory)
        if len(self.pending()) >= MAX_SPOOLED:
            raise OSError(f"spool {self.directory} is full ({MAX_SPOOLED} runs)")
        name = f"{record['claim']['started_at']}-{record['claim']['run_id']}.json"
        name = name.replace(":", "")
        final = self.directory / name
        temp = final.with_suffix(".tmp")
        write_private(temp, json.dumps(record))  # 0600, on disk before the name points to it
        os.replace(temp, final)
        _fsync_dir(self.directory)  # and the rename itself survives a power cut
        return final

    def pending(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("*.json"))

    def load(self, path: Path) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a spooled run (a JSON object)")
        return data

    def unreadable(self) -> list[Path]:
        """Set-aside files that could not be read (not those whose probe left the config)."""
        aside = self.directory / SET_ASIDE
        if not aside.is_dir():
            return []
        return sorted(
            p.with_suffix(".json")
            for p in aside.glob("*.reason")
            if p.read_text(encoding="utf-8", errors="replace").startswith(UNREADABLE)
            and p.with_suffix(".json").exists()
        )

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def set_aside(self, path: Path, reason: str) -> Path:
        """Keep a run that cannot be replayed (its probe left the config) out of the queue."""
        aside = self.directory / SET_ASIDE
        private_dir(aside)
        target = aside / path.name
        os.replace(path, target)
        write_private(target.with_suffix(".reason"), reason + "\n")
        return target


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def encode_completion(completion: RunCompletion, *, claimed: bool) -> dict[str, Any]:
    """Everything a replay needs except the probe spec, which comes from the config then."""
    return {
        "claimed": claimed,
        "claim": encode_claim(completion.claim),
        "observation": encode_observation(completion.observation),
        "finished_at": _dt(completion.finished_at),
        "trace_id": completion.trace_id,
        "span_id": completion.span_id,
        "request_id": completion.request_id,
        "key_fingerprint": completion.key_fingerprint,
        "monitor_version": completion.monitor_version,
        "probe_info": completion.probe_info,
        "evidence_extra": completion.evidence_extra,
        "contract_ref": completion.contract_ref,
    }


def decode_completion(data: dict[str, Any], spec: ProbeSpec) -> RunCompletion:
    finished = _parse_dt(data["finished_at"])
    assert finished is not None
    return RunCompletion(
        claim=decode_claim(data["claim"]),
        observation=decode_observation(data["observation"]),
        spec=spec,
        finished_at=finished,
        trace_id=data.get("trace_id"),
        span_id=data.get("span_id"),
        request_id=data.get("request_id"),
        key_fingerprint=data.get("key_fingerprint"),
        monitor_version=data.get("monitor_version") or "",
        probe_info=data.get("probe_info") or {},
        evidence_extra=data.get("evidence_extra") or {},
        contract_ref=data.get("contract_ref"),
    )
